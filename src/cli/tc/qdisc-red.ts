/**
 * red, choke and sfq as tc 6.1's q_red.c, q_choke.c and q_sfq.c read them, with tc_red.c's arithmetic: the EWMA and probability
 * logs, the idle damping table, max_P — each in C's unsigned 32-bit and double arithmetic, so the bytes are tc's.
 */
import { xmittime } from '../../api/tc-units.js';
import type { KindRequest } from './common.js';
import { parseRate32, signed32 } from './numbers.js';
import { rateWord } from './percent.js';
import { Args, doubleToU32, matches, parseSize, strtod, tcFail, unsigned } from './words.js';

const u32 = (x: bigint | number): number => Number(BigInt.asUintN(32, BigInt(x)));
const mul = (a: number, b: number): number => u32(BigInt(a) * BigInt(b));

/** tc_red_eval_P: log2 of the drop probability per queued byte (or packet), -1 out of range. */
function evalP(qmin: number, qmax: number, prob: number): number {
  const i = u32(qmax - qmin) | 0;
  if (!i) return 0;
  if (i < 0) return -1;
  let p = prob / i;
  let n = 0;
  for (; n < 32; n++) {
    if (p > 1) break;
    p *= 2;
  }
  return n >= 32 ? -1 : n;
}

/** tc_red_eval_ewma: the EWMA weight's log; -1 (with tc's hint) when the burst is too small. */
function evalEwma(qmin: number, burst: number, avpkt: number, err: (text: string) => void): number {
  const a = burst + 1 - qmin / avpkt;
  if (a < 1) {
    err(`tc_red_eval_ewma() burst ${burst} is too small ? Try burst ${u32(1 + Math.trunc(qmin / avpkt))}`);
    return -1;
  }
  let W = 0.5;
  for (let wlog = 1; wlog < 32; wlog++, W /= 2) if (a <= (1 - (1 - W) ** burst) / W) return wlog;
  return -1;
}

/** A double stored in a u8 as gcc does it on x86-64: through a 32-bit int, then its low byte. */
const toU8 = (x: number): number => (Math.abs(x) < 2 ** 31 ? Math.trunc(x) : -(2 ** 31)) & 0xff;

/** tc_red_eval_idle_damping: Scell_log and the 256-byte table, or undefined. */
function evalIdleDamping(wlog: number, avpkt: number, bps: number): { cellLog: number; table: Uint8Array } | undefined {
  const xmit = xmittime(bps, avpkt);
  const lW = -Math.log(1 - 1 / (1 << wlog)) / xmit;
  const maxtime = 31 / lW;
  let clog = 0;
  for (; clog < 32; clog++) if (maxtime / (1 << clog) < 512) break;
  if (clog >= 32) return undefined;
  const table = new Uint8Array(256);
  for (let i = 1; i < 255; i++) {
    const v = toU8((i << clog) * lW);
    table[i] = v > 31 ? 31 : v;
  }
  table[255] = 31;
  return { cellLog: clog, table };
}

/** sscanf("%lg"): a number at the start of the word. */
export const probabilityOf = (w: string): number | undefined => strtod(w)?.value;

const redUsage = `Usage: ... red	limit BYTES [min BYTES] [max BYTES] avpkt BYTES [burst PACKETS]
		[adaptive] [probability PROBABILITY] [bandwidth KBPS]
		[ecn] [harddrop] [nodrop]
		[qevent early_drop block IDX] [qevent mark block IDX]`;

// TC_RED_ECN, TC_RED_HARDDROP, TC_RED_ADAPTATIVE, TC_RED_NODROP
const redFlags: Record<string, number> = { ecn: 1, harddrop: 2, nodrop: 8, adaptative: 4, adaptive: 4 };

/** tc_qevent.c's `qevent NAME block IDX…`: the block index of each of red's qevents. */
function qevent(a: Args, blocks: Record<string, number>): void {
  const name = a.next();
  if (name !== 'early_drop' && name !== 'mark') throw tcFail(`Unknown qevent \`${name}'`);
  a.next();
  if (blocks[name]) throw tcFail('Duplicate qevent');
  while (!a.done && a.word === 'block') {
    const v = a.next();
    if (blocks[name]) throw tcFail('Qevent block index already specified');
    const n = unsigned(v, 10);
    if (!n) throw tcFail('Illegal qevent block index');
    blocks[name] = n;
    a.skip();
  }
  if (!blocks[name]) throw tcFail('Unspecified qevent block index');
}

/** The next word read by `parse`, or tc's `Illegal "WHAT"` refusal. */
function value<T>(a: Args, parse: (word: string) => T | undefined, what: string): T {
  const v = parse(a.next());
  if (v === undefined) throw tcFail(`Illegal "${what}"`);
  return v;
}

export function red(a: Args, err: (text: string) => void, req: KindRequest): Record<string, unknown> {
  const opt = { limit: 0, qthMin: 0, qthMax: 0, Wlog: 0, Plog: 0, ScellLog: 0, flags: 0 };
  let burst = 0;
  let avpkt = 0;
  let probability = 0.02;
  let rate = 0;
  let flags = 0;
  const blocks: Record<string, number> = {};
  while (!a.done) {
    const w = a.word;
    if (w === 'limit') opt.limit = value(a, parseSize, 'limit');
    else if (w === 'min') opt.qthMin = value(a, parseSize, 'min');
    else if (w === 'max') opt.qthMax = value(a, parseSize, 'max');
    else if (w === 'burst') burst = value(a, unsigned, 'burst');
    else if (w === 'avpkt') avpkt = value(a, parseSize, 'avpkt');
    else if (w === 'probability') probability = value(a, probabilityOf, 'probability');
    else if (w === 'bandwidth') rate = value(a, (x) => rateWord(x, req.percent, parseRate32), 'bandwidth');
    else if (redFlags[w]) flags |= redFlags[w]!;
    else if (matches(w, 'qevent')) {
      qevent(a, blocks);
      continue;
    } else throw tcFail(w === 'help' ? redUsage : `What is "${w}"?\n${redUsage}`);
    a.skip();
  }
  if (!opt.limit || !avpkt) throw tcFail('RED: Required parameter (limit, avpkt) is missing');
  if (!opt.qthMax) opt.qthMax = opt.qthMin ? mul(opt.qthMin, 3) : Math.trunc(opt.limit / 4);
  if (!opt.qthMin) opt.qthMin = Math.trunc(opt.qthMax / 3);
  if (!burst) burst = Math.trunc(u32(2 * opt.qthMin + opt.qthMax) / mul(3, avpkt));
  if (!rate) {
    rate = 1250000;
    err('RED: set bandwidth to 10Mbit');
  }
  const stab = redParms(opt, burst, avpkt, probability, rate, 'RED', err, opt.qthMin, opt.qthMax);
  // RED_SUPPORTED_FLAGS: the historic ECN, HARDDROP and ADAPTATIVE, and NODROP.
  const o: Record<string, unknown> = { parms: opt, stab, maxP: doubleToU32(probability * 2 ** 32), flags: { value: flags, selector: 15 } };
  if (blocks.early_drop) o.earlyDropBlock = blocks.early_drop;
  if (blocks.mark) o.markBlock = blocks.mark;
  return o;
}

/** Wlog, Plog and Scell_log into the struct (refusals named by `who`), and the damping table. */
export function redParms(
  opt: { Wlog: number; Plog: number; ScellLog: number },
  burst: number, avpkt: number, probability: number, rate: number, who: string, err: (text: string) => void, qmin: number, qmax: number,
): Uint8Array {
  const wlog = evalEwma(qmin, burst, avpkt, err);
  if (wlog < 0) throw tcFail(`${who}: failed to calculate EWMA constant.`);
  if (wlog >= 10) err(`${who}: WARNING. Burst ${burst} seems to be too large.`);
  opt.Wlog = wlog;
  const plog = evalP(qmin, qmax, probability);
  if (plog < 0) throw tcFail(`${who}: failed to calculate probability.`);
  opt.Plog = plog;
  const d = evalIdleDamping(wlog, avpkt, rate);
  if (!d) throw tcFail(`${who}: failed to calculate idle damping table.`);
  opt.ScellLog = d.cellLog;
  return d.table;
}

const chokeUsage = `Usage: ... choke limit PACKETS bandwidth KBPS [ecn]
		 [ min PACKETS ] [ max PACKETS ] [ burst PACKETS ]`;

export function choke(a: Args, err: (text: string) => void, req: KindRequest): Record<string, unknown> {
  const opt = { limit: 0, qthMin: 0, qthMax: 0, Wlog: 0, Plog: 0, ScellLog: 0, flags: 0 };
  let burst = 0;
  let avpkt = 1000;
  let probability = 0.02;
  let rate = 0;
  let ecn = false;
  const num = (what: string): number => value(a, unsigned, what);
  for (; !a.done; a.skip()) {
    const w = a.word;
    if (w === 'limit') opt.limit = num('limit');
    else if (w === 'bandwidth') rate = value(a, (x) => rateWord(x, req.percent, parseRate32), 'bandwidth');
    else if (w === 'ecn') ecn = true;
    else if (w === 'min') opt.qthMin = num('min');
    else if (w === 'max') opt.qthMax = num('max');
    else if (w === 'burst') burst = num('burst');
    else if (w === 'avpkt') avpkt = value(a, parseSize, 'avpkt');
    else if (w === 'probability') probability = value(a, probabilityOf, 'probability');
    else throw tcFail(w === 'help' ? chokeUsage : `What is "${w}"?\n${chokeUsage}`);
  }
  if (!rate || !opt.limit) throw tcFail('Required parameter (bandwidth, limit) is missing');
  if (!opt.qthMax) opt.qthMax = Math.trunc(opt.limit / 4);
  if (!opt.qthMin) opt.qthMin = Math.trunc(opt.qthMax / 3);
  if (!burst) burst = Math.trunc(u32(2 * opt.qthMin + opt.qthMax) / 3);
  if (opt.qthMax > opt.limit) throw tcFail('"max" is larger than "limit"');
  if (opt.qthMin >= opt.qthMax) throw tcFail('"min" is not smaller than "max"');
  const stab = redParms(opt, burst, avpkt, probability, rate, 'CHOKE', err, mul(opt.qthMin, avpkt), mul(opt.qthMax, avpkt));
  if (ecn) opt.flags |= 1;
  return { parms: opt, stab, maxP: doubleToU32(probability * 2 ** 32) };
}

const sfqUsage = `Usage: ... sfq	[ limit NUMBER ] [ perturb SECS ] [ quantum BYTES ]
		[ divisor NUMBER ] [ flows NUMBER] [ depth NUMBER ]
		[ headdrop ]
		[ redflowlimit BYTES ] [ min BYTES ] [ max BYTES ]
		[ avpkt BYTES ] [ burst PACKETS ] [ probability P ]
		[ ecn ] [ harddrop ]`;

/** q_sfq.c: struct tc_sfq_qopt_v1, sent when any option was given; its RED part computed as tc does. */
export function sfq(a: Args, err: (text: string) => void): Record<string, unknown> | undefined {
  const v0 = { quantum: 0, perturbPeriod: 0, limit: 0, divisor: 0, flows: 0 };
  const opt = { depth: 0, headdrop: 0, limit: 0, qthMin: 0, qthMax: 0, Wlog: 0, Plog: 0, ScellLog: 0, flags: 0, 'max-P': 0 };
  let ok = false;
  let red = false;
  let burst = 0;
  let avpkt = 1000;
  let probability = 0.02;
  const num = (what: string): number => value(a, unsigned, what);
  for (; !a.done; a.skip()) {
    const w = a.word;
    if (w === 'quantum') {
      const v = parseSize(a.next());
      // tc names "limit" when it refuses a quantum.
      if (v === undefined) throw tcFail('Illegal "limit"');
      v0.quantum = v;
    } else if (w === 'perturb') {
      const v = signed32(a.next());
      if (v === undefined) throw tcFail('Illegal "perturb"');
      v0.perturbPeriod = v;
    } else if (w === 'limit') {
      v0.limit = num('limit');
      if (v0.limit < 2) throw tcFail('Illegal "limit", must be > 1');
    } else if (w === 'divisor') v0.divisor = num('divisor');
    else if (w === 'flows') v0.flows = num('flows');
    else if (w === 'depth') opt.depth = num('flows');
    else if (w === 'headdrop') opt.headdrop = 1;
    else if (w === 'redflowlimit') opt.limit = num('redflowlimit');
    else if (w === 'min') opt.qthMin = num('min');
    else if (w === 'max') opt.qthMax = num('max');
    else if (w === 'burst') burst = num('burst');
    else if (w === 'avpkt') {
      const v = parseSize(a.next());
      if (v === undefined) throw tcFail('Illegal "avpkt"');
      avpkt = v;
    } else if (w === 'probability') {
      const v = probabilityOf(a.next());
      if (v === undefined) throw tcFail('Illegal "probability"');
      probability = v;
    } else if (w === 'ecn') opt.flags |= 1;
    else if (w === 'harddrop') opt.flags |= 2;
    else throw tcFail(w === 'help' ? sfqUsage : `What is "${w}"?\n${sfqUsage}`);
    if (['redflowlimit', 'min', 'max', 'burst', 'avpkt', 'probability', 'ecn', 'harddrop'].includes(w)) red = true;
    else ok = true;
  }
  if (red) {
    if (!opt.limit) throw tcFail('Required parameter (redflowlimit) is missing');
    if (!opt.qthMax) opt.qthMax = Math.trunc(opt.limit / 4);
    if (!opt.qthMin) opt.qthMin = Math.trunc(opt.qthMax / 3);
    if (!burst) burst = Math.trunc(u32(2 * opt.qthMin + opt.qthMax) / mul(3, avpkt));
    if (opt.qthMax > opt.limit) throw tcFail('"max" is larger than "limit"');
    if (opt.qthMin >= opt.qthMax) throw tcFail('"min" is not smaller than "max"');
    const wlog = evalEwma(opt.qthMin, burst, avpkt, err);
    if (wlog < 0) throw tcFail('SFQ: failed to calculate EWMA constant.');
    if (wlog >= 10) err(`SFQ: WARNING. Burst ${burst} seems to be too large.`);
    opt.Wlog = wlog;
    const plog = evalP(opt.qthMin, opt.qthMax, probability);
    if (plog < 0) throw tcFail('SFQ: failed to calculate probability.');
    opt.Plog = plog;
    opt['max-P'] = doubleToU32(probability * 2 ** 32);
  }
  // The struct ends in tc_sfqred_stats, which tc sends as zeros.
  const stats = { probDrop: 0, forcedDrop: 0, probMark: 0, forcedMark: 0, probMarkHead: 0, forcedMarkHead: 0 };
  return ok || red ? { v0, ...opt, stats } : undefined;
}
