// The containers table: one line per container with a selection glyph, id,
// state as glyph and word (or the pending action while a request runs), init
// pid, process count, age, CPU and memory from the latest stats sample (and,
// on a wide terminal, the image it was made from, short, or "bundle"), and the
// daemon's message in place of the numbers when the row's last request failed.
// Stale data is dimmed by the caller.
import React from 'react';
import { Box, Text } from 'ink';
import type { ContainerT } from '../../shared/api.js';
import { shortName } from '../../shared/image-ref.js';
import { STATE_COLOR, STATE_GLYPH, age, bytes, fit, limit, percent } from '../format.js';
import type { RowActivity } from '../store/mutations.js';
import type { StatsPoint } from '../store/stats.js';

export interface TableProps {
  rows: ContainerT[];
  selectedId: string | null;
  top: number;
  height: number;
  width: number;
  now: number;
  activity: Readonly<Record<string, RowActivity>>;
  stats: Readonly<Record<string, StatsPoint[]>>;
  dim: boolean;
  empty: string;
  /** More words under an empty list (why it is empty, in full). */
  detail?: string;
}

interface Columns {
  id: number;
  state: number;
  pid: number;
  procs: number;
  age: number;
  cpu: number;
  mem: number;
  /** 0: no IMAGE column. */
  image: number;
}

function columns(width: number): Columns {
  const mem = width >= 100 ? 15 : 9;
  const fixed = { state: 14, pid: 8, procs: 5, age: 5, cpu: 6, mem, image: width >= 120 ? 20 : 0 };
  const used = 2 + fixed.state + fixed.pid + fixed.procs + fixed.age + fixed.cpu + fixed.mem + 6 + (fixed.image ? fixed.image + 1 : 0);
  return { id: Math.max(8, width - used - 1), ...fixed };
}

function Header({ c }: { c: Columns }) {
  return (
    <Text bold wrap="truncate">
      {'  '}
      {fit('ID', c.id)} {fit('STATE', c.state)} {fit('PID', c.pid, 'right')} {fit('PROCS', c.procs, 'right')} {fit('AGE', c.age, 'right')}{' '}
      {fit('CPU', c.cpu, 'right')} {fit('MEM', c.mem, 'right')}
      {c.image ? ` ${fit('IMAGE', c.image)}` : ''}
    </Text>
  );
}

function Row(props: { c: ContainerT; cols: Columns; selected: boolean; now: number; activity?: RowActivity; stats?: StatsPoint[]; dim: boolean }) {
  const { c, cols, selected, activity } = props;
  const point = props.stats?.[props.stats.length - 1];
  const live = c.state === 'running' || c.state === 'paused';
  const mem = point && live ? (cols.mem > 10 ? `${bytes(point.mem)}/${limit(point.memLimit)}` : bytes(point.mem)) : '-';
  const stateText = activity?.pending ? `… ${activity.pending}` : `${STATE_GLYPH[c.state]} ${c.state}${c.state === 'stopped' && c.exitStatus !== undefined ? ` ${c.exitStatus}` : ''}`;
  const tail = activity?.error ? (
    <Text color="red">{fit(`✗ ${activity.error}`, cols.cpu + cols.mem + 1)}</Text>
  ) : (
    <Text>
      {fit(live && point ? percent(point.cpu) : '-', cols.cpu, 'right')} {fit(mem, cols.mem, 'right')}
    </Text>
  );
  return (
    <Text wrap="truncate" inverse={selected && !props.dim} dimColor={props.dim}>
      {selected ? '▸ ' : '  '}
      {fit(c.id, cols.id)}{' '}
      <Text color={activity?.pending ? 'magenta' : STATE_COLOR[c.state]}>{fit(stateText, cols.state)}</Text>{' '}
      {fit(c.pid === null ? '-' : String(c.pid), cols.pid, 'right')} {fit(String(c.processes.filter((p) => p.state === 'running').length), cols.procs, 'right')}{' '}
      {fit(age(c.startedAt ?? c.createdAt, props.now), cols.age, 'right')} {tail}
      {cols.image ? ` ${fit(c.image ? shortName(c.image.ref) : 'bundle', cols.image)}` : ''}
    </Text>
  );
}

export function Table(props: TableProps) {
  const cols = columns(props.width);
  const shown = props.rows.slice(props.top, props.top + props.height);
  return (
    <Box flexDirection="column" height={props.height + 1}>
      <Header c={cols} />
      {shown.length === 0 ? (
        <Box flexDirection="column" paddingLeft={2}>
          <Text dimColor>{props.empty}</Text>
          {props.detail ? <Text wrap="wrap">{props.detail}</Text> : null}
        </Box>
      ) : null}
      {shown.map((c) => (
        <Row
          key={c.id}
          c={c}
          cols={cols}
          selected={c.id === props.selectedId}
          now={props.now}
          activity={props.activity[c.id]}
          stats={props.stats[c.id]}
          dim={props.dim}
        />
      ))}
    </Box>
  );
}
