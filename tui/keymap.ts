// The one keymap of the TUI. Every binding is a row of `bindings`: its keys,
// the contexts where it works, whether it changes anything (refused under
// --read-only and while disconnected), and the words shown for it. Key
// dispatch, the `?` help screen and the hint bar are all generated from this
// table, so they cannot disagree.
import type { Key } from 'ink';

/**
 * Where the keyboard focus is. Dialogs and text prompts take keys before any of these.
 * `images` is the Images view's list, `image` its detail pane.
 */
export type Context = 'list' | 'detail' | 'logs' | 'processes' | 'overlay' | 'images' | 'image';

export type Action =
  | 'up' | 'down' | 'top' | 'bottom' | 'pageUp' | 'pageDown'
  | 'open' | 'back' | 'nextTab' | 'prevTab'
  | 'filter' | 'clearFilter' | 'toggleAll' | 'sort'
  | 'start' | 'pauseResume' | 'kill' | 'delete' | 'exec' | 'shell' | 'attach' | 'create'
  | 'logs' | 'follow' | 'search'
  | 'actionLog' | 'events' | 'reconnect' | 'help' | 'quit'
  | 'showImages' | 'showContainers' | 'pull' | 'removeImage' | 'prune' | 'runImage';

export interface Binding {
  action: Action;
  keys: string[];
  /** Short words for the hint bar; absent = not hinted. */
  hint?: string;
  /** The sentence of the help screen. */
  help: string;
  contexts: Context[];
  /** Sends a request that changes something. */
  mutating?: boolean;
}

const ALL: Context[] = ['list', 'detail', 'logs', 'processes', 'overlay', 'images', 'image'];
const MAIN: Context[] = ['list', 'detail', 'logs', 'processes'];
const IMAGES: Context[] = ['images', 'image'];
const MOVE: Context[] = ['list', 'logs', 'processes', 'overlay', 'detail', ...IMAGES];

export const bindings: Binding[] = [
  { action: 'up', keys: ['up', 'k'], help: 'move up (scroll in logs and lists)', contexts: MOVE },
  { action: 'down', keys: ['down', 'j'], hint: 'move', help: 'move down', contexts: MOVE },
  { action: 'top', keys: ['g', 'home'], help: 'go to the top', contexts: MOVE },
  { action: 'bottom', keys: ['G', 'end'], help: 'go to the bottom', contexts: MOVE },
  { action: 'pageUp', keys: ['pageup'], help: 'one page up', contexts: MOVE },
  { action: 'pageDown', keys: ['pagedown'], help: 'one page down', contexts: MOVE },
  { action: 'open', keys: ['enter', 'right'], hint: 'detail', help: 'open the detail pane of the selected container or image', contexts: ['list', 'images'] },
  { action: 'back', keys: ['esc', 'left'], hint: 'back', help: 'back to the list (or close this screen)', contexts: ['detail', 'logs', 'processes', 'overlay', 'image'] },
  { action: 'nextTab', keys: ['tab'], hint: 'tab', help: 'next detail tab: Info, Processes, Logs, Stats, Events', contexts: ['detail', 'logs', 'processes'] },
  { action: 'prevTab', keys: ['shift-tab'], help: 'previous detail tab', contexts: ['detail', 'logs', 'processes'] },
  { action: 'filter', keys: ['/'], hint: 'filter', help: 'filter the list by id, state or label; Esc clears', contexts: ['list'] },
  { action: 'clearFilter', keys: ['esc'], help: 'clear the filter', contexts: ['list'] },
  { action: 'search', keys: ['/'], hint: 'search', help: 'search the log; only matching lines are shown; Esc clears', contexts: ['logs'] },
  { action: 'follow', keys: ['f'], hint: 'follow', help: 'pause or resume following new log lines', contexts: ['logs'] },
  { action: 'toggleAll', keys: ['a'], hint: 'all/running', help: 'show all containers or only running ones', contexts: ['list'] },
  { action: 'sort', keys: ['o'], help: 'cycle the sort order: id, state, age, CPU, memory', contexts: ['list'] },
  { action: 'start', keys: ['s'], hint: 'start', help: 'start the selected container', contexts: MAIN, mutating: true },
  { action: 'pauseResume', keys: ['p'], hint: 'pause', help: 'pause a running container, resume a paused one', contexts: MAIN, mutating: true },
  { action: 'kill', keys: ['K'], hint: 'kill', help: 'kill: pick a signal, y sends it; in Processes, to the selected process', contexts: MAIN, mutating: true },
  { action: 'delete', keys: ['D'], hint: 'delete', help: 'delete (y confirms; a running one asks for its id)', contexts: MAIN, mutating: true },
  { action: 'exec', keys: ['e'], hint: 'exec', help: 'run a command in the container, show its output and exit code', contexts: MAIN, mutating: true },
  { action: 'shell', keys: ['S'], hint: 'shell', help: 'open a shell in the container on this terminal; Ctrl-P Ctrl-Q detaches back here', contexts: MAIN, mutating: true },
  { action: 'attach', keys: ['a'], hint: 'attach', help: 'attach to init (in Processes, to the selected process); Ctrl-P Ctrl-Q detaches', contexts: ['detail', 'logs', 'processes'] },
  { action: 'create', keys: ['n'], hint: 'new', help: 'create and start a container from an image ref or a bundle path', contexts: ['list'], mutating: true },
  { action: 'logs', keys: ['l'], hint: 'logs', help: 'logs of the selected container or process, following', contexts: ['list', 'detail', 'processes'] },
  { action: 'showImages', keys: ['2'], hint: 'images', help: 'the Images view: every image corrald holds', contexts: MAIN },
  { action: 'showContainers', keys: ['1'], hint: 'containers', help: 'back to the Containers view', contexts: IMAGES },
  { action: 'pull', keys: ['p'], hint: 'pull', help: 'Images: pull an image from a registry (a ref; Space toggles insecure), with its progress', contexts: IMAGES, mutating: true },
  { action: 'runImage', keys: ['n'], hint: 'run', help: 'Images: create and start a container from the selected image', contexts: IMAGES, mutating: true },
  { action: 'removeImage', keys: ['D'], hint: 'remove', help: 'Images: remove the selected image (y confirms; force, naming the containers it deletes, if any use it)', contexts: IMAGES, mutating: true },
  { action: 'prune', keys: ['P'], hint: 'prune', help: 'Images: remove unpacked trees and blobs no image holds (y confirms), and say what it freed', contexts: IMAGES, mutating: true },
  { action: 'events', keys: ['E'], hint: 'events', help: 'every event from the daemon', contexts: [...MAIN, ...IMAGES] },
  { action: 'actionLog', keys: ['A'], hint: 'actions', help: 'action log: every request sent, its result and duration', contexts: [...MAIN, ...IMAGES] },
  { action: 'reconnect', keys: ['R'], help: 'reconnect to corrald now', contexts: ALL },
  { action: 'help', keys: ['?'], hint: 'help', help: 'this help', contexts: ALL },
  { action: 'quit', keys: ['q', 'ctrl-c'], hint: 'quit', help: 'quit, restoring the terminal', contexts: ALL },
];

/**
 * Splits a chunk of plain input that holds several key presses (a fast typist,
 * tmux send-keys, a paste) into one Key per character, as Ink reports a lone one.
 */
export function splitChunk(input: string): Array<{ input: string; key: Key }> {
  return [...input].map((ch) => {
    const key = {
      upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false,
      home: false, end: false, return: ch === '\r' || ch === '\n', escape: false, ctrl: false,
      shift: ch !== ch.toLowerCase(), tab: ch === '\t', backspace: ch === '\x7f' || ch === '\b', delete: false,
      meta: false, super: false, hyper: false, capsLock: false, numLock: false,
    } as Key;
    return { input: key.return || key.tab || key.backspace ? '' : ch, key };
  });
}

/** The name of a key press as the table spells it. */
export function keyName(input: string, key: Key): string {
  if (key.upArrow) return 'up';
  if (key.downArrow) return 'down';
  if (key.leftArrow) return 'left';
  if (key.rightArrow) return 'right';
  if (key.pageUp) return 'pageup';
  if (key.pageDown) return 'pagedown';
  if (key.home) return 'home';
  if (key.end) return 'end';
  if (key.return) return 'enter';
  if (key.escape) return 'esc';
  if (key.tab) return key.shift ? 'shift-tab' : 'tab';
  if (key.backspace || key.delete) return 'backspace';
  if (key.ctrl && input) return `ctrl-${input.toLowerCase()}`;
  return input;
}

export function lookup(name: string, context: Context): Binding | undefined {
  return bindings.find((b) => b.keys.includes(name) && b.contexts.includes(context));
}

const KEY_LABEL: Record<string, string> = {
  up: '↑', down: '↓', left: '←', right: '→', enter: 'Enter', esc: 'Esc', tab: 'Tab', 'shift-tab': 'S-Tab',
  pageup: 'PgUp', pagedown: 'PgDn', home: 'Home', end: 'End', 'ctrl-c': 'Ctrl-C',
};
const keyLabel = (k: string): string => KEY_LABEL[k] ?? k;

/** Hint bar items for a context: "j move", "s start"…; mutating ones left out when read-only. */
export function hints(context: Context, readOnly: boolean): Array<{ key: string; label: string }> {
  return bindings
    .filter((b) => b.hint && b.contexts.includes(context) && !(readOnly && b.mutating))
    .map((b) => ({ key: b.action === 'down' ? '↑↓' : keyLabel(b.keys[0]), label: b.hint! }));
}

/** Which hints stay when the bar is too narrow for all: what acts first, then where to go, moving last. */
const HINT_PRIORITY = ['detail', 'back', 'start', 'pause', 'kill', 'delete', 'exec', 'shell', 'attach', 'pull', 'run', 'remove', 'logs', 'search', 'follow', 'filter', 'tab', 'new', 'images', 'containers', 'prune', 'all/running', 'events', 'actions', 'move'];

/** The hints that fit in `width` cells ("key label" joined by two spaces), most useful first, shown in table order. */
export function fitHints<T extends { key: string; label: string }>(items: T[], width: number): T[] {
  const cost = (h: T) => [...h.key].length + 1 + [...h.label].length + 2;
  const rank = (h: T) => {
    const i = HINT_PRIORITY.indexOf(h.label);
    return i < 0 ? HINT_PRIORITY.length : i;
  };
  const keep = new Set<T>();
  let used = 0;
  for (const h of [...items].sort((a, b) => rank(a) - rank(b))) {
    if (used + cost(h) > width + 2) continue;
    keep.add(h);
    used += cost(h);
  }
  return items.filter((h) => keep.has(h));
}

/** Help screen rows: keys, what they do, and where. */
export function helpRows(readOnly: boolean): Array<{ keys: string; help: string; disabled: boolean }> {
  return bindings.map((b) => ({
    keys: b.keys.map(keyLabel).join(' '),
    help: b.help + (b.mutating && readOnly ? ' (off: read-only)' : ''),
    disabled: Boolean(b.mutating && readOnly),
  }));
}
