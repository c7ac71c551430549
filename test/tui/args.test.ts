// The socket `corral` and `corral call` connect to, as a table: what the user
// asked for, what the two default sockets would let them do, what is chosen.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseSocket, parseGlobal, type SocketAccess } from '../../tui/args.js';
import { DEFAULT_RO_SOCKET as RO, DEFAULT_SOCKET as MAIN } from '../../shared/client.js';

const access = (main: SocketAccess, ro: SocketAccess) => (p: string): SocketAccess => (p === MAIN ? main : p === RO ? ro : 'missing');

test('the choice of socket', () => {
  const rows: Array<[string, { explicit?: string; readOnly: boolean }, SocketAccess, SocketAccess, string, boolean, boolean]> = [
    // what                                     asked                                  main       ro         chosen      read-only  note
    ['root, plain', { readOnly: false }, 'ok', 'ok', MAIN, false, false],
    ['root, --read-only', { readOnly: true }, 'ok', 'ok', RO, true, false],
    ['--read-only, daemon run with --ro-socket none', { readOnly: true }, 'ok', 'missing', MAIN, true, false],
    ['--ro-group member only', { readOnly: false }, 'denied', 'ok', RO, true, true],
    ['in no group: main, so the error names it', { readOnly: false }, 'denied', 'denied', MAIN, false, false],
    ['daemon not running', { readOnly: false }, 'missing', 'missing', MAIN, false, false],
    ['--socket is obeyed', { explicit: '/x.sock', readOnly: false }, 'denied', 'ok', '/x.sock', false, false],
    ['--socket with --read-only', { explicit: '/x.sock', readOnly: true }, 'ok', 'ok', '/x.sock', true, false],
  ];
  for (const [what, asked, main, ro, socket, readOnly, note] of rows) {
    const c = chooseSocket({ ...asked, access: access(main, ro) });
    assert.equal(c.socket, socket, what);
    assert.equal(c.readOnly, readOnly, what);
    assert.equal(Boolean(c.note), note, what);
    if (c.note) assert.match(c.note, /no permission on .*read-only/, what);
  }
});

test('flags anywhere before the rest; CORRAL_SOCKET counts as --socket and --socket beats it', () => {
  const saved = process.env.CORRAL_SOCKET;
  try {
    delete process.env.CORRAL_SOCKET;
    assert.deepEqual(parseGlobal(['container.list', '--read-only'], access('ok', 'ok')), { socket: RO, readOnly: true, rest: ['container.list'] });
    assert.deepEqual(parseGlobal(['--socket=/a.sock', 'm'], access('ok', 'ok')), { socket: '/a.sock', readOnly: false, rest: ['m'] });
    process.env.CORRAL_SOCKET = '/env.sock';
    assert.equal(parseGlobal([], access('denied', 'ok')).socket, '/env.sock');
    assert.equal(parseGlobal(['--socket', '/b.sock'], access('ok', 'ok')).socket, '/b.sock');
  } finally {
    if (saved === undefined) delete process.env.CORRAL_SOCKET;
    else process.env.CORRAL_SOCKET = saved;
  }
});
