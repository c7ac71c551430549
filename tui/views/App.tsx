// The root component: lays out header, table, detail pane or dialog, status
// line and hint bar in a frame one row shorter than the terminal (Ink 6
// repaints the whole screen otherwise), says "too small" below 60x15, and
// routes every key through the keymap table by context: dialog and text
// prompts first, then overlays, then the detail tab or the list. What the
// screen shows (selection by id, tab, filter, dialogs) is the UI reducer's
// state (ui-state.ts) and daemon state is the store's; App measures what
// only the screen knows (the rows shown, how far a view can scroll) and
// turns each key into an action on the one or a request through the other.
// What a key acts on is what the screen shows: the detail pane keeps its
// container even when a filter hides it, and the state of the Processes and
// Logs tabs belongs to one container and starts afresh on another.
// The Images view (2; 1 goes back) is ImagesScreen's: App routes its keys
// and its rows there.
import React, { useEffect, useReducer, useRef } from 'react';
import { Box, Text, useApp, useInput, type Key } from 'ink';
import { dialogKey, type DialogAct } from '../dialogs.js';
import { STATE_GLYPH, clock } from '../format.js';
import { fitHints, helpRows, hints, keyName, lookup, splitChunk, type Action } from '../keymap.js';
import { splitMain } from '../layout.js';
import { listing, scrollTop } from '../listing.js';
import { isStale } from '../store/connection.js';
import type { Store, StoreState } from '../store/store.js';
import { useNow, useSize, useStore } from '../store/useStore.js';
import { TABS, contextOf, initialUi, nextSort, processIndex, selection, step, uiReducer, type Delta, type UiState } from '../ui-state.js';
import { Detail, logBodyHeight, logWindow } from './Detail.js';
import { DialogView } from './Dialogs.js';
import { ImagesMain, ImagesTitle, useImagesScreen } from './ImagesScreen.js';
import { ActionLog, EventsView, Help } from './Overlays.js';
import { Table } from './Table.js';

const MIN_COLUMNS = 60;
const MIN_ROWS = 15;
const NOTICE_MS = 10_000;
const STATES = ['running', 'paused', 'created', 'stopped'] as const;
/** Hints kept at the right end of the bar, whatever the width. */
const PINNED = ['help', 'quit'];

function Badge({ s, now }: { s: StoreState; now: number }) {
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

/** A terminal session the App asks for: Ink steps aside while it runs (app.tsx), and the App comes back with UI as it was. */
export interface TerminalRequest {
  id: string;
  /** Attach to this process; absent: a new shell. */
  processId?: string;
  ui: UiState;
}

export function App({ store, onTerminal, initial }: { store: Store; onTerminal?: (r: TerminalRequest) => void; initial?: UiState }) {
  const s = useStore(store);
  const { columns, rows } = useSize();
  const now = useNow();
  const { exit } = useApp();
  const [ui, dispatch] = useReducer(uiReducer, initial ?? initialUi);
  const { filter, showAll, sort } = ui.list;
  const { tab, frozenAt, logOffset, search } = ui.detail;
  const { dialog, editing } = ui;
  // the table's first row follows from the cursor and the height: the render remembers it
  const topRef = useRef(0);

  const rowsShown = listing(s.list.byId, { filter, showAll, sort, stats: s.stats });
  const { index, selected, hidden } = selection(ui, rowsShown, s.list.byId);
  const stale = isStale(s.conn) || (!s.list.synced && s.conn.phase !== 'live');
  const images = useImagesScreen(ui, s, store, dispatch);
  const containersShown = ui.view === 'containers';

  // The tabs' state belongs to one container (and the log view to one opening of its log):
  // reset while rendering, so that no effect ever sees another container's process or search.
  if (ui.detail.of !== selected?.id || ui.detail.logGen !== s.logs?.gen) dispatch({ type: 'showing', id: selected?.id, logGen: s.logs?.gen });
  const procs = selected?.processes ?? [];
  const procIndex = processIndex(ui, procs);
  const selectedProc = procs[procIndex];

  // layout: header, table (+ its header row), detail or dialog, status, hints; one row spare for Ink
  const main = rows - 1 - 3;
  const detailOpen = ui.focus === 'detail' && Boolean(selected);
  const under = dialog ? { dialog: dialog.kind === 'execOutput' ? Math.max(8, Math.floor(main * 0.6)) : 11 } : detailOpen ? 'detail' : null;
  const { tableH, lower } = splitMain(main, rowsShown.length, under);
  // with the pane's container hidden there is no cursor in the list: it stays where it was
  const top = index < 0 ? Math.min(topRef.current, Math.max(0, rowsShown.length - tableH)) : scrollTop(index, rowsShown.length, tableH, topRef.current);
  topRef.current = top;
  const visibleIds = rowsShown.slice(top, top + tableH).map((c) => c.id);

  const gone = ui.focus === 'detail' && ui.list.selectedId !== null && s.list.synced && !s.list.byId[ui.list.selectedId];
  useEffect(() => {
    if (!gone) return;
    dispatch({ type: 'closeDetail' });
    store.notices.notify(`${ui.list.selectedId} was deleted`);
  }, [gone]);
  // in the list the cursor's container is the one under it; wherever it is seen, its row is kept
  useEffect(() => {
    const id = ui.focus === 'list' && selected ? selected.id : ui.list.selectedId;
    const row = index >= 0 ? index : ui.list.row;
    if (id !== ui.list.selectedId || row !== ui.list.row) dispatch({ type: 'select', id, row });
  });

  // stats: only the rows on screen and the open detail
  const statsKey = containersShown ? [...visibleIds, ui.focus === 'detail' && selected ? selected.id : ''].join(',') : '';
  useEffect(() => {
    store.stats.watch(statsKey.split(',').filter(Boolean));
  }, [statsKey, store]);

  // the Logs tab follows the log of its container and process while it is open
  const logsWanted = containersShown && ui.focus === 'detail' && TABS[tab] === 'Logs' && selected ? `${selected.id}\0${ui.detail.logProcess}` : '';
  useEffect(() => {
    if (!logsWanted) return;
    const [id, processId] = logsWanted.split('\0');
    void store.logs.open(id, processId);
    return () => store.logs.close();
  }, [logsWanted, store]);

  const timeline = selected ? s.list.timeline.filter((e) => e.id === selected.id) : [];

  const context = contextOf(ui, selected);

  const move = (delta: Delta) => {
    if (context === 'overlay') {
      const kind = ui.overlay?.kind;
      const count = kind === 'help' ? helpRows(s.readOnly).length : kind === 'actions' ? s.actions.length : s.list.timeline.length;
      dispatch({ type: 'scrollOverlay', delta, most: Math.max(0, count - (main - 1)) });
    } else if (context === 'images' || context === 'image') {
      images.move(delta);
    } else if (context === 'list') {
      const row = step(index, rowsShown.length, delta);
      const c = rowsShown[row];
      if (c) dispatch({ type: 'select', id: c.id, row });
    } else if (context === 'processes' && procs.length) {
      const row = step(procIndex, procs.length, delta);
      dispatch({ type: 'process', id: procs[row].id, row });
    } else if (context === 'logs') {
      const received = s.logs?.received ?? 0;
      // as far up as the Logs tab can draw: the first line at the top of its body
      const most = Math.max(0, logWindow(s.logs, frozenAt ?? received, search).shown.length - logBodyHeight(lower - 1));
      dispatch({ type: 'scrollLog', delta, most, received });
    } else if (TABS[tab] === 'Events') {
      dispatch({ type: 'scrollEvents', delta, most: Math.max(0, timeline.length - (lower - 1)) });
    }
  };

  const run = (action: Action) => {
    if ((context === 'images' || context === 'image' || action === 'showImages') && images.run(action)) return;
    const page = Math.max(1, (context === 'logs' ? logBodyHeight(lower - 1) : tableH) - 1);
    switch (action) {
      case 'up': return move(-1);
      case 'down': return move(1);
      case 'top': return move('top');
      case 'bottom': return move('bottom');
      case 'pageUp': return move(-page);
      case 'pageDown': return move(page);
      case 'quit': return exit();
      case 'help': return dispatch({ type: 'overlay', kind: 'help' });
      case 'actionLog': return dispatch({ type: 'overlay', kind: 'actions' });
      case 'events': return dispatch({ type: 'overlay', kind: 'events' });
      case 'reconnect': return store.link.retryNow();
      case 'back': return dispatch({ type: 'back', context });
      case 'open':
        if (selected) dispatch({ type: 'open', id: selected.id });
        return;
      case 'nextTab': return dispatch({ type: 'tab', step: 1 });
      case 'prevTab': return dispatch({ type: 'tab', step: -1 });
      case 'filter': return dispatch({ type: 'prompt', prompt: 'filter' });
      case 'clearFilter': return dispatch({ type: 'clearFilter' });
      case 'search': return dispatch({ type: 'prompt', prompt: 'search' });
      case 'follow': return dispatch({ type: 'follow', received: s.logs?.received ?? 0 });
      case 'toggleAll': return dispatch({ type: 'toggleAll' });
      case 'sort':
        dispatch({ type: 'sort' });
        return store.notices.notify(`sorted by ${nextSort(sort)}`);
      case 'logs':
        if (selected) dispatch({ type: 'logs', id: selected.id, processId: context === 'processes' ? (selectedProc?.id ?? 'init') : 'init' });
        return;
      case 'create': return dispatch({ type: 'dialog', dialog: { kind: 'create', id: '', source: '', args: '', start: true, field: 0 } });
    }
    if (!selected) return store.notices.notify('no container selected', 'error');
    switch (action) {
      case 'start': return void store.mutations.start(selected.id);
      case 'pauseResume': return void store.mutations.pauseResume(selected);
      case 'kill':
        return dispatch({ type: 'dialog', dialog: { kind: 'kill', id: selected.id, processId: context === 'processes' ? selectedProc?.id : undefined, index: 0 } });
      case 'delete':
        return dispatch({ type: 'dialog', dialog: { kind: 'delete', id: selected.id, running: selected.state === 'running' || selected.state === 'paused', typed: '' } });
      case 'exec':
        if (selected.state !== 'running') return store.notices.notify(`${selected.id} is ${selected.state}: exec needs a running container`, 'error');
        return dispatch({ type: 'dialog', dialog: { kind: 'exec', id: selected.id, text: '' } });
      case 'shell':
        if (selected.state !== 'running') return store.notices.notify(`${selected.id} is ${selected.state}: a shell needs a running container`, 'error');
        return onTerminal?.({ id: selected.id, ui: { ...ui, keys: [] } });
      case 'attach': {
        const processId = context === 'processes' ? (selectedProc?.id ?? 'init') : 'init';
        const proc = procs.find((p) => p.id === processId);
        if (proc?.state !== 'running') return store.notices.notify(`${processId} of ${selected.id} is not running: nothing to attach to (l shows its log)`, 'error');
        return onTerminal?.({ id: selected.id, processId, ui: { ...ui, keys: [] } });
      }
    }
  };

  const perform = (act: DialogAct) => {
    if (images.perform(act)) return;
    switch (act.kind) {
      case 'kill': return void store.mutations.kill(act.id, act.signal, act.processId);
      case 'delete': return void store.mutations.remove(act.id, act.force);
      case 'exec': return void store.exec.run(act.id, act.args);
      case 'create': {
        const { kind: _create, ...params } = act;
        return void store.mutations.create(params);
      }
      case 'closeExec': return store.exec.close();
    }
  };

  // Keys are handled one per render, in order, each seeing the state the previous one left:
  // a chunk of several plain keys (fast typing, a paste, tmux send-keys) is split first.
  useEffect(() => {
    if (!ui.keys.length) return;
    // the reducer drops the first of the keys queued by then: those that arrived since this render stay
    dispatch({ type: 'keyDone' });
    onKey(ui.keys[0].input, ui.keys[0].key);
  }, [ui.keys]);

  useInput((input, key) => {
    const keys = [...input].length > 1 && !key.ctrl && !key.meta && !key.escape ? splitChunk(input) : [{ input, key }];
    dispatch({ type: 'keys', keys });
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
      if (refused && dialog.kind === 'exec') return dispatch({ type: 'dialog', dialog: { ...dialog, error: `not started: ${refused}` } });
      if (out.dialog !== dialog) dispatch({ type: 'dialog', dialog: out.dialog });
      if (out.notice) store.notices.notify(out.notice);
      if (out.act) perform(out.act);
      return;
    }
    if (editing) return dispatch({ type: 'type', input, key });
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
    : total === 0 ? `no containers yet${s.readOnly ? '' : ': n creates one from an image or a bundle, 2 shows the images'}` : 'no container matches (Esc clears the filter, a shows all)';

  return (
    <Box flexDirection="column" width={columns} height={rows - 1}>
      <Box justifyContent="space-between">
        <Text wrap="truncate">
          <Text bold>corral</Text>
          {s.readOnly ? <Text color="yellow"> [read-only]</Text> : null} <Badge s={s} now={now} />
          {containersShown ? (
            <>
              {' · '}
              {total} container{total === 1 ? '' : 's'}
              {total ? ` (${STATES.filter((k) => counts[k]).map((k) => (columns >= 100 ? `${counts[k]} ${k}` : `${STATE_GLYPH[k]}${counts[k]}`)).join(columns >= 100 ? ', ' : ' ')})` : ''}
              {showAll ? '' : ' · running only'}
              {filter || editing === 'filter' ? ` · filter: ${filter}${editing === 'filter' ? '▏' : ''}` : ''}
              {sort !== 'id' ? ` · by ${sort}` : ''}
            </>
          ) : (
            <ImagesTitle s={s} count={images.rows.length} />
          )}
        </Text>
      </Box>
      {ui.overlay ? (
        <Box flexDirection="column" height={main} overflow="hidden">
          {ui.overlay.kind === 'help' ? <Help readOnly={s.readOnly} height={main} offset={ui.overlay.offset} /> : null}
          {ui.overlay.kind === 'actions' ? <ActionLog actions={s.actions} polls={s.statsPolls} height={main} offset={ui.overlay.offset} width={columns} /> : null}
          {ui.overlay.kind === 'events' ? <EventsView timeline={s.list.timeline} height={main} offset={ui.overlay.offset} width={columns} /> : null}
        </Box>
      ) : !containersShown ? (
        <ImagesMain screen={images} ui={ui} s={s} width={columns} height={main} now={now} dim={stale} />
      ) : (
        <Box flexDirection="column" height={main} overflow="hidden">
          <Table rows={rowsShown} selectedId={selected?.id ?? null} top={top} height={tableH} width={columns} now={now} activity={s.rows} stats={s.stats} dim={stale} empty={emptyText} detail={!s.list.synced ? s.conn.lastError : undefined} />
          {dialog ? (
            <DialogView dialog={dialog} width={columns} height={lower} exec={s.exec} pull={s.pull} />
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
              eventsOffset={ui.detail.eventsOffset}
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
