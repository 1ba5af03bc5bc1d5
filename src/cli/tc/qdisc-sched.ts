/**
 * The fq, skbprio, etf, cbs, ets, sfb and qfq qdiscs, read as tc 6.1's q_fq.c, q_skbprio.c, q_etf.c, q_cbs.c,
 * q_ets.c, q_sfb.c and q_qfq.c read them: each option's refusal, and TCA_OPTIONS in the order tc writes it (an object's key order is the wire order).
 */
import type { KindRequest } from './common.js';
import { parseRate32, parseTime64, signed32 } from './numbers.js';
import { rateWord } from './percent.js';
import { Args, doubleToU32, matches, parseSize, parseTime, strtod, tcFail, unsigned } from './words.js';

const fqUsage = `Usage: ... fq	[ limit PACKETS ] [ flow_limit PACKETS ]
		[ quantum BYTES ] [ initial_quantum BYTES ]
		[ maxrate RATE  ] [ buckets NUMBER ]
		[ [no]pacing ] [ refill_delay TIME ]
		[ low_rate_threshold RATE ]
		[ orphan_mask MASK]
		[ timer_slack TIME]
		[ ce_threshold TIME ]
		[ horizon TIME ]
		[ horizon_{cap|drop} ]`;

/** fq's words with a value: the attribute, how tc reads the value, and the word its refusal names. */
const fqValues: Record<string, [attr: string, parse: (w: string) => number | undefined, refusal?: string]> = {
  limit: ['plimit', (w) => unsigned(w)],
  flow_limit: ['flowPlimit', (w) => unsigned(w)],
  buckets: ['buckets', (w) => unsigned(w)],
  maxrate: ['flowMaxRate', parseRate32],
  low_rate_threshold: ['lowRateThreshold', parseRate32],
  ce_threshold: ['ceThreshold', parseTime],
  horizon: ['horizon', parseTime],
  defrate: ['flowDefaultRate', parseRate32],
  quantum: ['quantum', (w) => unsigned(w)],
  initial_quantum: ['initialQuantum', (w) => unsigned(w)],
  // tc names initial_quantum when it refuses an orphan_mask.
  orphan_mask: ['orphanMask', (w) => unsigned(w), 'initial_quantum'],
  refill_delay: ['flowRefillDelay', parseTime],
};

const fqOrder = [
  'bucketsLog', 'plimit', 'flowPlimit', 'quantum', 'initialQuantum', 'rateEnable', 'flowMaxRate', 'lowRateThreshold', 'flowDefaultRate',
  'flowRefillDelay', 'orphanMask', 'ceThreshold', 'timerSlack', 'horizon', 'horizonDrop',
];

/** The smallest log2 at least the number (tc's ilog2 of buckets). */
const ilog2 = (v: number): number => {
  let r = 0;
  for (let x = (v - 1) >>> 0; x; x >>>= 1) r++;
  return r;
};

function fq(a: Args, _err: (text: string) => void, req: KindRequest): Record<string, unknown> {
  const given: Record<string, number> = {};
  for (; !a.done; a.skip()) {
    const w = a.word;
    const v = fqValues[w];
    if (v) {
      const word = a.next();
      const n = v[0] === 'flowMaxRate' || v[0] === 'flowDefaultRate' ? rateWord(word, req.percent, v[1]) : v[1](word);
      if (n === undefined) throw tcFail(`Illegal "${v[2] ?? w}"`);
      given[v[0]] = n;
    } else if (w === 'timer_slack') {
      const t = parseTime64(a.next());
      if (t === undefined) throw tcFail('Illegal "timer_slack"');
      if (t < 0n || t > 0xffffffffn) throw tcFail('Illegal (out of range) "timer_slack"');
      given.timerSlack = Number(t);
    } else if (w === 'horizon_drop' || w === 'horizon_cap') given.horizonDrop = w === 'horizon_drop' ? 1 : 0;
    else if (w === 'pacing' || w === 'nopacing') given.rateEnable = w === 'pacing' ? 1 : 0;
    else if (w === 'help') throw tcFail(fqUsage);
    else throw tcFail(`What is "${w}"?\n${fqUsage}`);
  }
  if (given.buckets) given.bucketsLog = ilog2(given.buckets);
  const o: Record<string, unknown> = {};
  for (const attr of fqOrder) if (given[attr] !== undefined) o[attr] = given[attr];
  return o;
}

function skbprio(a: Args): Record<string, unknown> | undefined {
  const usage = 'Usage: ... <skbprio> [ limit NUMBER ]';
  let limit: number | undefined;
  for (; !a.done; a.skip()) {
    const w = a.word;
    if (w === 'limit') {
      limit = parseSize(a.next());
      if (limit === undefined) throw tcFail(`skbprio: Illegal "limit" value:"${a.word}"`);
    } else if (w === 'help') throw tcFail(usage);
    else throw tcFail(`skbprio: unknown parameter "${w}"\n${usage}`);
  }
  return limit === undefined ? undefined : { limit };
}

const etfUsage = 'Usage: ... etf delta NANOS clockid CLOCKID [offload] [deadline_mode]\nCLOCKID must be a valid SYS-V id (i.e. CLOCK_TAI)';
const clockids: Record<string, number> = { realtime: 0, tai: 11, boottime: 7, monotonic: 1 };
/** get_clockid (etf, taprio): a SYS-V clock's name; tc drops six characters when "CLOCK_" is anywhere in the word. */
export const clockid = (v: string): number | undefined => clockids[(v.toLowerCase().includes('clock_') ? v.slice(6) : v).toLowerCase()];
// TC_ETF_OFFLOAD_ON (bit 1), TC_ETF_DEADLINE_MODE_ON (bit 0), TC_ETF_SKIP_SOCK_CHECK (bit 2)
const etfFlags: [word: string, bit: number, abbreviates: boolean][] = [['offload', 2, true], ['deadline_mode', 1, true], ['skip_sock_check', 4, false]];

function etf(a: Args): Record<string, unknown> {
  const opt = { delta: 0, clockid: -1, flags: 0 };
  for (; !a.done; a.skip()) {
    const w = a.word;
    const flag = etfFlags.find(([word, , abbr]) => (abbr ? matches(w, word) : w === word));
    if (flag) {
      if (opt.flags & flag[1]) throw tcFail(`etf: duplicate "${flag[0]}" specification`);
      opt.flags |= flag[1];
    } else if (matches(w, 'delta')) {
      const v = a.next();
      if (opt.delta) throw tcFail('etf: duplicate "delta" specification');
      const n = signed32(v);
      if (n === undefined) throw tcFail(`etf: illegal value for "delta": "${v}"`);
      opt.delta = n;
    } else if (matches(w, 'clockid')) {
      const v = a.next();
      if (opt.clockid !== -1) throw tcFail('etf: duplicate "clockid" specification');
      const id = clockid(v);
      if (id === undefined) throw tcFail(`etf: illegal value for "clockid": "${v}".\nIt must be a valid SYS-V id (i.e. CLOCK_TAI)`);
      opt.clockid = id;
    } else if (w === 'help') throw tcFail(etfUsage);
    else throw tcFail(`etf: unknown parameter "${w}"\n${etfUsage}`);
  }
  return { parms: opt };
}

const cbsUsage = 'Usage: ... cbs hicredit BYTES locredit BYTES sendslope BPS idleslope BPS\n	   [offload 0|1]';

function cbs(a: Args): Record<string, unknown> {
  const opt = { offload: 0, hicredit: 0, locredit: 0, idleslope: 0, sendslope: 0 };
  const fields = ['offload', 'hicredit', 'locredit', 'sendslope', 'idleslope'] as const;
  for (; !a.done; a.skip()) {
    const w = a.word;
    const field = fields.find((f) => matches(w, f));
    if (field) {
      const v = a.next();
      if (opt[field]) throw tcFail(`cbs: duplicate "${field}" specification`);
      const n = field === 'offload' ? unsigned(v, 0, 0xff) : signed32(v);
      if (n === undefined) throw tcFail(`cbs: illegal value for "${field}": "${v}"`);
      opt[field] = n;
    } else if (w === 'help') throw tcFail(cbsUsage);
    else throw tcFail(`cbs: unknown parameter "${w}"\n${cbsUsage}`);
  }
  return { parms: opt };
}

const etsUsage = 'Usage: ... ets [bands NUMBER] [strict NUMBER] [quanta Q1 Q2...] [priomap P1 P2...]';

/** parse_nbands: a band count up to TCQ_ETS_MAX_BANDS. */
function nbands(word: string, what: string): number {
  const v = unsigned(word, 10);
  if (v === undefined) throw tcFail(`Illegal "${what}"`);
  if (v > 16) throw tcFail(`The number of "${what}" must be <= 16`);
  return v;
}

/** parse_quantum (ets qdiscs and classes): a positive u32. */
export function etsQuantum(word: string): number {
  const v = unsigned(word, 10);
  if (v === undefined) throw tcFail('Illegal "quanta" element');
  if (!v) throw tcFail('"quanta" must be > 0');
  return v;
}

function ets(a: Args): Record<string, unknown> {
  let bands = 0;
  let strict = 0;
  const quanta: number[] = [];
  const priomap: number[] = [];
  // After quanta or priomap, numbers belong to that list until another keyword.
  let list: number[] | undefined;
  const element = (into: number[], word: string): void => {
    if (into === quanta) {
      quanta.push(etsQuantum(word));
      return;
    }
    const band = unsigned(word, 10);
    if (band === undefined) throw tcFail('Illegal "priomap" element');
    if (priomap.length > 15) throw tcFail('"priomap" index cannot be higher than 15');
    priomap.push(band);
  };
  for (; !a.done; a.skip()) {
    const w = a.word;
    if (w === 'bands' || w === 'strict') {
      if (w === 'bands' ? bands : strict) throw tcFail(`Duplicate "${w}"`);
      const n = nbands(a.next(), w);
      if (w === 'bands') bands = n;
      else strict = n;
      list = undefined;
    } else if (w === 'quanta' || w === 'priomap') {
      list = w === 'quanta' ? quanta : priomap;
      if (list.length) throw tcFail(`Duplicate "${w}"`);
      // The word after the keyword is the list's first, whatever it is.
      element(list, a.next());
    } else if (w === 'help') throw tcFail(etsUsage);
    else if (list) element(list, w);
    else throw tcFail(`What is "${w}"?\n${etsUsage}`);
  }
  if (!bands) bands = quanta.length + strict;
  if (!bands) throw tcFail(`One of "bands", "quanta" or "strict" needs to be specified\n${etsUsage}`);
  if (strict + quanta.length > bands) throw tcFail(`Not enough total bands to cover all the strict bands and quanta\n${etsUsage}`);
  if (priomap.some((b) => (b & 0xff) >= bands)) throw tcFail('"priomap" element is out of bounds');
  const o: Record<string, unknown> = { nbands: bands };
  if (strict) o.nstrict = strict;
  if (quanta.length) o.quanta = { quantaBand: quanta };
  if (priomap.length) o.priomap = { priomapBand: priomap.map((b) => b & 0xff) };
  return o;
}

const sfbUsage = `Usage: ... sfb [ rehash SECS ] [ db SECS ]
	    [ limit PACKETS ] [ max PACKETS ] [ target PACKETS ]
	    [ increment FLOAT ] [ decrement FLOAT ]
	    [ penalty_rate PPS ] [ penalty_burst PACKETS ]`;
const SFB_MAX_PROB = 0xffff;
const sfbWords: Record<string, string> = {
  rehash: 'rehashInterval', db: 'warmupTime', limit: 'limit', max: 'max', target: 'binSize', penalty_rate: 'penaltyRate', penalty_burst: 'penaltyBurst',
};

/** get_prob: a probability in [0, 1] (what follows the number is ignored), scaled to SFB_MAX_PROB. */
function sfbProb(word: string): number | undefined {
  const n = strtod(word);
  if (!n || n.value < 0 || n.value > 1) return undefined;
  return doubleToU32(n.value * SFB_MAX_PROB + 0.5);
}

function sfb(a: Args): Record<string, unknown> {
  const opt: Record<string, number> = {
    rehashInterval: 600_000, warmupTime: 60_000, max: 0, binSize: 0,
    increment: Math.trunc((SFB_MAX_PROB + 1000) / 2000), decrement: Math.trunc((SFB_MAX_PROB + 10000) / 20000),
    limit: 0, penaltyRate: 10, penaltyBurst: 20,
  };
  for (; !a.done; a.skip()) {
    const w = a.word;
    const field = sfbWords[w];
    const v = field ? unsigned(a.next()) : w === 'increment' || w === 'decrement' ? sfbProb(a.next()) : undefined;
    if (!field && w !== 'increment' && w !== 'decrement') throw tcFail(`What is "${w}"?\n${sfbUsage}`);
    if (v === undefined) throw tcFail(`Illegal "${w}"`);
    opt[field ?? w] = v;
  }
  if (!opt.max) opt.max = opt.binSize! >= 1 ? Math.trunc(((opt.binSize! * 5 + 1) >>> 0) / 4) : 25;
  if (!opt.binSize) opt.binSize = Math.trunc(((opt.max! * 4 + 3) >>> 0) / 5);
  return { parms: opt };
}

function qfq(a: Args): undefined {
  if (a.done) return undefined;
  throw tcFail(matches(a.word, 'help') ? 'Usage: ... qfq' : `What is "${a.word}"?\nUsage: ... qfq`);
}

/** The kinds of this module by name. */
export const schedParsers: Record<string, (a: Args, err: (text: string) => void, req: KindRequest) => Record<string, unknown> | undefined> = { fq, skbprio, etf, cbs, ets, sfb, qfq };
