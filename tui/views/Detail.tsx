// The detail pane of the selected container: a tab bar and the tab's body.
// Info (image or bundle, labels, times, exit code), Processes (a selectable table: kill
// and logs act on the selected one), Logs (followed live, stderr marked apart
// from stdout, filtered by the search, follow pausable), Stats (CPU and memory
// sparklines over the last minute) and Events (this container's timeline).
// When the list's filter hides the container, the tab bar says so. The App
// scrolls the log with the same window arithmetic as it is drawn with.
import React from 'react';
import { Box, Text } from 'ink';
import { isImageEvent, type ContainerT, type EventT, type LogLineT } from '../../shared/api.js';
import { shortName } from '../../shared/image-ref.js';
import { STATE_COLOR, STATE_GLYPH, bytes, clock, dateTime, fit, joinArgs, limit, percent, sparkline } from '../format.js';
import { imageId } from '../image-listing.js';
import { scrollTop } from '../listing.js';
import type { LogView } from '../store/logs.js';
import type { StatsPoint } from '../store/stats.js';
import { TABS } from '../ui-state.js';

export interface DetailProps {
  c: ContainerT;
  tab: number;
  width: number;
  /** Rows for the body, below the tab bar. */
  height: number;
  /** The list's filter hides this container. */
  hidden: boolean;
  procIndex: number;
  logs: LogView | null;
  /** null while following; else how many lines the log had received when follow was paused. */
  frozenAt: number | null;
  /** Lines scrolled up from the bottom of the frozen log. */
  logOffset: number;
  search: string;
  searchEditing: boolean;
  stats?: StatsPoint[];
  timeline: EventT[];
  eventsOffset: number;
}

function TabBar({ tab, id, hidden }: { tab: number; id: string; hidden: boolean }) {
  return (
    <Text wrap="truncate">
      {TABS.map((t, i) => (
        <Text key={t} bold={i === tab} inverse={i === tab}>
          {i === tab ? `[${t}]` : ` ${t} `}
        </Text>
      ))}
      {hidden ? <Text color="yellow">  {id}: hidden by the filter</Text> : <Text dimColor>  Tab switches</Text>}
    </Text>
  );
}

export function Field({ name, children }: { name: string; children: React.ReactNode }) {
  return (
    <Text wrap="truncate">
      <Text bold>{fit(name, 10)}</Text> {children}
    </Text>
  );
}

function Info({ c }: { c: ContainerT }) {
  const labels = Object.entries(c.labels);
  return (
    <Box flexDirection="column">
      <Field name="id">{c.id}</Field>
      <Field name="state">
        <Text color={STATE_COLOR[c.state]}>
          {STATE_GLYPH[c.state]} {c.state}
        </Text>
        {c.pid !== null ? `  pid ${c.pid}` : ''}
      </Field>
      {c.image ? (
        <Field name="image">
          {c.image.ref} ({imageId(c.image.digest)})
        </Field>
      ) : (
        <Field name="bundle">{c.bundle}</Field>
      )}
      <Field name="created">{dateTime(c.createdAt)}</Field>
      <Field name="started">{dateTime(c.startedAt)}</Field>
      <Field name="exited">
        {dateTime(c.exitedAt)}
        {c.exitStatus !== undefined ? `  exit code ${c.exitStatus}` : ''}
        {c.exitReason ? ` (${c.exitReason})` : ''}
      </Field>
      <Field name="labels">{labels.length ? labels.map(([k, v]) => `${k}=${v}`).join('  ') : '-'}</Field>
    </Box>
  );
}

function Processes({ c, index, width, height }: { c: ContainerT; index: number; width: number; height: number }) {
  const argsW = Math.max(10, width - 2 - 16 - 8 - 9 - 6 - 4);
  const top = scrollTop(index, c.processes.length, height - 1, 0);
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate">
        {'  '}
        {fit('ID', 16)} {fit('PID', 8, 'right')} {fit('STATE', 9)} {fit('EXIT', 6, 'right')} {fit('ARGS', argsW)}
      </Text>
      {c.processes.slice(top, top + height - 1).map((p, i) => (
        <Text key={p.id} wrap="truncate" inverse={top + i === index}>
          {top + i === index ? '▸ ' : '  '}
          {fit(p.id, 16)} {fit(p.pid === null ? '-' : String(p.pid), 8, 'right')}{' '}
          <Text color={p.state === 'running' ? 'green' : 'gray'}>{fit(p.state, 9)}</Text>{' '}
          {fit(p.exitStatus === undefined ? '-' : String(p.exitStatus), 6, 'right')} {fit(joinArgs(p.args) || '?', argsW)}
        </Text>
      ))}
      {c.processes.length === 0 ? <Text dimColor>  no processes</Text> : null}
    </Box>
  );
}

export function LogLineRow({ line, width, search }: { line: LogLineT; width: number; search: string }) {
  const showTime = width >= 90;
  const prefix = `${showTime ? clock(line.time) + ' ' : ''}`;
  const err = line.stream === 'stderr';
  const text = line.text;
  const at = search ? text.toLowerCase().indexOf(search.toLowerCase()) : -1;
  return (
    <Text wrap="truncate">
      <Text dimColor>{prefix}</Text>
      <Text color={err ? 'red' : undefined}>{err ? 'E│' : ' │'}</Text>
      {at < 0 ? (
        text
      ) : (
        <>
          {text.slice(0, at)}
          <Text inverse>{text.slice(at, at + search.length)}</Text>
          {text.slice(at + search.length)}
        </>
      )}
    </Text>
  );
}

function filterLines(lines: LogLineT[], search: string): LogLineT[] {
  if (!search) return lines;
  const s = search.toLowerCase();
  return lines.filter((l) => l.text.toLowerCase().includes(s));
}

/** Rows for log lines in a Logs tab of `height` rows: one goes to its status line. */
export const logBodyHeight = (height: number): number => Math.max(1, height - 1);

/**
 * The lines a Logs tab shows: all of them while following; when paused, those received up to
 * the pause. The buffer drops its oldest lines as new ones come, so the pause is a count of
 * lines received, and what came after it is the buffer's last `fresh` lines.
 */
export function logWindow(logs: LogView | null, frozenAt: number | null, search: string): { shown: LogLineT[]; fresh: number } {
  const all = logs?.lines ?? [];
  if (frozenAt === null) return { shown: filterLines(all, search), fresh: 0 };
  const fresh = Math.max(0, (logs?.received ?? 0) - frozenAt);
  return { shown: filterLines(all.slice(0, Math.max(0, all.length - fresh)), search), fresh };
}

function Logs(props: DetailProps) {
  const { logs } = props;
  const following = props.frozenAt === null;
  const { shown, fresh } = logWindow(logs, props.frozenAt, props.search);
  const bodyH = logBodyHeight(props.height);
  const offset = following ? 0 : Math.min(props.logOffset, Math.max(0, shown.length - bodyH));
  const end = shown.length - offset;
  const window = shown.slice(Math.max(0, end - bodyH), end);
  const status = !logs
    ? 'no log open'
    : [
        `${logs.processId}`,
        logs.loading ? 'loading…' : `${shown.length}${props.search ? ` of ${logs.lines.length}` : ''} lines`,
        following ? (logs.ended ? 'ended' : 'following') : `paused${offset ? `, ${offset} below` : ''}${fresh ? `, ${fresh} new` : ''} (f follows)`,
        props.searchEditing || props.search ? `search: ${props.search}${props.searchEditing ? '▏' : ''}` : '',
      ]
        .filter(Boolean)
        .join(' · ');
  return (
    <Box flexDirection="column">
      <Text wrap="truncate" color={logs?.error ? 'red' : undefined} dimColor={!logs?.error}>
        {status}
        {logs?.error ? ` · ${logs.error}` : ''}
      </Text>
      {window.map((l, i) => (
        <LogLineRow key={`${end}-${i}`} line={l} width={props.width} search={props.search} />
      ))}
      {logs && !logs.loading && shown.length === 0 ? <Text dimColor>{props.search ? 'no line matches' : 'no output yet'}</Text> : null}
    </Box>
  );
}

function Stats({ c, stats, width }: { c: ContainerT; stats?: StatsPoint[]; width: number }) {
  if (c.state !== 'running' && c.state !== 'paused') return <Text dimColor>{c.id} is {c.state}: no stats</Text>;
  if (!stats?.length) return <Text dimColor>waiting for the first sample…</Text>;
  const last = stats[stats.length - 1];
  const w = Math.max(10, Math.min(60, width - 26));
  const cpu = stats.map((p) => p.cpu ?? 0);
  const mem = stats.map((p) => p.mem);
  const memMax = last.memLimit > 0 && last.memLimit < 2 ** 60 ? last.memLimit : undefined;
  return (
    <Box flexDirection="column">
      <Text dimColor>last {stats.length}s, one sample a second</Text>
      <Text wrap="truncate">
        <Text bold>{fit('CPU', 6)}</Text>
        <Text color="green">{sparkline(cpu, w, Math.max(100, ...cpu))}</Text> {percent(last.cpu)}
      </Text>
      <Text wrap="truncate">
        <Text bold>{fit('MEM', 6)}</Text>
        <Text color="cyan">{sparkline(mem, w, memMax)}</Text> {bytes(last.mem)} / {limit(last.memLimit)}
      </Text>
      <Text wrap="truncate">
        <Text bold>{fit('PIDS', 6)}</Text>
        {last.pids}
      </Text>
    </Box>
  );
}

export function EventRow({ ev, width, showId }: { ev: EventT; width: number; showId: boolean }) {
  const extra = [
    isImageEvent(ev) ? `image ${ev.image.names.map(shortName).join(' ') || imageId(ev.image.digest)}` : '',
    ev.processId ? `process ${ev.processId}` : '',
    ev.pid !== undefined ? `pid ${ev.pid}` : '',
    ev.exitStatus !== undefined ? `exit ${ev.exitStatus}` : '',
    ev.exitReason ?? '',
  ]
    .filter(Boolean)
    .join(' ');
  return (
    <Text wrap="truncate">
      <Text dimColor>
        {clock(ev.time)} #{String(ev.seq).padEnd(5)}
      </Text>{' '}
      <Text color={ev.type === 'container.oom' || (ev.exitStatus ?? 0) !== 0 ? 'red' : undefined}>{fit(ev.type, 18)}</Text>
      {showId ? ` ${fit(ev.id ?? '', Math.min(24, Math.max(8, width - 60)))}` : ''} {extra}
    </Text>
  );
}

function Events({ timeline, height, offset, width }: { timeline: EventT[]; height: number; offset: number; width: number }) {
  if (!timeline.length) return <Text dimColor>no events for this container since corral started</Text>;
  const end = timeline.length - Math.min(offset, Math.max(0, timeline.length - height));
  return (
    <Box flexDirection="column">
      {timeline.slice(Math.max(0, end - height), end).map((ev) => (
        <EventRow key={`${ev.seq}-${ev.type}`} ev={ev} width={width} showId={false} />
      ))}
    </Box>
  );
}

export function Detail(props: DetailProps) {
  const { c } = props;
  const body = (() => {
    switch (TABS[props.tab]) {
      case 'Info':
        return <Info c={c} />;
      case 'Processes':
        return <Processes c={c} index={props.procIndex} width={props.width} height={props.height} />;
      case 'Logs':
        return <Logs {...props} />;
      case 'Stats':
        return <Stats c={c} stats={props.stats} width={props.width} />;
      case 'Events':
        return <Events timeline={props.timeline} height={props.height} offset={props.eventsOffset} width={props.width} />;
    }
  })();
  return (
    <Box flexDirection="column" height={props.height + 1} overflow="hidden">
      <TabBar tab={props.tab} id={c.id} hidden={props.hidden} />
      <Box flexDirection="column" height={props.height} overflow="hidden">
        {body}
      </Box>
    </Box>
  );
}
