/**
 * Decoding of the kinds this kernel lacks: a request carries the same TCA_OPTIONS a dump reply would, so tc's own
 * request (captured with strace in a test namespace) is decoded with the library's tc family, and the options read
 * from it must equal those nlkit's CLI reads from the same command line.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tcSchema } from '../../families/route/index.js';
import { withNetns } from '../../testing/netns.js';
import { captureRequests, haveStrace } from '../../testing/strace.js';
import { qdiscKindParser } from './qdisc-kinds.js';
import { Args } from './words.js';

const skip = (await haveStrace()) ? undefined : 'strace is not installed: the capture needs it';

const lines = [
  'fq limit 100 flow_limit 10 buckets 1024 pacing maxrate 1mbit timer_slack 10us horizon_drop',
  'hhf limit 10 quantum 100 reset_timeout 40ms', 'skbprio limit 100', 'etf delta 300000 clockid CLOCK_TAI offload',
  'cbs hicredit 30 locredit -1470 sendslope -980000 idleslope 20000 offload 1',
  'netem limit 100 delay 100ms 10ms 25% loss state 1 2 3 reorder 25% 50% gap 5 rate 100kbit 20 100 -5 slot 800us 1ms packets 20',
  'netem delay 10ms 1ms distribution normal loss gemodel 1 2 3 4 ecn corrupt 0.1 5',
  'cake bandwidth 100mbit rtt 50ms diffserv8 dual-srchost nat wash ack-filter memlimit 32mb ptm overhead -10 mpu 64 ingress',
  'red limit 400000 min 30000 max 90000 avpkt 1000 burst 55 ecn adaptive bandwidth 10Mbit qevent mark block 3',
  'choke limit 1000 bandwidth 10mbit ecn min 100 max 300', 'sfq redflowlimit 100000 min 8000 max 60000 probability 0.20 ecn headdrop',
  'ets bands 5 strict 2 quanta 1500 3000 priomap 4 3 2 1 0', 'sfb rehash 1000 db 100 limit 50 target 10 increment 0.5 penalty_burst 4',
  'mqprio num_tc 3 map 0 0 1 2 queues 1@0 1@1 2@2 hw 1 mode channel shaper bw_rlimit min_rate 1mbit 2mbit 3mbit max_rate 5mbit 5mbit 5mbit',
  'taprio num_tc 2 map 0 1 queues 1@0 1@1 clockid CLOCK_TAI base-time 1000 cycle-time 50000 sched-entry S 1 20000 sched-entry S 2 30000 flags 2 txtime-delay 10',
  'gred limit 60000 min 10000 max 30000 avpkt 1000 vq 2 prio 3 probability 0.1 bandwidth 100mbit ecn', 'gred setup vqs 4 default 1 grio limit 100k harddrop',
];

/** BigInts and numbers compared as numbers, byte arrays as arrays: the decoder's choices of representation. */
const plain = (v: unknown): unknown =>
  typeof v === 'bigint' ? Number(v) : v instanceof Uint8Array ? [...v] : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)])) : v;

test('tc requests of kinds this kernel lacks decode to the options nlkit reads from the same words', { skip }, async () => {
  await withNetns(async (ns) => {
    await ns.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
    for (const line of lines) {
      const words = line.split(' ');
      const sent = (await captureRequests('tc', ['-n', ns.name, 'qdisc', 'add', 'dev', 'v0', 'root', 'handle', '1:', ...words])).filter((r) => r.type === 36);
      assert.equal(sent.length, 1, line);
      const body = Uint8Array.from([...new Uint8Array(16), ...sent[0]!.body]);
      const decoded = tcSchema.decodeBody('newqdisc', body, 16, body.length, new DataView(body.buffer)) as { options: Record<string, unknown> };
      const parsed = qdiscKindParser(words[0]!)!(new Args(words.slice(1)), () => {}, { create: () => {}, percent: () => undefined });
      assert.deepEqual(plain(decoded.options), plain(parsed), line);
    }
  }, 'tcdecode');
});
