import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SchemaError } from '../schema/codec.js';
import { withNetns } from '../testing/netns.js';
import { RouteNetlink } from './route-netlink.js';

interface IpRule {
  priority: number;
  src?: string;
  srclen?: number;
  dst?: string;
  dstlen?: number;
  table?: string;
  action?: string;
  fwmark?: string;
  fwmask?: string;
  iif?: string;
  oif?: string;
  ipproto?: string;
  sport?: number;
  dport_start?: number;
  dport_end?: number;
  uid_start?: number;
  uid_end?: number;
  suppress_prefixlen?: number;
  not?: null;
  goto?: number;
}

test('rules round-trip: IPv4/IPv6 selectors and every action; agree with ip -j', async () => {
  await withNetns(async (ns) => {
    const rt = RouteNetlink.open({ netns: ns.name });
    try {
      await rt.rules.add({ priority: 100, from: '192.0.2.0/24', table: 100 });
      await rt.rules.add({ priority: 101, to: '198.51.100.0/24', iif: 'lo', fwmark: 7, fwmask: 0xff, table: 1000 });
      await rt.rules.add({ priority: 102, ipProto: 6, dport: { start: 80, end: 443 }, sport: 1234, uidRange: { start: 1000, end: 2000 }, action: 'blackhole' });
      await rt.rules.add({ priority: 103, not: true, from: '10.0.0.0/8', action: 'unreachable' });
      await rt.rules.add({ priority: 104, table: 'main', suppressPrefixlength: 0 });
      await rt.rules.add({ priority: 105, goto: 200 });
      await rt.rules.add({ priority: 200, action: 'prohibit', oif: 'lo' });
      await rt.rules.add({ family: 'inet6', priority: 100, from: '2001:db8::/32', to: '2001:db8:1::/48', table: 100, dscp: 10 });

      const ours = new Map((await rt.rules.list({ family: 'inet' })).map((r) => [r.priority, r]));
      assert.deepEqual([ours.get(100)!.from, ours.get(100)!.table, ours.get(100)!.action], ['192.0.2.0/24', 100, 'table']);
      const r101 = ours.get(101)!;
      assert.deepEqual([r101.to, r101.iif, r101.fwmark, r101.fwmask, r101.table], ['198.51.100.0/24', 'lo', 7, 0xff, 1000]);
      const r102 = ours.get(102)!;
      assert.deepEqual([r102.ipProto, r102.dport, r102.sport, r102.uidRange, r102.action], ['tcp', { start: 80, end: 443 }, { start: 1234, end: 1234 }, { start: 1000, end: 2000 }, 'blackhole']);
      assert.deepEqual([ours.get(103)!.not, ours.get(103)!.action], [true, 'unreachable']);
      assert.deepEqual([ours.get(104)!.table, ours.get(104)!.suppressPrefixlength], ['main', 0]);
      assert.deepEqual([ours.get(105)!.action, ours.get(105)!.goto], ['goto', 200]);
      assert.deepEqual([ours.get(200)!.action, ours.get(200)!.oif], ['prohibit', 'lo']);
      const six = (await rt.rules.list({ family: 'inet6', priority: 100 }))[0]!;
      assert.deepEqual([six.from, six.to, six.table, six.dscp], ['2001:db8::/32', '2001:db8:1::/48', 100, 10]);

      const ip = new Map((JSON.parse(await ns.ip('-j', 'rule', 'show')) as IpRule[]).map((r) => [r.priority, r]));
      assert.deepEqual([ip.get(100)!.src, ip.get(100)!.srclen, ip.get(100)!.table], ['192.0.2.0', 24, '100']);
      assert.deepEqual([ip.get(101)!.fwmark, ip.get(101)!.fwmask, ip.get(101)!.iif, ip.get(101)!.table], ['0x7', '0xff', 'lo', '1000']);
      assert.deepEqual([ip.get(102)!.action, ip.get(102)!.dport_start, ip.get(102)!.dport_end, ip.get(102)!.uid_start], ['blackhole', 80, 443, 1000]);
      assert.equal(ip.get(103)!.action, 'unreachable');
      assert.equal(ip.get(104)!.suppress_prefixlen, 0);
      assert.equal(ip.get(105)!.goto, 200);

      await rt.rules.delete({ priority: 101, to: '198.51.100.0/24', iif: 'lo', fwmark: 7, fwmask: 0xff, table: 1000 });
      assert.equal((await rt.rules.list({ family: 'inet', priority: 101 })).length, 0);
      await assert.rejects(rt.rules.add({ priority: 100, from: '192.0.2.0/24', table: 100 }), { code: 'EEXIST' });
    } finally {
      rt.close();
    }
  });
});

test('rules: tos, nop, suppress_ifgroup, IPv6 ports; delete by priority alone; replace refused; bulk with per-item results', async () => {
  await withNetns(async (ns) => {
    const rt = RouteNetlink.open({ netns: ns.name });
    try {
      await rt.rules.add({ priority: 300, tos: 0x10, table: 300 });
      await rt.rules.add({ priority: 301, action: 'nop' });
      await rt.rules.add({ priority: 302, table: 'main', suppressIfgroup: 5 });
      await rt.rules.add({ family: 'inet6', priority: 303, ipProto: 'udp', sport: { start: 5000, end: 5010 }, dport: 53, table: 303 });
      const r = new Map((await rt.rules.list()).map((x) => [`${x.family}/${x.priority}`, x]));
      assert.deepEqual([r.get('inet/300')!.tos, r.get('inet/300')!.table], [0x10, 300]);
      assert.equal(r.get('inet/301')!.action, 'nop');
      assert.deepEqual([r.get('inet/302')!.table, r.get('inet/302')!.suppressIfgroup], ['main', 5]);
      const six = r.get('inet6/303')!;
      assert.deepEqual([six.ipProto, six.sport, six.dport, six.table], ['udp', { start: 5000, end: 5010 }, { start: 53, end: 53 }, 303]);

      const ip = new Map((JSON.parse(await ns.ip('-j', '-6', 'rule', 'show')) as (IpRule & { sport_start?: number; sport_end?: number })[]).map((x) => [x.priority, x]));
      assert.deepEqual([ip.get(303)!.ipproto, ip.get(303)!.sport_start, ip.get(303)!.sport_end, ip.get(303)!.table], ['udp', 5000, 5010, '303']);
      const ip4 = new Map((JSON.parse(await ns.ip('-j', 'rule', 'show')) as (IpRule & { nop?: null; suppress_ifgroup?: string })[]).map((x) => [x.priority, x]));
      assert.ok('nop' in ip4.get(301)!);
      assert.equal(ip4.get(302)!.suppress_ifgroup, '5');

      await rt.rules.add({ priority: 304, iif: 1, oif: 'lo', ipProto: 132, table: 304 });
      const r304 = (await rt.rules.list({ priority: 304 }))[0]!;
      assert.deepEqual([r304.iif, r304.oif, r304.ipProto], ['lo', 'lo', 'sctp']);
      await assert.rejects(rt.rules.add({ priority: 305, iif: 9999, table: 305 }), (e: unknown) => e instanceof SchemaError && e.path === 'iif');
      await assert.rejects(rt.rules.add({ priority: 305, ipProto: 'nope' as 'tcp', table: 305 }), (e: unknown) => e instanceof SchemaError && e.path === 'ipProto');
      assert.equal((await rt.rules.get({ priority: 304 })).table, 304);
      assert.equal((await rt.rules.get({ iif: 'lo', ipProto: 'sctp' })).priority, 304);
      assert.equal((await rt.rules.get({ family: 'inet6', sport: { start: 5000, end: 5010 } })).priority, 303);
      assert.equal((await rt.rules.get({ table: 'main' })).priority, 302);
      await assert.rejects(rt.rules.get({ priority: 304, table: 999 }), { code: 'ENOENT' });
      await rt.rules.delete({ priority: 304, iif: 1 });
      assert.deepEqual(await rt.rules.list({ priority: 304 }), []);

      await assert.rejects(rt.rules.replace({ priority: 300, tos: 0x10, table: 300 }), (e: unknown) => e instanceof SchemaError && e.path === 'mode');
      await assert.rejects(rt.rules.addMany([{ priority: 300 }], { mode: 'change' }), SchemaError);
      assert.equal((await rt.rules.list({ priority: 300 })).length, 1);

      await rt.rules.delete({ priority: 300 });
      await rt.rules.delete({ family: 'inet6', priority: 303 });
      assert.deepEqual((await rt.rules.list({ priority: 300 })).concat(await rt.rules.list({ priority: 303 })), []);

      const many = Array.from({ length: 50 }, (_, i) => ({ priority: 1000 + i, from: `198.51.100.${i}`, table: 1000 + i }));
      const added = await rt.rules.addMany([...many, { priority: 1000, from: '198.51.100.0', table: 1000 }, { priority: 1100, iif: 9999, table: 1 }]);
      assert.deepEqual(added.slice(0, 50), many.map(() => null));
      assert.equal((added[50] as { code?: string }).code, 'EEXIST');
      assert.ok(added[51] instanceof SchemaError && added[51].path === '[51].iif', String(added[51]));
      assert.equal((await rt.rules.list({ family: 'inet' })).filter((x) => x.priority! >= 1000 && x.priority! < 2000).length, 50);
      assert.deepEqual(await rt.rules.deleteMany(many.map((m) => ({ priority: m.priority }))), many.map(() => null));
      assert.equal((await rt.rules.list({ family: 'inet' })).filter((x) => x.priority! >= 1000 && x.priority! < 2000).length, 0);
    } finally {
      rt.close();
    }
  });
});

test('a rule that names no action looks up main, as ip rule add does', async () => {
  await withNetns(async (ns) => {
    const rt = RouteNetlink.open({ netns: ns.name });
    try {
      await rt.rules.add({ from: '192.0.2.0/24', priority: 500 });
      await ns.ip('rule', 'add', 'from', '192.0.2.0/24', 'priority', '501');
      await rt.rules.add({ from: '2001:db8::/64', priority: 500 });
      const ours = await rt.rules.get({ priority: 500 });
      const theirs = await rt.rules.get({ priority: 501 });
      assert.deepEqual([ours.action, ours.table], [theirs.action, theirs.table]);
      assert.deepEqual([ours.action, ours.table], ['table', 'main']);
      assert.deepEqual((await rt.rules.get({ family: 'inet6', priority: 500 })).table, 'main');
      const ip = JSON.parse(await ns.ip('-j', 'rule', 'show', 'priority', '500')) as IpRule[];
      assert.equal(ip[0]!.table, 'main');
    } finally {
      rt.close();
    }
  });
});
