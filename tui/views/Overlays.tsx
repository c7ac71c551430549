// The full-screen views over the list: help (generated from the keymap
// table), the action log (every request sent, its result and duration) and
// the global events view (the daemon's timeline for every container).
import React from 'react';
import { Box, Text } from 'ink';
import type { EventT } from '../../shared/api.js';
import { clock, fit } from '../format.js';
import { helpRows } from '../keymap.js';
import type { ActionEntry } from '../store/notices.js';
import { EventRow } from './Detail.js';

/** The slice of `items` ending `offset` rows above the bottom, `height` rows tall. */
function tail<T>(items: T[], height: number, offset: number): T[] {
  const end = items.length - Math.min(offset, Math.max(0, items.length - height));
  return items.slice(Math.max(0, end - height), end);
}

export function Help({ readOnly, height, offset }: { readOnly: boolean; height: number; offset: number }) {
  const rows = helpRows(readOnly);
  const start = Math.min(offset, Math.max(0, rows.length - (height - 1)));
  return (
    <Box flexDirection="column">
      <Text bold>keys{readOnly ? ' (read-only: changing keys are off)' : ''}</Text>
      {rows.slice(start, start + height - 1).map((r) => (
        <Text key={r.keys + r.help} wrap="truncate" dimColor={r.disabled}>
          <Text bold>{fit(r.keys, 14)}</Text> {r.help}
        </Text>
      ))}
    </Box>
  );
}

export function ActionLog({ actions, polls, height, offset, width }: { actions: ActionEntry[]; polls: number; height: number; offset: number; width: number }) {
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate">
        action log: {actions.length} requests{polls ? ` (and ${polls} stats polls, not listed)` : ''}
      </Text>
      {actions.length === 0 ? <Text dimColor>nothing sent yet</Text> : null}
      {tail(actions, height - 1, offset).map((a) => (
        <Text key={a.n} wrap="truncate">
          <Text dimColor>{clock(a.at)}</Text>{' '}
          <Text color={a.state === 'error' ? 'red' : a.state === 'ok' ? 'green' : 'yellow'}>{fit(a.state === 'ok' ? '✓' : a.state === 'error' ? '✗' : '…', 1)}</Text>{' '}
          {fit(a.method, 18)} {fit(a.durationMs === undefined ? '' : `${a.durationMs}ms`, 7, 'right')} {fit(JSON.stringify(a.params), Math.max(10, Math.floor((width - 34) / 2)))}
          {a.message ? <Text color="red"> {a.message}</Text> : null}
        </Text>
      ))}
    </Box>
  );
}

export function EventsView({ timeline, height, offset, width }: { timeline: EventT[]; height: number; offset: number; width: number }) {
  return (
    <Box flexDirection="column">
      <Text bold>events: {timeline.length} since corral started</Text>
      {timeline.length === 0 ? <Text dimColor>none yet</Text> : null}
      {tail(timeline, height - 1, offset).map((ev) => (
        <EventRow key={`${ev.seq}-${ev.type}`} ev={ev} width={width} showId />
      ))}
    </Box>
  );
}
