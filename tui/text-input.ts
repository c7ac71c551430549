// Typing into a one-line prompt, shared by the filter and search prompts and
// every dialog's text field: printable input appends, Backspace deletes,
// Ctrl-U clears, and keys that move or submit leave the text as it is. Pure,
// so the dialogs and the UI reducer stay testable without a terminal.
import type { Key } from 'ink';

/** Text editing for prompts: printable input appends, Backspace deletes, Ctrl-U clears. */
export function edit(value: string, input: string, key: Key): string {
  if (key.backspace || key.delete) return value.slice(0, -1);
  if (key.ctrl && input === 'u') return '';
  if (key.ctrl || key.meta || key.tab || key.return || key.escape) return value;
  if (key.upArrow || key.downArrow || key.leftArrow || key.rightArrow) return value;
  return value + input.replace(/[\r\n\t]/g, '');
}
