import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SchemaError } from '../schema/codec.js';
import { withNetns } from '../testing/netns.js';
import { RouteNetlink } from './route-netlink.js';

interface IpNeigh {
  dst?: string;
  lladdr?: string;
  dev: string;
  state?: string[];
  router?: null;
  master?: string;
  vlan?: number;
  flags?: string[];
}

test('neighbours round-trip: IPv4/IPv6 entries with states and flags, proxy entries, bridge FDB; agree with ip -j', async () => {
  await withNetns(async (ns) => {
    await ns.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
    await ns.ip('link', 'add', 'br0', 'type', 'bridge');
    await ns.ip('link', 'set', 'v1', 'master', 'br0');
    for (const l of ['v0', 'v1', 'br0']) await ns.ip('link', 'set', l, 'up');
    await ns.ip('addr', 'add', '192.0.2.1/24', 'dev', 'v0');
    await ns.ip('addr', 'add', '2001:db8::1/64', 'dev', 'v0', 'nodad');
    const rt = RouteNetlink.open({ netns: ns.name });
    try {
      await rt.neighbours.add({ dst: '192.0.2.2', lladdr: '02:00:00:00:00:02', dev: 'v0' });
      await rt.neighbours.add({ dst: '192.0.2.3', lladdr: '02:00:00:00:00:03', dev: 'v0', state: 'stale' });
      await rt.neighbours.add({ dst: '2001:db8::2', lladdr: '02:00:00:00:00:04', dev: 'v0', state: 'reachable', flags: ['router'] });
      await rt.neighbours.add({ dst: '192.0.2.50', dev: 'v0', proxy: true });
      await rt.neighbours.add({ lladdr: '02:00:00:00:00:99', dev: 'v1', master: true, state: 'noarp' });

      const v4 = await rt.neighbours.list({ family: 'inet', dev: 'v0' });
      const two = v4.find((n) => n.dst === '192.0.2.2')!;
      assert.deepEqual([two.lladdr, two.state], ['02:00:00:00:00:02', ['permanent']]);
      assert.deepEqual(v4.find((n) => n.dst === '192.0.2.3')!.state, ['stale']);
      const six = (await rt.neighbours.list({ family: 'inet6', dev: 'v0' })).find((n) => n.dst === '2001:db8::2')!;
      assert.deepEqual([six.lladdr, six.flags.includes('router')], ['02:00:00:00:00:04', true]);
      assert.deepEqual((await rt.neighbours.list({ proxy: true })).map((n) => n.dst), ['192.0.2.50']);
      const fdb = (await rt.neighbours.list({ family: 'bridge', master: 'br0' })).find((n) => n.lladdr === '02:00:00:00:00:99')!;
      assert.ok(fdb, 'the FDB entry is listed');
      assert.equal(fdb.ifindex, (await rt.links.byName('v1')).ifindex);

      const ip = JSON.parse(await ns.ip('-j', 'neigh', 'show', 'dev', 'v0')) as IpNeigh[];
      assert.deepEqual(ip.find((n) => n.dst === '192.0.2.3')!.state, ['STALE']);
      assert.equal(ip.find((n) => n.dst === '2001:db8::2')!.lladdr, '02:00:00:00:00:04');
      const ipFdb = JSON.parse(await ns.ip('-j', 'neigh', 'show', 'proxy')) as IpNeigh[];
      assert.deepEqual(ipFdb.map((n) => n.dst), ['192.0.2.50']);
      const bridgeFdb = JSON.parse(await ns.exec('bridge', ['-j', 'fdb', 'show', 'dev', 'v1'])) as { mac: string }[];
      assert.ok(bridgeFdb.some((e) => e.mac === '02:00:00:00:00:99'));

      await rt.neighbours.replace({ dst: '192.0.2.2', lladdr: '02:00:00:00:00:22', dev: 'v0' });
      assert.equal((await rt.neighbours.list({ dev: 'v0', family: 'inet' })).find((n) => n.dst === '192.0.2.2')!.lladdr, '02:00:00:00:00:22');
      await rt.neighbours.delete({ dst: '192.0.2.2', dev: 'v0' });
      await assert.rejects(rt.neighbours.delete({ dst: '192.0.2.2', dev: 'v0' }), { code: 'ENOENT' });
      await rt.neighbours.delete({ dst: '192.0.2.50', dev: 'v0', proxy: true });
      assert.deepEqual(await rt.neighbours.list({ proxy: true }), []);
    } finally {
      rt.close();
    }
  });
});

test('neighbours: get by key, change, state filter, managed and protocol, FDB on the port and on the bridge, bulk', async () => {
  await withNetns(async (ns) => {
    await ns.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
    await ns.ip('link', 'add', 'br0', 'type', 'bridge');
    await ns.ip('link', 'set', 'v1', 'master', 'br0');
    for (const l of ['v0', 'v1', 'br0']) await ns.ip('link', 'set', l, 'up');
    await ns.ip('addr', 'add', '192.0.2.1/24', 'dev', 'v0');
    await ns.ip('addr', 'add', '2001:db8::1/64', 'dev', 'v0', 'nodad');
    const rt = RouteNetlink.open({ netns: ns.name });
    try {
      const v0 = (await rt.links.byName('v0')).ifindex;
      await rt.neighbours.add({ dst: '192.0.2.2', lladdr: '02:00:00:00:00:02', dev: v0, protocol: 'static' });
      await rt.neighbours.add({ dst: '2001:db8::2', lladdr: '02:00:00:00:00:03', dev: 'v0', state: 'stale' });
      await rt.neighbours.add({ dst: '192.0.2.7', dev: 'v0', extFlags: ['managed'], state: [] });
      await rt.neighbours.add({ dst: '2001:db8::50', dev: 'v0', proxy: true });

      const two = await rt.neighbours.get({ dst: '192.0.2.2', dev: 'v0' });
      assert.deepEqual([two.ifindex, two.lladdr, two.state, two.protocol], [v0, '02:00:00:00:00:02', ['permanent'], 'static']);
      assert.deepEqual((await rt.neighbours.get({ dst: '2001:db8::2', dev: 'v0' })).state, ['stale']);
      assert.deepEqual((await rt.neighbours.get({ dst: '2001:db8::50', dev: 'v0', proxy: true })).flags, ['proxy']);
      await assert.rejects(rt.neighbours.get({ dst: '192.0.2.99', dev: 'v0' }), { code: 'ENOENT' });
      await assert.rejects(rt.neighbours.get({ dev: 'v0', family: 'inet' }), SchemaError);
      assert.deepEqual((await rt.neighbours.get({ dst: '192.0.2.7', dev: 'v0' })).extFlags, ['managed']);
      const ipManaged = JSON.parse(await ns.ip('-j', 'neigh', 'show', '192.0.2.7', 'dev', 'v0')) as { managed?: null }[];
      assert.ok('managed' in ipManaged[0]!);
      assert.deepEqual((await rt.neighbours.list({ dev: 'v0', state: 'stale' })).map((n) => n.dst), ['2001:db8::2']);

      await rt.neighbours.change({ dst: '2001:db8::2', lladdr: '02:00:00:00:00:33', dev: 'v0', state: 'reachable' });
      const changed = await rt.neighbours.get({ dst: '2001:db8::2', dev: 'v0' });
      assert.equal(changed.lladdr, '02:00:00:00:00:33');
      assert.equal((JSON.parse(await ns.ip('-j', '-6', 'neigh', 'show', 'dev', 'v0')) as IpNeigh[]).find((n) => n.dst === '2001:db8::2')!.lladdr, '02:00:00:00:00:33');
      await assert.rejects(rt.neighbours.change({ dst: '192.0.2.8', lladdr: '02:00:00:00:00:08', dev: 'v0' }), { code: 'ENOENT' });

      await rt.neighbours.add({ lladdr: '02:00:00:00:00:a1', dev: 'v1', flags: ['self'] });
      await rt.neighbours.add({ lladdr: '02:00:00:00:00:a2', dev: 'v1', master: true, state: 'noarp' });
      // veth keeps its own FDB entries in its address list but has no get operation for them: get reads a dump.
      assert.deepEqual((await rt.neighbours.get({ lladdr: '02:00:00:00:00:a1', dev: 'v1', flags: ['self'] })).flags, ['self']);
      const self = (await rt.neighbours.list({ family: 'bridge', dev: 'v1' })).find((n) => n.lladdr === '02:00:00:00:00:a1')!;
      assert.deepEqual([self.family, self.flags, self.state], ['bridge', ['self'], ['permanent']]);
      const onBridge = await rt.neighbours.get({ lladdr: '02:00:00:00:00:a2', dev: 'v1', master: true });
      assert.deepEqual([onBridge.state, onBridge.master], [['noarp'], (await rt.links.byName('br0')).ifindex]);
      const bridgeFdb = JSON.parse(await ns.exec('bridge', ['-j', 'fdb', 'show', 'dev', 'v1'])) as { mac: string; flags: string[]; state: string }[];
      assert.deepEqual(bridgeFdb.find((e) => e.mac === '02:00:00:00:00:a1')!.flags, ['self']);
      assert.equal(bridgeFdb.find((e) => e.mac === '02:00:00:00:00:a2')!.state, 'static');
      await rt.neighbours.delete({ lladdr: '02:00:00:00:00:a1', dev: 'v1', flags: ['self'] });
      await rt.neighbours.delete({ lladdr: '02:00:00:00:00:a2', dev: 'v1', master: true });
      const left = JSON.parse(await ns.exec('bridge', ['-j', 'fdb', 'show', 'dev', 'v1'])) as { mac: string }[];
      assert.ok(!left.some((e) => e.mac === '02:00:00:00:00:a1' || e.mac === '02:00:00:00:00:a2'));

      const many = Array.from({ length: 100 }, (_, i) => ({ dst: `198.51.100.${i + 1}`, lladdr: `02:00:00:00:01:${(i + 1).toString(16).padStart(2, '0')}`, dev: 'v0' }));
      await ns.ip('addr', 'add', '198.51.100.254/24', 'dev', 'v0');
      assert.deepEqual(await rt.neighbours.addMany(many), many.map(() => null));
      assert.equal((await rt.neighbours.list({ family: 'inet', dev: 'v0' })).filter((n) => n.dst?.startsWith('198.51.100.')).length, 100);
      assert.deepEqual(await rt.neighbours.deleteMany(many), many.map(() => null));
    } finally {
      rt.close();
    }
  });
});
