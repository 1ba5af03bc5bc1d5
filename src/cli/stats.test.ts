import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withNetns, type TestNetns } from '../testing/netns.js';
import { sameAsIp, twin } from '../testing/twin.js';

/**
 * A veth pair, one end a bridge port: link, offload and the bridge's and its port's extended statistics. No IPv6,
 * whose autoconfiguration would send packets and move the counters between ip's run and nlkit's.
 */
async function setUp(ns: TestNetns): Promise<void> {
  await ns.exec('sysctl', ['-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
  await ns.vethPair();
  await ns.ip('link', 'add', 'br0', 'type', 'bridge');
  await ns.ip('link', 'set', 'v1', 'master', 'br0');
}

test('stats show picks groups, subgroups and suites as ip does and prints what ip prints', async () => {
  await withNetns(async (ns) => {
    await setUp(ns);
    await ns.ip('stats', 'set', 'dev', 'v0', 'l3_stats', 'on');
    for (const line of [
      'stats', 'stats show', 'stats show dev v0', 'stats show dev v1', 'stats show dev br0', 'stats show group link', 'stats show group offload',
      'stats show group xstats', 'stats show group xstats_slave dev v1', 'stats show group afstats', 'stats show group xstats group link dev lo',
      'stats show group xstats subgroup bridge suite mcast subgroup bond dev lo', 'stats show group offload subgroup l3_stats',
      'stats show group offload subgroup hw_stats_info', 'stats show group offload subgroup cpu_hit subgroup l3_stats',
      'stats show dev v1 group offload group link', 'stats show group xstats subgroup bridge suite stp dev br0',
      '-d stats show dev v0 group link', '-s stats', '-s stats show group link dev v0', '-j stats show', '-j stats show dev v0 group offload',
      '-j stats show group xstats dev br0', '-j stats show group xstats_slave dev v1', '-j -d stats show group link dev v0', '-s -s link show dev v0',
    ]) await sameAsIp(ns.name, line.split(' '));
  });
});

test('stats refuses what ip refuses, with its words and exit status', async () => {
  await withNetns(async (ns) => {
    await setUp(ns);
    for (const line of [
      'stats help', 'stats foo', 'stats show group foo', 'stats show subgroup x', 'stats show group link subgroup x', 'stats show group xstats subgroup x',
      'stats show group xstats subgroup bridge suite x', 'stats show dev nope', 'stats show bogus', 'stats show group', 'stats show dev',
      'stats show dev v0 dev v1', 'stats show dev a/b', 'stats show help', 'stats set dev v0', 'stats set l3_stats on', 'stats set dev v0 l3_stats foo',
      'stats set dev v0 l3_stats on l3_stats off', 'stats set dev nope l3_stats on', 'stats set dev v0 bogus', 'stats set dev v0 l3_stats', 'stats set help',
    ]) await sameAsIp(ns.name, line.split(' '));
  });
});

test('stats set turns L3 statistics on and off as ip does', async () => {
  await withNetns(async (a) => withNetns(async (b) => {
    await setUp(a);
    await setUp(b);
    for (const line of ['stats set dev v0 l3_stats on', 'stats set dev br0 l3_stats on', 'stats set dev v0 l3_stats off', 'stats set dev v1 l3_stats on']) {
      const { ip, nlkit } = await twin(a.name, line.split(' '), b.name);
      assert.equal(nlkit.stderr, ip.stderr, line);
      assert.equal(nlkit.status, ip.status, line);
      const state = (ns: TestNetns) => ns.ip('stats', 'show', 'group', 'offload', 'subgroup', 'hw_stats_info');
      assert.equal(await state(b), await state(a), line);
    }
  }));
});

test('link xstats and afstats read as ip reads them and print the bridge counters as ip prints them', async () => {
  await withNetns(async (ns) => {
    await setUp(ns);
    for (const line of [
      'link xstats type bridge', 'link xstats type bridge dev v1', 'link xstats type bridge dev br0', 'link xstats type bridge igmp', 'link xstats type bridge stp',
      'link xstats type bridge mcast stp', 'link xstats type bridge_slave', 'link xstats type bridge_slave dev v1', 'link xstats type bridge_slave stp',
      'link x type bridge', '-j link xstats type bridge', '-j link xstats type bridge_slave', '-j link xstats type bridge dev v0', 'link afstats',
      'link afstats dev v0', 'link af', '-j link afstats',
      'link xstats', 'link xstats type veth', 'link xstats type dummy', 'link xstats type foo', 'link xstats type', 'link xstats foo', 'link xstats help',
      'link xstats type bridge help', 'link xstats type bridge dev', 'link xstats type bridge dev nope', 'link xstats type bridge bogus',
      'link afstats dev nope', 'link afstats bogus', 'link afstats dev v0 dev v1', 'link afstats dev',
    ]) await sameAsIp(ns.name, line.split(' '));
  });
});
