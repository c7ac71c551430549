// Every method's handler, by namespace; typed as Handlers so that a method in
// shared/api.ts without a handler does not compile.
import { containerMethods } from './container.js';
import { daemonMethods } from './daemon.js';
import { eventMethods } from './events.js';
import { imageMethods } from './image.js';
import { processMethods } from './process.js';
import { terminalMethods } from './terminal.js';
import type { DaemonContext, Handlers } from './types.js';

export function handlers(d: DaemonContext): Handlers {
  return { ...daemonMethods(d), ...containerMethods(d), ...processMethods(d), ...terminalMethods(d), ...eventMethods(d), ...imageMethods(d) };
}
