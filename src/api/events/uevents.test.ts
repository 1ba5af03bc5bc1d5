import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withNetns } from '../../testing/netns.js';
import { NetlinkSocket } from '../../socket/socket.js';
import { Protocol } from '../../socket/constants.js';
import { parseUevent, uevents, type UeventNotification } from './uevents.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function take(it: AsyncIterator<UeventNotification>, until: (n: UeventNotification) => boolean): Promise<UeventNotification[]> {
  const seen: UeventNotification[] = [];
  for (;;) {
    const r = await it.next();
    if (r.done) return seen;
    seen.push(r.value);
    if (until(r.value)) return seen;
  }
}

test('a veth pair created and deleted in a namespace: its net devices\' add and remove events, typed', { timeout: 600_000 }, async () => {
  await withNetns(async (ns) => {
    const ac = new AbortController();
    const it = uevents({ netns: ns.name, subsystem: 'net', signal: ac.signal })[Symbol.asyncIterator]();
    const first = it.next();
    await sleep(50);
    await ns.ip('link', 'add', 'u0', 'type', 'veth', 'peer', 'name', 'u1');
    const ifindex = Number(/^(\d+):/.exec(await ns.ip('-o', 'link', 'show', 'u0'))![1]);
    await ns.ip('link', 'del', 'u0');
    const all = [(await first).value as UeventNotification, ...await take(it, (n) => n.kind === 'uevent' && n.action === 'remove' && n.env.INTERFACE === 'u1')];
    const events = all.filter((n): n is Extract<UeventNotification, { kind: 'uevent' }> => n.kind === 'uevent');
    // Only net events: the queues' own (subsystem "queues") were filtered out before decoding.
    assert.deepEqual([...new Set(events.map((e) => e.subsystem))], ['net']);
    const add = events.find((e) => e.action === 'add' && e.env.INTERFACE === 'u0');
    assert.ok(add, `an add event for u0 among ${JSON.stringify(events)}`);
    assert.equal(add.devpath, '/devices/virtual/net/u0');
    assert.equal(add.env.IFINDEX, String(ifindex));
    assert.deepEqual(Object.keys(add.env).slice(0, 3), ['ACTION', 'DEVPATH', 'SUBSYSTEM']);
    assert.ok(events.some((e) => e.action === 'add' && e.env.INTERFACE === 'u1'));
    const remove = events.find((e) => e.action === 'remove' && e.env.INTERFACE === 'u0');
    assert.ok(remove && add.seqnum !== undefined && remove.seqnum! > add.seqnum, 'the remove comes later in the kernel\'s sequence');
    ac.abort();
    await assert.rejects(it.next(), { code: 'ABORT_ERR' });
  }, 'uev');
});

test('uevents report a receive-queue overrun and go on', { timeout: 600_000 }, async () => {
  await withNetns(async (ns) => {
    // A small buffer and a consumer that holds one event: the kernel's queue fills while nothing is read. Whether
    // the very first next() already sees the overrun depends on how fast this process reads while the first veth
    // is made (a quiet machine is too slow: ip's first burst of ten events fills the buffer), so it counts too.
    // The signal bounds the test: a missing overrun fails it, not hangs the file with the socket open.
    const signal = AbortSignal.timeout(40_000);
    const it = uevents({ netns: ns.name, receiveBufferSize: 4096, highWaterMark: 1, signal })[Symbol.asyncIterator]();
    const first = it.next();
    await sleep(50);
    for (let i = 0; i < 8; i++) await ns.ip('link', 'add', `d${i}`, 'type', 'veth', 'peer', 'name', `e${i}`);
    const head = (await first).value as UeventNotification;
    const seen = [head, ...head.kind === 'overrun' ? [] : await take(it, (n) => n.kind === 'overrun')];
    assert.equal(seen.at(-1)?.kind, 'overrun', `an overrun among ${seen.length} notifications`);
    // The kernel drops until its queue has been read empty: a device added once that is done is heard again.
    let heard = false;
    for (let k = 0; k < 20 && !heard; k++) {
      await ns.ip('link', 'add', `a${k}`, 'type', 'veth', 'peer', 'name', `b${k}`);
      for (;;) {
        const r = await Promise.race([it.next(), sleep(1000).then(() => undefined)]);
        if (r === undefined || r.done) break;
        if (r.value.kind === 'uevent' && r.value.env.INTERFACE === `a${k}`) {
          heard = true;
          break;
        }
      }
    }
    assert.ok(heard, 'events are heard after the overrun');
    await it.return?.(undefined);
  }, 'uevo');
});

test('uevents refuse a bad subsystem before opening anything; other sockets refuse datagrams()', async () => {
  await assert.rejects(uevents({ subsystem: ['net', 'a=b'] }).next(), { code: 'ERR_NETLINK_SCHEMA', message: /^subsystem\[1\]: / });
  await assert.rejects(uevents({ subsystem: '' }).next(), { code: 'ERR_NETLINK_SCHEMA', message: /^subsystem: / });
  const s = NetlinkSocket.open(Protocol.ROUTE);
  try {
    assert.throws(() => s.datagrams([1]), /no nlmsghdr/);
  } finally {
    s.close();
  }
  const u = NetlinkSocket.open(Protocol.KOBJECT_UEVENT);
  try {
    assert.throws(() => u.subscribe([1]), /datagrams\(\)/);
  } finally {
    u.close();
  }
});

test('parseUevent reads ACTION@DEVPATH and the variables, and refuses what is not a uevent', () => {
  const text = 'add@/devices/virtual/net/u0\0ACTION=add\0DEVPATH=/devices/virtual/net/u0\0SUBSYSTEM=net\0INTERFACE=u0\0IFINDEX=2\0SEQNUM=252668\0';
  const e = parseUevent(Buffer.from(text));
  assert.deepEqual({ ...e, env: undefined }, { action: 'add', devpath: '/devices/virtual/net/u0', subsystem: 'net', seqnum: 252668, env: undefined });
  assert.equal(e.env.IFINDEX, '2');
  assert.throws(() => parseUevent(Buffer.from('libudev\0\xfe\xed\xca\xfe')), { name: 'DecodeError' });
  assert.throws(() => parseUevent(Buffer.from('add@/x\0NOVALUE\0')), { name: 'DecodeError', message: /KEY=VALUE/ });
});
