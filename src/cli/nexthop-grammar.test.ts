import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withNetns, type TestNetns } from '../testing/netns.js';
import { sameAsIp, twin } from '../testing/twin.js';

test('nexthop add, replace and del leave what ip leaves (protocol unspec, the family ip picks, ids the kernel picks)', async () => {
  const lines = [
    'nexthop add id 6 dev v0', 'nexthop add id 7 via 192.0.2.2 dev v0', 'nexthop add id 8 group 6/7 type resilient buckets 8 idle_timer 60',
    'nexthop add id 9 group 6,2/7', 'nexthop add id 10 blackhole', 'nexthop add id 11 via 2001:db8::5 fdb', 'nexthop add id 12 protocol static blackhole',
    'nexthop add dev v0', 'nexthop replace id 10 via 192.0.2.3 dev v0 onlink', 'nexthop del id 9', 'nexthop add', 'nexthop add id 5',
    'nexthop flush protocol 4', 'nexthop flush dev v0',
  ];
  await withNetns(async (a) => withNetns(async (b) => {
    for (const ns of [a, b]) {
      await ns.vethPair();
      await ns.ip('addr', 'add', '2001:db8::1/64', 'dev', 'v0', 'nodad');
    }
    const state = (ns: TestNetns) => ns.ip('-d', 'nexthop', 'show');
    for (const line of lines) {
      const { ip, nlkit } = await twin(a.name, line.split(' '), b.name);
      assert.equal(nlkit.status, ip.status, `${line}: ${nlkit.stderr}`);
      assert.equal(nlkit.stdout, ip.stdout, line);
      assert.equal(await state(b), await state(a), line);
    }
  }));
});

test('nexthop show, get and bucket take ip\'s selectors and print what ip prints; refusals in ip\'s words', async () => {
  await withNetns(async (ns) => {
    await ns.vethPair();
    for (const nh of [['id', '6', 'dev', 'v0'], ['id', '7', 'via', '192.0.2.2', 'dev', 'v0'], ['id', '8', 'group', '6/7', 'type', 'resilient', 'buckets', '4'],
      ['id', '9', 'group', '6'], ['id', '10', 'blackhole', 'protocol', 'static']]) await ns.ip('nexthop', 'add', ...nh);
    for (const line of [
      'nexthop', 'nexthop show', 'nexthop show group', 'nexthop show groups', 'nexthop ls dev v0', 'nexthop show protocol 4', 'nexthop show id 7',
      'nexthop get id 8', '-j nexthop show', '-d nexthop list', 'nexthop show vrf v0', 'nexthop show master nope', 'nexthop show foo',
      'nexthop show id x', 'nexthop get', 'nexthop get foo', 'nexthop bucket get id 8', 'nexthop bucket foo', 'nexthop bogus', 'nexthop help',
      'nexthop add id 12 group 6/x', 'nexthop add id 12 group 6,0', 'nexthop add id 12 type foo', 'nexthop add id 12 dev nope',
      'nexthop add id 12 via 192.0.2.9 via 2001:db8::1', 'nexthop add id 12 frob', 'nexthop add id x', 'nexthop add id', 'nexthop add id 12 protocol foo',
      'nexthop bucket list foo', 'nexthop bucket get id 8 index x',
    ]) await sameAsIp(ns.name, line.split(' '));
    // Bucket idle times move on between two runs: the buckets themselves must agree.
    for (const line of ['nexthop bucket list', 'nexthop bucket show id 8 nhid 7', 'nexthop bucket get id 8 index 1']) {
      const { ip, nlkit } = await twin(ns.name, line.split(' '));
      const steady = (t: string) => t.replace(/idle_time [\d.e+-]+/g, 'idle_time T');
      assert.equal(nlkit.status, ip.status, line);
      assert.equal(steady(nlkit.stdout), steady(ip.stdout), line);
      assert.match(nlkit.stdout, /^id 8 index \d+ idle_time [\d.]+ nhid [67] $/m);
      const json = (t: string) => (JSON.parse(t) as { bucket: { idle_time: number } }[]).map((o) => ({ ...o, bucket: { ...o.bucket, idle_time: 0 } }));
      const j = await twin(ns.name, ['-j', ...line.split(' ')]);
      assert.deepEqual(json(j.nlkit.stdout), json(j.ip.stdout), `-j ${line}`);
    }
  });
});
