// The process.* methods: exec, signals, waits and logs of the processes of a
// container. A followed log is a subscription of the connection: lines arrive
// as process.log notifications after the reply, and a last one with end: true
// when the process has exited and its log is drained, or with overflow: true
// as well when its reader has fallen too far behind (the connection judges).
import { INIT_PROCESS } from '../../shared/api.js';
import { LogFollower, readLog } from '../supervisor/logs.js';
import type { DaemonContext, Handlers } from './types.js';

type ProcessMethods = 'process.list' | 'process.exec' | 'process.kill' | 'process.wait' | 'process.logs' | 'process.delete';

export function processMethods({ sup }: DaemonContext): Pick<Handlers, ProcessMethods> {
  return {
    'process.list': (p) => ({ processes: sup.processes(p.id) }),
    'process.exec': (p) => {
      const { id, ...o } = p;
      return sup.exec(id, o);
    },
    'process.kill': async (p) => {
      await sup.killProcess(p.id, p.processId, p.signal);
      return {};
    },
    'process.wait': (p) => sup.wait(p.id, p.processId, p.timeoutMs),
    'process.delete': async (p) => {
      await sup.deleteProcess(p.id, p.processId);
      return {};
    },
    'process.logs': async (p, ctx) => {
      const processId = p.processId ?? INIT_PROCESS;
      const c = sup.find(p.id);
      const proc = c.getProcess(processId);
      const file = c.logFile(processId);
      const { lines, offset, pending, ino } = await readLog(file, { stream: p.stream, tail: p.tail });
      if (!p.follow) return { lines };
      const subscription = ctx.conn.addSubscription((out) => {
        const follower = new LogFollower(file, offset, p.stream, (line) => out.send('process.log', { id: p.id, processId, line }), pending, ino);
        const withdraw = new AbortController();
        return {
          activate: () => {
            follower.start();
            // wait throws at once if the container went between the reply and now: that, too, ends the follow
            const ended = proc.exitStatus !== undefined ? Promise.resolve() : Promise.resolve().then(() => sup.wait(p.id, processId, undefined, withdraw.signal));
            ended
              .catch(() => undefined)
              .then(() => follower.finish())
              .then(() => out.end('process.log', { id: p.id, processId, end: true }))
              .catch((err) => sup.log.warn({ err, id: p.id, processId }, 'log follow ended with an error'));
          },
          close: () => {
            withdraw.abort();
            follower.stop();
          },
          // a reader that falls behind a chatty log loses this follow, not its whole connection
          overflow: () => ({ method: 'process.log', params: { id: p.id, processId, end: true, overflow: true } }),
        };
      });
      return { lines, subscription };
    },
  };
}
