// The container.* methods: thin adapters from validated params to the
// supervisor, which serialises, records and reports.
import { INIT_PROCESS } from '../../shared/api.js';
import type { DaemonContext, Handlers } from './types.js';

type ContainerMethods =
  | 'container.create' | 'container.start' | 'container.list' | 'container.get' | 'container.pause' | 'container.resume'
  | 'container.kill' | 'container.wait' | 'container.stats' | 'container.update' | 'container.delete';

export function containerMethods({ sup }: DaemonContext): Pick<Handlers, ContainerMethods> {
  return {
    'container.create': (p) => sup.create(p),
    'container.start': (p) => sup.start(p.id),
    'container.list': (p) => ({ containers: sup.list(p) }),
    'container.get': (p) => sup.get(p.id),
    'container.pause': (p) => sup.pause(p.id),
    'container.resume': (p) => sup.resume(p.id),
    'container.kill': async (p) => {
      await sup.kill(p.id, p.signal, p.all ?? false);
      return {};
    },
    'container.wait': (p) => sup.wait(p.id, INIT_PROCESS, p.timeoutMs),
    'container.stats': (p) => sup.stats(p.id),
    'container.update': (p) => sup.update(p.id, p.resources),
    'container.delete': async (p) => {
      await sup.delete(p.id, p.force ?? false);
      return {};
    },
  };
}
