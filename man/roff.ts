// A small roff writer for the man(7) macros, and a converter from the little
// markdown the hand-written pages in man/src/ are written in. It exists instead
// of a dependency because the pages need only headings, paragraphs, bullets,
// definition lists, code blocks and inline code/emphasis, and because escaping
// is where man pages break: a backslash, a line that starts with "." or "'",
// a hyphen that should be a minus, or a character groff cannot map. Anything
// it does not know how to write it refuses loudly rather than emitting roff
// that `groff -ww` (or a reader) would stumble on.

// Characters the pages use beyond ASCII, as groff's special characters. Only
// those that have a fallback on the ascii device (man under LANG=C): arrows up
// and down have none, so they are not here and a key is written as a word.
const SPECIAL: Record<string, string> = {
  '\u2014': '\\(em', // —
  '\u2013': '\\(en', // –
  '\u2190': '\\(<-', // ←
  '\u2192': '\\(->', // →
  '\u2194': '\\(<>', // ↔
  '\u2264': '\\(<=', // ≤
  '\u2265': '\\(>=', // ≥
  '\u00d7': '\\(mu', // ×
  '\u2026': '\\&...', // …
  '\u201c': '\\(lq', // “
  '\u201d': '\\(rq', // ”
  '\u2019': '\\(cq', // ’
};

function special(ch: string): string {
  const s = SPECIAL[ch];
  if (s === undefined) {
    const cp = ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    throw new Error(`roff: no escape for "${ch}" (U+${cp}); add it to SPECIAL in man/roff.ts`);
  }
  return s;
}

/**
 * Escapes text for a roff text line. In `code` every character stays what it
 * is when copied from the rendered page: "-" is \- and quotes, carets and
 * tildes are the ASCII glyphs rather than groff's typographic ones. In prose a
 * hyphen inside a word (read-only) stays a hyphen; any other is a minus.
 */
export function escape(text: string, code = false): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    const prev = text[i - 1] ?? '';
    const next = text[i + 1] ?? '';
    if (ch === '\\') out += '\\e';
    else if (ch === '-') out += !code && /[A-Za-z0-9]/.test(prev) && /[A-Za-z]/.test(next) ? '-' : '\\-';
    else if (ch === "'" && code) out += "\\(aq";
    else if (ch === '`') out += '\\(ga';
    else if (ch === '^') out += '\\(ha';
    else if (ch === '~') out += '\\(ti';
    else if (ch === '\t') out += ' ';
    else if (ch.charCodeAt(0) > 126 || ch.charCodeAt(0) < 32) out += special(ch);
    else out += ch;
  }
  return out;
}

/** A text line may not begin with a control character, or groff reads it as a request. */
export function textLine(line: string): string {
  return /^[.']/.test(line) ? `\\&${line}` : line;
}

/** One argument of a macro such as .SH or .TH: quoted, with inner quotes escaped. */
export function arg(text: string): string {
  return `"${escape(text).replace(/"/g, '\\(dq')}"`;
}

export const bold = (roff: string) => `\\fB\\%${roff}\\fR`;
export const italic = (roff: string) => `\\fI${roff}\\fR`;

/**
 * Inline markdown to roff: `code` is bold and literal, **strong** bold,
 * *emphasis* italic, and a page reference such as corrald(8) gets the
 * conventional bold name.
 */
export function inline(text: string): string {
  // Lines are converted one by one, so a code span cannot continue on the next.
  if ((text.match(/`/g) ?? []).length % 2) throw new Error(`markdown: unbalanced \` in: ${text}`);
  return text
    .split(/(`[^`]+`)/)
    .map((part, i) => {
      if (i % 2 === 1) return bold(escape(part.slice(1, -1), true));
      return escape(part)
        .replace(/\*\*([^*]+)\*\*/g, (_, s: string) => bold(s))
        .replace(/\*([^*\s][^*]*)\*/g, (_, s: string) => italic(s))
        .replace(/(^|[\s(])([a-z][a-z0-9_.]*(?:\\-[a-z0-9_.]+)*)\(([1-8])\)/g, (_, pre: string, name: string, sec: string) => `${pre}${bold(name)}(${sec})`);
    })
    .join('');
}

/**
 * Text written in the code (schema descriptions, flag help) as roff: all of it
 * literal, as `escape(text, true)`, except that `quoted` words are bold.
 */
export function literal(text: string): string {
  return text
    .split(/(`[^`]+`)/)
    .map((part, i) => (i % 2 === 1 ? bold(escape(part.slice(1, -1), true)) : escape(part, true)))
    .join('');
}

/** An example block: literal lines, indented, in fixed width where the device has it. */
export function codeBlock(lines: string[]): string[] {
  return ['.PP', '.RS 4', '.EX', ...lines.map((l) => textLine(escape(l, true))), '.EE', '.RE'];
}

export interface PageHeader {
  name: string;
  section: string;
  footer: string;
  manual: string;
}

export function header(h: PageHeader): string[] {
  return [`.TH ${h.name.toUpperCase()} ${h.section} "" ${arg(h.footer)} ${arg(h.manual)}`];
}

/**
 * Converts the markdown of man/src/*.md to man(7) roff. Blocks: "# X" (.SH),
 * "## X" (.SS), paragraphs, "- " bullets, definition lists (a term line
 * followed by ": definition"), ``` code fences, and "{{> name}}" lines that
 * are replaced by the roff that `blocks[name]` generates.
 */
export function markdownToRoff(source: string, blocks: Record<string, () => string[]>): string[] {
  const lines = source.replace(/\r\n/g, '\n').split('\n');
  const out: string[] = [];
  let afterHeading = false;
  const para = () => {
    if (!afterHeading) out.push('.PP');
    afterHeading = false;
  };
  let i = 0;
  const continuation = () => {
    const more: string[] = [];
    while (i < lines.length && /^ {2,}\S/.test(lines[i])) more.push(lines[i++].trim());
    return more;
  };
  while (i < lines.length) {
    const line = lines[i];
    if (line.trim() === '') {
      i++;
      continue;
    }
    let m: RegExpMatchArray | null;
    if ((m = line.match(/^(#{1,2}) (.+)$/))) {
      out.push(`${m[1] === '#' ? '.SH' : '.SS'} ${arg(m[2])}`);
      afterHeading = true;
      i++;
    } else if ((m = line.match(/^\{\{> ([\w.:/-]+)\}\}$/))) {
      const gen = blocks[m[1]];
      if (!gen) throw new Error(`markdown: unknown block {{> ${m[1]}}}`);
      out.push(...gen());
      afterHeading = false;
      i++;
    } else if (line.startsWith('```')) {
      const body: string[] = [];
      i++;
      while (i < lines.length && !lines[i].startsWith('```')) body.push(lines[i++]);
      if (i >= lines.length) throw new Error('markdown: unclosed ``` fence');
      i++;
      const block = codeBlock(body);
      out.push(...(afterHeading ? block.slice(1) : block));
      afterHeading = false;
    } else if (line.startsWith('- ')) {
      i++;
      out.push('.IP \\(bu 2', ...[line.slice(2), ...continuation()].map((l) => textLine(inline(l))));
      afterHeading = false;
    } else if (lines[i + 1]?.startsWith(': ')) {
      i++;
      const body: string[] = [];
      while (i < lines.length && lines[i].startsWith(': ')) {
        body.push(lines[i++].slice(2), ...continuation());
      }
      out.push('.TP', textLine(inline(line)), ...body.map((l) => textLine(inline(l))));
      afterHeading = false;
    } else {
      const text: string[] = [];
      while (i < lines.length && lines[i].trim() !== '' && !/^(#|- |```|\{\{> )/.test(lines[i]) && !lines[i + 1]?.startsWith(': ')) {
        text.push(lines[i++].trim());
      }
      if (text.length === 0) throw new Error(`markdown: cannot read line ${i + 1}: ${line}`);
      para();
      out.push(...text.map((l) => textLine(inline(l))));
    }
  }
  return out;
}
