/**
 * `nlkit tc` for the qdisc, classifier and action kinds this kernel lacks: each command line goes through tc and
 * nlkit under strace in one namespace (compareTc).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withNetns } from '../../testing/netns.js';
import { haveStrace } from '../../testing/strace.js';
import { compareTc } from '../../testing/tc-compare.js';

const skip = (await haveStrace()) ? undefined : 'strace is not installed: the byte comparison needs it';

const RTM_NEWQDISC = 36;
const RTM_NEWTFILTER = 44;

const q = (words: string) => `qdisc add dev v0 root handle 1: ${words}`;

const qdiscLines = [
  // fq_codel
  'fq_codel', 'fq_codel limit 1000 flows 64', 'fq_codel target 4ms interval 90ms ecn', 'fq_codel noecn quantum 300',
  'fq_codel ce_threshold 2ms memory_limit 32mb drop_batch 32', 'fq_codel ce_threshold_selector 0x2/0xfc',
  'fq_codel ce_threshold 0 limit 0', 'fq_codel ce_threshold_selector 2', 'fq_codel ce_threshold_selector 2/0x100',
  'fq_codel ce_threshold_selector 256/3', 'fq_codel limit x', 'fq_codel target 1parsec', 'fq_codel memory_limit 1q',
  'fq_codel frob', 'fq_codel help', 'fq_codel flows 0x10 quantum 010',
  // codel
  'codel', 'codel limit 100 target 4ms interval 50ms', 'codel ecn ce_threshold 1ms', 'codel noecn',
  'codel interval -1', 'codel lim 5', 'codel help',
  // pie
  'pie', 'pie limit 100 target 20ms tupdate 30ms alpha 2 beta 20', 'pie ecn bytemode dq_rate_estimator',
  'pie noecn nobytemode no_dq_rate_estimator', 'pie alpha 33', 'pie beta 32', 'pie what', 'pie help',
  // fq_pie
  'fq_pie', 'fq_pie limit 100 flows 128 target 15ms tupdate 16ms alpha 2 beta 20', 'fq_pie quantum 1514 memory_limit 1mb ecn_prob 10',
  'fq_pie ecn bytemode dq_rate_estimator', 'fq_pie ecn_prob 100', 'fq_pie quantum 1k', 'fq_pie zzz', 'fq_pie help',
  // prio
  'prio', 'prio bands 4', 'prio bands 3 priomap 0 1 2 0 1 2 0 1 2 0 1 2 0 1 2 0 multiqueue', 'prio priomap 1 1',
  'prio priomap 1 2 3', 'prio bands 5 priomap 4 4 bands 2', 'prio priomap 0 priomap 1', 'prio bands x', 'prio bands -1 priomap 7',
  'prio priomap 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0', 'prio priomap x', 'prio 1', 'prio help', 'prio multiqueue',
  // drr, multiq, plug, hfsc
  'drr', 'drr quantum 1', 'drr help', 'multiq', 'multiq bands 2', 'multiq help',
  'plug', 'plug block', 'plug release', 'plug release_indefinite', 'plug limit 10000', 'plug limit 10kb block', 'plug limit x',
  'plug frob', 'plug help',
  // a kind tc has no parser for goes as it is, options refused
  'frob', 'frob limit 1',
  'hfsc', 'hfsc default 10', 'hfsc def 1ff', 'hfsc default 10 default 20', 'hfsc default 10000', 'hfsc default x', 'hfsc foo', 'hfsc help',
].map(q);

// Lines tc ends with exit(-1): an incomplete command.
const qdiscAlone = ['fq_codel limit', 'prio bands', 'hfsc default', 'plug limit'].map(q);

test('nlkit tc qdisc add of kinds this kernel lacks: requests, messages and statuses as tc', { skip }, async () => {
  await withNetns(async (ns) => {
    await ns.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
    assert.deepEqual(await compareTc(ns, [RTM_NEWQDISC], qdiscLines, qdiscAlone), []);
    // exit(-1) ends a batch at once, even under -force: no "Command failed" line, status 255.
    assert.deepEqual(await compareTc(ns, [RTM_NEWQDISC], [q('fq_codel limit'), q('frob')], [], false), []);
  }, 'tckind');
});

const f = (words: string) => `filter add dev v0 parent ffff: protocol ip prio 1 ${words}`;

const filterLines = [
  'matchall', 'handle 5 matchall', 'handle 0x10zz matchall classid 1:1', 'matchall classid 1:2', 'matchall flowid 1:3 skip_sw action drop',
  'matchall skip_hw skip_sw action pass', 'matchall classid x', 'matchall frob', 'matchall help',
  // gact
  'matchall action drop', 'matchall action gact drop index 5', 'matchall action pass action gact drop', 'matchall action gact index 7',
  'matchall action continue', 'matchall action ok', 'matchall action reclassify', 'matchall action pipe', 'matchall action trap',
  'matchall action goto chain 3', 'matchall action jump 2',
  'matchall action gact drop random determ pass 500', 'matchall action gact drop random netrand drop 10001',
  'matchall action gact pass random other drop 5', 'matchall action drop index x', 'matchall action drop cookie 0a0b',
  'matchall action drop no_percpu skip_hw', 'matchall action drop skip_sw skip_hw',
  'matchall action drop classid 1:1', 'matchall action drop action', 'matchall action help',
  // mirred
  'matchall action mirred egress redirect dev v1', 'matchall action mirred ingress mirror dev v1',
  'matchall action mirred egress mirror dev v1 drop', 'matchall action mirred egress mirror dev v1 index 4',
  'matchall action mirred index 4', 'matchall action mirred egress redirect dev v1 index 4 index 5',
  'matchall action mirred egress redirect dev nosuch', 'matchall action mirred egress ingress redirect dev v1',
  'matchall action mirred egress mirror redirect dev v1', 'matchall action mirred foo',
  'matchall action mirred egress redirect dev v1 action drop', 'matchall action mirred egress redirect dev v1 action gact pass',
].map(f);

// gact's usage() and invarg() end tc with exit(-1)
const filterAlone = [
  ...['matchall action goto chain x', 'matchall action jump x', 'matchall action drop cookie abc', 'matchall action frob', 'matchall action frob x'],
  ...['matchall action drop frob', 'matchall action mirred index 4 egress', 'matchall action mirred egress foo dev v1'],
  'matchall skip_hw', 'matchall action', 'matchall action goto 3', 'matchall action gact', 'matchall action drop random', 'matchall action gact foo',
  'matchall action mirred help', 'matchall action drop cookie 00112233445566778899aabbccddeeff00', 'matchall action mirred egress',
].map(f);

test('nlkit tc filter add of matchall with gact and mirred actions: requests, messages and statuses as tc', { skip }, async () => {
  await withNetns(async (ns) => {
    await ns.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
    assert.deepEqual(await compareTc(ns, [RTM_NEWTFILTER], filterLines, filterAlone), []);
  }, 'tckind');
});

const actionLines = [
  'actions add action gact drop index 5', 'actions add action drop', 'actions add action pass action gact drop',
  'actions change action gact pass index 3', 'actions replace action mirred egress redirect dev v1 index 2',
  'actions add action drop add action pass', 'actions add action drop cookie 0102',
  'actions add action mirred egress redirect dev nosuch', 'actions add', 'actions add action help', 'actions frob',
  'actions delete action gact index 5', 'actions del action gact index 5 action mirred index 2', 'actions delete action gact',
  'actions delete action gact idx 4', 'actions delete action gact index x', 'actions delete action help', 'actions delete x gact index 0',
  'action add action drop', 'actions get action gact index 5', 'actions get action frob index 1', 'actions get action xt index 1 action bpf index 2',
  'actions get action ipt index 1', 'actions get action gact', 'actions get action gact index x', 'actions g action mirred index 3',
  'actions delete action frob index 2', 'actions get action gactgactgactgactgact index 1', 'actions get action help',
];

const actionAlone = ['actions get action gact index', 'actions add action frob', 'actions add action gact drop', 'actions delete action gact index', 'actions help', 'actions add action goto 1'];

test('nlkit tc actions add|change|replace|delete|get: requests, messages and statuses as tc', { skip }, async () => {
  await withNetns(async (ns) => {
    await ns.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
    // RTM_NEWACTION, RTM_DELACTION, RTM_GETACTION (a get without NLM_F_ACK, as tc sends it)
    assert.deepEqual(await compareTc(ns, [48, 49, 50], actionLines, actionAlone), []);
  }, 'tckind');
});
