import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RouteNetlink } from '../api/route-netlink.js';
import { NeighbourTables } from '../api/ntables.js';
import { withNetns } from '../testing/netns.js';
import { twin } from '../testing/twin.js';

/**
 * The tables' own counters and times are the whole machine's, and move between two runs: -s output is compared
 * with its numbers and dates masked.
 */
const masked = (s: string) => s.replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/g, 'D').replace(/\d+/g, 'N');

test('ntable show and change do what ip ntable does, with its text, -s, -o, JSON, refusals and statuses', async () => {
  await withNetns(async (a) => withNetns(async (b) => {
    for (const ns of [a, b]) await ns.vethPair();
    for (const line of [
      'ntable change name arp_cache dev v0 queue 50 app_probes 2 ucast_probes 4 mcast_probes 5 proxy_queue 9',
      'ntable chg name arp_cache dev v1 base_reachable 20000 retrans 0x200 gc_stale 070 delay_probe 3000 anycast_delay 500 proxy_delay 400 locktime 100',
      '-6 ntable change name ndisc_cache dev v0 queue 7', 'ntable change name arp_cache thresh1 5', 'ntable change name arp_cache gc_int 100',
      'ntable change name arp_cache queue 5', 'ntable change name nosuch dev v0 queue 5', 'ntable change name arp_cache dev nope queue 5',
      'ntable change', 'ntable change name arp_cache', 'ntable change name arp_cache dev v0', 'ntable change thresh1 5',
      'ntable change name arp_cache thresh1 x', 'ntable change name arp_cache name x', 'ntable change name arp_cache foo 1',
      'ntable change name arp_cache queue -1', 'ntable change name arp_cache queue', 'ntable change name arp_cache thresh2 4294967296',
    ]) {
      const { ip, nlkit } = await twin(a.name, line.split(' '), b.name);
      assert.equal(nlkit.status, ip.status, `${line}: ${nlkit.stderr}`);
      if (!/^RTNETLINK|^Error: [a-z]/.test(ip.stderr)) assert.equal(nlkit.stderr, ip.stderr.replace(/\bip\b/g, 'nlkit'), line);
      // refcnt counts the kernel's own references (IPv6 routes and addresses come and go at their pace).
      const state = (s: string) => s.replace(/refcnt \d+ reachable \d+ base/g, 'refcnt C reachable R base');
      assert.equal(state(await b.ip('ntable', 'show', 'dev', 'v0')), state(await a.ip('ntable', 'show', 'dev', 'v0')), line);
      assert.equal(state(await b.ip('ntable', 'show', 'dev', 'v1')), state(await a.ip('ntable', 'show', 'dev', 'v1')), line);
    }
    for (const line of [
      'ntable', 'ntable show', 'ntable list dev v0', '-4 ntable lst dev none', '-6 ntable show name ndisc_cache', 'ntable show name x',
      '-j ntable show', '-j -p ntable show dev v1', '-o ntable show', 'ntable show dev', 'ntable show dev nope', 'ntable show foo',
      'ntable show name', 'ntable foo', 'ntable help', 'ntable show help',
    ]) {
      // The kernel draws `reachable` afresh every five minutes, and refcnt moves with its own references.
      const { ip, nlkit } = await twin(a.name, line.split(' '));
      const moving = (s: string) => s.replace(/(?<!_)(refcnt|reachable)("?:? ?)\d+/g, '$1$2N');
      assert.equal(nlkit.status, ip.status, line);
      assert.equal(nlkit.stderr, ip.stderr.replace(/\bip\b/g, 'nlkit'), line);
      assert.equal(moving(nlkit.stdout), moving(ip.stdout), line);
    }
    for (const line of ['-s ntable show', '-s -j ntable show dev none', '-s -o ntable show name arp_cache']) {
      const { ip, nlkit } = await twin(a.name, line.split(' '));
      assert.equal(nlkit.status, ip.status, line);
      assert.equal(masked(nlkit.stdout), masked(ip.stdout), line);
      assert.match(ip.stdout, /hash_rnd|hash_grows|"allocs"/);
    }

    const rt = RouteNetlink.open({ netns: a.name });
    try {
      const nt = new NeighbourTables(rt.socket, rt.devices);
      await nt.change({ name: 'arp_cache', dev: 'v1', queueLen: 33, retransTime: 2000n, delayProbeTime: 4000 });
      const [v1] = await nt.list({ family: 'inet', name: 'arp_cache', dev: 'v1' });
      assert.equal(v1!.parms!.queueLen, 33);
      assert.equal(v1!.parms!.retransTime, 2000n);
      assert.equal(v1!.parms!.delayProbeTime, 4000n);
      const own = await nt.list({ dev: 'none' });
      assert.ok(own.length >= 2 && own.every((t) => t.parms?.ifindex === undefined && t.thresh1 !== undefined), 'the tables\' own entries');
      await assert.rejects(nt.change({ name: 'arp_cache', queueLen: -1 }), { code: 'ERR_NETLINK_SCHEMA', path: 'queueLen' });
      await assert.rejects(nt.change({ name: 'arp_cache', dev: 'v1' }), { code: 'ERR_NETLINK_SCHEMA' });
      await assert.rejects(nt.change({ name: 'arp_cache', thresh1: 5 }), { code: 'ENOENT' }, 'only the first namespace sets thresholds');
    } finally {
      rt.close();
    }
  }));
});
