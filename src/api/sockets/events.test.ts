import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeAndClose } from '../../testing/closer.js';
import { withNetns } from '../../testing/netns.js';
import { SchemaError } from '../../schema/codec.js';
import { SockDiag, type SocketEvent } from './index.js';

/**
 * Start following (the groups are joined at the first next()), run `act`, then take events until `until` holds or
 * `ms` pass after `act`; the signal ends the iteration (a pending next() would otherwise wait for one more event).
 */
async function collect(events: (signal: AbortSignal) => AsyncIterable<SocketEvent>, act: () => Promise<void>, until: (got: SocketEvent[]) => boolean, ms = 15000): Promise<SocketEvent[]> {
  const ac = new AbortController();
  const it = events(ac.signal)[Symbol.asyncIterator]();
  const got: SocketEvent[] = [];
  let timer: NodeJS.Timeout | undefined;
  let next = it.next();
  try {
    await act();
    timer = setTimeout(() => ac.abort(), ms);
    for (;;) {
      const r = await next;
      if (r.done) break;
      got.push(r.value);
      if (until(got)) break;
      next = it.next();
    }
  } catch (e) {
    if ((e as Error).name !== 'AbortError') throw e;
  } finally {
    clearTimeout(timer);
    ac.abort();
  }
  return got;
}

test('sockets.events: the kernel\'s destroy notifications as typed sockets, by protocol, family and filter', async () => {
  await withNetns(async (ns) => {
    const sd = SockDiag.open({ netns: ns.name });
    try {
      const all = await collect((signal) => sd.sockets.events({ signal }), () => makeAndClose(ns), (g) => g.filter((e) => e.kind === 'destroy').length >= 6);
      const sockets = all.flatMap((e) => (e.kind === 'destroy' ? [e.socket] : []));
      const key = (s: (typeof sockets)[number]) => `${s.kind} ${s.family} ${s.src}:${s.sport} ${s.dst}:${s.dport}`;
      const keys = sockets.map(key);
      for (const k of ['tcp inet 127.0.0.1:5000 0.0.0.0:0', 'tcp inet6 ::1:6000 :::0', 'udp inet 127.0.0.1:5353 0.0.0.0:0', 'udp inet6 ::1:5354 :::0']) {
        assert.ok(keys.includes(k), `${k} in ${keys.join(', ')}`);
      }
      assert.ok(sockets.every((s) => s.state === 'close' && s.inode === 0 && typeof s.cookie === 'bigint'), 'freed sockets, no longer in a file');
      const tcp = sockets.find((s) => s.kind === 'tcp' && s.dport === 5000)!;
      assert.equal(tcp.protocol, 6);
      assert.ok(tcp.tcpInfo && tcp.tcpInfo.state === 7 && tcp.tcpInfo.sndMss > 0, 'TCP notifications carry tcp_info');

      const v6udp = await collect((signal) => sd.sockets.events({ kinds: ['udp'], family: 'inet6', signal }), () => makeAndClose(ns), (g) => g.length >= 1, 3000);
      assert.deepEqual(v6udp.map((e) => e.kind === 'destroy' && key(e.socket)), ['udp inet6 ::1:5354 :::0']);
      const filtered = await collect((signal) => sd.sockets.events({ filter: 'sport = :5000 or dport = :5000', signal }), () => makeAndClose(ns), (g) => g.length >= 3, 3000);
      assert.equal(filtered.length, 3, 'the listener and both ends of its connection');
      assert.ok(filtered.every((e) => e.kind === 'destroy' && (e.socket.sport === 5000 || e.socket.dport === 5000)));
    } finally {
      sd.close();
    }
  }, 'sev');
});

test('sockets.events: a consumer that falls behind hears of it as an overrun, and goes on', async () => {
  await withNetns(async (ns) => {
    const sd = SockDiag.open({ netns: ns.name, receiveBufferSize: 4096 });
    try {
      // Nothing is read while 400 sockets go: the small receive buffer overflows. Then read for two seconds.
      const got = await collect((signal) => sd.sockets.events({ kinds: ['udp'], family: 'inet', highWaterMark: 1, signal }), () => makeAndClose(ns, 400), () => false, 3000);
      const overruns = got.filter((e) => e.kind === 'overrun');
      assert.ok(overruns.length >= 1, 'an overrun was reported');
      const destroyed = got.filter((e) => e.kind === 'destroy').length;
      assert.ok(destroyed > 0 && destroyed < 402, `some notifications came, not all (${destroyed})`);
    } finally {
      sd.close();
    }
  }, 'sevo');
});

test('sockets.events: a bad query is a SchemaError naming the word, before a socket opens', () => {
  const sd = SockDiag.open();
  try {
    const cases: [unknown, RegExp][] = [
      [{ kinds: ['raw'] }, /kinds\[0\]/],
      [{ family: 'unix' }, /family/],
      [{ filter: 'sport = :nope' }, /nope/],
      [{ highWaterMark: 0 }, /highWaterMark/],
    ];
    for (const [q, m] of cases) assert.throws(() => sd.sockets.events(q as never), (e: unknown) => e instanceof SchemaError && m.test(e.message), JSON.stringify(q));
  } finally {
    sd.close();
  }
});
