// What the screen shows apart from the daemon's data, as a pure reducer:
// the list panel's cursor (by container id, keeping the row it was last seen
// on), filter, all/running toggle and sort; whether the detail pane is open
// and on which tab; that pane's per-container state (the Processes cursor,
// whose log the Logs tab follows, the log's pause, scroll and search, the
// Events scroll); the overlay and its scroll; the dialog; the prompt being
// typed into; and the keys waiting their turn. After lazydocker's
// SideListPanel, a panel keeps its own selection and tabs, and the detail
// pane's state belongs to one container: it starts afresh on another, and
// the log's pause and scroll on each opening of the log. App renders from
// this state and dispatches to it; what only the screen knows (the rows
// shown, how far a view can scroll) comes in the action, measured by App.
// Which view is on screen (Containers or Images) is here too; the Images
// view's own panel is images-panel.ts's.
import type { Key } from 'ink';
import type { ContainerT, ProcessT } from '../shared/api.js';
import type { Dialog } from './dialogs.js';
import type { Context } from './keymap.js';
import { imagesPanelReducer, initialImagesPanel, type ImagesPanel, type ImagesPanelAction } from './images-panel.js';
import { SORTS, type SortKey } from './listing.js';
import { edit } from './text-input.js';

export const TABS = ['Info', 'Processes', 'Logs', 'Stats', 'Events'] as const;

type Overlay = 'help' | 'actions' | 'events';
type Focus = 'list' | 'detail';
type Prompt = 'filter' | 'search';
type View = 'containers' | 'images';
/** A move: rows (negative is up), or to an end. */
export type Delta = number | 'top' | 'bottom';

interface Keypress {
  input: string;
  key: Key;
}

interface ListPanel {
  /** The container under the cursor, followed by id when the list changes. */
  selectedId: string | null;
  /** The row it was last seen on: the cursor stays there when it leaves the list. */
  row: number;
  filter: string;
  showAll: boolean;
  sort: SortKey;
}

interface DetailPanel {
  tab: number;
  /** The container the rest belongs to. */
  of?: string;
  /** The opening of the log that the pause and scroll belong to. */
  logGen?: number;
  /** The Processes cursor follows its process by id; when that one goes, it stays on the same row. */
  proc: { id: string | null; row: number };
  /** The process whose log the Logs tab follows. */
  logProcess: string;
  /** null while following; else the count of lines the log had received when paused. */
  frozenAt: number | null;
  /** Lines scrolled up from the bottom of the paused log. */
  logOffset: number;
  search: string;
  /** Events scrolled up from the newest. */
  eventsOffset: number;
}

export interface UiState {
  view: View;
  images: ImagesPanel;
  focus: Focus;
  list: ListPanel;
  detail: DetailPanel;
  overlay: { kind: Overlay; offset: number } | null;
  dialog: Dialog | null;
  /** The prompt that takes typed keys. */
  editing: Prompt | null;
  /** Keys not handled yet: one per render, each seeing the state the previous one left. */
  keys: Keypress[];
}

export type UiAction =
  /** The list cursor onto `id`, on `row` of the list as shown. */
  | { type: 'select'; id: string | null; row: number }
  | { type: 'open'; id: string }
  /** The detail pane's container went away. */
  | { type: 'closeDetail' }
  | { type: 'back'; context: Context }
  | { type: 'tab'; step: 1 | -1 }
  | { type: 'overlay'; kind: Overlay }
  /** `most`: the furthest the view can scroll, as App measured it. */
  | { type: 'scrollOverlay'; delta: Delta; most: number }
  | { type: 'process'; id: string; row: number }
  /** `received`: lines the log has received; `most` as measured at the pause this move would keep. */
  | { type: 'scrollLog'; delta: Delta; most: number; received: number }
  | { type: 'scrollEvents'; delta: Delta; most: number }
  | { type: 'follow'; received: number }
  /** `l`: the Logs tab of `id`, following `processId`. */
  | { type: 'logs'; id: string; processId: string }
  | { type: 'prompt'; prompt: Prompt }
  /** A key typed into the open prompt: Enter keeps the text, Esc clears it. */
  | { type: 'type'; input: string; key: Key }
  | { type: 'clearFilter' }
  | { type: 'toggleAll' }
  | { type: 'sort' }
  | { type: 'dialog'; dialog: Dialog | null }
  /** What the screen shows now: the detail state starts afresh for another container or log. */
  | { type: 'showing'; id?: string; logGen?: number }
  | { type: 'view'; view: View }
  | { type: 'images'; action: ImagesPanelAction }
  | { type: 'keys'; keys: Keypress[] }
  | { type: 'keyDone' };

export const initialUi: UiState = {
  view: 'containers',
  images: initialImagesPanel,
  focus: 'list',
  list: { selectedId: null, row: 0, filter: '', showAll: true, sort: 'id' },
  detail: freshDetail(0),
  overlay: null,
  dialog: null,
  editing: null,
  keys: [],
};

function freshDetail(tab: number): DetailPanel {
  return { tab, proc: { id: null, row: 0 }, logProcess: 'init', frozenAt: null, logOffset: 0, search: '', eventsOffset: 0 };
}

const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, v));

/** Where a move from `cur` lands in a list of `n`. */
export function step(cur: number, n: number, delta: Delta): number {
  if (delta === 'top') return 0;
  if (delta === 'bottom') return n - 1;
  return clamp(cur + delta, 0, n - 1);
}

export const nextSort = (sort: SortKey): SortKey => SORTS[(SORTS.indexOf(sort) + 1) % SORTS.length];

export function uiReducer(s: UiState, a: UiAction): UiState {
  const detail = (patch: Partial<DetailPanel>): UiState => ({ ...s, detail: { ...s.detail, ...patch } });
  const list = (patch: Partial<ListPanel>): UiState => ({ ...s, list: { ...s.list, ...patch } });
  switch (a.type) {
    case 'select':
      return a.id === s.list.selectedId && a.row === s.list.row ? s : list({ selectedId: a.id, row: a.row });
    case 'open':
      return { ...s, focus: 'detail', list: { ...s.list, selectedId: a.id } };
    case 'closeDetail':
      return { ...s, focus: 'list' };
    case 'back':
      if (s.overlay) return { ...s, overlay: null };
      if (a.context === 'image') return { ...s, images: imagesPanelReducer(s.images, { type: 'close' }) };
      if (a.context === 'logs' && s.detail.search) return detail({ search: '' });
      return { ...s, focus: 'list' };
    case 'tab':
      return detail({ tab: (s.detail.tab + TABS.length + a.step) % TABS.length });
    case 'overlay':
      // help toggles; the action log and the events view open (Esc closes them)
      return { ...s, overlay: a.kind === 'help' && s.overlay?.kind === 'help' ? null : { kind: a.kind, offset: 0 } };
    case 'scrollOverlay': {
      if (!s.overlay) return s;
      // help reads from the top; the action log and events from the newest, at the bottom
      const fromTop = s.overlay.kind === 'help';
      const to = typeof a.delta === 'number' ? s.overlay.offset + (fromTop ? a.delta : -a.delta) : (a.delta === 'top') === fromTop ? 0 : a.most;
      return { ...s, overlay: { ...s.overlay, offset: clamp(to, 0, a.most) } };
    }
    case 'process':
      return detail({ proc: { id: a.id, row: a.row } });
    case 'scrollLog': {
      const d = s.detail;
      const frozen = d.frozenAt ?? a.received;
      const offset = a.delta === 'top' ? a.most : a.delta === 'bottom' ? 0 : clamp((d.frozenAt === null ? 0 : d.logOffset) - a.delta, 0, a.most);
      // scrolling up pauses the follow where it is; back at the bottom of a paused log it stays paused
      return detail({ logOffset: offset, frozenAt: offset === 0 && a.delta === 'bottom' ? null : frozen });
    }
    case 'scrollEvents': {
      const o = s.detail.eventsOffset;
      return detail({ eventsOffset: clamp(a.delta === 'top' ? a.most : a.delta === 'bottom' ? 0 : o - a.delta, 0, a.most) });
    }
    case 'follow':
      return detail({ frozenAt: s.detail.frozenAt === null ? a.received : null, logOffset: 0 });
    case 'logs':
      return {
        ...s,
        focus: 'detail',
        list: { ...s.list, selectedId: a.id },
        detail: { ...s.detail, logProcess: a.processId, tab: TABS.indexOf('Logs'), frozenAt: null, logOffset: 0 },
      };
    case 'prompt':
      return { ...s, editing: a.prompt };
    case 'type': {
      if (!s.editing) return s;
      const value = s.editing === 'filter' ? s.list.filter : s.detail.search;
      const next = a.key.escape ? '' : a.key.return ? value : edit(value, a.input, a.key);
      const done = a.key.escape || a.key.return ? { editing: null } : {};
      return s.editing === 'filter'
        ? { ...s, ...done, list: { ...s.list, filter: next } }
        : { ...s, ...done, detail: { ...s.detail, search: next } };
    }
    case 'clearFilter':
      return list({ filter: '' });
    case 'toggleAll':
      return list({ showAll: !s.list.showAll });
    case 'sort':
      return list({ sort: nextSort(s.list.sort) });
    case 'dialog':
      return { ...s, dialog: a.dialog };
    case 'showing': {
      const d = s.detail;
      if (d.of === a.id && d.logGen === a.logGen) return s;
      const base = d.of === a.id ? d : freshDetail(d.tab);
      return { ...s, detail: { ...base, frozenAt: null, logOffset: 0, of: a.id, logGen: a.logGen } };
    }
    case 'view':
      return a.view === s.view ? s : { ...s, view: a.view };
    case 'images': {
      const images = imagesPanelReducer(s.images, a.action);
      return images === s.images ? s : { ...s, images };
    }
    case 'keys':
      return { ...s, keys: [...s.keys, ...a.keys] };
    case 'keyDone':
      return { ...s, keys: s.keys.slice(1) };
  }
}

/** Which container the screen is on, and where it is in the list as shown. */
export interface Selection {
  /** Its row in the list, or -1 when the detail pane's container is hidden by the filter. */
  index: number;
  /** In the list, the row under the cursor; in the detail pane, the pane's own container while it exists. */
  selected: ContainerT | undefined;
  /** The detail pane's container is not in the list as filtered. */
  hidden: boolean;
}

/**
 * In the list the selection follows its container by id, and when that one leaves the list the
 * cursor stays on the same row. The detail pane keeps its container while it exists, even when
 * the filter hides it: a key must never act on a neighbour the pane did not show.
 */
export function selection(s: UiState, rows: ContainerT[], byId: Readonly<Record<string, ContainerT>>): Selection {
  const { selectedId, row } = s.list;
  let index = rows.findIndex((c) => c.id === selectedId);
  const pinned = s.focus === 'detail' && selectedId !== null ? byId[selectedId] : undefined;
  if (index < 0 && !pinned && rows.length) index = Math.min(row, rows.length - 1);
  return { index, selected: s.focus === 'detail' ? pinned : rows[index], hidden: Boolean(pinned) && !rows.some((c) => c.id === selectedId) };
}

/** The row of the Processes cursor: its process's, or the row it was on when that one went. */
export function processIndex(s: UiState, procs: ProcessT[]): number {
  const { id, row } = s.detail.proc;
  const i = procs.findIndex((p) => p.id === id);
  return i >= 0 ? i : Math.max(0, Math.min(row, procs.length - 1));
}

/** Where the keys go, short of a dialog or a prompt. */
export function contextOf(s: UiState, selected: ContainerT | undefined): Context {
  if (s.overlay) return 'overlay';
  if (s.view === 'images') return s.images.open ? 'image' : 'images';
  if (s.focus === 'list' || !selected) return 'list';
  const tab = TABS[s.detail.tab];
  return tab === 'Logs' ? 'logs' : tab === 'Processes' ? 'processes' : 'detail';
}
