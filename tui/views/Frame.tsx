// The frame every dialog is drawn in (a rounded border, its title first), the
// text cursor of a prompt as a glyph so it shows without colour too, the
// rows a frame takes besides its content, which each dialog counts to fit
// the rows it is given, and the parts of a form (fields, toggles, the error
// and hint). Shared by the containers' and the images' dialogs.
import React from 'react';
import { Box, Text } from 'ink';

export function Frame({ title, children, width, color = 'cyan' }: { title: string; children: React.ReactNode; width: number; color?: string }) {
  return (
    <Box flexDirection="column" borderStyle="round" borderColor={color} width={Math.min(width, 100)} paddingX={1}>
      <Text bold wrap="truncate">
        {title}
      </Text>
      {children}
    </Box>
  );
}

export const Cursor = () => <Text>▏</Text>;

/** Rows of a Frame that are not its content: the border's two and the title. */
export const FRAME_ROWS = 3;

/** A text field of a form: the focused one marked by a glyph and the cursor. */
export function FormField({ focused, label, value }: { focused: boolean; label: string; value: string }) {
  return (
    <Text wrap="truncate" inverse={focused}>
      {focused ? '▸ ' : '  '}
      {label} {value}
      {focused ? <Cursor /> : null}
    </Text>
  );
}

/** A checkbox of a form, toggled by Space. */
export function FormToggle({ focused, label, on, note }: { focused: boolean; label: string; on: boolean; note: string }) {
  return (
    <Text wrap="truncate" inverse={focused}>
      {focused ? '▸ ' : '  '}
      {label} [{on ? 'x' : ' '}] {note}
    </Text>
  );
}

/** A form's last rows: its error, and its hint unless there is no room for both (`room`). */
export function FormFooter({ error, hint, room }: { error?: string; hint: string; room: boolean }) {
  return (
    <>
      {error ? (
        <Text color="red" wrap="truncate">
          {error}
        </Text>
      ) : null}
      {/* short of rows, the error takes the place of the hint rather than push the title off */}
      {!error || room ? (
        <Text dimColor wrap="truncate">
          {hint}
        </Text>
      ) : null}
    </>
  );
}
