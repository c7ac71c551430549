// The man pages cannot drift from the code: these tests fail when a method, a
// param, an error reason or a daemon flag has no place in the pages, when the
// committed roff is older than what `npm run man` writes now, or when groff
// finds anything to warn about. They also pin the roff writer's escaping, the
// part of a man page that breaks silently.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { methodNames, methods } from '../shared/api.js';
import { ErrorCodes } from '../shared/errors.js';
import { flags, helpText } from '../daemon/config.js';
import { KEY_WORDS, MAN_DIR, PAGES, TOP, renderPages } from '../man/pages.js';
import { bindings } from '../tui/keymap.js';
import { VERBS } from '../tui/cli/verbs.js';
import { escape, inline, markdownToRoff, textLine } from '../man/roff.js';

const committed = (file: string) => readFileSync(path.join(MAN_DIR, file), 'utf8');

/** The lines of one .SH section of a page, up to the next .SH. */
function section(page: string, title: string): string[] {
  const lines = page.split('\n');
  const start = lines.findIndex((l) => l === `.SH "${title}"`);
  assert.ok(start >= 0, `no .SH "${title}" section`);
  const end = lines.findIndex((l, i) => i > start && l.startsWith('.SH '));
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

/** The lines of one .SS subsection within a section's lines. */
function subsection(lines: string[], title: string): string[] | undefined {
  const start = lines.findIndex((l) => l === `.SS "${title}"`);
  if (start < 0) return undefined;
  const end = lines.findIndex((l, i) => i > start && (l.startsWith('.SS ') || l.startsWith('.SH ')));
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

const tagged = (lines: string[], name: string) => lines.some((l) => l.startsWith(`\\fB\\%${name}\\fR`));

test('the committed pages are what `npm run man` writes now', () => {
  const pages = renderPages();
  assert.deepEqual([...pages.keys()].sort(), PAGES.map((p) => p.file).sort());
  for (const [file, text] of pages) {
    assert.ok(committed(file) === text, `man/${file} is out of date: run \`npm run man\` and commit the result`);
  }
});

test('package.json installs every page', () => {
  const pkg = JSON.parse(readFileSync(path.join(TOP, 'package.json'), 'utf8')) as { man: string[] };
  assert.deepEqual([...pkg.man].sort(), PAGES.map((p) => `man/${p.file}`).sort());
});

test('corral-rpc(7) has a section for every method, with each of its params', () => {
  const page = committed('corral-rpc.7');
  const reference = section(page, 'METHODS');
  for (const name of methodNames) {
    const lines = subsection(reference, name);
    assert.ok(lines, `corral-rpc(7) has no section for ${name}: run \`npm run man\``);
    const params = Object.keys(methods[name].params.shape);
    for (const param of params) assert.ok(tagged(lines, param), `corral-rpc(7) ${name} does not list its param ${param}`);
    if (params.length === 0) assert.ok(lines.some((l) => l.startsWith('none;')), `${name} takes no params and should say so`);
    assert.ok(lines.some((l) => l.includes('UNIX\\-CONNECT:')), `${name} has no socat example`);
  }
});

test('corral-rpc(7) lists every error code with its reason, and each method its reasons', () => {
  const page = committed('corral-rpc.7');
  const table = section(page, 'ERRORS').join('\n');
  for (const [reason, code] of Object.entries(ErrorCodes)) {
    assert.ok(table.includes(`\\fB\\%${escape(String(code))}\\fR  \\fB\\%${escape(reason, true)}\\fR`), `no row for ${reason} (${code})`);
  }
  const reference = section(page, 'METHODS');
  for (const name of methodNames) {
    const lines = subsection(reference, name)!.join('\n');
    for (const reason of methods[name].errors) {
      assert.ok(lines.includes(`\\fB\\%${escape(reason, true)}\\fR (${escape(String(ErrorCodes[reason]))})`), `${name} does not list ${reason}`);
    }
  }
});

test('every example of shared/api.ts is a valid request', () => {
  for (const name of methodNames) {
    const r = methods[name].params.safeParse(methods[name].example);
    assert.ok(r.success, `${name}'s example does not match its params: ${r.error?.message}`);
  }
});

test('corrald(8) documents every flag that corrald --help lists', () => {
  const listed = [...helpText().matchAll(/^ {2}--([a-z][a-z-]*)/gm)].map((m) => m[1]);
  assert.deepEqual(listed, flags.map((f) => f.name), 'helpText() and the flags table disagree');
  const documented = section(committed('corrald.8'), 'FLAGS');
  for (const name of listed) {
    assert.ok(tagged(documented, escape(`--${name}`)), `corrald(8) FLAGS does not document --${name}: run \`npm run man\``);
  }
});

// The default device, and the two that man(1) uses on a terminal: a character
// that has no form under LANG=C shows up only with -Tascii.
test('corral(1) lists every key of the TUI keymap', () => {
  const keys = subsection(section(committed('corral.1'), 'THE TERMINAL UI'), 'Keys');
  assert.ok(keys, 'corral(1) has no Keys subsection');
  const tags = keys.filter((_, i) => keys[i - 1] === '.TP');
  for (const b of bindings) {
    const tag = b.keys.map((k) => KEY_WORDS[k] ?? `\\fB\\%${escape(k, true)}\\fR`).join(', ');
    assert.ok(tags.includes(tag), `corral(1) does not list ${b.action} (${b.keys.join(', ')}): run \`npm run man\``);
  }
});

test('corral(1) COMMANDS has every verb of the command line, with each of its flags', () => {
  const commands = section(committed('corral.1'), 'COMMANDS');
  for (const v of VERBS.filter((x) => !x.hidden)) {
    const lines = subsection(commands, `corral ${v.name}`);
    assert.ok(lines, `corral(1) has no COMMANDS entry for ${v.name}: run \`npm run man\``);
    for (const f of v.flags) assert.ok(lines.some((l) => l.includes(`\\fB\\%${escape(`--${f.name}`, true)}\\fR`)), `corral(1) ${v.name} does not list --${f.name}`);
  }
});

test('groff -man -ww reports nothing on any page, on any device', () => {
  for (const [{ file }, device] of PAGES.flatMap((p) => ['', '-Tutf8', '-Tascii'].map((d) => [p, d] as const))) {
    const r = spawnSync('groff', ['-man', '-ww', '-z', ...(device ? [device] : []), path.join(MAN_DIR, file)], { encoding: 'utf8' });
    if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
      assert.fail('groff is not installed: install the Debian package groff-base (apt-get install groff-base) to check the man pages');
    }
    assert.equal(r.status, 0, `groff ${device} failed on man/${file}: ${r.stderr}`);
    assert.equal(r.stderr, '', `groff ${device} warns about man/${file}:\n${r.stderr}`);
  }
});

test('roff escaping: backslashes, control characters at line start, hyphens, quotes', () => {
  assert.equal(escape('a\\b'), 'a\\eb');
  assert.equal(escape('--root'), '\\-\\-root');
  assert.equal(escape('read-only'), 'read-only');
  assert.equal(escape('read-only', true), 'read\\-only');
  assert.equal(escape("it's", true), 'it\\(aqs');
  assert.equal(escape('^a~b`c', true), '\\(haa\\(tib\\(gac');
  assert.equal(escape('a → b'), 'a \\(-> b');
  assert.throws(() => escape('\u{1F600}'), /no escape/);
  assert.equal(textLine('.SH not a request'), '\\&.SH not a request');
  assert.equal(textLine("'tis"), "\\&'tis");
  assert.equal(inline('see `corral call` and corrald(8)'), 'see \\fB\\%corral call\\fR and \\fB\\%corrald\\fR(8)');
});

test('markdown: headings, definitions, bullets, code and generated blocks', () => {
  const roff = markdownToRoff(
    ['# NAME', 'x - y', '', '`--a`', ': does a', '  and more', '', '- one', '- two', '', '```', '.dot', '```', '{{> g}}'].join('\n'),
    { g: () => ['.\\" generated'] },
  );
  assert.deepEqual(roff, [
    '.SH "NAME"',
    'x \\- y',
    '.TP',
    '\\fB\\%\\-\\-a\\fR',
    'does a',
    'and more',
    '.IP \\(bu 2',
    'one',
    '.IP \\(bu 2',
    'two',
    '.PP',
    '.RS 4',
    '.EX',
    '\\&.dot',
    '.EE',
    '.RE',
    '.\\" generated',
  ]);
  assert.throws(() => markdownToRoff('{{> missing}}', {}), /unknown block/);
});
