/**
 * `nlkit tc qdisc add` of the kinds this kernel lacks, beyond kinds.test.ts's: each line through tc and nlkit under
 * strace in one namespace (compareTc) — the same request bytes, messages and exit statuses.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withNetns } from '../../testing/netns.js';
import { haveStrace } from '../../testing/strace.js';
import { compareTc } from '../../testing/tc-compare.js';

const skip = (await haveStrace()) ? undefined : 'strace is not installed: the byte comparison needs it';
const RTM_NEWQDISC = 36;
const q = (words: string) => `qdisc add dev v0 root handle 1: ${words}`;

/** Each group's lines (read in one batch) and the lines tc ends with exit(-1) (run alone). */
async function compareQdiscs(lines: string[], alone: string[]): Promise<void> {
  await withNetns(async (ns) => {
    await ns.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
    // The kernel has pfifo_fast and mq: each is taken away again, for the next line to meet the device as before.
    const kept = ['pfifo_fast', 'mq'].flatMap((k) => [q(k), 'qdisc del dev v0 root']);
    assert.deepEqual(await compareTc(ns, [RTM_NEWQDISC], [...lines.map(q), ...kept], alone.map(q)), []);
  }, 'tcqdisc');
}

test('nlkit tc qdisc add fq, hhf, skbprio, etf, cbs, pfifo_fast, mq: requests, messages and statuses as tc', { skip }, async () => {
  const lines = [
    'fq', 'fq limit 100 flow_limit 10 buckets 1024 quantum 3000 initial_quantum 15000 pacing maxrate 1mbit',
    'fq low_rate_threshold 500kbit defrate 10kbit refill_delay 40ms orphan_mask 1023 ce_threshold 5ms',
    'fq timer_slack 10us horizon 10s horizon_drop', 'fq nopacing horizon_cap buckets 1', 'fq buckets 0 timer_slack 10ns',
    'fq orphan_mask x', 'fq timer_slack -1', 'fq timer_slack 5s', 'fq maxrate 5gbit', 'fq maxrate 1.5bit', 'fq horizon x',
    'fq frob', 'fq help',
    'hhf', 'hhf limit 10 quantum 100 hh_limit 3 reset_timeout 40ms admit_bytes 100 evict_timeout 1s non_hh_weight 2',
    'hhf limit 0 quantum 0', 'hhf limit x', 'hhf reset_timeout 1y', 'hhf frob', 'hhf help',
    'skbprio', 'skbprio limit 100', 'skbprio limit 1k', 'skbprio limit 1q', 'skbprio foo', 'skbprio help',
    'etf', 'etf delta 300000 clockid CLOCK_TAI offload deadline_mode skip_sock_check', 'etf clockid monotonic',
    'etf clockid REALTIME delta -5 offload', 'etf clockid boottime deadline_mode', 'etf skip_sock_check', 'etf clockid tai off off', 'etf deadline_mode dead',
    'etf skip_sock_check skip_sock_check', 'etf clockid tai clockid tai', 'etf clockid xxclock_tai', 'etf clockid clock_foo',
    'etf delta -5 delta 5', 'etf delta 0 delta 5', 'etf delta 0x80000000', 'etf delta x', 'etf skip', 'etf frob', 'etf help',
    'cbs hicredit 30 locredit -1470 sendslope -980000 idleslope 20000 offload 1', 'cbs', 'cbs off 255', 'cbs off 256',
    'cbs hi 1 hi 2', 'cbs lo 0 lo 2', 'cbs idleslope 0x7fffffff', 'cbs sendslope -2147483649', 'cbs zz', 'cbs help',
    'pfifo_fast limit 1', 'mq x',
  ];
  await compareQdiscs(lines, ['fq limit', 'fq timer_slack', 'hhf limit', 'skbprio limit', 'etf delta', 'cbs hicredit']);
});

test('nlkit tc qdisc add netem: delay, distributions, loss models, rate and slots as tc', { skip }, async () => {
  const lines = [
    'netem', 'netem limit 100 delay 100ms 10ms 25% distribution normal', 'netem delay 100ms 10ms distribution pareto',
    'netem latency 1s 1 distribution paretonormal', 'netem delay 1ms 2 3 loss 3% 25%', 'netem loss random 0.1', 'netem drop 7',
    'netem loss state 1 2 3 4 5', 'netem loss state 1%', 'netem loss state 1 2 3', 'netem loss gemodel 1 2 3 4 ecn',
    'netem loss gemodel 1 2', 'netem loss gemodel 50', 'netem corrupt 0.1% 5 duplicate 1 2', 'netem duplicate 1 2',
    'netem delay 10ms reorder 25% 50% gap 5', 'netem delay 10ms reorder 1', 'netem reorder 25%', 'netem gap 5', 'netem ecn',
    'netem rate 100kbit 20 100 -5', 'netem rate 10gbit', 'netem rate 100kbit -20', 'netem rate 1x',
    'netem slot 800us 1ms packets 20 bytes 1k', 'netem slot 1ms', 'netem slot 2ms 1ms', 'netem slot 1ms packets',
    'netem slot 1ms packets x', 'netem slot 1ms bytes 1q', 'netem slot distribution pareto 1ms 100us bytes 1000',
    'netem slot distribution normal 1ms 0', 'netem slot foo', 'netem distribution foo', 'netem delay 10ms distribution normal',
    'netem loss 1 loss 2', 'netem loss foo', 'netem loss 101', 'netem loss state 200', 'netem loss gemodel x',
    'netem delay 5000s', 'netem delay x', 'netem delay 1ms 1ms 1x', 'netem corrupt 5 x', 'netem duplicate y',
    'netem frob', 'netem help', 'netem d 1ms', 'netem dr 1', 'netem du 1', 'netem di normal', 'netem limit 1k', 'netem limit x',
  ];
  await compareQdiscs(lines, ['netem loss state', 'netem delay', 'netem slot', 'netem limit', 'netem rate']);
});

// tc ends its overhead and mpu refusals with the two characters "\n" and no newline; nlkit ends the line.
test('nlkit tc qdisc add cake: bandwidth, rtt presets, modes and framings as tc', { skip }, async () => {
  const lines = [
    'cake', 'cake bandwidth 100mbit rtt 50ms diffserv8 dual-srchost nat wash split-gso ack-filter memlimit 32mb fwmark 0xff',
    'cake ptm overhead -10 mpu 64 ingress', 'cake overhead -64', 'cake overhead 256 mpu 0',
    'cake unlimited datacentre besteffort flowblind nonat nowash no-split-gso no-ack-filter noatm egress',
    'cake autorate-ingress lan raw', 'cake conservative pppoe-ptm ether-vlan', 'cake ethernet docsis via-ethernet',
    'cake ipoa-vcmux ipoa-llcsnap bridged-vcmux bridged-llcsnap pppoa-vcmux pppoa-llc pppoe-vcmux pppoe-llcsnap bridged-ptm',
    'cake rtt 10us', 'cake rtt 0', 'cake bandwidth 10gbit precedence diffserv', 'cake bandwidth 1mbit unlimited',
    'cake diffserv4 diffserv3 srchost dsthost hosts flows dual-dsthost triple-isolate', 'cake memlimit x', 'cake fwmark x',
    'cake fwmark 0', 'cake frob', 'cake help', 'cake rtt x', 'cake bandwidth x', 'cake ack-filter-aggressive atm internet',
    'cake oceanic', 'cake satellite', 'cake interplanetary rtt 1s',
  ];
  await compareQdiscs(lines, ['cake lan metro', 'cake metro rtt 1ms regional', 'cake bandwidth', 'cake rtt', 'cake overhead', 'cake memlimit']);
});

test('nlkit tc qdisc add red, choke and sfq: tc_red.c arithmetic, qevents, refusals and warnings as tc', { skip }, async () => {
  const lines = [
    'red', 'red limit 400000 min 30000 max 90000 avpkt 1000 burst 55 ecn adaptive bandwidth 10Mbit', 'red limit 400000 avpkt 1000',
    'red limit 1000000 min 50000 avpkt 1500 probability 0.1 harddrop nodrop adaptative',
    'red limit 100k avpkt 1k qevent early_drop block 10 qevent mark block 20', 'red limit 100k avpkt 1k qevent mark block 3 block 4',
    'red limit 100k avpkt 1k qevent foo block 3', 'red limit 100k avpkt 1k qevent mark ecn', 'red limit 100k avpkt 1k qevent mark block 0',
    'red limit 100k avpkt 1k qevent mark block 5 qevent mark block 6', 'red limit 400000 min 30000 max 90000 avpkt 1000 burst 5',
    'red limit 400000 min 30000 max 90000 avpkt 1000 burst 5000', 'red limit 400000 min 90000 max 30000 avpkt 1000',
    'red limit 100 avpkt 1000 bandwidth 1bit', 'red limit x', 'red avpkt 1 probability 2', 'red limit 1m avpkt 1000 probability 0.5x',
    'red limit 1m avpkt 1000 probability x', 'red limit 1m avpkt 1000 bandwidth 5x', 'red frob', 'red help',
    'choke limit 1000 bandwidth 10mbit', 'choke limit 1000 bandwidth 10mbit ecn min 100 max 300 burst 200 avpkt 1500 probability 0.05',
    'choke limit 100 bandwidth 1mbit max 200', 'choke limit 100 bandwidth 1mbit min 50 max 40', 'choke limit 100',
    'choke limit 5000000 bandwidth 1gbit min 3000000 max 4000000', 'choke limit 1000 bandwidth 10mbit burst 1',
    'choke limit x', 'choke avpkt 1q', 'choke frob', 'choke help',
    'sfq', 'sfq perturb 10 quantum 1514', 'sfq limit 3000 divisor 1024 flows 512 depth 64 headdrop', 'sfq limit 1', 'sfq quantum x',
    'sfq perturb -5', 'sfq redflowlimit 100000 min 8000 max 60000 probability 0.20 ecn headdrop',
    'sfq redflowlimit 100000 harddrop burst 10 avpkt 1500', 'sfq min 5', 'sfq redflowlimit 100 max 200',
    'sfq redflowlimit 100000 min 60000 max 8000', 'sfq redflowlimit 100000 burst 1', 'sfq depth x', 'sfq frob', 'sfq help',
  ];
  await compareQdiscs(lines, ['red limit', 'red limit 1k avpkt 1 qevent', 'red limit 1k avpkt 1 qevent mark', 'choke limit', 'sfq perturb']);
});

test('nlkit tc qdisc add ets, sfb, qfq, mqprio, taprio and gred: requests, messages and statuses as tc', { skip }, async () => {
  const lines = [
    'ets bands 3', 'ets strict 3', 'ets quanta 1500 1000', 'ets bands 8 strict 2 quanta 1500 1000 priomap 7 6 5 4 3 2 1 0',
    'ets bands 3 priomap 0 1 2 0 1 2 0 1 2 0 1 2 0 1 2 0', 'ets bands 3 priomap 0 1 2 0 1 2 0 1 2 0 1 2 0 1 2 0 1',
    'ets bands 2 bands 3', 'ets bands 0 bands 3', 'ets strict 1 strict 1', 'ets bands 17', 'ets bands x', 'ets strict 17',
    'ets quanta 0', 'ets quanta x', 'ets quanta 10 quanta 20', 'ets quanta bands', 'ets priomap 1 priomap 2', 'ets bands 2 priomap 2',
    'ets bands 2 priomap 258', 'ets priomap x', 'ets', 'ets bands 1 strict 1 quanta 10', 'ets frob', 'ets help', 'ets bands 3 1',
    'sfb', 'sfb rehash 1000 db 100 limit 50 max 30 target 10 increment 0.5 decrement 0.001 penalty_rate 5 penalty_burst 4',
    'sfb target 10', 'sfb max 100', 'sfb increment 1.5', 'sfb increment -0.1', 'sfb decrement 0.3x', 'sfb decrement x',
    'sfb rehash x', 'sfb limit -1', 'sfb help', 'sfb frob',
    'qfq', 'qfq help', 'qfq he', 'qfq frob',
    'mqprio', 'mqprio num_tc 3 map 0 0 1 2 queues 1@0 1@1 2@2', 'mqprio map 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0',
    'mqprio num_tc 2 queues 1@0 1@1 1@2', 'mqprio num_tc 4 queues @1@2 1@@3 1@2@3',
    'mqprio hw 0', 'mqprio mode channel', 'mqprio mode dcb', 'mqprio mode d', 'mqprio mode foo',
    'mqprio shaper dcb', 'mqprio shaper foo', 'mqprio num_tc 2 shaper bw_rlimit min_rate 1mbit 2mbit max_rate 10mbit 20mbit',
    'mqprio num_tc 2 shaper bw_rlimit min_rate 1mbit', 'mqprio num_tc 2 shaper bw_rlimit min_rate 1mbit', 'mqprio num_tc 3 shaper bw_rlimit max_rate 1mbit 2mbit mode channel',
    'mqprio num_tc 256', 'mqprio num_tc x', 'mqprio hw 2', 'mqprio hw x', 'mqprio help', 'mqprio mode channel mode dcb',
    'taprio', 'taprio clockid CLOCK_TAI num_tc 3 map 2 2 1 0 2 2 2 2 2 2 2 2 2 2 2 2 queues 1@0 1@1 2@2 base-time 1528743495910289987 sched-entry S 01 300000 sched-entry S 02 300000 sched-entry S 04 400000',
    'taprio clockid tai cycle-time 1000000 cycle-time-extension 500 flags 0x2 txtime-delay 200000',
    'taprio clockid tai clockid tai', 'taprio clockid foo', 'taprio sched-entry X 1 2', 'taprio sched-entry S x 2', 'taprio sched-entry S 1 x',
    'taprio base-time -5', 'taprio base-time x frob', 'taprio cycle-time 5 cycle-time 6', 'taprio cycle-time y', 'taprio cycle-time-extension 1 cycle-time-extension 2',
    'taprio flags 1 flags 2', 'taprio flags x', 'taprio txtime-delay 1 txtime-delay 2', 'taprio txtime-delay x', 'taprio frob', 'taprio help',
    'gred setup vqs 4 default 1', 'gred setup vqs 4 default 3 grio limit 100k ecn harddrop', 'gred setup DPs 16 default 15',
    'gred setup vqs 17', 'gred setup vqs x', 'gred setup default 1', 'gred setup vqs 2 default 2', 'gred setup vqs 2 default x',
    'gred setup vqs 2', 'gred setup limit x', 'gred setup frob', 'gred setup help', 'gred limit 1 setup',
    'gred limit 60000 min 10000 max 30000 avpkt 1000 vq 2', 'gred limit 60000 min 10000 max 30000 avpkt 1000 DP 15 burst 20 probability 0.1 bandwidth 1mbit prio 300 ecn harddrop',
    'gred limit 60000 min 10000 max 30000 avpkt 1000 vq 1 burst 200', 'gred limit 60000 min 10000 max 30000 avpkt 1000 vq 1 burst 1',
    'gred limit 60000 min 10000 max 30000 vq 1', 'gred vq 16', 'gred vq x', 'gred ecn', 'gred', 'gred limit x', 'gred burst x',
    'gred probability x', 'gred bandwidth x', 'gred prio x limit 60000 min 10000 max 30000 avpkt 1000 vq 1', 'gred frob', 'gred help',
  ];
  await compareQdiscs(lines, ['mqprio num_tc 2 map 0 1 x', 'mqprio frob', 'mqprio hw 0 mode channel', 'mqprio min_rate 1mbit', 'mqprio num_tc 2 queues 1@0 3@ 1@2', 'mqprio map 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1', 'mqprio num_tc 4 queues 1@0 1', 'mqprio num_tc 2 shaper bw_rlimit min_rate 1mbit x', 'taprio clockid', 'gred setup vqs', 'gred vq']);
});

// tc's change carries no NLM_F_* bits beyond REQUEST|ACK (link carries REPLACE; gred's setup adds CREATE).
test('nlkit tc qdisc change, link and class change: the flags tc sends', { skip }, async () => {
  await withNetns(async (ns) => {
    await ns.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
    const lines = [
      'qdisc change dev v0 root handle 1: pfifo limit 5', 'qdisc link dev v0 root handle 1: pfifo', 'qdisc change dev v0 root handle 1: gred setup vqs 2 default 1',
      'qdisc add dev v0 root handle 1: htb', 'class add dev v0 parent 1: classid 1:1 htb rate 1mbit', 'class change dev v0 parent 1: classid 1:1 htb rate 2mbit',
      'qdisc change dev v0 root handle 1: htb default 1', 'qdisc del dev v0 root',
    ];
    assert.deepEqual(await compareTc(ns, [36, 40], lines, []), []);
  }, 'tcchange');
});

// The speed comes from ethtool (sysfs reads the same driver call, and only while the device is up): veth says 10000.
test('nlkit tc: tbf, gred, red, choke, fq, netem, htb and hfsc rates in percent of the device speed, and tbf refusals, as tc', { skip }, async () => {
  await withNetns(async (ns) => {
    await ns.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
    await ns.ip('link', 'add', 'v2', 'type', 'veth', 'peer', 'name', 'v3');
    await ns.ip('link', 'set', 'v0', 'up');
    await ns.ip('link', 'set', 'v1', 'up');
    const lines = [
      'dev v0 root handle 1: tbf rate 10% burst 10k latency 1ms', 'dev v0 root handle 1: tbf rate 1mbit peakrate 100% mtu 2k burst 10k limit 10k',
      'dev v2 root handle 1: tbf rate 10% burst 10k latency 1ms', 'dev nosuch root tbf rate 5% burst 1k limit 1k', 'root tbf rate 5% burst 1k limit 1k',
      'dev v0 root tbf rate 150% burst 1k limit 1k', 'dev v0 root tbf rate x% burst 1k limit 1k', 'dev v0 root tbf rate 10%% burst 1k limit 1k',
      'dev v0 root tbf rate % burst 1k limit 1k', 'dev v0 root tbf rate 1x burst 1k limit 1k', 'dev v0 root tbf rate 1mbit maxburst 1q limit 1k',
      'dev v0 root tbf rate 1mbit burst 1k mtu x limit 1k', 'dev v0 root tbf rate 1mbit burst 1k latency x', 'dev v0 root tbf rate 1mbit burst 1k mpu x limit 1',
      'dev v0 root handle 1: gred limit 60000 min 10000 max 30000 avpkt 1000 vq 1 bandwidth 50%', 'dev v2 root handle 1: gred limit 6 min 1 max 3 avpkt 1 vq 1 bandwidth 1%',
      'dev v0 root red limit 100k avpkt 1k bandwidth 10%', 'dev v0 root red limit 1k avpkt 1 bandwidth 200%', 'dev v2 root red limit 1k avpkt 1 bandwidth 1%',
      'dev v0 root choke limit 100 bandwidth 5%', 'dev v0 root choke limit 100 bandwidth x%', 'dev v0 root fq maxrate 10% defrate 1%',
      'dev v0 root fq maxrate 10.5%', 'dev v0 root fq defrate 101%', 'dev v0 root netem rate 50% 20 100 -4', 'dev v2 root netem rate 10%', 'dev v0 root netem rate %',
    ].map((l) => `qdisc replace ${l}`);
    const classes = [
      'qdisc replace dev v0 root handle 1: htb', 'class replace dev v0 parent 1: classid 1:10 htb rate 10% ceil 50%',
      'class replace dev v0 parent 1: classid 1:11 htb rate 200%', 'class replace dev v2 parent 1: classid 1:11 htb rate 1%',
      'class add dev v0 parent 1: classid 1:12 hfsc rt m2 10% ls m1 5% d 1ms m2 1%', 'class add dev v0 parent 1: classid 1:12 hfsc sc rate 10% ul rate x%',
      'class show dev v0',
    ];
    assert.deepEqual(await compareTc(ns, [36, 40], [...lines, 'qdisc show dev v0', ...classes], []), []);
  }, 'tcpercent');
});
