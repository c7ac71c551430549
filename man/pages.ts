// Assembles corral's three man pages in memory: the hand-written prose of
// man/src/*.md plus the parts generated from the code — corral(1)'s COMMANDS
// from the verb table of tui/cli/verbs.ts, corrald(8)'s FLAGS from
// daemon/config.ts, the shipped systemd unit from systemd/, and corral-rpc(7)'s
// error table, types, notifications and per-method reference from the OpenRPC
// document that rpc.discover serves. Both `npm run man` (man/build.ts) and the
// tests call renderPages(), so "the committed page is current" is a plain
// string comparison.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MAX_INPUT_BYTES, methods, type MethodName } from '../shared/api.js';
import { DEFAULT_RO_SOCKET, DEFAULT_SOCKET, DEFAULT_STATE_DIR } from '../shared/client.js';
import { ErrorCodes, type ErrorReason } from '../shared/errors.js';
import { errorSummaries, openrpcDocument, type ContentDescriptor } from '../shared/openrpc.js';
import { VERSION } from '../shared/version.js';
import { flags } from '../daemon/config.js';
import { HARD_BACKLOG_BYTES, MAX_REPLY_BYTES } from '../daemon/server/connection.js';
import { bindings, type Action, type Context } from '../tui/keymap.js';
import { VERBS } from '../tui/cli/verbs.js';
import { arg, bold, codeBlock, escape, header, italic, literal, markdownToRoff, textLine } from './roff.js';

export const MAN_DIR = path.dirname(fileURLToPath(import.meta.url));
export const TOP = path.dirname(MAN_DIR);

type Json = Record<string, unknown>;
type Schema = Json;

interface Page {
  file: string;
  manual: string;
}

export const PAGES: Page[] = [
  { file: 'corrald.8', manual: "System Manager's Manual" },
  { file: 'corral.1', manual: 'User Commands' },
  { file: 'corral-rpc.7', manual: 'Miscellaneous Information Manual' },
];

// ---- JSON Schema to the words of the page -------------------------------------

// zod gives every .int() the bounds of a safe integer; they say nothing to a reader.
const isSafeBound = (n: unknown) => typeof n === 'number' && Math.abs(n) === Number.MAX_SAFE_INTEGER;

const refName = (s: Schema) => (typeof s.$ref === 'string' ? s.$ref.replace(/^#\/components\/schemas\//, '') : undefined);

/** Looks through the allOf:[{$ref}] that zod writes for a described or optional reference. */
function unwrap(s: Schema): Schema {
  const all = s.allOf as Schema[] | undefined;
  if (all && all.length === 1) {
    const { allOf: _, ...rest } = s;
    return { ...all[0], ...rest };
  }
  return s;
}

/** The type of a schema, as roff: Container, string, integer[], "stdout" | "stderr", {string: string}. */
function typeOf(input: Schema): string {
  const s = unwrap(input);
  const ref = refName(s);
  if (ref) return italic(ref);
  if (Array.isArray(s.enum)) return s.enum.map((v) => bold(escape(JSON.stringify(v), true))).join(' | ');
  if (s.const !== undefined) return bold(escape(JSON.stringify(s.const), true));
  if (Array.isArray(s.anyOf)) return (s.anyOf as Schema[]).map(typeOf).join(' | ');
  switch (s.type) {
    case 'array': {
      const item = typeOf((s.items ?? {}) as Schema);
      return (item.includes(' | ') ? `(${item})` : item) + '[]';
    }
    case 'object':
      if (s.properties && Object.keys(s.properties).length) return 'object';
      if (s.additionalProperties && typeof s.additionalProperties === 'object') {
        return `{string: ${typeOf(s.additionalProperties as Schema)}}`;
      }
      return '{}';
    case undefined:
      return 'any';
    default:
      return String(s.type);
  }
}

/** The limits a schema puts on a value, in words. */
function constraints(input: Schema, description?: string): string[] {
  const s = unwrap(input);
  const out: string[] = [];
  // A description that quotes its pattern has said it already.
  if (typeof s.pattern === 'string' && s.format !== 'starts_with' && !description?.includes(s.pattern)) out.push(`matching ${bold(escape(s.pattern, true))}`);
  if (s.format === 'starts_with' && typeof s.pattern === 'string') {
    out.push(`starting with ${bold(escape(s.pattern.replace(/^\^/, '').replace(/\.\*$/, '').replace(/\\/g, ''), true))}`);
  }
  const lo = isSafeBound(s.minimum) ? undefined : (s.minimum as number | undefined);
  const hi = isSafeBound(s.maximum) ? undefined : (s.maximum as number | undefined);
  if (lo !== undefined && hi !== undefined) out.push(`${escape(String(lo))} to ${escape(String(hi))}`);
  else if (lo !== undefined) out.push(`at least ${escape(String(lo))}`);
  else if (hi !== undefined) out.push(`at most ${escape(String(hi))}`);
  if (s.exclusiveMinimum === 0) out.push('more than 0');
  const chars = (n: number) => `${n} character${n === 1 ? '' : 's'}`;
  if (typeof s.minLength === 'number' && typeof s.maxLength === 'number') out.push(`${s.minLength} to ${chars(s.maxLength)}`);
  else if (typeof s.maxLength === 'number') out.push(`at most ${chars(s.maxLength)}`);
  else if (typeof s.minLength === 'number') out.push(`at least ${chars(s.minLength)}`);
  if (typeof s.minItems === 'number') out.push(`at least ${s.minItems} item${s.minItems === 1 ? '' : 's'}`);
  if (s.type === 'array' && s.items) out.push(...constraints(s.items as Schema).map((c) => `each ${c}`));
  if (s.type === 'object' && s.additionalProperties && typeof s.additionalProperties === 'object') {
    const keys = constraints((s.propertyNames ?? {}) as Schema).map((c) => `keys ${c}`);
    const values = constraints(s.additionalProperties as Schema).map((c) => `values ${c}`);
    out.push(...keys, ...values);
  }
  return out;
}

interface Field {
  name: string;
  required: boolean;
  description?: string;
  schema: Schema;
}

function fieldsOf(s: Schema): Field[] {
  const props = (s.properties ?? {}) as Record<string, Schema>;
  const required = new Set((s.required ?? []) as string[]);
  return Object.entries(props).map(([name, schema]) => ({
    name,
    required: required.has(name),
    description: typeof unwrap(schema).description === 'string' ? (unwrap(schema).description as string) : undefined,
    schema,
  }));
}

/**
 * A .TP list of fields; the fields of an inline object follow it as
 * parent.child. Params say Required or Optional first, since that is what a
 * caller looks for; fields of results and types only say when they may be absent.
 */
function fieldList(fields: Field[], kind: 'params' | 'fields', prefix = ''): string[] {
  const out: string[] = [];
  for (const f of fields) {
    const s = unwrap(f.schema);
    const optional = kind === 'fields' && !f.required ? ', optional' : '';
    const text = [
      ...(kind === 'params' ? [f.required ? 'Required' : 'Optional'] : []),
      ...(f.description ? [capitalize(literal(f.description))] : []),
      ...constraints(s, f.description).map(capitalize),
    ];
    out.push('.TP', textLine(`${bold(escape(prefix + f.name, true))} (${typeOf(s)}${optional})`));
    if (text.length) out.push(textLine(text.join('. ') + '.'));
    if (hasProperties(s)) out.push(...fieldList(fieldsOf(s), kind, `${prefix}${f.name}.`));
  }
  return out;
}

const hasProperties = (s: Schema) => s.type === 'object' && !!s.properties && Object.keys(s.properties).length > 0;

/** The objects of a union of objects (zod writes oneOf for a discriminated union); undefined for any other schema. */
function objectVariants(s: Schema): Schema[] | undefined {
  const list = (s.oneOf ?? s.anyOf) as Schema[] | undefined;
  const variants = list?.map(unwrap);
  return variants?.length && variants.every(hasProperties) ? variants : undefined;
}

// zod writes a field that an object may not carry as {not: {}}, which no value matches.
const isAbsent = (s: Schema) => typeof s.not === 'object' && s.not !== null && Object.keys(s.not).length === 0;
const tagValues = (s: Schema) => (Array.isArray(s.enum) ? (s.enum as unknown[]) : s.const !== undefined ? [s.const] : undefined);

/** "a, b and c", each value as code. */
function valueList(values: string[]): string {
  const words = values.map((v) => bold(escape(v, true)));
  return words.length < 2 ? words.join('') : `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
}

/**
 * A union of objects told apart by one field (an Event by its type) as one
 * list: each field once, with the values of that field on which it is there,
 * optional or required, and what it means there when that differs. A reader
 * looking for "does this event carry the container" finds it at the field.
 */
function variantFieldList(variants: Schema[], named: Record<string, Schema>): string[] {
  const fields = variants.map(fieldsOf);
  const field = (i: number, name: string) => fields[i].find((f) => f.name === name && !isAbsent(unwrap(f.schema)));
  const names = [...new Set(fields.flat().map((f) => f.name))];
  const tag = names.find((n) => variants.every((_, i) => field(i, n)?.required && tagValues(unwrap(field(i, n)!.schema))));
  if (!tag) throw new Error('man: a union of objects needs a field whose values tell them apart');
  const valuesOf = (i: number) => tagValues(unwrap(field(i, tag)!.schema))!.map(String);
  const every = variants.flatMap((_, i) => valuesOf(i));
  const on = (indexes: number[]) => {
    const values = indexes.flatMap(valuesOf);
    const others = every.filter((v) => !values.includes(v));
    if (others.length === 0) return `every ${tag}`;
    return others.length < values.length ? `every ${tag} but ${valueList(others)}` : valueList(values);
  };
  const out: string[] = [];
  for (const name of names) {
    const present = variants.map((_, i) => i).filter((i) => field(i, name));
    const first = field(present[0], name)!;
    const s = unwrap(first.schema);
    if (name === tag) {
      // its values are most often a named enum (EventType), which lists them in their own order
      const same = (values: unknown) => Array.isArray(values) && values.length === every.length && every.every((v) => values.includes(v));
      const enumName = Object.keys(named).find((n) => same(unwrap(named[n]).enum));
      const type = enumName ? italic(enumName) : every.map((v) => bold(escape(JSON.stringify(v), true))).join(' | ');
      out.push('.TP', textLine(`${bold(escape(name, true))} (${type})`));
      continue;
    }
    // variants that carry the field alike (both required or both optional, the same meaning) are said in one breath
    const groups = new Map<string, { required: boolean; description?: string; indexes: number[] }>();
    for (const i of present) {
      const f = field(i, name)!;
      const key = `${f.required} ${f.description ?? ''}`;
      if (!groups.has(key)) groups.set(key, { required: f.required, description: f.description, indexes: [] });
      groups.get(key)!.indexes.push(i);
    }
    const always = present.length === variants.length && groups.size === 1 && first.required;
    const text: string[] = [];
    if (groups.size === 1 && first.description) text.push(capitalize(literal(first.description)));
    if (!always) {
      for (const g of groups.values()) {
        const where = `${g.required ? 'On' : 'Optional on'} ${on(g.indexes)}`;
        text.push(groups.size > 1 && g.description ? `${where}: ${literal(g.description)}` : where);
      }
    }
    text.push(...constraints(s, first.description).map(capitalize));
    out.push('.TP', textLine(`${bold(escape(name, true))} (${typeOf(s)}${always ? '' : ', optional'})`));
    if (text.length) out.push(textLine(text.join('. ') + '.'));
  }
  return out;
}

// Descriptions in the code are written to follow a type: lower-case, no full
// stop. On the page they are sentences. They often quote patterns, names and
// numbers, so they are escaped as literal text: a "-" in them is a real minus
// that survives copy and paste.
const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const described = (text: string) => capitalize(literal(text)) + '.';

// ---- corral-rpc(7) -------------------------------------------------------------

const SOCAT = `socat - UNIX-CONNECT:${DEFAULT_SOCKET}`;

/** The shell line that sends one request with socat, quoted for sh. */
function socatExample(method: string, params: Record<string, unknown>): string[] {
  const request: Json = { jsonrpc: '2.0', id: 1, method };
  if (Object.keys(params).length) request.params = params;
  const json = JSON.stringify(request).replace(/'/g, `'\\''`);
  return [`printf '%s\\n' \\`, `  '${json}' |`, `  ${SOCAT}`];
}

function errorTable(): string[] {
  return (Object.keys(ErrorCodes) as ErrorReason[]).flatMap((reason) => [
    '.TP',
    textLine(`${bold(escape(String(ErrorCodes[reason])))}  ${bold(escape(reason, true))}`),
    textLine(described(errorSummaries[reason])),
  ]);
}

function typesSection(schemas: Record<string, Schema>): string[] {
  return Object.entries(schemas).flatMap(([name, schema]) => {
    const s = unwrap(schema);
    const out = ['.SS ' + arg(name)];
    if (typeof s.description === 'string') out.push(textLine(described(s.description)));
    if (hasProperties(s)) return [...out, ...fieldList(fieldsOf(s), 'fields')];
    const variants = objectVariants(s);
    if (variants) return [...out, ...variantFieldList(variants, schemas)];
    const limits = constraints(s, s.description as string | undefined);
    return [...out, textLine(`${s.enum ? 'One of' : 'Type:'} ${typeOf(s)}${limits.length ? ', ' + limits.join(', ') : ''}.`)];
  });
}

function notificationsSection(list: { name: string; params: ContentDescriptor[] }[]): string[] {
  return list.flatMap((n) => ['.SS ' + arg(n.name), textLine(`Params of the ${bold(escape(n.name, true))} notification:`), ...fieldList(n.params, 'fields')]);
}

function methodSection(m: Json): string[] {
  const name = m.name as MethodName;
  const spec = methods[name];
  const params = m.params as ContentDescriptor[];
  const result = unwrap((m.result as { schema: Schema }).schema);
  const errors = m.errors as { code: number; data: { reason: string } }[];
  const out = ['.SS ' + arg(name), textLine(escape(spec.summary, true))];
  out.push(
    spec.readOnly
      ? `Served on the read\\-only socket too.`
      : `Changes state: served on the main socket only; the read\\-only socket refuses it.`,
  );
  out.push('.PP', italic('Params:'));
  if (params.length === 0) out.push('none; omit ' + bold('params') + ' or send ' + bold('{}') + '.');
  else out.push('an object with', ...fieldList(params, 'params'));
  out.push('.PP', italic('Result:'));
  if (refName(result)) out.push(`a ${typeOf(result)} (see ${bold('TYPES')}).`);
  else if (hasProperties(result)) out.push('an object with', ...fieldList(fieldsOf(result), 'fields'));
  else out.push(`${typeOf(result)}${result.type === 'object' && !result.additionalProperties ? ' (an empty object)' : ''}.`);
  out.push(
    '.PP',
    italic('Errors:'),
    textLine(errors.map((e) => `${bold(escape(e.data.reason, true))} (${escape(String(e.code))})`).join(', ') + '.'),
    '.PP',
    italic('Example:'),
    ...codeBlock(socatExample(name, spec.example)).slice(1),
  );
  return out;
}

// ---- corrald(8) ----------------------------------------------------------------

function flagList(): string[] {
  return flags.flatMap((f) => {
    const tag = bold(escape(`--${f.name}`)) + (f.value ? ' ' + italic(escape(f.value)) : '');
    const def = f.default ? ` Default: ${bold(escape(f.default, true))}.` : '';
    return ['.TP', textLine(tag), textLine(described(f.help) + def)];
  });
}

function fileBlock(rel: string): () => string[] {
  return () => codeBlock(readFileSync(path.join(TOP, rel), 'utf8').replace(/\n$/, '').split('\n'));
}

// ---- corral(1) -------------------------------------------------------------------

// The TUI shows arrows; a man page read under LANG=C cannot, so keys are words.
export const KEY_WORDS: Record<string, string> = {
  up: 'Up', down: 'Down', left: 'Left', right: 'Right', enter: 'Enter', esc: 'Esc', tab: 'Tab',
  'shift-tab': 'Shift-Tab', pageup: 'PgUp', pagedown: 'PgDn', home: 'Home', end: 'End', 'ctrl-c': 'Ctrl-C',
};

const WHERE: Record<Context, string> = {
  list: 'the list',
  detail: 'the detail pane',
  logs: 'the log view',
  processes: 'the Processes tab',
  overlay: 'dialogs and full-screen views',
  images: 'the Images view',
  image: "an image's detail pane",
};

// The help screen's words, where they read wrongly outside that screen.
const HELP_ON_PAGE: Partial<Record<Action, string>> = { help: 'the help screen: every key, and which are off under --read-only' };

/** The TUI's keymap table (tui/keymap.ts), the one its help screen and hint bar come from. */
function keyList(): string[] {
  return bindings.flatMap((b) => {
    const keys = b.keys.map((k) => KEY_WORDS[k] ?? bold(escape(k, true))).join(', ');
    const text = [described(HELP_ON_PAGE[b.action] ?? b.help)];
    if (b.contexts.length < 3) text.push(`In ${b.contexts.map((c) => WHERE[c]).join(' and ')}.`);
    if (b.mutating) text.push(`Refused under ${bold('\\-\\-read\\-only')} and while disconnected.`);
    return ['.TP', textLine(keys), textLine(text.join(' '))];
  });
}

/** The verb table of the command line (tui/cli/verbs.ts), the one its --help and completion come from. */
function verbList(): string[] {
  return VERBS.filter((v) => !v.hidden).flatMap((v) => {
    const synopsis = [bold(escape(`corral ${v.name}`, true)), ...(v.flags.length && !v.rawArgs ? [`[${italic('FLAGS')}]`] : []), ...(v.args ? [escape(v.args, true)] : [])];
    const flags = v.flags.flatMap((f) => {
      const names = [...(f.short ? [bold(escape(`-${f.short}`, true))] : []), bold(escape(`--${f.name}`, true))].join(', ');
      const value = f.optionalValue ? escape('[=', true) + italic(escape(f.value!, true)) + escape(']', true) : f.value ? ' ' + italic(escape(f.value, true)) : '';
      return ['.TP', textLine(names + value), textLine(described(f.help))];
    });
    const text = [described(v.summary), ...(v.details ? [escape(v.details)] : [])].join(' ');
    return ['.SS ' + arg(`corral ${v.name}`), textLine(synopsis.join(' ')), '.br', textLine(text), ...(flags.length ? ['.PP', 'Flags:', ...flags] : [])];
  });
}

// ---- assembly --------------------------------------------------------------------

function blocks(): Record<string, () => string[]> {
  const doc = openrpcDocument(VERSION) as Json;
  const components = doc.components as { schemas: Record<string, Schema> };
  return {
    flags: flagList,
    keys: keyList,
    verbs: verbList,
    'systemd/corrald.service': fileBlock('systemd/corrald.service'),
    errors: errorTable,
    types: () => typesSection(components.schemas),
    notifications: () => notificationsSection(doc['x-notifications'] as { name: string; params: ContentDescriptor[] }[]),
    methods: () => (doc.methods as Json[]).flatMap(methodSection),
    'read-only-methods': () => {
      const names = (doc.methods as Json[]).filter((m) => m['x-read-only']).map((m) => bold(escape(m.name as string, true)));
      return [textLine(names.join(', ') + '.')];
    },
  };
}

/** Values the prose refers to as {{NAME}}, so a changed default is changed on the page too. */
const VARIABLES: Record<string, () => string> = {
  VERSION: () => VERSION,
  DEFAULT_SOCKET: () => DEFAULT_SOCKET,
  DEFAULT_RO_SOCKET: () => DEFAULT_RO_SOCKET,
  DEFAULT_STATE_DIR: () => DEFAULT_STATE_DIR,
  MAX_MESSAGE_BYTES: () => flags.find((f) => f.name === 'max-message-bytes')!.default,
  MAX_CONNECTIONS: () => flags.find((f) => f.name === 'max-connections')!.default,
  MAX_SUBSCRIPTIONS: () => flags.find((f) => f.name === 'max-subscriptions')!.default,
  EVENT_HISTORY: () => flags.find((f) => f.name === 'event-history')!.default,
  MAX_REPLY_MIB: () => String(MAX_REPLY_BYTES / 2 ** 20),
  HARD_BACKLOG_MIB: () => String(HARD_BACKLOG_BYTES / 2 ** 20),
  MAX_INPUT_BYTES: () => String(MAX_INPUT_BYTES),
};

function substitute(source: string): string {
  return source.replace(/\{\{([A-Z_]+)\}\}/g, (_, name: string) => {
    const value = VARIABLES[name];
    if (!value) throw new Error(`man: unknown variable {{${name}}}`);
    return value();
  });
}

/** Every page, file name to roff text, exactly as `npm run man` writes them. */
export function renderPages(): Map<string, string> {
  const gen = blocks();
  const pages = new Map<string, string>();
  for (const page of PAGES) {
    const [name, section] = [page.file.slice(0, page.file.lastIndexOf('.')), page.file.slice(page.file.lastIndexOf('.') + 1)];
    const source = readFileSync(path.join(MAN_DIR, 'src', `${page.file}.md`), 'utf8');
    const lines = [
      `.\\" ${page.file}: generated by \`npm run man\` from man/src/${page.file}.md and the code; edit those, not this file.`,
      ...header({ name, section, footer: `corral ${VERSION}`, manual: page.manual }),
      ...markdownToRoff(substitute(source), gen),
    ];
    pages.set(page.file, lines.join('\n') + '\n');
  }
  return pages;
}
