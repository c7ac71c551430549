// The process.* methods: exec, signals, waits and logs of the processes of a
// container. A followed log is a subscription of the connection: lines arrive
// as process.log notifications after the reply, and a last one with end: true
// when the process has exited and its log is drained.
import { INIT_PROCESS, type LogLineT } from '../../shared/api.js';
import { SUBSCRIBER_BACKLOG_BYTES } from '../server/connection.js';
import { LogFollower, readLog } from '../supervisor/logs.js';
import type { DaemonContext, Handlers } from './types.js';

type ProcessMethods = 'process.list' | 'process.exec' | 'process.kill' | 'process.wait' | 'process.logs' | 'process.delete';

export function processMethods({ sup }: DaemonContext): Pick<Handlers, ProcessMethods> {
  return {
    'process.list': (p) => ({ processes: sup.processes(p.id) }),
    'process.exec': (p) => sup.exec(p.id, { processId: p.processId, args: p.args, env: p.env, cwd: p.cwd, user: p.user }),
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
      const file = sup.deps.layout.logFile(p.id, processId);
      const { lines, offset, pending, ino } = await readLog(file, { stream: p.stream, tail: p.tail });
      if (!p.follow) return { lines };
      const sub = ctx.conn.addSubscription((subscription) => {
        let open = true;
        const send = (extra: object) => ctx.conn.notify('process.log', { subscription, id: p.id, processId, ...extra });
        const sendLine = (line: LogLineT) => {
          if (!open) return;
          // a reader that falls behind a chatty log loses this follow, not its whole connection
          if (ctx.conn.backlog > SUBSCRIBER_BACKLOG_BYTES) {
            send({ end: true, overflow: true });
            ctx.conn.removeSubscription(subscription);
            return;
          }
          send({ line });
        };
        const follower = new LogFollower(file, offset, p.stream, sendLine, pending, ino);
        const withdraw = new AbortController();
        return {
          id: subscription,
          activate: () => {
            follower.start();
            // wait throws at once if the container went between the reply and now: that, too, ends the follow
            const ended = proc.exitStatus !== undefined ? Promise.resolve() : Promise.resolve().then(() => sup.wait(p.id, processId, undefined, withdraw.signal));
            ended
              .catch(() => undefined)
              .then(() => follower.finish())
              .then(() => {
                if (!open) return;
                send({ end: true });
                ctx.conn.removeSubscription(subscription);
              })
              .catch((err) => sup.log.warn({ err, id: p.id, processId }, 'log follow ended with an error'));
          },
          close: () => {
            open = false;
            withdraw.abort();
            follower.stop();
          },
        };
      });
      return { lines, subscription: sub.id };
    },
  };
}
