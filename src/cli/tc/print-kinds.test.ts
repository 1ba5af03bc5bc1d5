/**
 * Printing of the qdisc and class kinds this kernel lacks: the request tc sends for each line (captured under strace,
 * refused by the kernel) is the message `tc monitor file` and `nlkit tc monitor file` both print, plain, with -s, -d
 * and both (comparePrinting, src/testing/tc-print.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withNetns } from '../../testing/netns.js';
import { haveStrace } from '../../testing/strace.js';
import { comparePrinting } from '../../testing/tc-print.js';

const skip = (await haveStrace()) ? undefined : 'strace is not installed: the messages are the bytes tc sends';
const q = (words: string) => ({ line: `qdisc add dev v0 root handle 1: ${words}` });
const c = (words: string) => ({ line: `class add dev v0 parent 1: classid 1:2 ${words}` });
const f = (words: string) => ({ line: `filter add dev v0 parent 1: protocol ip pref 3 ${words}` });

test('nlkit tc monitor file prints qdiscs and classes of kinds this kernel lacks as tc does', { skip, timeout: 600_000 }, async () => {
  const cases = [
    q('sfq'), q('sfq limit 10'), q('sfq limit 100 depth 20 headdrop divisor 64 perturb 10 redflowlimit 100000 min 8000 max 60000 probability 0.2 ecn'),
    q('sfq quantum 1514 harddrop redflowlimit 100000 min 8000 max 60000 probability 0.5'),
    q('multiq'), q('hfsc default 11'), q('hfsc'), q('drr'), q('qfq'), q('prio'), q('prio bands 4 priomap 0 1 2 3'),
    q('ets bands 4 strict 2 quanta 1000 2000 priomap 0 1 2 3'), q('ets strict 3'),
    q('red limit 400000 min 30000 max 90000 avpkt 1000 burst 55 ecn adaptive bandwidth 10Mbit'),
    q('red limit 400000 min 30000 max 90000 avpkt 1000 burst 55 harddrop nodrop qevent early_drop block 10 qevent mark block 20'),
    q('choke limit 1000 min 100 max 300 avpkt 1000 burst 200 bandwidth 10mbit probability 0.1 ecn'), q('choke limit 1000 bandwidth 10mbit avpkt 1000'),
    q('sfb rehash 600000 db 60000 limit 100 max 25 target 20 increment 0.0005 decrement 0.0001 penalty_rate 10 penalty_burst 20'), q('sfb'),
    q('fq_codel limit 100 flows 10 target 3ms interval 50ms quantum 1000 ecn ce_threshold 1ms memory_limit 1mb drop_batch 10'),
    q('fq_codel ce_threshold_selector 0x3/0xfc'), q('fq_codel noecn'),
    q('codel limit 100 target 3ms interval 50ms ecn ce_threshold 1ms'), q('codel noecn'),
    q('pie limit 100 target 20ms tupdate 30ms alpha 2 beta 20 ecn bytemode dq_rate_estimator'), q('pie noecn nobytemode no_dq_rate_estimator'),
    q('fq_pie limit 100 flows 10 target 20ms tupdate 30ms alpha 2 beta 20 quantum 1514 memory_limit 32mb ecn_prob 10 ecn bytemode dq_rate_estimator'),
    q('fq limit 100 flow_limit 10 buckets 1024 quantum 3000 initial_quantum 15000 pacing maxrate 1mbit low_rate_threshold 500kbit defrate 10kbit refill_delay 40ms orphan_mask 1023 ce_threshold 5ms timer_slack 10us horizon 10s horizon_drop'),
    // tc sends a loss model nested with NLA_F_NESTED, which its own printer then does not find: no such line here.
    q('netem limit 100 delay 100ms 10ms 25% distribution normal loss 3% 25% duplicate 1% 2% reorder 25% 50% gap 5 corrupt 0.1% 5 rate 100kbit 20 100 -5 slot 800us 1ms packets 20 bytes 1k ecn'),
    q('netem slot distribution pareto 1ms 100us rate 10gbit'), q('netem delay 10ms 5ms loss 1% duplicate 2% corrupt 3%'), q('netem'),
    q('fq nopacing horizon_cap timer_slack 5ns'), q('fq timer_slack 2ms maxrate 5gbit'),
    c('hfsc sc rate 1mbit ul rate 2mbit'), c('hfsc rt m1 2mbit d 10ms m2 1mbit ls rate 3mbit'), c('hfsc ls m2 1mbit'),
    c('ets quantum 1000'), c('ets'), c('drr quantum 1500'), c('drr'), c('qfq weight 10 maxpkt 2000'),
  ];
  await withNetns(async (ns) => {
    await ns.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
    assert.deepEqual(await comparePrinting(ns, cases), []);
  }, 'tcprint');
});

test('nlkit tc monitor file prints matchall, fw, basic, route and cgroup filters with gact and mirred actions as tc does', { skip, timeout: 600_000 }, async () => {
  const cases = [
    f('matchall action gact drop random determ ok 10 action mirred egress redirect dev v1'), f('handle 5 fw classid 1:3 action pass'),
    f('basic classid 1:2 action drop'), f('route to 10 from 3 classid 1:4'), f('handle 3 cgroup action continue'),
    f('matchall skip_sw classid 1:4 action goto chain 5'), f('handle 0x10/0xff fw classid 1:3 indev v1'),
    f('route fromif v1 classid 1:2 action mirred ingress mirror dev v0 pipe'),
    f('matchall action jump 2 action gact pass random netrand drop 50 action mirred egress mirror dev v1 reclassify'),
    f('handle 7 matchall skip_hw action trap'), f('matchall'), f('fw'), f('basic'), f('handle 1 cgroup'),
  ];
  await withNetns(async (ns) => {
    await ns.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
    assert.deepEqual(await comparePrinting(ns, cases), []);
  }, 'tcprintf');
});
