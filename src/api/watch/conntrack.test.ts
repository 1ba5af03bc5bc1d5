/**
 * Conntrack events and watch('conntrack') in a namespace: NEW, UPDATE and DESTROY events typed as list() returns
 * entries, and a watch whose consumer stalls while thousands of entries come and go on a small receive buffer
 * (the kernel drops events and says so once): the view must end equal to a fresh dump, inSync true.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { withNetns, type TestNetns } from '../../testing/netns.js';
import { Conntrack, type ConntrackEntry, type ConntrackInput } from '../conntrack.js';
import { notifications, type Notification } from './notifications.js';
import { watch } from './watch.js';

/** The 100,000; NLKIT_STRESS_CONNTRACK for fewer on a machine too loaded for them. */
const ENTRIES = Number(process.env.NLKIT_STRESS_CONNTRACK ?? 100_000);
const udp = (i: number, mark = 0): ConntrackInput => ({
  original: { src: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, dst: '10.255.0.1', proto: 'udp', sport: 1024 + (i % 60000), dport: 53 },
  timeout: 600,
  mark,
});

test('conntrack notifications: new, update and destroy events of entries the library made', { timeout: 600_000 }, async () => {
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

/**
 * The writer, in a process of its own as a busy table's writers are: in the watch's process its bulk requests
 * would wait behind the watch's resync dumps. It makes ENTRIES entries (marks 0, 1, 2 in turn), deletes every
 * fourth one by one, and flushes mark 2 with one request: 100,000 entries come and 49,999 go.
 */
function writer(ns: TestNetns): Promise<void> {
  const code = `
    const { Conntrack } = await import(${JSON.stringify(new URL('../conntrack.js', import.meta.url).href)});
    const udp = ${udp.toString()};
    const ct = Conntrack.open({ netns: ${JSON.stringify(ns.name)} });
    const items = Array.from({ length: ${ENTRIES} }, (_, i) => udp(i, i % 3));
    const failed = (r) => r.filter((x) => x !== null).length;
    const added = failed(await ct.addMany(items));
    const deleted = failed(await ct.deleteMany(items.filter((_, i) => i % 4 === 0).map((e) => ({ original: e.original }))));
    await ct.flush({ mark: 2 });
    ct.close();
    if (added || deleted) throw new Error(added + ' creates and ' + deleted + ' deletes failed');`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (status) => (status === 0 ? resolve() : reject(new Error(`writer exited ${status}: ${stderr}`))));
  });
}

test(`watch(conntrack): a stalled consumer while ${ENTRIES} entries come and half go ends with the view equal to a fresh dump`, { timeout: 600_000 }, async (t) => {
  await withNetns(async (ns) => {
    const ct = Conntrack.open({ netns: ns.name });
    // A receive buffer the kernel overruns within milliseconds of the watch dumping instead of reading.
    const w = await watch('conntrack', { netns: ns.name, receiveBufferSize: 64 * 1024, highWaterMark: 1024 });
    try {
      // The consumer takes the iterator and never reads on.
      const it = w[Symbol.asyncIterator]();
      void it;
      await writer(ns);
      const deadline = Date.now() + 120_000;
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
      assert.equal(truth.length, Array.from({ length: ENTRIES }, (_, i) => i).filter((i) => i % 4 !== 0 && i % 3 !== 2).length);
      assert.equal(freshKeys.length, truth.length);
      // What the watch believed when the loop gave up tells a lost entry (inSync true) from a resync that never ended.
      assert.equal(w.view.size, freshKeys.length, `view ${w.view.size}, kernel ${freshKeys.length}, inSync ${w.inSync}, counters ${JSON.stringify(w.counters)}, missing ${freshKeys.filter((k) => !keys.has(k)).slice(0, 3).join(' | ')}`);
      assert.ok(freshKeys.every((k) => keys.has(k)));
      for (const k of freshKeys) assert.equal(w.view.get(k)!.mark, fresh.view.get(k)!.mark);
      assert.ok(w.inSync);
      t.diagnostic(`counters: ${JSON.stringify(w.counters)}`);
      assert.ok(w.counters.overruns > 0, 'the kernel overran the watch');
      assert.ok(w.counters.queueHighWaterMark <= 1024);
    } finally {
      w.close();
      ct.close();
    }
  });
});

test('watch(conntrack): an overrun heard as a resync ends is not left to that resync', { timeout: 600_000 }, async () => {
  await withNetns(async (ns) => {
    const ct = Conntrack.open({ netns: ns.name });
    const w = await watch('conntrack', { netns: ns.name });
    // The kernel's overrun, read from the socket in the microtasks between run() finding nothing more to do and its
    // promise settling: the one window a real overrun can land in that the watch used to lose.
    const internals = w as unknown as { run(): Promise<void>; overrun(): void; requestResync(): void };
    const run = internals.run.bind(w);
    let placed = false;
    internals.run = async () => {
      await run();
      if (!placed) {
        placed = true;
        internals.overrun();
      }
    };
    try {
      internals.requestResync();
      await ct.add(udp(7));
      const deadline = Date.now() + 20_000;
      while (!(w.inSync && w.view.size === 1) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.ok(placed);
      assert.equal(w.counters.overruns, 1);
      assert.ok(w.inSync, 'inSync after the overrun');
      assert.deepEqual([...w.view.values()].map((e) => e.original.src), ['10.0.0.7']);
      // And it listens again: a later entry reaches the view without another dump.
      const resyncs = w.counters.resyncs;
      await ct.add(udp(8));
      while (w.view.size < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.equal(w.view.size, 2);
      assert.equal(w.counters.resyncs, resyncs);
    } finally {
      w.close();
      ct.close();
    }
  });
});
