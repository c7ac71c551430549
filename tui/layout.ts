// How the rows between the title line and the status line split between a
// list (with its header row) and what opens under it — a dialog, or a
// detail pane — in the Containers and the Images views alike. Pure, so both
// views and their tests agree on it.

/** What is under the list: a dialog that would like `rows`, the detail pane, or nothing. */
export type Under = { dialog: number } | 'detail' | null;

/** The list's rows (without its header) and the rows left under it, out of `main`. */
export function splitMain(main: number, listLength: number, under: Under): { tableH: number; lower: number } {
  if (under === null) return { tableH: Math.max(1, main - 1), lower: 0 };
  if (under === 'detail') {
    // the list keeps at least three rows; the detail gets what the list does not need
    const tableH = Math.max(3, Math.min(listLength, main - 1 - 8, Math.floor(main * 0.4)));
    return { tableH, lower: main - tableH - 1 };
  }
  // a dialog leaves the list at least one row, and the header its own
  const lower = Math.min(main - 3, under.dialog);
  return { tableH: Math.max(1, main - lower - 1), lower };
}
