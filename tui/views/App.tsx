// The root component: lays out header, table, detail pane or dialog, status
// line and hint bar in a frame one row shorter than the terminal (Ink 6
// repaints the whole screen otherwise), says "too small" below 60x15, and
// routes every key through the keymap table by context: dialog and text
// prompts first, then overlays, then the detail tab or the list. UI state
// (selection by id, tab, filter, dialogs) lives here; daemon state lives in
// the store. What a key acts on is what the screen shows: the detail pane
// keeps its container even when a filter hides it, and the state of the
// Processes and Logs tabs belongs to one container and starts afresh on
// another.
import React, { useEffect, useRef, useState } from 'react';
import { Box, Text, useApp, useInput, type Key } from 'ink';
import type { ContainerT } from '../../shared/api.js';
import { dialogKey, edit, type Dialog, type DialogAct } from '../dialogs.js';
import { STATE_GLYPH, clock } from '../format.js';
import { fitHints, helpRows, hints, keyName, lookup, splitChunk, type Action, type Context } from '../keymap.js';
import { SORTS, listing, scrollTop, type SortKey } from '../listing.js';
import { isStale } from '../store/connection.js';
import type { Store, StoreState } from '../store/store.js';
import { useNow, useSize, useStore } from '../store/useStore.js';
import { TABS, Detail, logBodyHeight, logWindow } from './Detail.js';
import { DialogView } from './Dialogs.js';
import { ActionLog, EventsView, Help, type Overlay } from './Overlays.js';
import { Table } from './Table.js';

export const MIN_COLUMNS = 60;
export const MIN_ROWS = 15;
const NOTICE_MS = 10_000;
const STATES = ['running', 'paused', 'created', 'stopped'] as const;
/** Hints kept at the right end of the bar, whatever the width. */
const PINNED = ['help', 'quit'];

export function Badge({ s, now }: { s: StoreState; now: number }) {
  const c = s.conn;
  const retry = c.retryAt ? ` · retry in ${Math.max(0, Math.ceil((c.retryAt - now) / 1000))}s (R now)` : '';
  switch (c.phase) {
    case 'live':
      return <Text color="green">● live</Text>;
    case 'syncing':
      return <Text color="yellow">◌ syncing{c.staleSince ? ` · stale since ${clock(c.staleSince)}` : ''}</Text>;
    case 'connecting':
      return <Text color="yellow">◌ connecting to {s.socket}</Text>;
    case 'waiting':
      return (
        <Text color="yellow">
          ◌ waiting for corrald at {s.socket} (attempt {c.attempt}){retry}
        </Text>
      );
    case 'reconnecting':
      return (
        <Text color="red">
          ✗ reconnecting (attempt {c.attempt}) · stale since {clock(c.staleSince)}
          {retry}
        </Text>
      );
  }
}

export function App({ store }: { store: Store }) {
  const s = useStore(store);
  const { columns, rows } = useSize();
  const now = useNow();
  const { exit } = useApp();

  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [focus, setFocus] = useState<'list' | 'detail'>('list');
  const [tab, setTab] = useState(0);
  const [overlay, setOverlay] = useState<Overlay | null>(null);
  const [overlayOffset, setOverlayOffset] = useState(0);
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const [filter, setFilter] = useState('');
  const [editing, setEditing] = useState<'filter' | 'search' | null>(null);
  const [showAll, setShowAll] = useState(true);
  const [sort, setSort] = useState<SortKey>('id');
  // the Processes cursor follows its process by id; when that one goes, it stays on the same row
  const [proc, setProc] = useState<{ id: string | null; row: number }>({ id: null, row: 0 });
  const [logProc, setLogProc] = useState('init');
  // the Logs tab follows new lines, or is frozen at the count of lines received when paused
  const [frozenAt, setFrozenAt] = useState<number | null>(null);
  const [logOffset, setLogOffset] = useState(0);
  const [search, setSearch] = useState('');
  const [eventsOffset, setEventsOffset] = useState(0);
  const topRef = useRef(0);

  const rowsShown = listing(s.list.byId, { filter, showAll, sort, stats: s.stats });
  // In the list the selection follows its container by id, and when that one leaves the list the
  // cursor stays on the same row. The detail pane keeps its container while it exists, even when
  // the filter hides it: a key must never act on a neighbour the pane did not show.
  const lastIndex = useRef(0);
  let index = rowsShown.findIndex((c) => c.id === selectedId);
  const pinned = focus === 'detail' && selectedId !== null ? s.list.byId[selectedId] : undefined;
  if (index < 0 && !pinned && rowsShown.length) index = Math.min(lastIndex.current, rowsShown.length - 1);
  if (index >= 0) lastIndex.current = index;
  const selected: ContainerT | undefined = focus === 'detail' ? pinned : rowsShown[index];
  const hidden = Boolean(pinned) && !rowsShown.some((c) => c.id === selectedId);
  const stale = isStale(s.conn) || (!s.list.synced && s.conn.phase !== 'live');

  // The tabs' state belongs to one container (and the log view to one opening of its log):
  // reset while rendering, so that no effect ever sees another container's process or search.
  const [stateOf, setStateOf] = useState<{ id?: string; log?: number }>({});
  if (stateOf.id !== selected?.id || stateOf.log !== s.logs?.gen) {
    if (stateOf.id !== selected?.id) {
      setProc({ id: null, row: 0 });
      setLogProc('init');
      setSearch('');
      setEventsOffset(0);
    }
    setFrozenAt(null);
    setLogOffset(0);
    setStateOf({ id: selected?.id, log: s.logs?.gen });
  }
  const procs = selected?.processes ?? [];
  let procIndex = procs.findIndex((p) => p.id === proc.id);
  if (procIndex < 0) procIndex = Math.max(0, Math.min(proc.row, procs.length - 1));
  const selectedProc = procs[procIndex];

  // layout: header, table (+ its header row), detail or dialog, status, hints; one row spare for Ink
  const main = rows - 1 - 3;
  const detailOpen = focus === 'detail' && Boolean(selected);
  let tableH: number;
  let lower: number;
  if (dialog) {
    lower = Math.min(main - 4, dialog.kind === 'execOutput' ? Math.max(8, Math.floor(main * 0.6)) : 11);
    tableH = Math.max(1, main - lower - 1);
  } else if (detailOpen) {
    // the list keeps at least three rows; the detail gets what the list does not need
    tableH = Math.max(3, Math.min(rowsShown.length, main - 1 - 8, Math.floor(main * 0.4)));
    lower = main - tableH - 1;
  } else {
    tableH = Math.max(1, main - 1);
    lower = 0;
  }
  // with the pane's container hidden there is no cursor in the list: it stays where it was
  const top = index < 0 ? Math.min(topRef.current, Math.max(0, rowsShown.length - tableH)) : scrollTop(index, rowsShown.length, tableH, topRef.current);
  topRef.current = top;
  const visibleIds = rowsShown.slice(top, top + tableH).map((c) => c.id);

  const gone = focus === 'detail' && selectedId !== null && s.list.synced && !s.list.byId[selectedId];
  useEffect(() => {
    if (!gone) return;
    setFocus('list');
    store.notices.notify(`${selectedId} was deleted`);
  }, [gone]);
  useEffect(() => {
    if (focus === 'list' && selected && selected.id !== selectedId) setSelectedId(selected.id);
  });

  // stats: only the rows on screen and the open detail
  const statsKey = [...visibleIds, focus === 'detail' && selected ? selected.id : ''].join(',');
  useEffect(() => {
    store.stats.watch(statsKey.split(',').filter(Boolean));
  }, [statsKey, store]);

  // the Logs tab follows the log of its container and process while it is open
  const logsWanted = focus === 'detail' && TABS[tab] === 'Logs' && selected ? `${selected.id}\0${logProc}` : '';
  useEffect(() => {
    if (!logsWanted) return;
    const [id, processId] = logsWanted.split('\0');
    void store.logs.open(id, processId);
    return () => store.logs.close();
  }, [logsWanted, store]);

  const timeline = selected ? s.list.timeline.filter((e) => e.id === selected.id) : [];

  const context: Context = overlay ? 'overlay' : focus === 'list' || !selected ? 'list' : TABS[tab] === 'Logs' ? 'logs' : TABS[tab] === 'Processes' ? 'processes' : 'detail';

  const move = (delta: number | 'top' | 'bottom') => {
    const clamp = (v: number, n: number) => Math.max(0, Math.min(n - 1, v));
    const to = (cur: number, n: number) => (delta === 'top' ? 0 : delta === 'bottom' ? n - 1 : clamp(cur + delta, n));
    if (context === 'overlay') {
      // help reads from the top; the action log and events from the newest, at the bottom
      const count = overlay === 'help' ? helpRows(s.readOnly).length : overlay === 'actions' ? s.actions.length : s.list.timeline.length;
      const most = Math.max(0, count - (main - 1));
      const down = overlay === 'help' ? 1 : -1;
      const end = (which: 'top' | 'bottom') => ((which === 'top') === (overlay === 'help') ? 0 : most);
      setOverlayOffset((o) => Math.max(0, Math.min(most, delta === 'top' || delta === 'bottom' ? end(delta) : o + down * delta)));
    } else if (context === 'list') {
      const c = rowsShown[to(index, rowsShown.length)];
      if (c) setSelectedId(c.id);
    } else if (context === 'processes' && procs.length) {
      const row = to(procIndex, procs.length);
      setProc({ id: procs[row].id, row });
    } else if (context === 'logs') {
      const frozen = frozenAt ?? s.logs?.received ?? 0;
      // as far up as the Logs tab can draw: the first line at the top of its body
      const most = Math.max(0, logWindow(s.logs, frozen, search).shown.length - logBodyHeight(lower - 1));
      const next = delta === 'top' ? most : delta === 'bottom' ? 0 : Math.max(0, Math.min(most, (frozenAt === null ? 0 : logOffset) - delta));
      setLogOffset(next);
      // scrolling up pauses the follow where it is; back at the bottom of a paused log it stays paused
      setFrozenAt(next === 0 && delta === 'bottom' ? null : frozen);
    } else if (TABS[tab] === 'Events') {
      const most = Math.max(0, timeline.length - (lower - 1));
      setEventsOffset((o) => Math.max(0, Math.min(most, delta === 'top' ? most : delta === 'bottom' ? 0 : o - delta)));
    }
  };

  const run = (action: Action) => {
    const page = Math.max(1, (context === 'logs' ? logBodyHeight(lower - 1) : tableH) - 1);
    switch (action) {
      case 'up': return move(-1);
      case 'down': return move(1);
      case 'top': return move('top');
      case 'bottom': return move('bottom');
      case 'pageUp': return move(-page);
      case 'pageDown': return move(page);
      case 'quit': return exit();
      case 'help': setOverlay(overlay === 'help' ? null : 'help'); setOverlayOffset(0); return;
      case 'actionLog': setOverlay('actions'); setOverlayOffset(0); return;
      case 'events': setOverlay('events'); setOverlayOffset(0); return;
      case 'reconnect': return store.link.retryNow();
      case 'back':
        if (overlay) return setOverlay(null);
        if (context === 'logs' && search) return setSearch('');
        return setFocus('list');
      case 'open':
        if (!selected) return;
        setSelectedId(selected.id);
        setFocus('detail');
        return;
      case 'nextTab': return setTab((t) => (t + 1) % TABS.length);
      case 'prevTab': return setTab((t) => (t + TABS.length - 1) % TABS.length);
      case 'filter': setEditing('filter'); return;
      case 'clearFilter': setFilter(''); return;
      case 'search': setEditing('search'); return;
      case 'follow': setFrozenAt(frozenAt === null ? (s.logs?.received ?? 0) : null); setLogOffset(0); return;
      case 'toggleAll': setShowAll((a) => !a); return;
      case 'sort': {
        const next = SORTS[(SORTS.indexOf(sort) + 1) % SORTS.length];
        setSort(next);
        store.notices.notify(`sorted by ${next}`);
        return;
      }
      case 'logs': {
        if (!selected) return;
        setLogProc(context === 'processes' ? (selectedProc?.id ?? 'init') : 'init');
        setSelectedId(selected.id);
        setFocus('detail');
        setTab(TABS.indexOf('Logs'));
        setFrozenAt(null);
        setLogOffset(0);
        return;
      }
      case 'create': return setDialog({ kind: 'create', id: '', bundle: '', start: true, field: 0 });
    }
    if (!selected) return store.notices.notify('no container selected', 'error');
    switch (action) {
      case 'start': return void store.mutations.start(selected.id);
      case 'pauseResume': return void store.mutations.pauseResume(selected);
      case 'kill':
        return setDialog({ kind: 'kill', id: selected.id, processId: context === 'processes' ? selectedProc?.id : undefined, index: 0 });
      case 'delete':
        return setDialog({ kind: 'delete', id: selected.id, running: selected.state === 'running' || selected.state === 'paused', typed: '' });
      case 'exec':
        if (selected.state !== 'running') return store.notices.notify(`${selected.id} is ${selected.state}: exec needs a running container`, 'error');
        return setDialog({ kind: 'exec', id: selected.id, text: '' });
    }
  };

  const perform = (act: DialogAct) => {
    switch (act.kind) {
      case 'kill': return void store.mutations.kill(act.id, act.signal, act.processId);
      case 'delete': return void store.mutations.remove(act.id, act.force);
      case 'exec': return void store.exec.run(act.id, act.args);
      case 'create': return void store.mutations.create(act.id, act.bundle, act.start);
      case 'closeExec': return store.exec.close();
    }
  };

  // Keys are handled one per render, in order, each seeing the state the previous one left:
  // a chunk of several plain keys (fast typing, a paste, tmux send-keys) is split first.
  const [queue, setQueue] = useState<Array<{ input: string; key: Key }>>([]);
  useEffect(() => {
    if (!queue.length) return;
    // functional: keys that arrived since this render must stay queued
    setQueue((q) => q.slice(1));
    onKey(queue[0].input, queue[0].key);
  }, [queue]);

  useInput((input, key) => {
    const keys = [...input].length > 1 && !key.ctrl && !key.meta && !key.escape ? splitChunk(input) : [{ input, key }];
    setQueue((q) => [...q, ...keys]);
  });

  function onKey(input: string, key: Key) {
    const name = keyName(input, key);
    if (name === 'ctrl-c') return exit();
    if (columns < MIN_COLUMNS || rows < MIN_ROWS) {
      if (name === 'q') exit();
      return;
    }
    if (dialog) {
      const out = dialogKey(dialog, input, key);
      // an exec that cannot start keeps its prompt and says why, rather than opening an empty output
      const refused = out.act?.kind === 'exec' ? store.link.refusal('exec') : null;
      if (refused && dialog.kind === 'exec') return setDialog({ ...dialog, error: `not started: ${refused}` });
      if (out.dialog !== dialog) setDialog(out.dialog);
      if (out.notice) store.notices.notify(out.notice);
      if (out.act) perform(out.act);
      return;
    }
    if (editing) {
      const set = editing === 'filter' ? setFilter : setSearch;
      if (key.escape) {
        set('');
        return setEditing(null);
      }
      if (key.return) return setEditing(null);
      return set((v) => edit(v, input, key));
    }
    const b = lookup(name, context);
    if (!b) return;
    if (b.mutating && !store.link.mayMutate(b.hint ?? b.action)) return;
    run(b.action);
  }

  if (columns < MIN_COLUMNS || rows < MIN_ROWS) {
    return (
      <Box height={Math.max(1, rows - 1)}>
        <Text wrap="wrap">
          terminal too small: {columns}x{rows} (need {MIN_COLUMNS}x{MIN_ROWS}); q quits
        </Text>
      </Box>
    );
  }

  const counts = Object.values(s.list.byId).reduce((n, c) => ((n[c.state] = (n[c.state] ?? 0) + 1), n), {} as Record<string, number>);
  const total = Object.keys(s.list.byId).length;
  const notice = s.notice && now - s.notice.at < NOTICE_MS ? s.notice : null;
  const hintItems = editing
    ? [{ key: 'Enter', label: 'keep' }, { key: 'Esc', label: 'clear' }]
    : dialog
      ? []
      : hints(context, s.readOnly);
  const showReconnect = stale && s.conn.phase !== 'live' && !dialog;
  const emptyText = !s.list.synced
    ? s.conn.phase === 'waiting' ? `waiting for corrald at ${s.socket}` : 'loading…'
    : total === 0 ? `no containers yet${s.readOnly ? '' : ': n creates one from a bundle'}` : 'no container matches (Esc clears the filter, a shows all)';

  return (
    <Box flexDirection="column" width={columns} height={rows - 1}>
      <Box justifyContent="space-between">
        <Text wrap="truncate">
          <Text bold>corral</Text>
          {s.readOnly ? <Text color="yellow"> [read-only]</Text> : null} <Badge s={s} now={now} /> · {total} container{total === 1 ? '' : 's'}
          {total ? ` (${STATES.filter((k) => counts[k]).map((k) => (columns >= 100 ? `${counts[k]} ${k}` : `${STATE_GLYPH[k]}${counts[k]}`)).join(columns >= 100 ? ', ' : ' ')})` : ''}
          {showAll ? '' : ' · running only'}
          {filter || editing === 'filter' ? ` · filter: ${filter}${editing === 'filter' ? '▏' : ''}` : ''}
          {sort !== 'id' ? ` · by ${sort}` : ''}
        </Text>
      </Box>
      {overlay ? (
        <Box flexDirection="column" height={main} overflow="hidden">
          {overlay === 'help' ? <Help readOnly={s.readOnly} height={main} offset={overlayOffset} /> : null}
          {overlay === 'actions' ? <ActionLog actions={s.actions} polls={s.statsPolls} height={main} offset={overlayOffset} width={columns} /> : null}
          {overlay === 'events' ? <EventsView timeline={s.list.timeline} height={main} offset={overlayOffset} width={columns} /> : null}
        </Box>
      ) : (
        <Box flexDirection="column" height={main} overflow="hidden">
          <Table rows={rowsShown} selectedId={selected?.id ?? null} top={top} height={tableH} width={columns} now={now} activity={s.rows} stats={s.stats} dim={stale} empty={emptyText} detail={!s.list.synced ? s.conn.lastError : undefined} />
          {dialog ? (
            <DialogView dialog={dialog} width={columns} height={lower} exec={s.exec} />
          ) : detailOpen && selected ? (
            <Detail
              c={selected}
              tab={tab}
              width={columns}
              height={lower - 1}
              hidden={hidden}
              procIndex={procIndex}
              logs={s.logs}
              frozenAt={frozenAt}
              logOffset={logOffset}
              search={search}
              searchEditing={editing === 'search'}
              stats={s.stats[selected.id]}
              timeline={timeline}
              eventsOffset={eventsOffset}
            />
          ) : null}
        </Box>
      )}
      <Text wrap="truncate" color={notice?.level === 'error' ? 'red' : undefined} dimColor={!notice}>
        {notice ? notice.text : s.conn.lastError && s.conn.phase !== 'live' ? s.conn.lastError : `${s.socket}`}
      </Text>
      <Box>
        <Box flexGrow={1} flexShrink={1} overflow="hidden">
          <Text wrap="truncate">
            {showReconnect ? <Text color="yellow">R reconnect now  </Text> : null}
            {fitHints(hintItems.filter((h) => !PINNED.includes(h.label)), columns - 16 - (showReconnect ? 17 : 0)).map((h, i) => (
              <Text key={h.key + h.label}>
                {i ? '  ' : ''}
                <Text bold>{h.key}</Text> {h.label}
              </Text>
            ))}
          </Text>
        </Box>
        <Box flexShrink={0}>
          <Text>
            {hintItems.filter((h) => PINNED.includes(h.label)).map((h) => (
              <Text key={h.key + h.label}>
                {'  '}
                <Text bold>{h.key}</Text> {h.label}
              </Text>
            ))}
          </Text>
        </Box>
      </Box>
    </Box>
  );
}
