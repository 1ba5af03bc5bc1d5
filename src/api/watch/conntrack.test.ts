/**
 * Conntrack events and watch('conntrack') in a namespace: NEW, UPDATE and DESTROY events typed as list() returns
 * entries, and a watch whose consumer stalls while thousands of entries come and go on a small receive buffer
 * (the kernel drops events and says so once): the view must end equal to a fresh dump, inSync true.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withNetns } from '../../testing/netns.js';
import { Conntrack, type ConntrackEntry, type ConntrackInput } from '../conntrack.js';
import { notifications, type Notification } from './notifications.js';
import { watch } from './watch.js';

const ENTRIES = Number(process.env.NLKIT_STRESS_CONNTRACK ?? 20_000);
const udp = (i: number, mark = 0): ConntrackInput => ({
  original: { src: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, dst: '10.255.0.1', proto: 'udp', sport: 1024 + (i % 60000), dport: 53 },
  timeout: 600,
  mark,
});

test('conntrack notifications: new, update and destroy events of entries the library made', { timeout: 60_000 }, async () => {
  await withNetns(async (ns) => {
    const ct = Conntrack.open({ netns: ns.name });
    const ac = new AbortController();
    const heard: Notification[] = [];
    const sub = notifications(['conntrack'], { netns: ns.name, signal: ac.signal });
    // The socket opens at the first next(): take it, then write.
    const first = sub.next();
    try {
      await new Promise((r) => setTimeout(r, 50));
      await ct.add(udp(1, 1));
      await ct.update({ ...udp(1), mark: 2 });
      await ct.delete({ original: udp(1).original });
      heard.push((await first).value as Notification);
      while (heard.length < 3) heard.push((await sub.next()).value as Notification);
    } finally {
      ac.abort();
      await sub.return(undefined).catch(() => {});
      ct.close();
    }
    const entries = heard.map((n) => (n.kind === 'conntrack' ? [n.action, n.object.mark, n.object.original.src] : [n.kind]));
    assert.deepEqual(entries, [['new', 1, '10.0.0.1'], ['new', 2, '10.0.0.1'], ['delete', 2, '10.0.0.1']]);
  });
});

test('watch(conntrack): a stalled consumer while entries come and go ends with the view equal to a fresh dump', { timeout: 180_000 }, async (t) => {
  await withNetns(async (ns) => {
    const ct = Conntrack.open({ netns: ns.name });
    const w = await watch('conntrack', { netns: ns.name, receiveBufferSize: 64 * 1024, highWaterMark: 1024 });
    try {
      // The consumer takes the iterator and never reads on.
      const it = w[Symbol.asyncIterator]();
      void it;
      const items = Array.from({ length: ENTRIES }, (_, i) => udp(i, i % 3));
      const added = await ct.addMany(items);
      assert.equal(added.filter((r) => r !== null).length, 0);
      const del = await ct.deleteMany(items.filter((_, i) => i % 4 === 0).map((e) => ({ original: e.original })));
      assert.equal(del.filter((r) => r !== null).length, 0);
      await ct.flush({ mark: 2 });
      const deadline = Date.now() + 60_000;
      let truth: ConntrackEntry[] = [];
      for (;;) {
        truth = await ct.list();
        if ((w.inSync && w.view.size === truth.length) || Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const keys = new Set(w.view.keys());
      const fresh = await watch('conntrack', { netns: ns.name });
      const freshKeys = [...fresh.view.keys()];
      fresh.close();
      assert.equal(truth.length, freshKeys.length);
      assert.equal(w.view.size, freshKeys.length, `view ${w.view.size}, kernel ${freshKeys.length}, overruns ${w.counters.overruns}`);
      assert.ok(freshKeys.every((k) => keys.has(k)));
      for (const k of freshKeys) assert.equal(w.view.get(k)!.mark, fresh.view.get(k)!.mark);
      assert.ok(w.inSync);
      t.diagnostic(`counters: ${JSON.stringify(w.counters)}`);
      assert.ok(w.counters.queueHighWaterMark <= 1024);
    } finally {
      w.close();
      ct.close();
    }
  });
});
