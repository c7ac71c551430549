// The Images view's panel state, as a pure reducer the UI reducer
// (ui-state.ts) delegates to: the cursor, which follows its image by digest
// and stays on the same row when that image goes (as the containers list
// does), and whether the detail pane of the selected image is open. Which
// image a key acts on is what the screen shows: imageSelection says which.
import type { ImageRow } from './image-listing.js';

export interface ImagesPanel {
  /** The image under the cursor, by digest. */
  digest: string | null;
  /** The row it was last seen on. */
  row: number;
  /** The detail pane of the selected image is open. */
  open: boolean;
}

export const initialImagesPanel: ImagesPanel = { digest: null, row: 0, open: false };

export type ImagesPanelAction = { type: 'select'; digest: string | null; row: number } | { type: 'open' } | { type: 'close' };

export function imagesPanelReducer(p: ImagesPanel, a: ImagesPanelAction): ImagesPanel {
  switch (a.type) {
    case 'select':
      return a.digest === p.digest && a.row === p.row ? p : { ...p, digest: a.digest, row: a.row };
    case 'open':
      return p.open ? p : { ...p, open: true };
    case 'close':
      return p.open ? { ...p, open: false } : p;
  }
}

/** The row under the cursor: its image's, or the row the cursor was on when that image went. */
export function imageSelection(p: ImagesPanel, rows: ImageRow[]): { index: number; selected: ImageRow | undefined } {
  let index = rows.findIndex((r) => r.digest === p.digest);
  if (index < 0 && rows.length) index = Math.min(p.row, rows.length - 1);
  return { index, selected: rows[index] };
}
