import assert from 'node:assert/strict';
import { test } from 'node:test';
import { linkSchema } from '../families/route/index.js';
import { withNetns } from '../testing/netns.js';
import { NetlinkError } from '../wire/errors.js';
import { linkKind } from './links.js';
import type { Context } from './object.js';
import { RouteNetlink } from './route-netlink.js';

interface IpLink {
  ifname: string;
  ifindex: number;
  mtu: number;
  address: string;
  flags: string[];
  master?: string;
  ifalias?: string;
  txqlen?: number;
  group?: string;
  altnames?: string[];
  linkinfo?: { info_kind: string; info_data?: Record<string, unknown> };
}

test('links of every kind this kernel has: create, read back, agree with ip -j -d, delete', async () => {
  await withNetns(async (ns) => {
    const rt = RouteNetlink.open({ netns: ns.name });
    try {
      await rt.links.add({ ifname: 'v0', kind: 'veth', peer: { ifname: 'v1', mtu: 1400 }, mtu: 1400 });
      await rt.links.add({ ifname: 'br0', kind: 'bridge', data: { forwardDelay: 400, helloTime: 300, priority: 100 } });
      await rt.links.add({ ifname: 'vx0', kind: 'vxlan', data: { id: 42, port: 4789, local: '192.0.2.1', ttl: 10, learning: 0 } });
      await rt.links.add({ ifname: 'ifb0', kind: 'ifb' });

      const links = new Map((await rt.links.list()).map((l) => [l.ifname, l]));
      const ip = new Map((JSON.parse(await ns.ip('-j', '-d', 'link', 'show')) as IpLink[]).map((l) => [l.ifname, l]));
      for (const name of ['lo', 'v0', 'v1', 'br0', 'vx0', 'ifb0']) {
        const ours = links.get(name)!;
        const theirs = ip.get(name)!;
        assert.ok(ours, `${name} listed`);
        assert.deepEqual([ours.ifindex, ours.mtu, ours.address, ours.kind], [theirs.ifindex, theirs.mtu, theirs.address, theirs.linkinfo?.info_kind], name);
      }
      assert.equal(links.get('v1')!.mtu, 1400);
      const br = links.get('br0')!.linkinfo!.data as Record<string, unknown>;
      assert.deepEqual([br.forwardDelay, br.helloTime, br.priority], [400, 300, 100]);
      const vx = links.get('vx0')!.linkinfo!.data as Record<string, unknown>;
      assert.deepEqual([vx.id, vx.port, vx.local, vx.ttl, vx.learning], [42, 4789, '192.0.2.1', 10, 0]);
      const ipVx = ip.get('vx0')!.linkinfo!.info_data!;
      assert.deepEqual([ipVx.id, ipVx.port, ipVx.local, ipVx.ttl], [42, 4789, '192.0.2.1', 10]);

      assert.deepEqual((await rt.links.list({ kind: 'veth' })).map((l) => l.ifname).sort(), ['v0', 'v1']);
      await rt.links.delete({ dev: 'vx0' });
      await assert.rejects(rt.links.byName('vx0'), { code: 'ENODEV' });
    } finally {
      rt.close();
    }
  });
});

test('set: up/down, mtu, name, address, alias, txqlen, group, master and nomaster, altnames', async () => {
  await withNetns(async (ns) => {
    const rt = RouteNetlink.open({ netns: ns.name });
    try {
      await rt.links.add({ ifname: 'v0', kind: 'veth', peer: { ifname: 'v1' } });
      await rt.links.add({ ifname: 'br0', kind: 'bridge' });
      await rt.links.set('v0', { up: true, mtu: 1300, address: '02:00:00:00:00:aa', alias: 'uplink', txqlen: 500, group: 7 });
      await rt.links.set('v1', { master: 'br0', portData: { cost: 33 } });
      await rt.links.set('br0', { ifname: 'br1' });
      await rt.links.altnames('v0', ['uplink-0', 'uplink-a']);

      const v0 = await rt.links.byName('v0');
      assert.deepEqual([v0.up, v0.mtu, v0.address, v0.alias, v0.txqlen, v0.group, v0.altnames], [true, 1300, '02:00:00:00:00:aa', 'uplink', 500, 7, ['uplink-0', 'uplink-a']]);
      const ipV0 = (JSON.parse(await ns.ip('-j', 'link', 'show', 'v0')) as IpLink[])[0]!;
      assert.deepEqual([ipV0.mtu, ipV0.address, ipV0.ifalias, ipV0.txqlen, ipV0.altnames], [1300, '02:00:00:00:00:aa', 'uplink', 500, ['uplink-0', 'uplink-a']]);
      assert.ok(ipV0.flags.includes('UP'));
      const br1 = await rt.links.byName('br1');
      const v1 = await rt.links.byName('v1');
      assert.equal(v1.master, br1.ifindex);
      assert.equal((v1.linkinfo!.slaveData as Record<string, unknown>).cost, 33);
      assert.equal((JSON.parse(await ns.ip('-j', 'link', 'show', 'v1')) as IpLink[])[0]!.master, 'br1');

      await rt.links.set('v1', { master: null });
      await rt.links.set('v0', { up: false });
      await rt.links.altnames('v0', ['uplink-a'], 'delete');
      assert.equal((await rt.links.byName('v1')).master, undefined);
      const after = await rt.links.byName('uplink-0');
      assert.deepEqual([after.ifname, after.up, after.altnames], ['v0', false, ['uplink-0']]);
    } finally {
      rt.close();
    }
  });
});

test('a link moves to another namespace by name', async () => {
  await withNetns(async (a) => {
    await withNetns(async (b) => {
      const inA = RouteNetlink.open({ netns: a.name });
      const inB = RouteNetlink.open({ netns: b.name });
      try {
        await inA.links.add({ ifname: 'v0', kind: 'veth', peer: { ifname: 'v1' } });
        await inA.links.set('v1', { netns: b.name, ifname: 'moved' });
        assert.deepEqual((await inA.links.list()).map((l) => l.ifname).sort(), ['lo', 'v0']);
        assert.deepEqual((await inB.links.list()).map((l) => l.ifname).sort(), ['lo', 'moved']);
      } finally {
        inA.close();
        inB.close();
      }
    });
  });
});

test('kinds this kernel lacks: the bytes ip sends, and the kernel refusal as a NetlinkError', async () => {
  const ctx: Context = { ifindex: (dev) => (dev === 'eth0' ? 2 : Number(dev)) };
  const nla = (type: number, payload: Buffer): Buffer => {
    const head = Buffer.alloc(4);
    head.writeUInt16LE(4 + payload.length, 0);
    head.writeUInt16LE(type, 2);
    const pad = Buffer.alloc((4 - (payload.length % 4)) % 4);
    return Buffer.concat([head, payload, pad]);
  };
  const u32 = (v: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(v); return b; };
  const u16 = (v: number) => { const b = Buffer.alloc(2); b.writeUInt16LE(v); return b; };
  const u8 = (v: number) => Buffer.from([v]);
  const str = (s: string) => Buffer.from(`${s}\0`);
  const IFLA_IFNAME = 3, IFLA_LINK = 5, IFLA_LINKINFO = 18, IFLA_INFO_KIND = 1, IFLA_INFO_DATA = 2;
  // In ip's order (the lower device, the name, the link info), its nests without NLA_F_NESTED, the kind without NUL.
  const expected = (name: string, kind: string, link: number | undefined, data: Buffer | undefined): Buffer => {
    const attrs = link === undefined ? [] : [nla(IFLA_LINK, u32(link))];
    attrs.push(nla(IFLA_IFNAME, str(name)));
    const info = [nla(IFLA_INFO_KIND, Buffer.from(kind))];
    if (data) info.push(nla(IFLA_INFO_DATA, data));
    attrs.push(nla(IFLA_LINKINFO, Buffer.concat(info)));
    return Buffer.concat([Buffer.alloc(16), ...attrs]); // struct ifinfomsg, all zero
  };
  const cases: [string, Parameters<typeof linkKind.toMessage>[0], Buffer][] = [
    ['dummy', { ifname: 'd0', kind: 'dummy' }, expected('d0', 'dummy', undefined, undefined)],
    ['vlan', { link: 'eth0', ifname: 'vl0', kind: 'vlan', data: { id: 10 } }, expected('vl0', 'vlan', 2, nla(1, u16(10)))], // IFLA_VLAN_ID
    ['macvlan', { link: 'eth0', ifname: 'mv0', kind: 'macvlan', data: { mode: 'bridge' } }, expected('mv0', 'macvlan', 2, nla(1, u32(4)))], // MACVLAN_MODE_BRIDGE
    ['ipvlan', { link: 'eth0', ifname: 'iv0', kind: 'ipvlan', data: { mode: 'l3' } }, expected('iv0', 'ipvlan', 2, nla(1, u16(1)))], // IPVLAN_MODE_L3
    ['vrf', { ifname: 'vrf0', kind: 'vrf', data: { table: 100 } }, expected('vrf0', 'vrf', undefined, nla(1, u32(100)))], // IFLA_VRF_TABLE
    ['bond', { ifname: 'bond0', kind: 'bond', data: { mode: 4, miimon: 100 } }, expected('bond0', 'bond', undefined, Buffer.concat([nla(1, u8(4)), nla(3, u32(100))]))],
    ['wireguard', { ifname: 'wg0', kind: 'wireguard' }, expected('wg0', 'wireguard', undefined, undefined)],
  ];
  for (const [kind, input, bytes] of cases) {
    const { bytes: ours } = linkSchema.encodeMessage('newlink', linkKind.toMessage(input, ctx));
    assert.equal(Buffer.from(ours.subarray(16)).toString('hex'), bytes.toString('hex'), kind);
  }
  await withNetns(async (ns) => {
    const rt = RouteNetlink.open({ netns: ns.name });
    try {
      for (const kind of ['dummy', 'vrf', 'wireguard']) {
        await assert.rejects(rt.links.add({ ifname: 'x0', kind }), (e: unknown) =>
          e instanceof NetlinkError && e.code === 'EOPNOTSUPP' && e.extack.message === 'Unknown device type');
      }
    } finally {
      rt.close();
    }
  });
});
