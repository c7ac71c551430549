// `corral call` as a script runs it, against the fake corrald: --read-only
// refuses a changing method before sending it whatever the socket, a mistyped
// option is a usage error (exit 2), --follow ends when there is nothing to
// follow, and a reader that stops early (`| head`) ends it without a stack.
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { onLines } from '../../shared/lines.js';
import { FakeDaemon, container } from './fake-daemon.js';

const TOP = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MAIN = path.join(TOP, 'tui/main.ts');
const TIMEOUT_MS = 20_000;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `corral call ARGS`; `onLine` sees each stdout line and may close the reading end. */
function call(args: string[], onLine?: (line: string, stopReading: () => void) => void): Promise<Run> {
  const env = { ...process.env };
  delete env.CORRAL_SOCKET;
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'call', ...args], { cwd: TOP, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  // a line may come in several chunks: onLine sees it whole
  if (onLine) onLines(child.stdout, (line) => onLine(line, () => child.stdout.destroy()));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`corral call ${args.join(' ')} did not end; stderr: ${stderr}`));
    }, TIMEOUT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

let daemon: FakeDaemon | undefined;
afterEach(async () => {
  await daemon?.close();
  daemon = undefined;
});

test('--read-only refuses a changing method before sending it, even on the main socket; reading ones pass', async () => {
  daemon = await FakeDaemon.start([container('web', { state: 'stopped' })]);
  const refused = await call(['--read-only', '--socket', daemon.socketPath, 'container.delete', '{"id":"web"}']);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /^corral call: container\.delete changes state and --read-only refuses it; leave out --read-only/);
  assert.equal(refused.stderr.trim().split('\n').length, 1, 'one line');
  assert.equal(daemon.calls('container.delete').length, 0);
  const read = await call(['--read-only', '--socket', daemon.socketPath, 'container.get', '{"id":"web"}']);
  assert.equal(read.code, 0, read.stderr);
  assert.equal(JSON.parse(read.stdout).id, 'web');
});

test('an unknown option is a usage error, not a method', async () => {
  daemon = await FakeDaemon.start([]);
  const r = await call(['--socket', daemon.socketPath, '--folow', 'events.subscribe']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown option --folow\nusage: corral call/);
  assert.equal(daemon.received.length, 0);
});

test('--follow on a result without a subscription ends at once', async () => {
  daemon = await FakeDaemon.start([container('web')]);
  const r = await call(['--follow', '--socket', daemon.socketPath, 'container.get', '{"id":"web"}']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stderr).id, 'web', 'the result goes to stderr, as with a stream');
});

test('--follow into a reader that stops early (| head) ends quietly', async () => {
  const d = await FakeDaemon.start([container('web')]);
  daemon = d;
  const ticker = setInterval(() => d.emit({ type: 'container.oom', id: 'web', container: d.containers.get('web')! }), 20);
  try {
    const r = await call(['--follow', '--socket', d.socketPath, 'events.subscribe', '{"snapshot":true}'], (_line, stopReading) => stopReading());
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /EPIPE|Error|\bat /);
  } finally {
    clearInterval(ticker);
  }
});
