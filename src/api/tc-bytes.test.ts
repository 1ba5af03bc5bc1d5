/**
 * Qdisc kinds this kernel lacks: what the library sends equals what tc 6.1 sends for the same command, byte for
 * byte after the netlink header (strace sees tc's request even though the kernel refuses it). Options are written in
 * the order tc writes them: an object's key order is the wire order.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tcSchema } from '../families/route/index.js';
import { captureRequests, haveStrace } from '../testing/strace.js';
import { withNetns } from '../testing/netns.js';
import { filterKind, qdiscKind, type QdiscInput } from './tc.js';
import { rateTable, time2tick, xmittime } from './tc-units.js';

const skip = (await haveStrace()) ? undefined : 'strace is not installed: the byte comparison needs it';

const cases: [string[], Omit<QdiscInput, 'dev'>][] = [
  [['fq_codel', 'limit', '1000', 'flows', '64'], { kind: 'fq_codel', options: { limit: 1000, flows: 64 } }],
  [['fq_codel', 'target', '4ms', 'interval', '90ms', 'ecn'], { kind: 'fq_codel', options: { interval: 90000, target: 4000, ecn: 1 } }],
  [['fq', 'limit', '500', 'flow_limit', '50', 'quantum', '3000'], { kind: 'fq', options: { plimit: 500, flowPlimit: 50, quantum: 3000 } }],
  [['cake', 'bandwidth', '10mbit'], { kind: 'cake', options: { baseRate64: 1_250_000, autorate: 0 } }],
  // prio: tc_prio_qopt, then the compat nest (empty, or with TCA_PRIO_MQ).
  [['prio', 'bands', '4'], { kind: 'prio', options: { bands: 4, priomap: Uint8Array.of(1, 2, 2, 2, 1, 2, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1), options: {} } }],
  [['prio', 'bands', '3', 'priomap', ...'0 1 2 0 1 2 0 1 2 0 1 2 0 1 2 0'.split(' '), 'multiqueue'], { kind: 'prio', options: { bands: 3, priomap: Uint8Array.of(0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0), options: { mq: true } } }],
  [['sfq', 'perturb', '10', 'quantum', '1514'], { kind: 'sfq', options: { v0: { quantum: 1514, perturbPeriod: 10 } } }],
  [['netem', 'delay', '100ms', '10ms', 'loss', '1%'], { kind: 'netem', options: { latency: time2tick(100_000), limit: 1000, loss: 42_949_673, jitter: time2tick(10_000) } }],
  [['multiq'], { kind: 'multiq', options: { bands: 0, maxBands: 0 } }],
  // hfsc's tc_hfsc_qopt is 2 bytes: the attribute says 6, its padding is outside.
  [['hfsc', 'default', '10'], { kind: 'hfsc', options: { defcls: 0x10 } }],
  [['drr'], { kind: 'drr' }],
  [['codel', 'target', '4ms', 'ecn'], { kind: 'codel', options: { target: 4000, ecn: 1 } }],
  [['pie', 'limit', '100', 'target', '20ms'], { kind: 'pie', options: { limit: 100, target: 20_000 } }],
  [['sfb'], { kind: 'sfb', options: { parms: { rehashInterval: 600_000, warmupTime: 60_000, max: 25, binSize: 20, increment: 33, decrement: 3, limit: 0, penaltyRate: 10, penaltyBurst: 20 } } }],
  [['plug', 'limit', '10000'], { kind: 'plug', options: { action: 3, limit: 10_000 } }],
  // fq_pie and ets: TCA_OPTIONS with NLA_F_NESTED, unlike the other kinds.
  [['fq_pie', 'limit', '100'], { kind: 'fq_pie', options: { limit: 100 } }],
  [['ets', 'bands', '3', 'strict', '1', 'quanta', '1500', '1500'], { kind: 'ets', options: { nbands: 3, nstrict: 1, quanta: { quantaBand: [1500, 1500] } } }],
];

test('requests for qdisc kinds this kernel lacks carry the bytes tc sends', { skip }, async () => {
  await withNetns(async (ns) => {
    await ns.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
    const ifindex = Number(/^(\d+):/.exec(await ns.ip('-o', 'link', 'show', 'v0'))![1]);
    for (const [words, input] of cases) {
      const sent = (await captureRequests('ip', ['netns', 'exec', ns.name, 'tc', 'qdisc', 'add', 'dev', 'v0', 'root', 'handle', '1:', ...words])).filter((r) => r.type === 36);
      assert.equal(sent.length, 1, words.join(' '));
      const value = qdiscKind.toMessage({ dev: ifindex, handle: '1:', ...input }, { ifindex: (d) => d as number });
      const ours = tcSchema.encodeMessage('newqdisc', value).bytes.subarray(16);
      assert.equal(Buffer.from(ours).toString('hex'), Buffer.from(sent[0]!.body).toString('hex'), words.join(' '));
      assert.equal(sent[0]!.flags, 'NLM_F_REQUEST|NLM_F_ACK|0x600');
    }
  });
});

/** gact, mirred, skbedit and police through `tc actions add` and inside classifiers, against what tc sends. */
test('actions, alone and in filters, carry the bytes tc sends', { skip }, async () => {
  await withNetns(async (ns) => {
    await ns.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
    const index = async (dev: string) => Number(/^(\d+):/.exec(await ns.ip('-o', 'link', 'show', dev))![1]);
    const v0 = await index('v0');
    const v1 = await index('v1');
    const sent = async (words: string[], type: number) => {
      const r = (await captureRequests('ip', ['netns', 'exec', ns.name, 'tc', ...words])).filter((x) => x.type === type);
      assert.equal(r.length, 1, words.join(' '));
      return Buffer.from(r[0]!.body).toString('hex');
    };
    // TC_ACT_OK 0, TC_ACT_SHOT 2, TC_ACT_PIPE 3, TC_ACT_STOLEN 4; TCA_EGRESS_REDIR 1.
    const gactDrop = { kind: 'gact', options: { parms: { index: 0, action: 2 } } };
    const mirred = { kind: 'mirred', options: { parms: { action: 4, eaction: 1, ifindex: v1 } } };
    const rate = rateTable(125_000, 0, 0);
    const police = {
      kind: 'police',
      options: {
        tbf: { action: 2, burst: xmittime(125_000, 10_240), rate: { cellLog: rate.cellLog, linklayer: 1, cellAlign: -1, rate: 125_000 } },
        rate: rate.table,
      },
    };
    const actions: [string[], Record<string, unknown>[]][] = [
      [['gact', 'drop', 'index', '5'], [{ kind: 'gact', options: { parms: { index: 5, action: 2 } } }]],
      [['gact', 'pass', 'action', 'gact', 'drop'], [{ kind: 'gact', options: { parms: { action: 0 } } }, gactDrop]],
      [['mirred', 'egress', 'redirect', 'dev', 'v1'], [mirred]],
      [['skbedit', 'mark', '7'], [{ kind: 'skbedit', options: { parms: { action: 3 }, mark: 7 } }]],
      [['police', 'rate', '1mbit', 'burst', '10k', 'conform-exceed', 'drop'], [police]],
    ];
    for (const [words, tab] of actions) {
      const ours = Buffer.from(tcSchema.encodeMessage('newaction', { family: 0, tab }).bytes.subarray(16)).toString('hex');
      const theirs = await sent(['actions', 'add', 'action', ...words], 48);
      assert.equal(ours, theirs, words.join(' '));
      // tc's request read back: the kinds and their parms' action codes.
      const full = Buffer.concat([Buffer.alloc(16), Buffer.from(theirs, 'hex')]);
      const read = tcSchema.decodeBody('newaction', full, 16, full.length, new DataView(full.buffer, full.byteOffset, full.length)) as { tab: { kind: string; options: { parms?: { action: number }; tbf?: { action: number } } }[] };
      assert.deepEqual(read.tab.map((t) => [t.kind, (t.options.parms ?? t.options.tbf)!.action]), tab.map((t) => [t.kind, ((t.options as { parms?: { action: number }; tbf?: { action: number } }).parms ?? (t.options as { tbf: { action: number } }).tbf).action]), words.join(' '));
    }
    const filters: [string[], Record<string, unknown>][] = [
      [['matchall', 'action', 'mirred', 'egress', 'redirect', 'dev', 'v1'], { kind: 'matchall', options: { act: [mirred] } }],
      [['basic', 'action', 'gact', 'drop'], { kind: 'basic', options: { act: [gactDrop] } }],
    ];
    for (const [words, input] of filters) {
      const value = filterKind.toMessage({ dev: v0, parent: 'ffff:', protocol: 'ip', prio: 1, ...input }, { ifindex: (d) => d as number });
      const ours = Buffer.from(tcSchema.encodeMessage('newtfilter', value).bytes.subarray(16)).toString('hex');
      assert.equal(ours, await sent(['filter', 'add', 'dev', 'v0', 'parent', 'ffff:', 'protocol', 'ip', 'prio', '1', ...words], 44), words.join(' '));
    }
  });
});
