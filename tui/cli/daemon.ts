// The verbs about corrald itself: info (daemon.info), version (the client's
// and daemon.version) and events (events.subscribe, printed one line per
// event until interrupted; --since SEQ replays what was missed, --no-stream
// stops at the last event that had happened when it asked).
import { EventType, type EventT } from '../../shared/api.js';
import { isCorralError } from '../../shared/errors.js';
import { VERSION } from '../../shared/version.js';
import { bool, closest, int, list, str, UsageError } from './parse.js';
import { FORMAT_FLAG, verb, type VerbSpec } from './spec.js';
import { printObject, renderTemplate } from './table.js';

/** An object as indented "key: value" lines, the way podman info reads. */
function yamlish(value: unknown, indent = ''): string {
  return Object.entries(value as Record<string, unknown>)
    .map(([k, v]) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? `${indent}${k}:\n${yamlish(v, indent + '  ')}` : `${indent}${k}: ${Array.isArray(v) ? v.join(', ') : String(v)}\n`))
    .join('');
}

const info = verb({
  name: 'info',
  group: 'Daemon',
  summary: "corrald's folders, sockets, uptime, host and container counts",
  args: '',
  maxArgs: 0,
  mutates: false,
  flags: [{ ...FORMAT_FLAG, help: 'json, or a template such as \'{{.Containers.Running}}\'; default indented key: value lines' }],
  async run(ctx, p) {
    const res = await (await ctx.client()).request('daemon.info', {});
    const format = str(p, 'format');
    if (format === undefined) ctx.out.stdout.write(yamlish(res));
    else printObject(res, format, ctx.out);
    return 0;
  },
});

const version = verb({
  name: 'version',
  group: 'Daemon',
  summary: "the client's version, and corrald's with its API, runtime and monitor",
  args: '',
  maxArgs: 0,
  mutates: false,
  flags: [{ ...FORMAT_FLAG, help: 'json, or a template such as \'{{.Daemon.Version}}\'' }],
  async run(ctx, p) {
    const client = { version: VERSION };
    const format = str(p, 'format');
    if (format === undefined) ctx.out.stdout.write(`Client:  corral ${VERSION}\n`);
    const daemon = await (await ctx.client()).request('daemon.version', {});
    if (format !== undefined) printObject({ client, daemon }, format, ctx.out);
    else {
      ctx.out.stdout.write(
        `Daemon:  corrald ${daemon.version} (API ${daemon.apiVersion})\n` +
          `Runtime: ${daemon.runtime.path} ${daemon.runtime.version}\n` +
          `Monitor: ${daemon.monitor.path} ${daemon.monitor.version}\n`,
      );
    }
    return 0;
  },
});

function eventLine(e: EventT): string {
  const extra = [
    e.processId !== undefined ? `process=${e.processId}` : '',
    e.pid !== undefined ? `pid=${e.pid}` : '',
    e.exitStatus !== undefined ? `exit=${e.exitStatus}` : '',
    e.exitReason !== undefined ? `reason=${JSON.stringify(e.exitReason)}` : '',
  ].filter(Boolean);
  return [e.time, String(e.seq), e.type, e.id ?? '', ...extra].filter(Boolean).join(' ') + '\n';
}

const EVENT_FILTERS = ['type', 'container'];

const events = verb({
  name: 'events',
  group: 'Daemon',
  summary: 'print events as they happen, one line each, until interrupted',
  args: '',
  maxArgs: 0,
  mutates: false,
  flags: [
    { name: 'since', value: 'SEQ', help: 'first replay the events after this seq (an event line carries its seq)' },
    { name: 'filter', short: 'f', value: 'KEY=VALUE', multiple: true, help: `only events with type=${EventType.options[0]} (one of the event types of corral-rpc(7)) or container=ID; each key may repeat` },
    { name: 'no-stream', help: 'print the events corrald still holds (after --since SEQ if given) and exit' },
    { ...FORMAT_FLAG, help: 'json (one object a line), or a template such as \'{{.Type}} {{.ID}}\'; default TIME SEQ TYPE ID and details' },
  ],
  async run(ctx, p) {
    const types: EventT['type'][] = [];
    const ids: string[] = [];
    for (const f of list(p, 'filter')) {
      const [key, value = ''] = f.split(/=(.*)/s);
      if (key === 'type') {
        if (!(EventType.options as string[]).includes(value)) throw new UsageError(`--filter type= takes an event type such as ${closest(value, EventType.options)}, got "${value}"`);
        types.push(value as EventT['type']);
      } else if (key === 'container') ids.push(value);
      else throw new UsageError(`corral events: unknown filter "${key}"; did you mean ${closest(key, EVENT_FILTERS)}?`);
    }
    // --no-stream must see the last event of the replay to know it is over, so it filters here rather than in corrald
    const noStream = bool(p, 'no-stream');
    const matches = (e: EventT) => !noStream || ((!types.length || types.includes(e.type)) && (!ids.length || (e.id !== undefined && ids.includes(e.id))));
    const format = str(p, 'format');
    const print = (e: EventT) => ctx.out.stdout.write(format === 'json' ? JSON.stringify(e) + '\n' : format ? renderTemplate(format, e) + '\n' : eventLine(e));
    const c = await ctx.client();
    let last = Infinity;
    let done!: (status: number) => void;
    const finished = new Promise<number>((r) => (done = r));
    const seen: EventT[] = [];
    let subscription: string | undefined;
    const take = (e: EventT) => {
      if (matches(e)) print(e);
      if (e.seq >= last) done(0);
    };
    // the reply's continuation runs after the events that came in the same read: those wait in SEEN
    const off = c.onNotification('event', (n) => {
      if (subscription === undefined) seen.push(n.event);
      else if (n.subscription === subscription) take(n.event);
    });
    c.onNotification('events.overflow', () => {
      ctx.out.stderr.write('corral events: limit_exceeded: corral read the events too slowly and corrald ended the stream; run corral events --since with the last seq printed\n');
      done(125);
    });
    c.once('close', () => done(0));
    const stop = () => done(0);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      const asked = int(p, 'since');
      const subscribe = (since: number | undefined) => c.request('events.subscribe', {
        ...(since !== undefined ? { since } : {}),
        ...(types.length && !noStream ? { types } : {}),
        ...(ids.length && !noStream ? { ids } : {}),
      });
      // --no-stream alone prints what corrald still holds, as podman's --stream=false prints its history
      let since = asked ?? (noStream ? 0 : undefined);
      const res = await subscribe(since).catch((err: unknown) => {
        const oldest = isCorralError(err, 'invalid_state') ? err.data.oldestSeq : undefined;
        if (asked !== undefined || typeof oldest !== 'number') throw err;
        since = oldest - 1;
        return subscribe(since);
      });
      subscription = res.subscription;
      if (noStream) {
        last = res.seq;
        // nothing to replay
        if (since === undefined || since >= res.seq) done(0);
      }
      for (const e of seen.splice(0)) take(e);
      return await finished;
    } finally {
      off();
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
  },
});

export const daemonVerbs: VerbSpec[] = [info, version, events];
