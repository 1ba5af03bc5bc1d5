import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withNetns, type TestNetns } from '../../testing/netns.js';
import { kinds, type NotificationKind } from './kinds.js';
import { watch, type Watch } from './watch.js';
import { prng } from '../../testing/prng.js';

/** The kernel's objects of a kind now, keyed like the watch keys them, from a fresh watch's first dump. */
async function kernelView(ns: TestNetns, kind: NotificationKind): Promise<Map<string, unknown>> {
  const fresh = await watch(kind, { netns: ns.name });
  const view = new Map(fresh.view);
  fresh.close();
  return view;
}

const volatile = new Set(['cacheinfo', 'stats', 'stats64', 'afSpec', 'xdp', 'carrierChanges', 'carrierUpCount', 'carrierDownCount', 'probes', 'change', 'event']);
const comparable = (o: unknown): string => JSON.stringify((o as { raw?: unknown }).raw ?? o, (k, v: unknown) => (volatile.has(k) ? undefined : typeof v === 'bigint' ? String(v) : v));

/** Wait until the watch is in sync and equals a fresh dump (the kernel may still be sending the last changes). */
async function converge(ns: TestNetns, w: Watch<unknown>, kind: NotificationKind, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  let last = '';
  for (;;) {
    const truth = await kernelView(ns, kind);
    const ours = w.view;
    const missing = [...truth.keys()].filter((k) => !ours.has(k));
    const extra = [...ours.keys()].filter((k) => !truth.has(k));
    const differ = [...truth.keys()].filter((k) => ours.has(k) && comparable(ours.get(k)) !== comparable(truth.get(k)));
    if (w.inSync && !missing.length && !extra.length && !differ.length) return;
    last = `${kind}: in sync ${w.inSync}, missing ${missing.slice(0, 3).join(' ')}, extra ${extra.slice(0, 3).join(' ')}, differ ${differ.slice(0, 3).join(' ')}`;
    if (Date.now() > deadline) assert.fail(`the view never matched the kernel: ${last}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function churn(ns: TestNetns, seed: number, steps: number): Promise<void> {
  const rand = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const lines: string[] = [];
  const devs = ['v0', 'v2', 'v4'];
  for (let i = 0; i < steps; i++) {
    const dev = pick(devs);
    const n = Math.floor(rand() * 8);
    const net = devs.indexOf(dev) + 1;
    switch (Math.floor(rand() * 12)) {
      case 0: lines.push(`link set ${dev} ${rand() < 0.5 ? 'down' : 'up'}`); break;
      case 1: lines.push(`address ${rand() < 0.6 ? 'add' : 'del'} 198.51.${net}.${10 + n}/24 dev ${dev}`); break;
      case 2: lines.push(`address ${rand() < 0.6 ? 'add' : 'del'} 2001:db8:${net}::${10 + n}/64 dev ${dev} nodad`); break;
      case 3: lines.push(`route ${pick(['add', 'replace', 'del'])} 10.${net}.${n}.0/24 via 198.51.${net}.1 dev ${dev} table ${pick([100, 254])}`); break;
      case 4: lines.push(`route ${pick(['add', 'del'])} 10.20.${n}.0/24 nexthop via 198.51.1.1 dev v0 weight 2 nexthop via 198.51.2.1 dev v2`); break;
      case 5: lines.push(`nexthop ${pick(['add', 'replace', 'del'])} id ${10 + n} via 198.51.${net}.1 dev ${dev}`); break;
      case 6: lines.push(`route ${pick(['add', 'replace', 'del'])} 10.30.${n}.0/24 nhid ${10 + n}`); break;
      case 7: lines.push(`neigh ${pick(['add', 'replace', 'del'])} 198.51.${net}.${100 + n} lladdr 02:00:00:00:0${net}:0${n} dev ${dev}`); break;
      case 8: lines.push(`rule ${pick(['add', 'del'])} priority ${1000 + n} from 10.${n}.0.0/16 table ${100 + n}`); break;
      case 9: lines.push(`route ${pick(['add', 'replace', 'del'])} 2001:db8:${10 + n}::/64 via 2001:db8:${net}::1 dev ${dev}`); break;
      case 10: lines.push(`route ${pick(['add', 'del'])} blackhole 10.40.${n}.0/24 table 100`); break;
      default: lines.push(`address flush dev ${dev} to 198.51.${net}.${10 + n}`);
    }
  }
  // -force: a line the kernel refuses (a delete of something absent) is part of the churn, not a failure.
  await ns.exec('sh', ['-c', `printf '%s\\n' ${lines.map((l) => `'${l}'`).join(' ')} | ip -force -batch - 2>/dev/null || true`]);
}

const churned: NotificationKind[] = ['link', 'address', 'route', 'nexthop', 'neighbour', 'rule'];

for (const seed of [1, 2, 3]) {
  test(`random churn (seed ${seed}): every watch's view ends equal to a fresh dump`, async () => {
    await withNetns(async (ns) => {
      for (const [a, b] of [['v0', 'v1'], ['v2', 'v3'], ['v4', 'v5']]) {
        await ns.ip('link', 'add', a!, 'type', 'veth', 'peer', 'name', b!);
        await ns.ip('link', 'set', a!, 'up');
        await ns.ip('link', 'set', b!, 'up');
      }
      for (const [i, d] of ['v0', 'v2', 'v4'].entries()) {
        await ns.ip('addr', 'add', `198.51.${i + 1}.2/24`, 'dev', d);
        await ns.ip('addr', 'add', `2001:db8:${i + 1}::2/64`, 'dev', d, 'nodad');
      }
      const watches = await Promise.all(churned.map((k) => watch(k, { netns: ns.name })));
      const events = watches.map(() => 0);
      const readers = watches.map(async (w, i) => { for await (const _ of w) events[i]!++; });
      try {
        for (let round = 0; round < 4; round++) await churn(ns, seed * 100 + round, 150);
        for (const [i, w] of watches.entries()) await converge(ns, w as Watch<unknown>, churned[i]!);
        // Every kind saw the churn as events. (How many varies by a few from run to run: a change a resync's dump
        // already showed and a notification repeats is one event.)
        assert.deepEqual(events.map((n, i) => [churned[i], n > 0]), churned.map((k) => [k, true]), 'the churn was seen as events');
      } finally {
        for (const w of watches) w.close();
        await Promise.all(readers);
      }
    });
  });
}

test('every kind: consumers that stall behind a queue of 8 events get every change, folded, and views stay current', async () => {
  await withNetns(async (ns) => {
    // No duplicate address detection: a link-local address leaving 'tentative' while the consumers' pictures are
    // compared with the kernel's would be a change after the comparison's dump (seen in a fresh-clone run).
    await ns.exec('sysctl', ['-qw', 'net.ipv6.conf.default.accept_dad=0', 'net.ipv6.conf.all.accept_dad=0']);
    for (const [a, b] of [['v0', 'v1'], ['v2', 'v3'], ['v4', 'v5']]) {
      await ns.ip('link', 'add', a!, 'type', 'veth', 'peer', 'name', b!);
      await ns.ip('link', 'set', a!, 'up');
      await ns.ip('link', 'set', b!, 'up');
    }
    for (const [i, d] of ['v0', 'v2', 'v4'].entries()) {
      await ns.ip('addr', 'add', `198.51.${i + 1}.2/24`, 'dev', d);
      await ns.ip('addr', 'add', `2001:db8:${i + 1}::2/64`, 'dev', d, 'nodad');
    }
    const watches = (await Promise.all(churned.map((k) => watch(k, { netns: ns.name, highWaterMark: 8 })))) as Watch<unknown>[];
    // Each consumer's own picture: the view when it took the iterator, then its events, applied in order.
    const mirrors = watches.map((w) => new Map(w.view));
    const iterators = watches.map((w) => w[Symbol.asyncIterator]());
    try {
      for (let round = 0; round < 4; round++) await churn(ns, 40 + round, 150);
      // Nobody has read an event, yet every view follows the kernel.
      for (const [i, w] of watches.entries()) await converge(ns, w, churned[i]!);
      assert.ok(watches.every((w) => w.counters.queueHighWaterMark <= 8), 'no queue outgrew its bound');
      assert.ok(watches.some((w) => w.counters.coalesced > 0), 'changes were folded');
      // The consumers read on until nothing is left: each one's picture is the kernel's.
      for (const [i, w] of watches.entries()) {
        const mirror = mirrors[i]!;
        const truth = await kernelView(ns, churned[i]!);
        for (;;) {
          const r = await Promise.race([iterators[i]!.next(), new Promise<null>((res) => setTimeout(() => res(null), 200))]);
          if (r === null || r.done) break;
          const e = r.value;
          assert.equal(mirror.has(e.key), e.type !== 'add', `${churned[i]} ${e.type} ${e.key} follows what the consumer had`);
          if (e.type === 'delete') mirror.delete(e.key);
          else mirror.set(e.key, e.after);
        }
        assert.deepEqual([...mirror.entries()].map(([k, v]) => [k, comparable(v)]).sort(),
          [...truth.entries()].map(([k, v]) => [k, comparable(v)]).sort(), `${churned[i]}: the events add up to the kernel's objects`);
        assert.ok(w.counters.queueHighWaterMark <= 8);
      }
    } finally {
      for (const w of watches) w.close();
    }
  });
});

test('the view keys objects by kernel identity and emits add, change and delete with before and after', async () => {
  await withNetns(async (ns) => {
    await ns.vethPair();
    await ns.ip('route', 'add', '10.0.0.0/24', 'via', '192.0.2.2', 'table', '100');
    const w = await watch('route', { netns: ns.name, filter: { table: 100 } });
    try {
      assert.deepEqual([...w.view.values()].map((r) => r.dst), ['10.0.0.0/24']);
      const it = w[Symbol.asyncIterator]();
      await ns.ip('route', 'replace', '10.0.0.0/24', 'via', '192.0.2.3', 'table', '100');
      const change = (await it.next()).value;
      assert.deepEqual([change.type, change.before?.gateway, change.after?.gateway], ['change', '192.0.2.2', '192.0.2.3']);
      await ns.ip('route', 'add', '10.0.1.0/24', 'via', '192.0.2.2', 'table', '100');
      await ns.ip('route', 'add', '10.0.1.0/24', 'via', '192.0.2.2', 'table', '200');
      const add = (await it.next()).value;
      assert.deepEqual([add.type, add.after?.dst, add.after?.table], ['add', '10.0.1.0/24', 100]);
      // Taking the device down removes its routes without a notification: the watch resyncs to see it.
      await ns.ip('link', 'set', 'v0', 'down');
      const gone = [(await it.next()).value, (await it.next()).value];
      assert.deepEqual(gone.map((e) => e.type), ['delete', 'delete']);
      assert.equal(w.view.size, 0);
      assert.ok(w.counters.resyncs >= 1);
      assert.equal(kinds.route.key(gone[0]!.before!), gone[0]!.key);
    } finally {
      w.close();
    }
  });
});

test('a long run of notifications without a resync: the watch forgets its last dump, and the next resync checks the whole view', async () => {
  await withNetns(async (ns) => {
    await ns.vethPair();
    const w = await watch('route', { netns: ns.name });
    try {
      // 6,000 distinct routes come and go (more keys than the watch keeps notes on), heard one by one.
      const lines: string[] = [];
      for (let i = 0; i < 6000; i++) lines.push(`route add 10.7.${i >> 8}.${i & 255}/32 via 192.0.2.2`);
      for (let i = 0; i < 6000; i += 2) lines.push(`route del 10.7.${i >> 8}.${i & 255}/32`);
      const { writeFileSync, rmSync } = await import('node:fs');
      const file = `/tmp/nlkit-forget-${process.pid}.batch`;
      writeFileSync(file, `${lines.join('\n')}\n`);
      try {
        await ns.ip('-batch', file);
      } finally {
        rmSync(file);
      }
      await converge(ns, w as Watch<unknown>, 'route');
      const resyncs = w.counters.resyncs;
      // A link event makes a route watch resync: it must end equal to the kernel again.
      await ns.ip('link', 'set', 'v1', 'down');
      await ns.ip('link', 'set', 'v1', 'up');
      await converge(ns, w as Watch<unknown>, 'route');
      assert.ok(w.counters.resyncs > resyncs, 'a resync ran');
      assert.equal(w.counters.overruns, 0);
      assert.equal([...w.view.values()].filter((r) => r.dst.startsWith('10.7.')).length, 3000);
    } finally {
      w.close();
    }
  });
});
