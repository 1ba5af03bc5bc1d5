import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { withNetns } from '../testing/netns.js';
import { SchemaError } from '../schema/codec.js';
import { Conntrack, type ConntrackInput } from './conntrack.js';

const haveConntrack = (() => {
  try {
    execFileSync('conntrack', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const withTool = haveConntrack ? {} : { skip: "Debian's conntrack (conntrack-tools) is not installed: the comparison with it is skipped" };

const udp = (sport: number, mark?: number): ConntrackInput => ({ original: { src: '10.0.0.1', dst: '10.0.0.2', proto: 'udp', sport, dport: 53 }, timeout: 120, ...(mark === undefined ? {} : { mark }) });

test('conntrack: add, get, update, list with kernel filters, delete, flush by mark, statistics', { timeout: 600_000 }, async () => {
  await withNetns(async (ns) => {
    const ct = Conntrack.open({ netns: ns.name });
    try {
      await ct.add(udp(1000, 7));
      await ct.add({ original: { src: '10.0.0.1', dst: '10.0.0.2', proto: 'tcp', sport: 4000, dport: 80 }, timeout: 300, tcpState: 'established', status: ['seenReply', 'assured'] });
      await ct.add({ original: { src: '10.0.0.1', dst: '10.0.0.2', proto: 'icmp', icmpType: 8, icmpCode: 0, icmpId: 9 }, timeout: 30 });
      await ct.add({ original: { src: '2001:db8::1', dst: '2001:db8::2', proto: 'udp', sport: 5, dport: 6 }, timeout: 30, zone: 3 });
      const all = await ct.list();
      assert.equal(all.length, 4);
      const tcp = all.find((e) => e.proto === 'tcp')!;
      assert.equal(tcp.tcp?.state, 'established');
      assert.deepEqual([...tcp.status].sort(), ['assured', 'confirmed', 'seenReply']);
      assert.deepEqual(tcp.reply, { src: '10.0.0.2', dst: '10.0.0.1', proto: 'tcp', sport: 80, dport: 4000 });
      const icmp = all.find((e) => e.proto === 'icmp')!;
      assert.deepEqual(icmp.reply, { src: '10.0.0.2', dst: '10.0.0.1', proto: 'icmp', icmpType: 0, icmpCode: 0, icmpId: 9 });
      assert.deepEqual((await ct.list({ family: 'inet6' })).map((e) => e.zone), [3]);
      assert.deepEqual((await ct.list({ zone: 3 })).map((e) => e.family), ['inet6']);
      assert.deepEqual((await ct.list({ mark: 7 })).map((e) => e.original.sport), [1000]);
      assert.deepEqual((await ct.list({ status: ['assured'] })).map((e) => e.proto), ['tcp']);
      const got = await ct.get({ original: udp(1000).original });
      assert.equal(got.mark, 7);
      await ct.update({ ...udp(1000), mark: 9 });
      assert.equal((await ct.get({ original: udp(1000).original })).mark, 9);
      await assert.rejects(ct.add(udp(1000)), { code: 'EEXIST' });
      await ct.delete({ original: icmp.original });
      await assert.rejects(ct.get({ original: icmp.original }), { code: 'ENOENT' });
      const { entries, maxEntries } = await ct.count();
      assert.equal(entries, 3);
      assert.ok(maxEntries > 0);
      const cpus = await ct.statsCpu();
      assert.ok(cpus.length >= 1 && cpus.every((c) => typeof c.cpu === 'number' && typeof c.found === 'number'));
      await ct.flush({ mark: 9 });
      assert.equal((await ct.list()).length, 2);
      await ct.flush({ family: 'inet6' });
      assert.deepEqual((await ct.list()).map((e) => e.proto), ['tcp']);
      await ct.flush();
      assert.equal((await ct.list()).length, 0);
    } finally {
      ct.close();
    }
  });
});

test('conntrack: bulk create and delete with one result per item, a bad item named by its index', { timeout: 600_000 }, async () => {
  await withNetns(async (ns) => {
    const ct = Conntrack.open({ netns: ns.name });
    try {
      const items = Array.from({ length: 3000 }, (_, i) => udp(10000 + i, i % 10 === 0 ? 5 : 0));
      items[17] = { original: { src: '10.0.0.1', dst: '10.0.0.2', proto: 'udp', sport: 1 } } as ConntrackInput;
      const r = await ct.addMany(items);
      assert.equal(r.filter((x) => x === null).length, 2999);
      assert.ok(r[17] instanceof SchemaError && r[17].path === '[17].original.dport', String(r[17]));
      const again = await ct.addMany(items.slice(0, 2));
      assert.deepEqual(again.map((x) => x && (x as { code?: string }).code), ['EEXIST', 'EEXIST']);
      assert.equal((await ct.list({ mark: 5 })).length, 300);
      const del = await ct.deleteMany(items.slice(20, 120).map((i) => ({ original: i.original })));
      assert.equal(del.filter((x) => x === null).length, 100);
      assert.equal((await ct.count()).entries, 2899);
    } finally {
      ct.close();
    }
  });
});

test('conntrack: bad input is a SchemaError naming the field, before anything is sent', async () => {
  const ct = Conntrack.open();
  try {
    const cases: [() => Promise<unknown>, string][] = [
      [() => ct.add({ original: { src: '10.0.0.1', proto: 'udp', sport: 1, dport: 2 } } as unknown as ConntrackInput), 'original.dst'],
      [() => ct.add({ original: { src: '10.0.0.1', dst: '10.0.0.2', proto: 'icmp', icmpType: 8, icmpCode: 0, icmpId: 1, sport: 1 } }), 'original.sport'],
      [() => ct.add({ original: { src: '10.0.0.1', dst: '10.0.0.2', proto: 'icmp', icmpType: 8, icmpCode: 0 } }), 'original.icmpId'],
      [() => ct.add({ ...udp(1), status: ['assured', 'bogus' as 'assured'] }), 'status[1]'],
      [() => ct.add({ original: { src: '10.0.0.1', dst: '2001:db8::1', proto: 'udp', sport: 1, dport: 2 } }), 'original.dst'],
      [() => ct.add({ original: { src: '10.0.0.1', dst: '10.0.0.2', proto: 'icmpv6', icmpType: 128, icmpCode: 0, icmpId: 1 } }), 'original.proto'],
      [() => ct.list({ mark: -1 }), 'mark'],
      [() => ct.delete({}), 'key'],
    ];
    await Promise.all(cases.map(async ([f, path]) => {
      await assert.rejects(f, (e: unknown) => e instanceof SchemaError && e.code === 'ERR_NETLINK_SCHEMA' && e.path === path);
    }));
  } finally {
    ct.close();
  }
});

test('conntrack: entries made by conntrack -I read back typed, and ours as conntrack -L prints them', { ...withTool, timeout: 600_000 }, async () => {
  await withNetns(async (ns) => {
    await ns.exec('conntrack', ['-I', '-p', 'tcp', '-s', '192.0.2.1', '-d', '192.0.2.2', '--sport', '33000', '--dport', '22', '--state', 'SYN_SENT', '-t', '100', '-m', '3', '-w', '4']);
    const ct = Conntrack.open({ netns: ns.name });
    try {
      const [e] = await ct.list();
      assert.equal(e!.tcp?.state, 'synSent');
      assert.equal(e!.mark, 3);
      assert.equal(e!.zone, 4);
      assert.deepEqual(e!.original, { src: '192.0.2.1', dst: '192.0.2.2', proto: 'tcp', sport: 33000, dport: 22 });
      await ct.add(udp(2000, 8));
      const out = await ns.exec('conntrack', ['-L', '-m', '8']);
      assert.match(out, /^udp {6}17 1[12]\d src=10\.0\.0\.1 dst=10\.0\.0\.2 sport=2000 dport=53 \[UNREPLIED\] src=10\.0\.0\.2 dst=10\.0\.0\.1 sport=53 dport=2000 mark=8 use=1$/m);
    } finally {
      ct.close();
    }
  });
});

test('conntrack: an entry created with a zone of its original tuple only (the reply tuple gets none)', { timeout: 600_000 }, async () => {
  await withNetns(async (ns) => {
    const ct = Conntrack.open({ netns: ns.name });
    try {
      // The kernel takes one tuple zone per entry: sending the original's again in the reply tuple is EINVAL.
      await ct.add({ original: { src: '10.0.0.1', dst: '10.0.0.2', proto: 'udp', sport: 7, dport: 8, zone: 5 }, timeout: 60 });
      const [e] = await ct.list();
      assert.equal(e!.original.zone, 5);
      assert.equal(e!.reply.zone, undefined);
      await ct.delete({ original: e!.original });
      assert.deepEqual(await ct.list(), []);
    } finally {
      ct.close();
    }
  });
});
