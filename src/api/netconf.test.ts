import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SchemaError } from '../schema/codec.js';
import { withNetns } from '../testing/netns.js';
import { RouteNetlink } from './route-netlink.js';

interface IpNetconf {
  family: string;
  interface: string;
  forwarding: boolean;
  rp_filter?: string;
  proxy_neigh: boolean;
}

test('netconf: per device and all/default, IPv4 and IPv6, against sysctl and ip -j netconf', async () => {
  await withNetns(async (ns) => {
    await ns.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
    await ns.exec('sysctl', ['-qw', 'net.ipv4.conf.v0.rp_filter=2', 'net.ipv4.conf.all.forwarding=1', 'net.ipv6.conf.v0.forwarding=1', 'net.ipv6.conf.v1.proxy_ndp=1']);
    const rt = RouteNetlink.open({ netns: ns.name });
    try {
      const v0 = (await rt.links.byName('v0')).ifindex;
      const conf = await rt.netconf.get('inet', 'v0');
      assert.deepEqual([conf.family, conf.ifindex, conf.rpFilter], ['inet', v0, 2]);
      assert.equal((await rt.netconf.get('inet', v0)).rpFilter, 2);
      assert.equal((await rt.netconf.get('inet', 'all')).forwarding, 1);
      assert.equal((await rt.netconf.get('inet', 'default')).ifindex, 'default');
      assert.equal((await rt.netconf.get('inet6', 'v0')).forwarding, 1);
      assert.equal((await rt.netconf.get('inet6', 'v1')).proxyNeigh, 1);

      const all = await rt.netconf.list({ family: 'inet' });
      assert.ok(all.every((e) => e.family === 'inet'));
      assert.deepEqual(new Set(all.map((e) => e.ifindex)), new Set(['all', 'default', 1, v0, (await rt.links.byName('v1')).ifindex]));
      const both = await rt.netconf.list();
      assert.ok(both.some((e) => e.family === 'inet6' && e.ifindex === v0 && e.forwarding === 1));

      const names = new Map<number | string, string>((await rt.links.list()).map((l) => [l.ifindex, l.ifname]));
      const key = (family: string, dev: string) => `${family}/${dev}`;
      const ours = new Map(both.map((e) => [key(String(e.family), names.get(e.ifindex) ?? String(e.ifindex)), e]));
      const ip = JSON.parse(await ns.ip('-j', 'netconf', 'show')) as IpNetconf[];
      assert.equal(ip.length, both.length);
      for (const e of ip) {
        const o = ours.get(key(e.family, e.interface))!;
        assert.deepEqual([o.forwarding === 1, o.proxyNeigh === 1], [e.forwarding, e.proxy_neigh], key(e.family, e.interface));
      }
      assert.equal(ip.find((e) => e.family === 'inet' && e.interface === 'v0')!.rp_filter, 'loose');
      await assert.rejects(rt.netconf.get('inet', 'nope0'), SchemaError);
      await assert.rejects(rt.netconf.get('inet', 999), { code: 'ENODEV' });
    } finally {
      rt.close();
    }
  });
});
