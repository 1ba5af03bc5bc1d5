/**
 * The options of qdisc and class kinds this kernel lacks, printed as their tc 6.1 print_qopt / print_copt do (q_prio.c,
 * q_fq_codel.c, q_fq.c, q_sfq.c, q_red.c, q_hfsc.c, …): text and the JSON object of one `options`. They read the
 * TCA_OPTIONS value as the tc declaration decodes it (`raw.options`). A Printer keeps text and JSON together, as
 * json_print's PRINT_ANY / PRINT_FP / PRINT_JSON do (format.ts).
 */
import { ktime2time } from '../../api/tc-units.js';
import type { KindPrint } from './common.js';
import { g, Printer, rate, size, time, time64 } from './format.js';
import { netem } from './print-netem.js';

type V = Record<string, unknown>;
const u = (v: unknown): number => Number(v ?? 0);

/** A time in microseconds: the value in JSON, sprint_time's words in text. */
function usec(p: Printer, key: string, v: number): void {
  p.js(key, v);
  p.fp(`${key} ${time(v)} `);
}

/** tc_red_print_flags: each flag's word when set; in JSON, every flag as a boolean. */
export function redFlags(p: Printer, flags: number): void {
  const names: [number, string, string][] = [[1, 'ecn', 'ecn'], [2, 'harddrop', 'harddrop'], [4, 'adaptive', 'adaptive'], [8, 'nodrop', 'nodrop']];
  for (const [bit, key, word] of names) {
    if (flags & bit) p.any(key, `${word} `, true);
    else p.js(key, false);
  }
}

/** A list as open_json_array / close_json_array print it: `name v v v` then `end`. */
function list(p: Printer, key: string, values: number[], end: string): void {
  p.fp(key);
  for (const v of values) p.fp(` ${v}`);
  p.fp(end);
  p.js(key, values);
}

/** red's and choke's probability, Plog and Scell_log under -d. */
function redDetails(p: Printer, q: V, maxP: number): void {
  p.any('ewma', `ewma ${u(q.Wlog)} `, u(q.Wlog));
  if (maxP) p.any('probability', `probability ${g(maxP / 2 ** 32)} `, maxP / 2 ** 32);
  else p.any('Plog', `Plog ${u(q.Plog)} `, u(q.Plog));
  p.any('Scell_log', `Scell_log ${u(q.ScellLog)}`, u(q.ScellLog));
}

/** tc_print_rate: the bytes per second in JSON, sprint_rate's words in text. */
const rateAny = (p: Printer, key: string, v: number) => p.any(key, `${key} ${rate(v)} `, v);

function fqCodel(p: Printer, o: V): void {
  if (o.limit !== undefined) p.any('limit', `limit ${u(o.limit)}p `, u(o.limit));
  if (o.flows !== undefined) p.any('flows', `flows ${u(o.flows)} `, u(o.flows));
  if (o.quantum !== undefined) p.any('quantum', `quantum ${u(o.quantum)} `, u(o.quantum));
  if (o.target !== undefined) usec(p, 'target', u(o.target));
  if (o.ceThreshold !== undefined) usec(p, 'ce_threshold', u(o.ceThreshold));
  const sel = u(o.ceThresholdSelector);
  const mask = u(o.ceThresholdMask);
  if (sel || mask) {
    p.any('ce_threshold_selector', `ce_threshold_selector ${sel ? `0x${sel.toString(16)}` : '0'}`, sel);
    p.any('ce_threshold_mask', `/${mask ? `0x${mask.toString(16)}` : '0'} `, mask);
  }
  if (o.interval !== undefined) usec(p, 'interval', u(o.interval));
  if (o.memoryLimit !== undefined) p.any('memory_limit', `memory_limit ${size(u(o.memoryLimit))} `, u(o.memoryLimit));
  if (u(o.ecn)) p.any('ecn', 'ecn ', true);
  if (u(o.dropBatchSize)) p.any('drop_batch', `drop_batch ${u(o.dropBatchSize)} `, u(o.dropBatchSize));
}

function codel(p: Printer, o: V): void {
  if (o.limit !== undefined) p.any('limit', `limit ${u(o.limit)}p `, u(o.limit));
  if (o.target !== undefined) usec(p, 'target', u(o.target));
  if (o.ceThreshold !== undefined) usec(p, 'ce_threshold', u(o.ceThreshold));
  if (o.interval !== undefined) usec(p, 'interval', u(o.interval));
  if (u(o.ecn)) p.any('ecn', 'ecn ', true);
}

function pie(p: Printer, o: V, fq: boolean): void {
  if (o.limit !== undefined) p.any('limit', `limit ${u(o.limit)}p `, u(o.limit));
  if (fq && o.flows !== undefined) p.any('flows', `flows ${u(o.flows)} `, u(o.flows));
  if (o.target !== undefined) usec(p, 'target', u(o.target));
  if (o.tupdate !== undefined) usec(p, 'tupdate', u(o.tupdate));
  if (o.alpha !== undefined) p.any('alpha', `alpha ${u(o.alpha)} `, u(o.alpha));
  if (o.beta !== undefined) p.any('beta', `beta ${u(o.beta)} `, u(o.beta));
  if (fq) {
    if (o.quantum !== undefined) p.any('quantum', `quantum ${size(u(o.quantum))} `, u(o.quantum));
    if (o.memoryLimit !== undefined) p.any('memory_limit', `memory_limit ${size(u(o.memoryLimit))} `, u(o.memoryLimit));
    if (o.ecnProb !== undefined) p.any('ecn_prob', `ecn_prob ${u(o.ecnProb)} `, u(o.ecnProb));
  }
  if (u(o.ecn)) p.any('ecn', 'ecn ', true);
  if (u(o.bytemode)) p.any('bytemode', 'bytemode ', true);
  if (u(o.dqRateEstimator)) p.any('dq_rate_estimator', 'dq_rate_estimator ', true);
}

function fq(p: Printer, o: V): void {
  if (o.plimit !== undefined) p.any('limit', `limit ${u(o.plimit)}p `, u(o.plimit));
  if (o.flowPlimit !== undefined) p.any('flow_limit', `flow_limit ${u(o.flowPlimit)}p `, u(o.flowPlimit));
  if (o.bucketsLog !== undefined) {
    const b = 2 ** (u(o.bucketsLog) & 31);
    p.any('buckets', `buckets ${b} `, b);
  }
  if (o.orphanMask !== undefined) p.any('orphan_mask', `orphan_mask ${u(o.orphanMask)} `, u(o.orphanMask));
  if (o.rateEnable !== undefined && u(o.rateEnable) === 0) p.any('pacing', 'nopacing ', false);
  if (o.quantum !== undefined) p.any('quantum', `quantum ${size(u(o.quantum))} `, u(o.quantum));
  if (o.initialQuantum !== undefined) p.any('initial_quantum', `initial_quantum ${size(u(o.initialQuantum))} `, u(o.initialQuantum));
  if (o.flowMaxRate !== undefined && u(o.flowMaxRate) !== 0xffffffff) rateAny(p, 'maxrate', u(o.flowMaxRate));
  if (o.flowDefaultRate !== undefined && u(o.flowDefaultRate) !== 0) rateAny(p, 'defrate', u(o.flowDefaultRate));
  if (o.lowRateThreshold !== undefined && u(o.lowRateThreshold) !== 0) rateAny(p, 'low_rate_threshold', u(o.lowRateThreshold));
  if (o.flowRefillDelay !== undefined) usec(p, 'refill_delay', u(o.flowRefillDelay));
  if (o.ceThreshold !== undefined && u(o.ceThreshold) !== 0xffffffff) usec(p, 'ce_threshold', u(o.ceThreshold));
  if (o.timerSlack !== undefined) {
    p.js('timer_slack', u(o.timerSlack));
    p.fp(`timer_slack ${time64(u(o.timerSlack))} `);
  }
  if (o.horizon !== undefined) usec(p, 'horizon', u(o.horizon));
  if (o.horizonDrop !== undefined) {
    if (u(o.horizonDrop)) p.any('horizon_drop', 'horizon_drop ', null);
    else p.any('horizon_cap', 'horizon_cap ', null);
  }
}

function sfq(p: Printer, o: V, details: boolean, stats: boolean): void {
  // The declaration reads a tc_sfq_qopt_v1 (the kernel's reply) with the older struct as `v0`.
  const ext = o.v0 !== undefined ? o : undefined;
  const q = (o.v0 ?? o) as V;
  // Shorter than a tc_sfq_qopt (tc's request without options): print_opt refuses, printing nothing.
  if (q.limit === undefined) return;
  p.any('limit', `limit ${u(q.limit)}p `, u(q.limit));
  p.any('quantum', `quantum ${size(u(q.quantum))} `, u(q.quantum));
  if (ext && u(ext.depth)) p.any('depth', `depth ${u(ext.depth)} `, u(ext.depth));
  if (ext && u(ext.headdrop)) p.any('headdrop', 'headdrop ', true);
  if (details) p.any('flows', `flows ${u(q.flows)} `, u(q.flows));
  p.any('divisor', `divisor ${u(q.divisor)} `, u(q.divisor));
  if (u(q.perturbPeriod)) p.any('perturb', `perturb ${u(q.perturbPeriod) | 0}sec `, u(q.perturbPeriod) | 0);
  if (ext && u(ext.qthMin)) {
    p.any('ewma', `ewma ${u(ext.Wlog)} `, u(ext.Wlog));
    p.any('min', `min ${size(u(ext.qthMin))} `, u(ext.qthMin));
    p.any('max', `max ${size(u(ext.qthMax))} `, u(ext.qthMax));
    const prob = u(ext['max-P']) / 2 ** 32;
    p.any('probability', `probability ${g(prob)} `, prob);
    redFlags(p, u(ext.flags));
    if (stats) {
      const s = (ext.stats ?? {}) as V;
      p.fp('\n');
      p.any('prob_mark', `  prob_mark ${u(s.probMark)}`, u(s.probMark));
      p.any('prob_mark_head', ` prob_mark_head ${u(s.probMarkHead)}`, u(s.probMarkHead));
      p.any('prob_drop', ` prob_drop ${u(s.probDrop)}`, u(s.probDrop));
      p.fp('\n');
      p.any('forced_mark', `  forced_mark ${u(s.forcedMark)}`, u(s.forcedMark));
      p.any('forced_mark_head', ` forced_mark_head ${u(s.forcedMarkHead)}`, u(s.forcedMarkHead));
      p.any('forced_drop', ` forced_drop ${u(s.forcedDrop)}`, u(s.forcedDrop));
    }
  }
}

/** red and choke: limits in bytes (red) or packets (choke), their flags and, under -d, the arithmetic. */
function red(p: Printer, o: V, details: boolean, choke: boolean): boolean {
  const q = o.parms as V | undefined;
  if (!q) return false;
  const flags = !choke && o.flags !== undefined ? u((o.flags as V).value) : u(q.flags);
  const amount = (v: number) => (choke ? `${v}p` : size(v));
  p.any('limit', `limit ${amount(u(q.limit))} `, u(q.limit));
  p.any('min', `min ${amount(u(q.qthMin))} `, u(q.qthMin));
  p.any('max', `max ${amount(u(q.qthMax))} `, u(q.qthMax));
  redFlags(p, flags);
  if (details) redDetails(p, q, u(o.maxP));
  if (!choke) {
    // qevents_print: each qevent with a block, as `qevent NAME block N `.
    const events: [string, unknown][] = [['early_drop', o.earlyDropBlock], ['mark', o.markBlock]];
    const set = events.filter(([, b]) => u(b));
    for (const [name, b] of set) p.fp(`qevent ${name} block ${u(b)} `);
    if (set.length) p.js('qevents', set.map(([name, b]) => ({ kind: name, block: u(b) })));
  }
  return true;
}

function sfb(p: Printer, o: V): void {
  const q = o.parms as V | undefined;
  if (!q) return;
  const rehash = (u(q.rehashInterval) * 1000) >>> 0;
  const db = (u(q.warmupTime) * 1000) >>> 0;
  p.js('rehash', rehash);
  p.fp(`rehash ${time(rehash)} `);
  p.js('db', db);
  p.fp(`db ${time(db)} `);
  p.any('limit', `limit ${u(q.limit)}p `, u(q.limit));
  p.any('max', `max ${u(q.max)}p `, u(q.max));
  p.any('target', `target ${u(q.binSize)}p `, u(q.binSize));
  const inc = u(q.increment) / 0xffff;
  const dec = u(q.decrement) / 0xffff;
  p.any('increment', `increment ${g(inc)} `, inc);
  p.any('decrement', `decrement ${g(dec)} `, dec);
  p.any('penalty_rate', `penalty_rate ${u(q.penaltyRate)}pps `, u(q.penaltyRate));
  p.any('penalty_burst', `penalty_burst ${u(q.penaltyBurst)}p `, u(q.penaltyBurst));
}

/** ets: bands, strict bands, quanta and the priomap; tc refuses to print without nbands and a priomap. */
function ets(p: Printer, o: V, err: (text: string) => void): void {
  if (o.nbands === undefined || o.priomap === undefined) {
    err('Incomplete ETS options');
    return;
  }
  p.any('bands', `bands ${u(o.nbands)} `, u(o.nbands));
  if (o.nstrict !== undefined) p.any('strict', `strict ${u(o.nstrict)} `, u(o.nstrict));
  const arr = (x: unknown): number[] => (x === undefined ? [] : Array.isArray(x) ? x.map(Number) : [Number(x)]);
  if (o.quanta !== undefined) list(p, 'quanta', arr((o.quanta as V).quantaBand), ' ');
  list(p, 'priomap', arr((o.priomap as V).priomapBand), ' ');
}

/** hfsc_print_sc: `NAME m1 RATE d TIME m2 RATE `, text only. */
function serviceCurve(p: Printer, name: string, sc: V): void {
  p.fp(`${name} m1 ${rate(u(sc.m1))} d ${time(ktime2time(u(sc.d)))} m2 ${rate(u(sc.m2))} `);
}

const sameCurve = (a: V, b: V) => u(a.m1) === u(b.m1) && u(a.d) === u(b.d) && u(a.m2) === u(b.m2);

/** The print_qopt of the kinds above, or undefined for a kind tc has no printer for here. */
export function qdiscOptions(kind: string, o: V, details: boolean, stats: boolean, err: (text: string) => void): KindPrint | undefined {
  const p = new Printer();
  switch (kind) {
    case 'prio':
    case 'pfifo_fast': {
      p.any('bands', `bands ${u(o.bands)} `, u(o.bands));
      list(p, 'priomap', [...((o.priomap as Uint8Array | undefined) ?? new Uint8Array(16))], '');
      const mq = (o.options as V | undefined)?.mq;
      if (mq !== undefined) p.fp(` multiqueue: ${mq ? 'on' : 'off'} `);
      p.js('multiqueue', Boolean(mq));
      break;
    }
    case 'multiq':
      p.fp(`bands ${u(o.bands)}/${u(o.maxBands)} `);
      break;
    case 'drr':
      if (o.quantum !== undefined) p.fp(`quantum ${size(u(o.quantum))} `);
      break;
    case 'qfq':
      if (o.weight !== undefined) p.fp(`weight ${u(o.weight)} `);
      if (o.lmax !== undefined) p.fp(`maxpkt ${u(o.lmax)} `);
      break;
    case 'hfsc':
      if (u(o.defcls)) p.fp(`default ${u(o.defcls).toString(16)} `);
      break;
    case 'fq_codel': fqCodel(p, o); break;
    case 'codel': codel(p, o); break;
    case 'pie': pie(p, o, false); break;
    case 'fq_pie': pie(p, o, true); break;
    case 'fq': fq(p, o); break;
    case 'sfq': sfq(p, o, details, stats); break;
    case 'red': red(p, o, details, false); break;
    case 'choke': red(p, o, details, true); break;
    case 'sfb': sfb(p, o); break;
    case 'netem': netem(p, o); break;
    case 'ets': ets(p, o, err); break;
    default:
      return undefined;
  }
  return p.done();
}

/** The print_copt of the class kinds above (drr and qfq print a class as their qdisc), or undefined. */
export function classOptions(kind: string, o: V): KindPrint | undefined {
  const p = new Printer();
  switch (kind) {
    case 'drr':
    case 'qfq':
      return qdiscOptions(kind, o, false, false, () => {});
    case 'ets':
      if (o.quantaBand !== undefined) {
        const q = Array.isArray(o.quantaBand) ? u(o.quantaBand[0]) : u(o.quantaBand);
        p.any('quantum', `quantum ${q} `, q);
      }
      break;
    case 'hfsc': {
      const rsc = o.rsc as V | undefined;
      const fsc = o.fsc as V | undefined;
      const usc = o.usc as V | undefined;
      if (rsc && fsc && sameCurve(rsc, fsc)) serviceCurve(p, 'sc', rsc);
      else {
        if (rsc) serviceCurve(p, 'rt', rsc);
        if (fsc) serviceCurve(p, 'ls', fsc);
      }
      if (usc) serviceCurve(p, 'ul', usc);
      break;
    }
    default:
      return undefined;
  }
  return p.done();
}
