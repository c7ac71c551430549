// The wire protocol over a real socket, as socat, nc and JSON-RPC libraries
// drive it: framing split across packets and merged in one, batches,
// notifications without id, parse errors, oversize lines, wrong types,
// unknown methods, half-close, 50 clients at once, the read-only socket, and
// the README's socat examples run as written.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { startDaemon, uid, until, TOP, type DaemonHandle } from '../helpers/daemon.js';
import { RawPeer } from '../helpers/raw.js';
import { Client } from '../../shared/client.js';

let d: DaemonHandle;
before(async () => {
  d = await startDaemon({ extraArgs: ['--max-message-bytes', '4096'] });
});
after(async () => d?.cleanup());

const req = (id: unknown, method: string, params?: unknown) => JSON.stringify({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) });

test('a message split across packets, and several in one packet', async () => {
  const p = await RawPeer.connect(d.socket);
  const text = req(1, 'daemon.version') + '\n';
  for (const ch of text) await p.send(ch);
  assert.equal((await p.next()).id, 1);
  await p.send(req(2, 'daemon.info') + '\n' + req(3, 'container.list') + '\n' + req(4, 'daemon.version'));
  await p.send('\n');
  const ids = [(await p.next()).id, (await p.next()).id, (await p.next()).id].sort();
  assert.deepEqual(ids, [2, 3, 4]);
  p.close();
});

test('parse errors, invalid requests and oversize lines leave the connection usable', async () => {
  const p = await RawPeer.connect(d.socket);
  await p.send('this is not json\n');
  const parse = await p.next();
  assert.equal(parse.error.code, -32700);
  assert.equal(parse.id, null);
  await p.send('{"jsonrpc":"1.0","id":5,"method":"daemon.version"}\n');
  const invalid = await p.next();
  assert.equal(invalid.error.code, -32600);
  assert.equal(invalid.id, 5);
  await p.send(req(6, 'daemon.version', { pad: 'x'.repeat(10_000) }) + '\n');
  const big = await p.next();
  assert.equal(big.error.code, -32007);
  assert.equal(big.error.data.reason, 'limit_exceeded');
  await p.send(req(7, 'daemon.version') + '\n');
  const ok = await p.next();
  assert.equal(ok.id, 7);
  assert.ok(ok.result.version);
  p.close();
});

test('wrong types get -32602 with data.issues; unknown methods -32601; array params refused', async () => {
  const p = await RawPeer.connect(d.socket);
  await p.send(req(1, 'container.get', { id: 42 }) + '\n');
  const r1 = await p.next();
  assert.equal(r1.error.code, -32602);
  assert.equal(r1.error.data.reason, 'invalid_params');
  assert.deepEqual(r1.error.data.issues.map((i: { path: string }) => i.path), ['id']);
  assert.ok(r1.error.data.issues[0].message);
  await p.send(req(2, 'container.create', { id: 'x', bundle: '/b', extra: true }) + '\n');
  const r2 = await p.next();
  assert.equal(r2.error.code, -32602);
  assert.match(JSON.stringify(r2.error.data.issues), /extra/);
  await p.send(req(3, 'container.explode') + '\n');
  const r3 = await p.next();
  assert.equal(r3.error.code, -32601);
  assert.match(r3.error.message, /rpc.discover/);
  await p.send(req(4, 'container.get', ['x']) + '\n');
  assert.equal((await p.next()).error.code, -32602);
  p.close();
});

test('notifications get no reply; batches answer as arrays; limits on batches', async () => {
  const p = await RawPeer.connect(d.socket);
  await p.send(JSON.stringify({ jsonrpc: '2.0', method: 'daemon.version' }) + '\n');
  assert.ok(await p.silentFor(200), 'a notification must not be answered');
  await p.send(JSON.stringify([JSON.parse(req(1, 'daemon.version')), { jsonrpc: '2.0', method: 'daemon.info' }, JSON.parse(req(2, 'container.get', { id: 'nope-x' }))]) + '\n');
  const batch = await p.next();
  assert.ok(Array.isArray(batch));
  assert.equal(batch.length, 2);
  const byId = Object.fromEntries(batch.map((r: { id: number; result?: any; error?: any }) => [r.id, r]));
  assert.ok(byId[1].result.version);
  assert.equal(byId[2].error.data.reason, 'not_found');
  await p.send(JSON.stringify([JSON.parse(req(9, 'daemon.version'))]) + '\n');
  const one = await p.next();
  assert.ok(Array.isArray(one), 'a batch of one is still answered with an array');
  await p.send('[]\n');
  assert.equal((await p.next()).error.code, -32600);
  await p.send(JSON.stringify(Array.from({ length: 65 }, (_, i) => JSON.parse(req(i, 'daemon.version')))) + '\n');
  assert.equal((await p.next()).error.data.reason, 'limit_exceeded');
  p.close();
});

test('half-close: every request already sent is answered, then the socket closes', async () => {
  const p = await RawPeer.connect(d.socket);
  await p.send(req(1, 'daemon.version') + '\n' + req(2, 'container.list') + '\n' + req(3, 'daemon.info'));
  p.socket.end();
  const got = [await p.next(), await p.next(), await p.next()].map((m) => m.id).sort();
  assert.deepEqual(got, [1, 2, 3]);
  assert.equal(await p.next(), undefined);
  assert.ok(p.closed);
});

test('50 clients at once each get their own answers', async () => {
  const clients = await Promise.all(Array.from({ length: 50 }, () => Client.connect(d.socket)));
  const results = await Promise.all(
    clients.map(async (c, i) => {
      const [v, l, e] = await Promise.all([c.request('daemon.version'), c.request('container.list'), c.request('container.get', { id: `missing-${i}` }).catch((err) => err)]);
      return v.apiVersion && Array.isArray(l.containers) && e.reason === 'not_found';
    }),
  );
  assert.equal(results.filter(Boolean).length, 50);
  for (const c of clients) c.close();
});

test('past --max-connections a client is refused with limit_exceeded; clients that hang up at once never stop the daemon', async () => {
  const small = await startDaemon({ extraArgs: ['--max-connections', '1'] });
  try {
    // the start-up probe of startDaemon may still hold the one place for a moment
    const first = await until(async () => {
      const c = await Client.connect(small.socket);
      if (await c.request('daemon.version').then(() => true, () => false)) return c;
      c.close();
      return undefined;
    }, 'the one connection to be served');
    const refused = await RawPeer.connect(small.socket);
    const answer = (await refused.next()) as { error: { code: number; data: { reason: string }; message: string } };
    assert.equal(answer.error.code, -32007);
    assert.equal(answer.error.data.reason, 'limit_exceeded');
    assert.match(answer.error.message, /--max-connections/);
    // the refusal is written to peers that are already gone: EPIPE and ECONNRESET are theirs, not corrald's
    for (let round = 0; round < 10; round++) {
      await Promise.all(
        Array.from({ length: 50 }, () => new Promise<void>((resolve) => {
          const s = net.createConnection({ path: small.socket });
          s.on('error', () => resolve());
          s.on('connect', () => {
            s.destroy();
            resolve();
          });
        })),
      );
    }
    assert.ok((await first.request('daemon.version')).version);
    assert.equal(small.proc.exitCode, null, small.stderr());
    first.close();
  } finally {
    await small.cleanup();
  }
});

test('the read-only socket serves reads and refuses changes', async () => {
  const ro = await Client.connect(d.roSocket);
  assert.ok((await ro.request('container.list')).containers);
  const err = await ro.request('container.create', { id: uid(), bundle: '/x' }).catch((e) => e);
  assert.equal(err.code, -32601);
  assert.match(err.message, /read-only/);
  const sub = await ro.request('events.subscribe', {});
  assert.ok(sub.subscription);
  ro.close();
  const st = fs.statSync(d.socket);
  assert.equal(st.mode & 0o777, 0o660);
});

test("the README's socat examples work as written", async () => {
  const readme = fs.readFileSync(path.join(TOP, 'README.md'), 'utf8');
  const examples = readme.split('\n').filter((l) => l.includes('| socat - UNIX-CONNECT:'));
  assert.ok(examples.length >= 3, 'the README shows socat examples');
  for (const line of examples) {
    const cmd = line.replace(/^\$\s*/, '').replaceAll('/run/corral/corrald.sock', d.socket);
    const r = spawnSync('bash', ['-c', cmd], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 0, `${cmd}\n${r.stderr}`);
    const reply = JSON.parse(r.stdout.trim().split('\n')[0]);
    assert.equal(reply.jsonrpc, '2.0', cmd);
    assert.ok('result' in reply || reply.error?.data?.reason === 'not_found', `${cmd} → ${r.stdout}`);
  }
  assert.ok(execFileSync('socat', ['-V'], { encoding: 'utf8' }).includes('socat'));
});

test('responses sent as requests and null params are -32600 with a reason; a client whose only request was too long hears why', async () => {
  const p = await RawPeer.connect(d.socket);
  await p.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'daemon.version', result: 1 }) + '\n');
  await p.send(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'daemon.version', params: null }) + '\n');
  for (const id of [1, 2]) {
    const r = (await p.next()) as { id: number; error: { code: number; data: { reason: string } } };
    assert.equal(r.id, id);
    assert.equal(r.error.code, -32600);
    assert.equal(r.error.data.reason, 'invalid_request');
  }
  p.close();
  // --max-message-bytes is 4096 here: the answer to the long line has id null, and is the request's
  const c = await Client.connect(d.socket);
  const err = await c.request('container.create', { id: uid(), bundle: '/x', labels: { big: 'y'.repeat(8000) } }).catch((e: unknown) => e);
  assert.equal((err as { reason?: string }).reason, 'limit_exceeded', String(err));
  assert.ok((await c.request('daemon.version')).version, 'the connection goes on');
  c.close();
});

test('a follower that stops reading a chatty log gets end with overflow: true, and its connection goes on', async () => {
  const c = await Client.connect(d.socket);
  const id = uid('chatty');
  const line = 'x'.repeat(500);
  await c.request('container.create', { id, bundle: await d.bundle(['/bin/sh', '-c', `while true; do echo ${line}; done`]), start: true });
  const p = await RawPeer.connect(d.socket);
  await p.send(req(1, 'process.logs', { id, tail: 0, follow: true }) + '\n');
  assert.ok((await p.next()).result.subscription);
  // read nothing while the log pours in: the daemon's unread backlog passes the subscriber cap
  p.socket.pause();
  await new Promise((r) => setTimeout(r, 3000));
  p.socket.resume();
  let last: { method?: string; params?: { line?: unknown; end?: boolean; overflow?: boolean } } | undefined;
  for (let n = 0; n < 100_000; n++) {
    last = await p.next();
    if (last?.params?.end) break;
  }
  assert.deepEqual({ end: last?.params?.end, overflow: last?.params?.overflow }, { end: true, overflow: true });
  await p.send(req(2, 'daemon.version') + '\n');
  assert.equal((await p.next()).id, 2, 'the connection is still served');
  p.close();
  await c.request('container.delete', { id, force: true });
  c.close();
});
