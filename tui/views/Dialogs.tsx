// The modal dialogs, drawn in the lower part of the screen with the list still
// visible above: the signal picker for kill (container or one process; y
// sends, Enter cancels), the delete confirmation (y confirms, Enter or
// anything else cancels; a running container asks for its id typed out), the
// exec prompt and its output with the exit code, and the create form (from
// an image ref or a bundle path); the Images view's are ImageDialogs.tsx's. Their
// state is plain data (Dialog) so the key handler and the tests can drive them
// without a terminal. Each fits the rows it is given, title first: the signal
// list and the exec output scroll rather than push the title off. The focused
// field and the text cursor are glyphs, so they show without colour too.
import React from 'react';
import { Text } from 'ink';
import { SIGNALS, type Dialog } from '../dialogs.js';
import type { ExecView } from '../store/exec.js';
import type { PullView } from '../store/pull.js';
import { joinArgs } from '../format.js';
import { LogLineRow } from './Detail.js';
import { Cursor, FRAME_ROWS, FormField, FormFooter, FormToggle, Frame } from './Frame.js';
import { ImageDialogView } from './ImageDialogs.js';

/** Rows of the create form without an error: four fields and the hint. */
const CREATE_ROWS = FRAME_ROWS + 5;

/** The first of `n` rows shown out of `count`, keeping `index` in the middle when it can. */
function windowTop(index: number, count: number, n: number): number {
  return Math.max(0, Math.min(count - n, index - Math.floor(n / 2)));
}

function KillPicker({ dialog, width, height }: { dialog: Extract<Dialog, { kind: 'kill' }>; width: number; height: number }) {
  const n = Math.max(1, Math.min(SIGNALS.length, height - FRAME_ROWS - 1));
  const top = windowTop(dialog.index, SIGNALS.length, n);
  const target = dialog.processId && dialog.processId !== 'init' ? `process ${dialog.processId} of ${dialog.id}` : `container ${dialog.id} (init)`;
  return (
    <Frame title={`kill ${target}`} width={width} color="yellow">
      {SIGNALS.slice(top, top + n).map((s, i) => (
        <Text key={s} inverse={top + i === dialog.index}>
          {top + i === dialog.index ? '▸ ' : '  '}SIG{s}
          {s === 'TERM' ? ' (default)' : ''}
        </Text>
      ))}
      <Text dimColor wrap="truncate">
        ↑↓ choose{n < SIGNALS.length ? ` (${dialog.index + 1}/${SIGNALS.length})` : ''} · y sends SIG{SIGNALS[dialog.index]} · Enter or Esc cancels
      </Text>
    </Frame>
  );
}

export function DialogView({ dialog, width, height, exec, pull }: { dialog: Dialog; width: number; height: number; exec: ExecView | null; pull: PullView | null }) {
  switch (dialog.kind) {
    case 'kill':
      return <KillPicker dialog={dialog} width={width} height={height} />;
    case 'delete':
      return dialog.running ? (
        <Frame title={`delete ${dialog.id}: it is running and will be killed`} width={width} color="red">
          <Text>Type the id to confirm, Enter to submit, Esc cancels.</Text>
          <Text>
            id: {dialog.typed}
            <Cursor />
          </Text>
        </Frame>
      ) : (
        <Frame title={`delete ${dialog.id}?`} width={width} color="red">
          <Text>
            <Text bold>y</Text> deletes it and its logs · Enter, Esc or any other key cancels
          </Text>
        </Frame>
      );
    case 'exec':
      return (
        <Frame title={`exec in ${dialog.id}`} width={width}>
          <Text wrap="truncate">
            command: {dialog.text}
            <Cursor />
          </Text>
          {dialog.error ? <Text color="red">{dialog.error}</Text> : null}
          <Text dimColor>Enter runs it (quotes group words) · Esc cancels</Text>
        </Frame>
      );
    case 'execOutput': {
      // never an invisible dialog that takes the keys
      if (!exec) {
        return (
          <Frame title="exec" width={width} color="red">
            <Text>not started</Text>
            <Text dimColor>Esc closes</Text>
          </Frame>
        );
      }
      const status =
        exec.state === 'exited'
          ? `exited with code ${exec.exitStatus}`
          : exec.state === 'failed'
            ? `failed: ${exec.error}`
            : exec.state === 'starting'
              ? 'starting…'
              : 'running…';
      // the title, the status and the "Esc closes" line (and an error line) take their rows first
      const failed = exec.state === 'failed' || (exec.exitStatus ?? 0) !== 0;
      const errorLine = Boolean(exec.error && exec.state !== 'failed');
      const room = Math.max(1, height - FRAME_ROWS - 2 - (errorLine ? 1 : 0));
      return (
        <Frame title={`exec ${exec.processId} in ${exec.containerId}: ${joinArgs(exec.args)}`} width={width} color={failed ? 'red' : 'green'}>
          {exec.lines.slice(-room).map((l, i) => (
            <LogLineRow key={i} line={l} width={width - 4} search="" />
          ))}
          <Text bold wrap="truncate" color={failed ? 'red' : 'green'}>
            {status}
          </Text>
          {errorLine ? (
            <Text color="red" wrap="truncate">
              {exec.error}
            </Text>
          ) : null}
          <Text dimColor>Esc closes</Text>
        </Frame>
      );
    }
    case 'create':
      return <CreateForm dialog={dialog} width={width} height={height} />;
    default:
      return <ImageDialogView dialog={dialog} width={width} height={height} pull={pull} />;
  }
}

function CreateForm({ dialog, width, height }: { dialog: Extract<Dialog, { kind: 'create' }>; width: number; height: number }) {
  const from = dialog.source.trim();
  const kind = !from ? 'an image ref or a bundle path' : from.startsWith('/') ? 'a bundle' : 'an image';
  return (
    <Frame title="create a container" width={width}>
      <FormField focused={dialog.field === 0} label="id:   " value={dialog.id} />
      <FormField focused={dialog.field === 1} label="from: " value={dialog.source} />
      <FormField focused={dialog.field === 2} label="args: " value={dialog.args} />
      <FormToggle focused={dialog.field === 3} label="start:" on={dialog.start} note="(Space toggles)" />
      <FormFooter error={dialog.error} room={height >= CREATE_ROWS + 1} hint={`from: ${kind} · args: the command, optional · Tab next · Enter creates · Esc cancels`} />
    </Frame>
  );
}
