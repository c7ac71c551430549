// Shell completion from the verb table. `corral completion bash` prints a
// small script whose one function hands the words typed so far to the hidden
// `corral __complete WORDS...`, which answers with the candidates, one a line:
// verbs, a verb's flags, signal names, and container ids or image refs asked
// live from corrald (over the socket the typed line names, if any). The
// decision is a pure function of the words and two sources, table-tested;
// `:files` as the answer tells the script to complete file names instead.
import { SIGNAL_NAMES } from '../../shared/api.js';
import { Client } from '../../shared/client.js';
import { isCorralError } from '../../shared/errors.js';
import { shortName } from '../../shared/image-ref.js';
import { parseGlobal } from '../args.js';
import { imageId } from '../image-listing.js';
import { UsageError } from './parse.js';
import { verb, type Completion, type VerbSpec } from './spec.js';

/** What the candidates for a word come from. */
export interface Sources {
  containers(): Promise<string[]>;
  /** The process ids of container ID. */
  processes(id: string): Promise<string[]>;
  images(): Promise<string[]>;
}

export const FILES = ':files';
export const GLOBAL_FLAGS = ['--socket', '--read-only', '--help', '--version'];
/** A completion must never keep a shell waiting: corrald answers in milliseconds or not at all. */
const COMPLETE_TIMEOUT_MS = 1500;

async function candidatesOf(kind: Completion | undefined, s: Sources, verbs: VerbSpec[], container?: string): Promise<string[]> {
  switch (kind) {
    case 'containers':
      return s.containers();
    case 'processes':
      return container ? s.processes(container) : [];
    case 'images':
      return s.images();
    case 'signals':
      return SIGNAL_NAMES.map((n) => n.slice(3));
    case 'formats':
      return ['table', 'json'];
    case 'shells':
      return ['bash'];
    case 'verbs':
      return [...new Set(verbs.filter((v) => !v.hidden).map((v) => v.name.split(' ')[0]))];
    case 'files':
      return [FILES];
    default:
      return [];
  }
}

/** The candidates for the last of WORDS (the words after `corral`, the last one being typed, maybe empty). */
export async function complete(words: string[], verbs: VerbSpec[], s: Sources): Promise<string[]> {
  const cur = words.at(-1) ?? '';
  let i = 0;
  while (i < words.length - 1 && words[i].startsWith('-')) i += words[i] === '--socket' ? 2 : 1;
  if (i >= words.length) return [FILES]; // the path after a final --socket
  if (i === words.length - 1) return cur.startsWith('-') ? GLOBAL_FLAGS : candidatesOf('verbs', s, verbs);
  const visible = verbs.filter((v) => !v.hidden);
  const two = visible.find((v) => v.name === `${words[i]} ${words[i + 1]}`);
  const spec = two ?? visible.find((v) => v.name === words[i]);
  if (!spec) {
    // a noun typed, its second word not yet: `corral image <TAB>`
    const nouns = visible.filter((v) => v.name.startsWith(`${words[i]} `));
    return i === words.length - 2 ? nouns.map((v) => v.name.split(' ')[1]) : [];
  }
  const rest = words.slice(i + (two ? 2 : 1), -1);
  const prev = rest.at(-1);
  const flag = prev?.startsWith('-') && !prev.includes('=') ? spec.flags.find((f) => prev === `--${f.name}` || prev === `-${f.short}`) : undefined;
  if (flag?.value && !flag.optionalValue) return flag.choices ?? candidatesOf(flag.complete, s, verbs);
  // run, create, exec: IMAGE or CONTAINER first (none with --bundle), then a command of the container's own, its flags too
  const positionals = rest.filter((w, j) => !w.startsWith('-') && !spec.flags.some((f) => f.value && !f.optionalValue && (rest[j - 1] === `--${f.name}` || rest[j - 1] === `-${f.short}`)));
  if (spec.stopAtPositional && (positionals.length > 0 || (rest.includes('--bundle') && !cur.startsWith('-')))) return [FILES];
  // --flag=VALUE in one word (--tls-verify=false can only be written so)
  const inline = /^--([\w-]+)=/.exec(cur);
  const inlineFlag = inline && spec.flags.find((f) => f.name === inline[1] && f.value);
  if (inlineFlag) return (inlineFlag.choices ?? (await candidatesOf(inlineFlag.complete, s, verbs))).map((v) => `--${inlineFlag.name}=${v}`);
  if (cur.startsWith('-')) return [...spec.flags.map((f) => `--${f.name}`), '--help'];
  return candidatesOf(spec.completeArgs?.[positionals.length] ?? spec.complete, s, verbs, positionals[0]);
}

/** Asks corrald at SOCKET; nothing when it cannot answer quickly, so a shell never hangs or prints an error. */
function liveSources(socket: string): Sources & { close(): void } {
  let client: Promise<Client> | undefined;
  const connect = () => (client ??= Client.connect(socket, COMPLETE_TIMEOUT_MS));
  const ask = async <T>(get: (c: Client) => Promise<T>, pick: (r: T) => string[]) => {
    try {
      return pick(await get(await connect()));
    } catch (err) {
      if (isCorralError(err)) return [];
      throw err;
    }
  };
  const within = { timeoutMs: COMPLETE_TIMEOUT_MS };
  return {
    containers: () => ask((c) => c.request('container.list', {}, within), (r) => r.containers.map((x) => x.id)),
    processes: (id) => ask((c) => c.request('process.list', { id }, within), (r) => r.processes.map((x) => x.id)),
    // names as they are typed (busybox:latest for docker.io/library/busybox:latest); an untagged image by its id
    images: () => ask((c) => c.request('image.list', {}, within), (r) => r.images.flatMap((im) => (im.names.length ? im.names.map(shortName) : [imageId(im.digest)]))),
    close: () => void client?.then((c) => c.close(), () => undefined),
  };
}

// bash splits the line at ":" and "=" (COMP_WORDBREAKS), which would cut an image ref such as busybox:latest
// in two: the words are read from the line itself, and a candidate then replaces only what follows the last
// ":" or "="
const SCRIPT = `# bash completion for corral; generated by \`corral completion bash\`.
# Load it with: source <(corral completion bash)
_corral() {
  local IFS=$' \\t\\n' line="\${COMP_LINE:0:COMP_POINT}" out cur prefix i
  local -a words
  read -ra words <<< "$line"
  [[ "$line" =~ [[:space:]]$ ]] && words+=("")
  cur="\${words[\${#words[@]}-1]}"
  out=$(corral __complete "\${words[@]:1}" 2>/dev/null) || return 0
  if [[ "$out" == "${FILES}" ]]; then
    compopt -o default
    COMPREPLY=()
    return 0
  fi
  IFS=$'\\n'
  COMPREPLY=($(compgen -W "$out" -- "$cur"))
  if [[ "$cur" == *[:=]* ]]; then
    prefix="\${cur%"\${cur##*[:=]}"}"
    for i in "\${!COMPREPLY[@]}"; do COMPREPLY[i]="\${COMPREPLY[i]#"$prefix"}"; done
  fi
}
complete -F _corral corral
`;

/** The two verbs; they take the verb table, so that the table (which lists them) needs no import of its own here. */
export function completionVerbs(verbs: () => VerbSpec[]): VerbSpec[] {
  return [
    verb({
      name: 'completion',
      group: 'Other',
      summary: 'print a bash completion script: source <(corral completion bash)',
      args: 'bash',
      minArgs: 1,
      maxArgs: 1,
      complete: 'shells',
      mutates: false,
      flags: [],
      async run(ctx, p) {
        if (p.positionals[0] !== 'bash') throw new UsageError(`corral completion: only bash is supported, got "${p.positionals[0]}"`);
        ctx.out.stdout.write(SCRIPT);
        return 0;
      },
    }),
    verb({
      name: '__complete',
      group: 'Other',
      summary: 'the candidates for the last word, for the completion script',
      args: 'WORDS...',
      mutates: false,
      hidden: true,
      rawArgs: true,
      flags: [],
      async run(ctx, _p, raw) {
        // the typed line's own --socket or --read-only choose where to ask
        const lead: string[] = [];
        for (let i = 0; i < raw.length - 1 && raw[i].startsWith('-'); i++) lead.push(raw[i], ...(raw[i] === '--socket' ? [raw[++i]] : []));
        const socket = lead.length ? parseGlobal(lead).socket : ctx.socket;
        const sources = liveSources(socket);
        try {
          for (const c of await complete(raw, verbs(), sources)) ctx.out.stdout.write(c + '\n');
        } finally {
          sources.close();
        }
        return 0;
      },
    }),
  ];
}
