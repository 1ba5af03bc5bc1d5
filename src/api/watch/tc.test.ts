/**
 * watch('qdisc') and notifications of qdiscs: the view starts as the kernel's qdiscs, follows adds, replaces and
 * deletes made by tc in the namespace, and ends equal to a fresh list.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withNetns } from '../../testing/netns.js';
import { RouteNetlink } from '../route-netlink.js';
import { notifications } from './notifications.js';
import { watch } from './watch.js';

test('a qdisc watch follows tc and ends equal to the kernel', { timeout: 600_000 }, async () => {
  await withNetns(async (ns) => {
    await ns.vethPair();
    const rt = RouteNetlink.open({ netns: ns.name });
    const w = await watch('qdisc', { netns: ns.name });
    try {
      const key = (q: { ifindex: number; handle: string; parent: string }) => `${q.ifindex} ${q.handle} ${q.parent}`;
      const same = async () => assert.deepEqual([...w.view.values()].map(key).sort(), (await rt.qdiscs.list()).map(key).sort());
      await same();
      const seen: string[] = [];
      const events = (async () => {
        for await (const e of w) {
          seen.push(`${e.type} ${(e.after ?? e.before)!.kind}`);
          if (seen.some((s) => s.endsWith('tbf')) && seen.some((s) => s.startsWith('delete') && s.endsWith('htb'))) break;
        }
      })();
      await ns.exec('tc', ['qdisc', 'add', 'dev', 'v0', 'root', 'handle', '1:', 'htb']);
      await ns.exec('tc', ['qdisc', 'add', 'dev', 'v1', 'clsact']);
      await ns.exec('tc', ['qdisc', 'del', 'dev', 'v0', 'root']);
      await ns.exec('tc', ['qdisc', 'add', 'dev', 'v0', 'root', 'handle', '2:', 'tbf', 'rate', '1mbit', 'burst', '10k', 'latency', '50ms']);
      await events;
      assert.ok(seen.includes('add htb') && seen.includes('add clsact'), seen.join(', '));
      await same();
      assert.ok([...w.view.values()].some((q) => q.kind === 'tbf' && q.options?.rate === 125_000));
      assert.equal(w.inSync, true);
    } finally {
      w.close();
      rt.close();
    }
  });
});

test('notifications of classes, filters and chains; watch() refuses them, which no one dump lists', { timeout: 600_000 }, async () => {
  await assert.rejects(watch('filter'), { name: 'SchemaError', message: /filter cannot be watched: the kernel lists filters per device and qdisc only/ });
  await withNetns(async (ns) => {
    await ns.vethPair();
    const seen: string[] = [];
    const heard = (async () => {
      for await (const n of notifications(['class', 'filter', 'chain'], { netns: ns.name, signal: AbortSignal.timeout(90_000) })) {
        if (n.kind === 'class') seen.push(`${n.action} class ${n.object.handle} ${n.object.options?.rate as number}`);
        else if (n.kind === 'filter') seen.push(`${n.action} filter ${n.object.kind} ${n.object.handle} ${n.object.prio}`);
        else if (n.kind === 'chain') seen.push(`${n.action} chain ${n.object.parent} ${n.object.chain}`);
        if (seen.includes('delete class 1:10 125000')) return;
      }
    })().catch((e: unknown) => assert.fail(`${(e as Error).message}; heard: ${seen.join(', ')}`));
    // The subscription is up once the socket is open: poll until the first class is heard, bounded.
    await ns.exec('tc', ['qdisc', 'add', 'dev', 'v0', 'root', 'handle', '1:', 'htb']);
    for (let i = 0; i < 50 && !seen.length; i++) {
      await ns.exec('tc', ['class', 'replace', 'dev', 'v0', 'parent', '1:', 'classid', '1:5', 'htb', 'rate', '1mbit']);
      await new Promise((r) => setTimeout(r, 100));
    }
    await ns.exec('tc', ['class', 'add', 'dev', 'v0', 'parent', '1:', 'classid', '1:10', 'htb', 'rate', '1mbit']);
    await ns.exec('tc', ['filter', 'add', 'dev', 'v0', 'parent', '1:', 'protocol', 'ip', 'prio', '3', 'u32', 'match', 'ip', 'dst', '192.0.2.2/32', 'flowid', '1:10']);
    await ns.exec('tc', ['filter', 'del', 'dev', 'v0', 'parent', '1:', 'prio', '3']);
    await ns.exec('tc', ['class', 'del', 'dev', 'v0', 'classid', '1:10']);
    await heard;
    for (const s of ['new chain 1: 0', 'new filter u32 800::800 3', 'delete chain 1: 0', 'new class 1:10 125000', 'delete class 1:10 125000']) assert.ok(seen.includes(s), `${s} in ${seen.join(', ')}`);
  });
});
