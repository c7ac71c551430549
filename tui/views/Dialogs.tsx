// The modal dialogs, drawn in the lower part of the screen with the list still
// visible above: the signal picker for kill (container or one process), the
// delete confirmation (y confirms, Enter or anything else cancels; a running
// container asks for its id typed out), the exec prompt and its output with
// the exit code, and the create form. Their state is plain data (Dialog) so
// the key handler and the tests can drive them without a terminal.
import React from 'react';
import { Box, Text } from 'ink';
import { SIGNALS, type Dialog } from '../dialogs.js';
import type { ExecView } from '../store/store.js';
import { joinArgs } from '../format.js';
import { LogLineRow } from './Detail.js';

function Frame({ title, children, width, color = 'cyan' }: { title: string; children: React.ReactNode; width: number; color?: string }) {
  return (
    <Box flexDirection="column" borderStyle="round" borderColor={color} width={Math.min(width, 100)} paddingX={1}>
      <Text bold wrap="truncate">
        {title}
      </Text>
      {children}
    </Box>
  );
}

const Cursor = () => <Text inverse> </Text>;

export function DialogView({ dialog, width, height, exec }: { dialog: Dialog; width: number; height: number; exec: ExecView | null }) {
  switch (dialog.kind) {
    case 'kill':
      return (
        <Frame title={`kill ${dialog.processId && dialog.processId !== 'init' ? `process ${dialog.processId} of ${dialog.id}` : `container ${dialog.id} (init)`}`} width={width} color="yellow">
          {SIGNALS.map((s, i) => (
            <Text key={s} inverse={i === dialog.index}>
              {i === dialog.index ? '▸ ' : '  '}SIG{s}
              {s === 'TERM' ? ' (default)' : ''}
            </Text>
          ))}
          <Text dimColor>↑↓ choose · Enter sends · Esc cancels</Text>
        </Frame>
      );
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
      if (!exec) return null;
      const status =
        exec.state === 'exited'
          ? `exited with code ${exec.exitStatus}`
          : exec.state === 'failed'
            ? `failed: ${exec.error}`
            : exec.state === 'starting'
              ? 'starting…'
              : 'running…';
      const room = Math.max(1, height - 4);
      return (
        <Frame title={`exec ${exec.processId} in ${exec.containerId}: ${joinArgs(exec.args)}`} width={width} color={exec.state === 'failed' || (exec.exitStatus ?? 0) !== 0 ? 'red' : 'green'}>
          {exec.lines.slice(-room).map((l, i) => (
            <LogLineRow key={i} line={l} width={width - 4} search="" />
          ))}
          <Text bold color={exec.state === 'failed' || (exec.exitStatus ?? 0) !== 0 ? 'red' : 'green'}>
            {status}
          </Text>
          {exec.error && exec.state !== 'failed' ? <Text color="red">{exec.error}</Text> : null}
          <Text dimColor>Esc closes</Text>
        </Frame>
      );
    }
    case 'create':
      return (
        <Frame title="create a container" width={width}>
          <Text wrap="truncate" inverse={dialog.field === 0}>
            id:     {dialog.id}
            {dialog.field === 0 ? <Cursor /> : null}
          </Text>
          <Text wrap="truncate" inverse={dialog.field === 1}>
            bundle: {dialog.bundle}
            {dialog.field === 1 ? <Cursor /> : null}
          </Text>
          <Text inverse={dialog.field === 2}>start:  [{dialog.start ? 'x' : ' '}] (Space toggles)</Text>
          {dialog.error ? <Text color="red">{dialog.error}</Text> : null}
          <Text dimColor>Tab next field · Enter creates · Esc cancels</Text>
        </Frame>
      );
  }
}
