/**
 * The options of qdisc kinds this kernel lacks, read as tc 6.1's q_*.c read them: the words each accepts, its
 * refusals (`Illegal "limit"`, `What is "x"?` and its usage, status 1) and TCA_OPTIONS in the order tc writes it —
 * an object's key order is the wire order. Kinds of flat u32 attributes are tables; the rest are functions.
 */
import type { KindRequest } from './common.js';
import { cake } from './qdisc-cake.js';
import { gred } from './qdisc-gred.js';
import { mqprio, taprio } from './qdisc-mq.js';
import { netem } from './qdisc-netem.js';
import { choke, red, sfq } from './qdisc-red.js';
import { schedParsers } from './qdisc-sched.js';
import { Args, matches, parseSize, parseTime, tcFail, unsigned } from './words.js';

/** What a kind's parser gets: the words after the kind, stderr for what tc prints and goes on after, the request. */
export type KindParser = (a: Args, err: (text: string) => void, req: KindRequest) => Record<string, unknown> | undefined;

type Value = (word: string) => number | undefined;
const u32: Value = (w) => unsigned(w);
const upTo = (max: number): Value => (w) => {
  const v = unsigned(w);
  return v === undefined || v > max ? undefined : v;
};

/** A kind whose every word is one attribute: `word VALUE`, or a switch setting an attribute to a number. */
interface AttrKind {
  usage: string;
  values: Record<string, { attr: string; parse: Value }>;
  switches: Record<string, [attr: string, value: number]>;
  /** The attributes in the order tc adds them. */
  order: string[];
  /** Attributes tc adds whenever they were given (the others only when not zero). */
  whenGiven: string[];
}

const ecnSwitches: Record<string, [string, number]> = { ecn: ['ecn', 1], noecn: ['ecn', 0] };
const pieSwitches: Record<string, [string, number]> = {
  ...ecnSwitches, bytemode: ['bytemode', 1], nobytemode: ['bytemode', 0], dq_rate_estimator: ['dqRateEstimator', 1], no_dq_rate_estimator: ['dqRateEstimator', 0],
};

const attrKinds: Record<string, AttrKind> = {
  fq_codel: {
    usage: `Usage: ... fq_codel	[ limit PACKETS ] [ flows NUMBER ]
[ memory_limit BYTES ]
[ target TIME ] [ interval TIME ]
[ quantum BYTES ] [ [no]ecn ]
[ ce_threshold TIME ]
[ ce_threshold_selector VALUE/MASK ]
[ drop_batch SIZE ]`,
    values: {
      limit: { attr: 'limit', parse: u32 }, flows: { attr: 'flows', parse: u32 }, quantum: { attr: 'quantum', parse: u32 },
      drop_batch: { attr: 'dropBatchSize', parse: u32 }, target: { attr: 'target', parse: parseTime },
      ce_threshold: { attr: 'ceThreshold', parse: parseTime }, memory_limit: { attr: 'memoryLimit', parse: parseSize },
      interval: { attr: 'interval', parse: parseTime },
    },
    switches: ecnSwitches,
    order: ['limit', 'flows', 'quantum', 'interval', 'target', 'ecn', 'ceThreshold', 'ceThresholdMask', 'ceThresholdSelector', 'memoryLimit', 'dropBatchSize'],
    whenGiven: ['ecn', 'ceThreshold', 'ceThresholdMask', 'ceThresholdSelector', 'memoryLimit'],
  },
  codel: {
    usage: `Usage: ... codel [ limit PACKETS ] [ target TIME ]
		 [ interval TIME ] [ ecn | noecn ]
		 [ ce_threshold TIME ]`,
    values: {
      limit: { attr: 'limit', parse: u32 }, target: { attr: 'target', parse: parseTime },
      ce_threshold: { attr: 'ceThreshold', parse: parseTime }, interval: { attr: 'interval', parse: parseTime },
    },
    switches: ecnSwitches,
    order: ['limit', 'interval', 'target', 'ecn', 'ceThreshold'],
    whenGiven: ['ecn', 'ceThreshold'],
  },
  pie: {
    usage: `Usage: ... pie [ limit PACKETS ] [ target TIME ]
               [ tupdate TIME ] [ alpha ALPHA ] [ beta BETA ]
               [ bytemode | nobytemode ] [ ecn | noecn ]
               [ dq_rate_estimator | no_dq_rate_estimator ]`,
    values: {
      limit: { attr: 'limit', parse: u32 }, target: { attr: 'target', parse: parseTime }, tupdate: { attr: 'tupdate', parse: parseTime },
      alpha: { attr: 'alpha', parse: upTo(32) }, beta: { attr: 'beta', parse: upTo(32) },
    },
    switches: pieSwitches,
    order: ['limit', 'tupdate', 'target', 'alpha', 'beta', 'ecn', 'bytemode', 'dqRateEstimator'],
    whenGiven: ['ecn', 'bytemode', 'dqRateEstimator'],
  },
  fq_pie: {
    usage: `Usage: ... fq_pie [ limit PACKETS ] [ flows NUMBER ]
                  [ target TIME ] [ tupdate TIME ]
                  [ alpha NUMBER ] [ beta NUMBER ]
                  [ quantum BYTES ] [ memory_limit BYTES ]
                  [ ecn_prob PERCENTAGE ] [ [no]ecn ]
                  [ [no]bytemode ] [ [no_]dq_rate_estimator ]`,
    values: {
      limit: { attr: 'limit', parse: u32 }, flows: { attr: 'flows', parse: u32 }, target: { attr: 'target', parse: parseTime },
      tupdate: { attr: 'tupdate', parse: parseTime }, alpha: { attr: 'alpha', parse: upTo(32) }, beta: { attr: 'beta', parse: upTo(32) },
      quantum: { attr: 'quantum', parse: parseSize }, memory_limit: { attr: 'memoryLimit', parse: parseSize },
      ecn_prob: { attr: 'ecnProb', parse: upTo(99) },
    },
    switches: pieSwitches,
    order: ['limit', 'flows', 'target', 'tupdate', 'alpha', 'beta', 'quantum', 'memoryLimit', 'ecnProb', 'ecn', 'bytemode', 'dqRateEstimator'],
    whenGiven: ['ecn', 'bytemode', 'dqRateEstimator'],
  },
  hhf: {
    usage: `Usage: ... hhf	[ limit PACKETS ] [ quantum BYTES]
		[ hh_limit NUMBER ]
		[ reset_timeout TIME ]
		[ admit_bytes BYTES ]
		[ evict_timeout TIME ]
		[ non_hh_weight NUMBER ]`,
    values: {
      limit: { attr: 'backlogLimit', parse: u32 }, quantum: { attr: 'quantum', parse: u32 }, hh_limit: { attr: 'hhFlowsLimit', parse: u32 },
      reset_timeout: { attr: 'resetTimeout', parse: parseTime }, admit_bytes: { attr: 'admitBytes', parse: u32 },
      evict_timeout: { attr: 'evictTimeout', parse: parseTime }, non_hh_weight: { attr: 'nonHhWeight', parse: u32 },
    },
    switches: {},
    order: ['backlogLimit', 'quantum', 'hhFlowsLimit', 'resetTimeout', 'admitBytes', 'evictTimeout', 'nonHhWeight'],
    whenGiven: [],
  },
};

function attrKind(k: AttrKind): KindParser {
  return (a) => {
    const given: Record<string, number> = {};
    for (; !a.done; a.skip()) {
      const w = a.word;
      const v = k.values[w];
      const s = k.switches[w];
      if (v) {
        const n = v.parse(a.next());
        if (n === undefined) throw tcFail(`Illegal "${w}"`);
        given[v.attr] = n;
      } else if (s) given[s[0]] = s[1];
      else if (w === 'ce_threshold_selector' && k === attrKinds.fq_codel) selector(a.next(), given);
      else if (w === 'help') throw tcFail(k.usage);
      else throw tcFail(`What is "${w}"?\n${k.usage}`);
    }
    const o: Record<string, unknown> = {};
    for (const attr of k.order) {
      const n = given[attr];
      if (n !== undefined && (n !== 0 || k.whenGiven.includes(attr))) o[attr] = n;
    }
    return o;
  };
}

/** fq_codel's `ce_threshold_selector VALUE/MASK`, two u8s. */
function selector(word: string, given: Record<string, number>): void {
  const slash = word.indexOf('/');
  if (slash < 0) throw tcFail('Missing mask for "ce_threshold_selector"');
  const mask = unsigned(word.slice(slash + 1), 0, 0xff);
  if (mask === undefined) throw tcFail('Illegal mask for "ce_threshold_selector"');
  const value = unsigned(word.slice(0, slash), 0, 0xff);
  if (value === undefined) throw tcFail('Illegal "ce_threshold_selector"');
  given.ceThresholdMask = mask;
  given.ceThresholdSelector = value;
}

const prioUsage = 'Usage: ... prio bands NUMBER priomap P1 P2...[multiqueue]';

/** q_prio.c: tc_prio_qopt (3 bands and the default map), then the compat nest with TCA_PRIO_MQ. */
function prio(a: Args, err: (text: string) => void): Record<string, unknown> {
  let bands = 3;
  const priomap = Uint8Array.of(1, 2, 2, 2, 1, 2, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);
  let mapping = false;
  let idx = 0;
  let mq = false;
  for (; !a.done; a.skip()) {
    const w = a.word;
    if (w === 'bands') {
      // tc prints its usage for bands after priomap, and goes on.
      if (mapping) err(prioUsage);
      const v = /^[-+]?\d+$/.test(a.next()) ? Number(a.word) : undefined;
      if (v === undefined || v > 0x7fffffff || v < -0x80000000) throw tcFail('Illegal "bands"');
      bands = v;
    } else if (w === 'priomap') {
      if (mapping) throw tcFail('Error: duplicate priomap');
      mapping = true;
    } else if (w === 'multiqueue') mq = true;
    else if (w === 'help') throw tcFail(prioUsage);
    else {
      if (!mapping) throw tcFail(`What is "${w}"?\n${prioUsage}`);
      const band = unsigned(w, 10);
      if (band === undefined) throw tcFail('Illegal "priomap" element');
      // The comparison is unsigned in tc: a negative band count takes every band.
      if (band >= bands >>> 0) throw tcFail('"priomap" element is out of bands');
      if (idx > 15) throw tcFail('"priomap" index > TC_PRIO_MAX=15');
      priomap[idx++] = band;
    }
  }
  return { bands: bands >>> 0, priomap, options: mq ? { mq: true } : {} };
}

const hfscUsage = 'Usage: ... hfsc [ default CLASSID ]\n\n default: default class for unclassified packets';

/** Kinds with words of their own, each as its q_*.c reads them. */
const parsers: Record<string, KindParser> = {
  ...Object.fromEntries(Object.entries(attrKinds).map(([kind, k]) => [kind, attrKind(k)])),
  ...schedParsers,
  netem,
  cake,
  mqprio,
  taprio,
  gred,
  red,
  choke,
  sfq,
  prio,
  drr: (a) => {
    if (a.done) return undefined;
    if (a.word === 'help') throw tcFail('Usage: ... drr');
    throw tcFail(`What is "${a.word}"?\nUsage: ... drr`);
  },
  multiq: (a) => {
    if (a.done) return { bands: 0, maxBands: 0 };
    if (a.word === 'help') throw tcFail('Usage: ... multiq [help]');
    throw tcFail(`What is "${a.word}"?\nUsage: ... multiq [help]`);
  },
  plug: (a) => {
    const usage = 'Usage: ... plug [block | release | release_indefinite | limit NUMBER]';
    const o = { action: 0, limit: 0 };
    let ok = false;
    // TCQ_PLUG_BUFFER 0, RELEASE_ONE 1, RELEASE_INDEFINITE 2, LIMIT 3.
    const actions: Record<string, number> = { block: 0, release: 1, release_indefinite: 2 };
    for (; !a.done; a.skip()) {
      const w = a.word;
      if (actions[w] !== undefined) o.action = actions[w];
      else if (w === 'limit') {
        o.action = 3;
        const v = parseSize(a.next());
        if (v === undefined) throw tcFail(`Illegal value for "limit": "${a.word}"`);
        o.limit = v;
      } else if (w === 'help') throw tcFail(usage);
      else throw tcFail(`plug: unknown parameter "${w}"\n${usage}`);
      ok = true;
    }
    return ok ? o : undefined;
  },
  hfsc: (a) => {
    let defcls = 0;
    for (; !a.done; a.skip()) {
      const w = a.word;
      if (matches(w, 'default')) {
        const v = a.next();
        if (defcls !== 0) throw tcFail('HFSC: Double "default"');
        const n = unsigned(v, 16, 0xffff);
        if (n === undefined) throw tcFail('HFSC: Illegal "default"');
        defcls = n;
      } else if (matches(w, 'help')) throw tcFail(hfscUsage);
      else throw tcFail(`HFSC: What is "${w}" ?\n${hfscUsage}`);
    }
    return { defcls };
  },
};

/** The parser of a kind this module reads, if it is one. */
export const qdiscKindParser = (kind: string): KindParser | undefined => parsers[kind];
