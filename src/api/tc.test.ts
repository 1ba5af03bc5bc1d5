import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestNetns, withNetns, type TestNetns } from '../testing/netns.js';
import { NetlinkError } from '../wire/errors.js';
import { SchemaError } from '../schema/codec.js';
import { RouteNetlink } from './route-netlink.js';
import type { U32Options } from './tc-u32.js';

interface TcJson {
  kind: string;
  handle: string;
  parent?: string;
  root?: boolean;
  options?: Record<string, unknown>;
  bytes?: number;
  packets?: number;
}

/** `count` UDP datagrams of `size` bytes from inside `ns` to `dst` (port 9, discard), sent by Node itself. */
async function udp(ns: TestNetns, dst: string, count: number, size: number): Promise<void> {
  const script = `const s = require('node:dgram').createSocket('udp4'); const b = Buffer.alloc(${size});
let n = 0; const next = () => n++ < ${count} ? s.send(b, 9, '${dst}', next) : s.close(); next();`;
  await ns.exec(process.execPath, ['-e', script]);
}

const tc = async (ns: TestNetns, ...args: string[]): Promise<TcJson[]> => JSON.parse(await ns.exec('tc', ['-j', ...args])) as TcJson[];

/** Two namespaces joined by a veth: a (v0, 192.0.2.1) and b (v1, 192.0.2.2). */
async function pair(body: (a: TestNetns, b: TestNetns) => Promise<void>): Promise<void> {
  await withNetns(async (a) => {
    const b = await createTestNetns('tcb');
    try {
      await a.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1', 'netns', b.name);
      await a.ip('addr', 'add', '192.0.2.1/24', 'dev', 'v0');
      await b.ip('addr', 'add', '192.0.2.2/24', 'dev', 'v1');
      await a.ip('link', 'set', 'v0', 'up');
      await b.ip('link', 'set', 'v1', 'up');
      await body(a, b);
    } finally {
      await b.dispose();
    }
  }, 'tca');
}

const toB: U32Options = { classid: '1:10', sel: { keys: [{ mask: 0xffffffff, val: 0xc0000202, off: 16, offmask: 0 }] } };

test('htb with classes and a u32 filter: packets to b are steered into 1:10 and its counters move', async () => {
  await pair(async (a) => {
    await a.exec('sysctl', ['-qw', 'net.ipv6.conf.v0.disable_ipv6=1']);
    const rt = RouteNetlink.open({ netns: a.name });
    try {
      await rt.qdiscs.add({ dev: 'v0', handle: '1:', kind: 'htb', options: { defcls: 0x20 } });
      await rt.classes.add({ dev: 'v0', parent: '1:', classid: '1:1', kind: 'htb', options: { rate: 1_250_000 } });
      await rt.classes.add({ dev: 'v0', parent: '1:1', classid: '1:10', kind: 'htb', options: { rate: 125_000, ceil: 1_250_000, prio: 1 } });
      await rt.classes.add({ dev: 'v0', parent: '1:1', classid: '1:20', kind: 'htb', options: { rate: 62_500, burst: 3000 } });
      await rt.filters.add({ dev: 'v0', parent: '1:', protocol: 'ip', prio: 1, kind: 'u32', options: toB });

      const [q] = (await rt.qdiscs.list({ dev: 'v0' })).filter((x) => x.kind === 'htb');
      assert.deepEqual([q!.handle, q!.parent, q!.options?.defcls, q!.options?.r2q], ['1:', 'root', 0x20, 10]);
      // tc 6.1 prints classes as text even under -j.
      const theirs = (await a.exec('tc', ['class', 'show', 'dev', 'v0'])).trim().split('\n').map((l) => l.trim().split(/\s+/));
      const ours = await rt.classes.list({ dev: 'v0' });
      const word = (l: string[], w: string) => l[l.indexOf(w) + 1];
      assert.deepEqual(ours.map((c) => c.handle).sort(), theirs.map((l) => l[2]!).sort());
      for (const l of theirs) {
        const c = ours.find((x) => x.handle === l[2])!;
        assert.equal(c.parent, l[3] === 'root' ? 'root' : l[4], `${c.handle} parent`);
        assert.equal(`${c.options?.burst}b`, word(l, 'burst'), `${c.handle} burst`);
        assert.equal(`${c.options?.cburst}b`, word(l, 'cburst'), `${c.handle} cburst`);
      }
      const c10 = ours.find((c) => c.handle === '1:10')!;
      assert.deepEqual([c10.options?.rate, c10.options?.ceil, c10.options?.prio], [125_000, 1_250_000, 1]);
      assert.equal(ours.find((c) => c.handle === '1:20')!.options?.burst, 3000);

      const filters = await rt.filters.list({ dev: 'v0', parent: '1:' });
      const leaf = filters.find((f) => f.handle === '800::800')!;
      assert.ok(leaf, `the filter's node: ${JSON.stringify(filters.map((f) => f.handle))}`);
      assert.deepEqual([leaf.protocol, leaf.prio, leaf.kind, leaf.options?.classid], ['ip', 1, 'u32', '1:10']);
      assert.deepEqual((leaf.options as { sel: { keys: unknown[] } }).sel.keys, [{ mask: 0xffffffff, val: 0xc0000202, off: 16, offmask: 0 }]);

      const before = (await rt.classes.get({ dev: 'v0', classid: '1:10' })).stats!.packets;
      // Other traffic of v0's (ARP, IPv6 neighbour discovery and MLD, more of it the slower the machine) goes to the
      // default class: only what it carried while the datagrams went counts.
      const c20Before = (await rt.classes.get({ dev: 'v0', classid: '1:20' })).stats!.packets;
      await udp(a, '192.0.2.2', 5, 100);
      const after = await rt.classes.get({ dev: 'v0', classid: '1:10' });
      assert.ok(after.stats!.packets >= before + 5, `1:10 sent ${after.stats!.packets - before} packets`);
      assert.ok(after.stats!.bytes as number >= 5 * 128);
      assert.equal(typeof after.xstats?.tokens, 'number');
      const c20 = await rt.classes.get({ dev: 'v0', classid: '1:20' });
      assert.ok(c20.stats!.packets - c20Before < 5, `the default class carried ${c20.stats!.packets - c20Before} of v0's packets meanwhile, not the datagrams`);

      await rt.filters.delete({ dev: 'v0', parent: '1:', protocol: 'ip', prio: 1, kind: 'u32', handle: '800::800' });
      assert.equal((await rt.filters.list({ dev: 'v0', parent: '1:' })).filter((f) => f.handle === '800::800').length, 0);
      await rt.classes.delete({ dev: 'v0', classid: '1:20' });
      await assert.rejects(rt.classes.get({ dev: 'v0', classid: '1:20' }), (e: unknown) => e instanceof NetlinkError && e.code === 'ENOENT');
      await rt.qdiscs.delete({ dev: 'v0', parent: 'root' });
      assert.equal((await rt.qdiscs.list({ dev: 'v0' })).filter((x) => x.kind === 'htb').length, 0);
    } finally {
      rt.close();
    }
  });
});

test('tbf shapes a flow at its rate, and reads back as tc reads it', async () => {
  await pair(async (a) => {
    const rt = RouteNetlink.open({ netns: a.name });
    try {
      await rt.qdiscs.add({ dev: 'v0', parent: 'root', handle: '2:', kind: 'tbf', options: { rate: 12_500, burst: 2000, latency: 50_000 } });
      const [ours] = (await rt.qdiscs.list({ dev: 'v0' })).filter((q) => q.kind === 'tbf');
      const [theirs] = (await tc(a, 'qdisc', 'show', 'dev', 'v0')).filter((q) => q.kind === 'tbf');
      assert.deepEqual([ours!.options?.rate, ours!.options?.burst], [theirs!.options?.rate, theirs!.options?.burst]);
      // tc computes the limit from the latency as rate × latency + burst (12500 × 0.05 + 2000), and prints it back as lat.
      assert.equal(ours!.options?.limit, 2625);
      assert.equal(theirs!.options?.lat, 50_000);
      // 40 datagrams of 1000 bytes at once, at 12.5 kB/s with a 2000-byte bucket: most wait, and past the
      // 2625-byte queue they are dropped.
      await udp(a, '192.0.2.2', 40, 1000);
      const after = await rt.qdiscs.get({ dev: 'v0', handle: '2:' });
      assert.ok(after.stats!.overlimits > 0 && after.stats!.drops > 0, `tbf held the flow back: ${after.stats!.overlimits} overlimits, ${after.stats!.drops} drops`);
      await rt.qdiscs.replace({ dev: 'v0', parent: 'root', handle: '3:', kind: 'pfifo', options: { limit: 77 } });
      const p = (await rt.qdiscs.list({ dev: 'v0' })).find((q) => q.kind === 'pfifo')!;
      assert.deepEqual([p.handle, p.options?.limit], ['3:', 77]);
      await rt.qdiscs.replace({ dev: 'v0', parent: 'root', handle: '4:', kind: 'bfifo', options: { limit: 30000 } });
      const bf = (await tc(a, 'qdisc', 'show', 'dev', 'v0')).find((q) => q.kind === 'bfifo')!;
      assert.equal(bf.options?.limit, 30000);
    } finally {
      rt.close();
    }
  });
});

test('ingress and clsact qdiscs with u32 filters on their hooks; chains', async () => {
  await withNetns(async (ns) => {
    await ns.vethPair();
    const rt = RouteNetlink.open({ netns: ns.name });
    try {
      await rt.qdiscs.add({ dev: 'v0', kind: 'clsact' });
      const q = (await rt.qdiscs.list({ dev: 'v0' })).find((x) => x.kind === 'clsact')!;
      assert.deepEqual([q.handle, q.parent], ['ffff:', 'ffff:fff1']);
      await rt.filters.add({ dev: 'v0', parent: 'ingress', protocol: 'all', prio: 10, kind: 'u32', options: { sel: { keys: [{ mask: 0, val: 0, off: 0, offmask: 0 }] } } });
      await rt.filters.add({ dev: 'v0', parent: 'egress', protocol: 'ip', prio: 20, kind: 'u32', chain: 3, options: { sel: { keys: [{ mask: 0xff000000, val: 0x06000000, off: 8, offmask: 0 }] } } });
      const ing = await rt.filters.list({ dev: 'v0', parent: 'ingress' });
      assert.ok(ing.length > 0 && ing.every((f) => f.parent === 'ffff:fff2' && f.prio === 10));
      const theirs = JSON.parse(await ns.exec('tc', ['-j', 'filter', 'show', 'dev', 'v0', 'egress', 'chain', '3'])) as { pref: number; options?: { fh: string } }[];
      const eg = await rt.filters.list({ dev: 'v0', parent: 'egress', chain: 3 });
      assert.deepEqual(eg.map((f) => [f.prio, f.chain, f.handle]), theirs.map((f) => [f.pref, 3, f.options?.fh ?? '']));
      const chains = await rt.chains.list({ dev: 'v0', parent: 'egress' });
      assert.deepEqual(chains.map((c) => c.chain), [3]);
      await rt.chains.add({ dev: 'v0', parent: 'ingress', chain: 7 });
      assert.deepEqual((await rt.chains.list({ dev: 'v0', parent: 'ingress' })).map((c) => c.chain).sort(), [0, 7]);
      await rt.qdiscs.delete({ dev: 'v0', kind: 'clsact' });
      await rt.qdiscs.add({ dev: 'v0', kind: 'ingress' });
      const i = (await rt.qdiscs.list({ dev: 'v0' })).find((x) => x.kind === 'ingress')!;
      assert.deepEqual([i.handle, i.parent], ['ffff:', 'ffff:fff1']);
    } finally {
      rt.close();
    }
  });
});

test('bad handles, options and kinds are refused naming the field, before anything is sent', async () => {
  await withNetns(async (ns) => {
  const rt = RouteNetlink.open({ netns: ns.name });
  try {
    const bad = async (p: Promise<unknown>, path: string) =>
      assert.rejects(p, (e: unknown) => e instanceof SchemaError && e.path === path && e.code === 'ERR_NETLINK_SCHEMA');
    await bad(rt.qdiscs.add({ dev: 1, handle: '1:2', kind: 'htb' }), 'handle');
    await bad(rt.qdiscs.add({ dev: 1, handle: '10000:', kind: 'htb' }), 'handle');
    await bad(rt.classes.add({ dev: 1, classid: 'x:1', kind: 'htb', options: { rate: 1 } }), 'classid');
    await bad(rt.classes.add({ dev: 1, classid: '1:1', kind: 'htb', options: {} }), 'options.rate');
    await bad(rt.classes.add({ dev: 1, classid: '1:1', kind: 'htb', options: { rate: 1, prio: 9 } }), 'options.prio');
    await bad(rt.qdiscs.add({ dev: 1, kind: 'tbf', options: { rate: 1000, burst: 10 } }), 'options.limit');
    await bad(rt.filters.add({ dev: 1, kind: 'u32', handle: '800:1:2:3' }), 'handle');
    await bad(rt.filters.add({ dev: 1, kind: 'u32', protocol: 'ipx' }), 'protocol');
    await bad(rt.filters.add({ dev: 1, kind: 'u32', options: { classid: '1:10', sel: { keys: [{ mask: -1, val: 0, off: 0 }] } } }), 'options.sel.keys[0].mask');
  } finally {
    rt.close();
  }
  });
});
