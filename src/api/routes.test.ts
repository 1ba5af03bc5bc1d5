import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NetlinkError } from '../wire/errors.js';
import { SchemaError } from '../schema/codec.js';
import { withNetns, type TestNetns } from '../testing/netns.js';
import { RouteNetlink } from './route-netlink.js';

async function setup(ns: TestNetns): Promise<RouteNetlink> {
  await ns.vethPair();
  await ns.ip('addr', 'add', '2001:db8::1/64', 'dev', 'v0', 'nodad');
  return RouteNetlink.open({ netns: ns.name });
}

interface IpRoute {
  dst: string;
  gateway?: string;
  dev?: string;
  metric?: number;
  protocol?: string;
  scope?: string;
  type?: string;
  nhid?: number;
  nexthops?: { gateway: string; dev: string; weight: number }[];
  metrics?: { mtu?: number; advmss?: number }[];
  pref?: string;
}

test('routes round-trip: add, read back, agree with ip -j, replace, delete', async () => {
  await withNetns(async (ns) => {
    const rt = await setup(ns);
    try {
      await rt.routes.add({ dst: '10.0.0.0/24', gateway: '192.0.2.2', dev: 'v0', metric: 10, table: 100 });
      await rt.routes.add({ dst: '10.0.1.0/24', multipath: [{ gateway: '192.0.2.2', weight: 1 }, { gateway: '192.0.2.3', dev: 'v0', weight: 3 }], table: 100 });
      await rt.routes.add({ dst: '2001:db8:1::/64', gateway: '2001:db8::2', table: 100, metrics: { mtu: 1400, advmss: 1300 }, pref: 'high' });
      await rt.routes.add({ dst: '10.0.2.0/24', dev: 'v0', table: 100, protocol: 'static' });

      const routes = await rt.routes.list({ table: 100 });
      const byDst = new Map(routes.map((r) => [r.dst, r]));
      const v0 = (await rt.links.byName('v0')).ifindex;
      const a = byDst.get('10.0.0.0/24')!;
      assert.deepEqual([a.family, a.gateway, a.oif, a.priority, a.table, a.protocol, a.scope, a.type], ['inet', '192.0.2.2', v0, 10, 100, 'boot', 'universe', 'unicast']);
      assert.deepEqual(byDst.get('10.0.1.0/24')!.multipath!.map((n) => [n.gateway, n.ifindex, n.weight]), [['192.0.2.2', v0, 1], ['192.0.2.3', v0, 3]]);
      const six = byDst.get('2001:db8:1::/64')!;
      assert.deepEqual([six.family, six.gateway, six.metrics?.mtu, six.metrics?.advmss, six.pref], ['inet6', '2001:db8::2', 1400, 1300, 'high']);
      const dev = byDst.get('10.0.2.0/24')!;
      assert.deepEqual([dev.scope, dev.protocol, dev.gateway], ['link', 'static', undefined]);

      const ip4 = JSON.parse(await ns.ip('-j', '-d', 'route', 'show', 'table', '100')) as IpRoute[];
      assert.deepEqual(ip4.map((r) => r.dst).sort(), ['10.0.0.0/24', '10.0.1.0/24', '10.0.2.0/24']);
      const ipA = ip4.find((r) => r.dst === '10.0.0.0/24')!;
      assert.deepEqual([ipA.gateway, ipA.dev, ipA.metric, ipA.protocol], ['192.0.2.2', 'v0', 10, 'boot']);
      assert.deepEqual(ip4.find((r) => r.dst === '10.0.1.0/24')!.nexthops!.map((n) => [n.gateway, n.weight]), [['192.0.2.2', 1], ['192.0.2.3', 3]]);
      const ip6 = JSON.parse(await ns.ip('-j', '-6', 'route', 'show', 'table', '100')) as IpRoute[];
      assert.equal(ip6[0]!.gateway, '2001:db8::2');
      assert.equal(ip6[0]!.pref, 'high');

      await assert.rejects(rt.routes.add({ dst: '10.0.0.0/24', gateway: '192.0.2.2', metric: 10, table: 100 }), { code: 'EEXIST' });
      await rt.routes.replace({ dst: '10.0.0.0/24', gateway: '192.0.2.3', metric: 10, table: 100 });
      assert.equal((await rt.routes.list({ table: 100, dst: '10.0.0.0/24' }))[0]!.gateway, '192.0.2.3');
      await rt.routes.delete({ dst: '10.0.0.0/24', metric: 10, table: 100 });
      await assert.rejects(rt.routes.delete({ dst: '10.0.0.0/24', metric: 10, table: 100 }), (e: unknown) => e instanceof NetlinkError && e.code === 'ESRCH');
      assert.equal((await rt.routes.list({ table: 100 })).length, 3);
    } finally {
      rt.close();
    }
  });
});

test('every route type, tables above 255, and the lookup ip route get does', async () => {
  await withNetns(async (ns) => {
    const rt = await setup(ns);
    try {
      const types = ['blackhole', 'unreachable', 'prohibit', 'throw'] as const;
      for (const [i, type] of types.entries()) await rt.routes.add({ dst: `10.9.${i}.0/24`, type, table: 1000 });
      await rt.routes.add({ dst: '10.8.0.1', type: 'local', dev: 'v0', table: 1000 });
      const listed = await rt.routes.list({ table: 1000 });
      assert.deepEqual(listed.map((r) => [r.dst, r.type, r.table]).sort(), [
        ['10.8.0.1', 'local', 1000], ['10.9.0.0/24', 'blackhole', 1000], ['10.9.1.0/24', 'unreachable', 1000],
        ['10.9.2.0/24', 'prohibit', 1000], ['10.9.3.0/24', 'throw', 1000],
      ]);
      assert.equal(listed.find((r) => r.type === 'local')!.scope, 'host');
      const ip = JSON.parse(await ns.ip('-j', 'route', 'show', 'table', '1000')) as IpRoute[];
      assert.deepEqual(ip.map((r) => r.type ?? 'unicast').sort(), ['blackhole', 'local', 'prohibit', 'throw', 'unreachable']);

      await rt.routes.add({ dst: '10.7.0.0/16', gateway: '192.0.2.9' });
      const hit = await rt.routes.lookup('10.7.3.4');
      assert.deepEqual([hit.dst, hit.gateway, hit.prefsrc, hit.table], ['10.7.3.4', '192.0.2.9', '192.0.2.1', 'main']);
      await assert.rejects(rt.routes.lookup('203.0.113.1'), { code: 'ENETUNREACH' });
    } finally {
      rt.close();
    }
  });
});

test('bad route input fails before anything is sent, naming the field', async () => {
  await withNetns(async (ns) => {
    const rt = await setup(ns);
    try {
      await assert.rejects(rt.routes.add({ dst: '10.0.0.0/33' }), (e: unknown) => e instanceof SchemaError && /^dst: prefix length "33"/.test(e.message));
      await assert.rejects(rt.routes.add({ dst: '10.0.0.0/24', dev: 'nope0' }), (e: unknown) => e instanceof SchemaError && e.message === 'dev: no device named "nope0"');
      await assert.rejects(rt.routes.add({ dst: '10.0.0.0/24', table: 'nosuch' }), /table: unknown routing table "nosuch"/);
      assert.equal(rt.socket.stats.messages, 1, 'only the device lookup reached the kernel');
    } finally {
      rt.close();
    }
  });
});

test('a route reads with the names it is written with: oif and priority, dev and metric as ip\'s other names', async () => {
  await withNetns(async (ns) => {
    const rt = await setup(ns);
    try {
      const v0 = (await rt.links.byName('v0')).ifindex;
      await rt.routes.add({ dst: '10.5.0.0/24', gateway: '192.0.2.2', oif: 'v0', priority: 5, table: 100 });
      await rt.routes.add({ dst: '10.5.1.0/24', gateway: '192.0.2.2', dev: 'v0', metric: 6, table: 100 });
      await rt.routes.add({ dst: '10.5.2.0/24', multipath: [{ gateway: '192.0.2.2', ifindex: 'v0' }, { gateway: '192.0.2.3', dev: v0 }], table: 100 });
      const [a, b, m] = await rt.routes.list({ table: 100, oif: v0 });
      assert.deepEqual([a?.dst, a?.oif, a?.priority], ['10.5.0.0/24', v0, 5]);
      assert.deepEqual([b?.dst, b?.oif, b?.priority], ['10.5.1.0/24', v0, 6]);
      assert.deepEqual(m?.multipath?.map((h) => h.ifindex), [v0, v0]);
      // What was read is a key that finds the route again, by the same names.
      assert.equal((await rt.routes.get({ dst: a!.dst, oif: a!.oif, priority: a!.priority, table: 100 })).dst, '10.5.0.0/24');
      await rt.routes.delete({ dst: b!.dst, oif: b!.oif, priority: b!.priority, table: 100 });
      const before = rt.socket.stats.messages;
      await assert.rejects(rt.routes.add({ dst: '10.5.3.0/24', oif: 'v0', dev: 'v0' }), (e: unknown) => e instanceof SchemaError && e.message === 'dev: is another name for oif: give one of them, not both');
      await assert.rejects(rt.routes.add({ dst: '10.5.3.0/24', priority: 1, metric: 1 }), (e: unknown) => e instanceof SchemaError && /^metric: is another name for priority/.test(e.message));
      await assert.rejects(rt.routes.add({ dst: '10.5.3.0/24', multipath: [{ ifindex: 'v0', dev: 'v0' }] }), (e: unknown) => e instanceof SchemaError && /^multipath\[0\]\.dev: is another name for ifindex/.test(e.message));
      await assert.rejects(rt.routes.list({ oif: 'v0', dev: 'v0' }), (e: unknown) => e instanceof SchemaError && /^dev: is another name for oif/.test(e.message));
      assert.equal(rt.socket.stats.messages, before, 'nothing was sent');
    } finally {
      rt.close();
    }
  });
});

test('bulk: 10,000 routes in flight, one result per item, failures with errno and message', async () => {
  await withNetns(async (ns) => {
    const rt = await setup(ns);
    try {
      const inputs = Array.from({ length: 10_000 }, (_, i) => ({ dst: `10.${(i >> 8) & 255}.${i & 255}.0/24`, gateway: '192.0.2.2', dev: 'v0' }));
      inputs[17] = { dst: '10.200.0.0/24', gateway: '198.51.100.1', dev: 'v0' }; // unreachable gateway
      inputs[42] = inputs[41]!; // a duplicate
      inputs[99] = { dst: 'not-a-prefix', gateway: '192.0.2.2', dev: 'v0' };
      const results = await rt.routes.addMany(inputs);
      assert.equal(results.length, 10_000);
      const failed = results.flatMap((r, i) => (r ? [[i, r.code]] : []));
      assert.deepEqual(failed, [[17, 'ENETUNREACH'], [42, 'EEXIST'], [99, 'ERR_NETLINK_SCHEMA']]);
      assert.match((results[17] as NetlinkError).extack.message ?? '', /gateway|nexthop/i);
      assert.match(results[99]!.message, /^\[99\]\.dst: /);
      assert.equal((await rt.routes.list({ table: 'main', family: 'inet' })).length, 10_000 - 3 + 1); // + 192.0.2.0/24

      // Eight requests per send: the window holding the failure completes, nothing after it is sent.
      const stop = await rt.routes.deleteMany(inputs.slice(0, 100), { stopAtFirstError: true, window: 8 });
      assert.equal(stop[17]!.code, 'ESRCH');
      assert.deepEqual(stop.slice(16, 24).filter((r) => r !== null).length, 1);
      // Bad input is reported as such wherever it is; every other item after the failing window is not sent.
      assert.ok(stop.slice(24).every((r, i) => r !== null && r.code === (i + 24 === 99 ? 'ERR_NETLINK_SCHEMA' : 'ERR_NETLINK_NOT_SENT')), 'nothing sent after the failing window');
      assert.equal((await rt.routes.list({ table: 'main', family: 'inet' })).length, 10_000 - 3 + 1 - 23);

      // Calls that share `ifindexes` ask for each name once; a name found there is not asked for at all.
      const ifindexes = new Map<string, number>();
      assert.deepEqual(await rt.routes.addMany([{ dst: '10.201.0.0/24', dev: 'v0' }], { ifindexes }), [null]);
      const v0 = (await rt.links.get({ dev: 'v0' })).ifindex;
      assert.deepEqual([...ifindexes], [['v0', v0]]);
      ifindexes.set('elsewhere', v0);
      assert.deepEqual(await rt.routes.addMany([{ dst: '10.202.0.0/24', dev: 'elsewhere' }], { ifindexes }), [null]);
      const [added] = (await rt.routes.list({ table: 'main', family: 'inet' })).filter((r) => r.dst === '10.202.0.0/24');
      assert.equal(added?.oif, v0);
    } finally {
      rt.close();
    }
  });
});

test('thousands of small dumps back to back never race the reader thread (a racing recvmsg leaves EINVAL on the socket)', async () => {
  await withNetns(async (ns) => {
    const rt = await setup(ns);
    try {
      // Each of these dumps is built inside sendto, in one datagram or none: the reader must not read meanwhile.
      for (let i = 0; i < 5000; i++) {
        await rt.links.list();
        await rt.routes.list();
        assert.deepEqual(await rt.nexthops.list(), []);
      }
    } finally {
      rt.close();
    }
  });
});
