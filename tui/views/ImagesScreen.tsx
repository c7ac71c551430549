// The Images view's part of the App, kept apart so the App only routes to
// it: useImagesScreen reads the image rows and the selection, keeps the
// cursor on its image by digest (or on its row when that image goes), closes
// the detail pane of an image that went, and turns the view's keys and its
// dialogs' outcomes into UI actions and requests; ImagesMain draws the table
// and, below it, the selected image's detail or the open dialog, in the rows
// App gives it. What a key acts on is the row the screen shows.
import React, { useEffect, useRef } from 'react';
import { Box, Text } from 'ink';
import type { DialogAct } from '../dialogs.js';
import type { ImageDialogAct } from '../image-dialogs.js';
import { UNTAGGED, imageRows, type ImageRow } from '../image-listing.js';
import { imageSelection } from '../images-panel.js';
import type { Action } from '../keymap.js';
import { splitMain } from '../layout.js';
import { scrollTop } from '../listing.js';
import type { Store, StoreState } from '../store/store.js';
import { step, type Delta, type UiAction, type UiState } from '../ui-state.js';
import { bytes } from '../format.js';
import { DialogView } from './Dialogs.js';
import { ImageDetail, ImagesTable, pullProgressText } from './Images.js';

const IMAGE_ACTS = new Set<DialogAct['kind']>(['pull', 'closePull', 'removeImage', 'prune']);

export interface ImagesScreen {
  rows: ImageRow[];
  index: number;
  selected: ImageRow | undefined;
  move: (delta: Delta) => void;
  /** Runs a key's action of the Images view; false when it is not one. */
  run: (action: Action) => boolean;
  /** Carries out a dialog's outcome of the Images view; false when it is not one. */
  perform: (act: DialogAct) => boolean;
}

export function useImagesScreen(ui: UiState, s: StoreState, store: Store, dispatch: (a: UiAction) => void): ImagesScreen {
  const rows = imageRows(s.images.byDigest, s.list.byId);
  const { index, selected } = imageSelection(ui.images, rows);

  // the cursor's image is the one under it; wherever it is seen, its row is kept
  useEffect(() => {
    const digest = selected?.digest ?? null;
    const row = index >= 0 ? index : ui.images.row;
    if (digest !== ui.images.digest || row !== ui.images.row) dispatch({ type: 'images', action: { type: 'select', digest, row } });
  });
  const gone = ui.images.open && s.images.synced && !selected;
  useEffect(() => {
    if (gone) dispatch({ type: 'images', action: { type: 'close' } });
  }, [gone]);

  const move = (delta: Delta) => {
    const row = step(index, rows.length, delta);
    const r = rows[row];
    if (r) dispatch({ type: 'images', action: { type: 'select', digest: r.digest, row } });
  };

  const dialog = (d: UiState['dialog']) => dispatch({ type: 'dialog', dialog: d });

  const run = (action: Action): boolean => {
    switch (action) {
      case 'showImages':
        dispatch({ type: 'view', view: 'images' });
        return true;
      case 'showContainers':
        dispatch({ type: 'view', view: 'containers' });
        return true;
      case 'pull':
        // while a pull runs, p shows it again rather than start another
        dialog(s.pull?.state === 'pulling' ? { kind: 'pulling' } : { kind: 'pull', ref: '', insecure: false, field: 0 });
        return true;
      case 'prune':
        dialog({ kind: 'prune' });
        return true;
      case 'open':
        if (selected) dispatch({ type: 'images', action: { type: 'open' } });
        return true;
      case 'runImage':
      case 'removeImage':
        if (!selected) {
          store.notices.notify('no image selected', 'error');
          return true;
        }
        // an untagged image is named by its id, which corrald takes as a digest prefix
        if (action === 'runImage') dialog({ kind: 'create', id: '', source: selected.image.names[0] ?? selected.id, args: '', start: true, field: 0 });
        else dialog({ kind: 'removeImage', digest: selected.digest, ref: selected.image.names.length === 1 ? selected.image.names[0] : selected.digest, label: selected.name === UNTAGGED ? selected.id : selected.name, names: selected.image.names });
        return true;
      default:
        return false;
    }
  };

  const remove = async (act: Extract<ImageDialogAct, { kind: 'removeImage' }>) => {
    const out = await store.imageChanges.remove(act, act.force);
    if (out.kind !== 'inUse') return;
    // corrald deletes only stopped or created ones with force: a live one must be stopped first
    const byId = store.list.getState().byId;
    const live = out.containers.filter((id) => byId[id]?.state === 'running' || byId[id]?.state === 'paused');
    if (act.force || live.length) return dialog({ kind: 'imageRefused', title: `${act.label} not removed`, message: out.message });
    dialog({ ...act, kind: 'removeImage', names: [], force: { containers: out.containers } });
  };

  const perform = (act: DialogAct): boolean => {
    if (!IMAGE_ACTS.has(act.kind)) return false;
    const a = act as ImageDialogAct;
    switch (a.kind) {
      case 'pull':
        void store.pull.pull(a.ref, a.insecure);
        break;
      case 'closePull':
        store.pull.dismiss();
        break;
      case 'removeImage':
        void remove(a);
        break;
      case 'prune':
        void store.imageChanges.prune();
        break;
    }
    return true;
  };

  return { rows, index, selected, move, run, perform };
}

export interface ImagesMainProps {
  screen: ImagesScreen;
  ui: UiState;
  s: StoreState;
  width: number;
  /** Rows for everything below the title line. */
  height: number;
  now: number;
  dim: boolean;
}

/** The title line of the Images view: how many, their size, and a pull still running. */
export function ImagesTitle({ s, count }: { s: StoreState; count: number }) {
  const total = Object.values(s.images.byDigest).reduce((n, i) => n + i.size, 0);
  return (
    <Text>
      {' · '}
      <Text bold>Images</Text> {count} image{count === 1 ? '' : 's'}
      {count ? ` (${bytes(total)})` : ''}
      {s.pull?.state === 'pulling' ? <Text color="cyan"> · pulling {s.pull.name}: {pullProgressText(s.pull)}</Text> : null}
    </Text>
  );
}

export function ImagesMain({ screen, ui, s, width, height, now, dim }: ImagesMainProps) {
  const topRef = useRef(0);
  const { rows, index, selected } = screen;
  const detailOpen = ui.images.open && Boolean(selected);
  const { tableH, lower } = splitMain(height, rows.length, ui.dialog ? { dialog: 11 } : detailOpen ? 'detail' : null);
  const top = scrollTop(index, rows.length, tableH, topRef.current);
  topRef.current = top;
  const empty = !s.images.synced
    ? (s.images.error ?? 'loading…')
    : `no images yet${s.readOnly ? '' : ': p pulls one from a registry'}`;
  return (
    <Box flexDirection="column" height={height} overflow="hidden">
      <ImagesTable rows={rows} selected={selected?.digest ?? null} top={top} height={tableH} width={width} now={now} activity={s.imageRows} dim={dim} empty={empty} />
      {ui.dialog ? (
        <DialogView dialog={ui.dialog} width={width} height={lower} exec={s.exec} pull={s.pull} />
      ) : detailOpen && selected ? (
        <ImageDetail row={selected} height={lower - 1} />
      ) : null}
    </Box>
  );
}
