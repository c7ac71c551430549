// What the reliability tests share: the checks that define "nothing lost,
// nothing leaked" after a fault (every listed container agrees with runc, no
// runc container or conmon that corral does not list, no torn record on disk),
// the daemon's resident memory, and the numbers each test prints for
// docs/reliability.md.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { conmonsUnder, runcState, type DaemonHandle } from '../helpers/daemon.js';
import type { Client } from '../../shared/client.js';
import { CorralError } from '../../shared/errors.js';
import type { ContainerT } from '../../shared/api.js';

/** Awaits P and returns its CorralError; fails when P succeeds or throws anything else. */
export async function rejection(p: Promise<unknown>): Promise<CorralError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof CorralError, `expected a CorralError, got ${err}`);
    return err;
  }
  assert.fail('expected an error, but the call succeeded');
}

export async function rejectsWith(p: Promise<unknown>, reason: string): Promise<CorralError> {
  const err = await rejection(p);
  assert.equal(err.reason, reason, err.message);
  return err;
}

function argAfter(argv: string[], flag: string): string | undefined {
  const i = argv.indexOf(flag);
  return i >= 0 ? argv[i + 1] : undefined;
}

/** The (container id, session) a conmon monitors, from its command line. */
export function conmonTarget(pid: number): { id: string; session: string } | undefined {
  try {
    const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const id = argAfter(argv, '-c');
    const session = argAfter(argv, '-u');
    return id && session ? { id, session } : undefined;
  } catch {
    return undefined;
  }
}

function runcIds(state: string): string[] {
  const r = spawnSync('runc', ['--root', path.join(state, 'runc'), 'list', '-q'], { encoding: 'utf8' });
  return (r.stdout ?? '').split('\n').filter(Boolean);
}

/** Every file under DIR (relative paths), symlinks not followed. */
export function tree(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true }).map(String).sort();
}

/**
 * The invariants after any fault: corral's list agrees with runc for every
 * container, runc holds nothing corral does not list, every conmon under
 * corral's runc root watches a process corral lists as live, and every record
 * on disk parses (no torn state.json or process.json, no leftover temp file).
 * Returns the list it checked.
 */
export async function assertConsistent(d: DaemonHandle, c: Client, where: string): Promise<ContainerT[]> {
  const { containers } = await c.request('container.list', {});
  const listed = new Map(containers.map((x) => [x.id, x]));
  for (const x of containers) {
    const rs = runcState(d.state, x.id);
    if (x.state === 'stopped') assert.ok(!rs || rs.status === 'stopped', `${where}: ${x.id} is stopped for corral but ${rs?.status} for runc`);
    else assert.equal(rs?.status, x.state, `${where}: ${x.id} is ${x.state} for corral but ${rs?.status ?? 'unknown'} for runc`);
  }
  for (const id of runcIds(d.state)) assert.ok(listed.has(id), `${where}: runc holds ${id}, which corral does not list (leaked)`);
  for (const pid of conmonsUnder(path.join(d.state, 'runc'))) {
    const t = conmonTarget(pid);
    if (!t) continue; // exited while we looked
    const x = listed.get(t.id);
    const processId = t.session.slice(t.id.length + 1);
    const p = x?.processes.find((q) => q.id === processId);
    // conmon outlives its process by a moment (it writes the exit file, then exits): only a listed process may own one
    if (fs.existsSync(`/proc/${pid}`)) assert.ok(p, `${where}: conmon ${pid} watches ${t.session}, which corral does not list (leaked)`);
  }
  const containersDir = path.join(d.root, 'containers');
  for (const rel of tree(containersDir)) {
    // a quarantined folder is broken on purpose, kept aside for a human
    if (rel.startsWith('.quarantine-')) continue;
    const base = path.basename(rel);
    assert.ok(!(base.startsWith('.') && base.endsWith('.tmp')), `${where}: leftover temp file ${rel}`);
    if (rel.split(path.sep).some((part) => part.startsWith('.deleting-'))) assert.fail(`${where}: half-deleted folder ${rel}`);
    if (base === 'state.json' || base === 'process.json') {
      const text = fs.readFileSync(path.join(containersDir, rel), 'utf8');
      assert.doesNotThrow(() => JSON.parse(text), `${where}: torn record ${rel}`);
    }
  }
  return containers;
}

/** Resident memory of PID in bytes (VmRSS of /proc/PID/status). */
export function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}

/** One line of numbers in the test output, for docs/reliability.md. */
export function report(what: string, numbers: Record<string, unknown>): void {
  console.log(`# reliability ${what} ${JSON.stringify(numbers)}`);
}

/** Runs FN against D; if it fails, prints how corrald ended and the tail of its log, where the reason usually is. */
export async function explained<T>(d: () => DaemonHandle | undefined, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const h = d();
    if (h) console.log(`# corrald exit=${h.proc.exitCode} signal=${h.proc.signalCode}; last log lines:\n${h.stderr().split('\n').slice(-60).join('\n')}`);
    throw err;
  }
}
