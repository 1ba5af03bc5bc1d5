/**
 * The class options of hfsc, drr, qfq and ets as tc 6.1's q_hfsc.c, q_drr.c, q_qfq.c and q_ets.c read them (htb's
 * are in class.ts): each option's refusal and TCA_OPTIONS in the order tc writes it.
 */
import { time2ktime } from '../../api/tc-units.js';
import { parseRate32 } from './numbers.js';
import { etsQuantum } from './qdisc-sched.js';
import { Args, doubleToU32, matches, parseSize, parseTime, tcFail, unsigned } from './words.js';

const hfscUsage = `Usage: ... hfsc [ [ rt SC ] [ ls SC ] | [ sc SC ] ] [ ul SC ]

SC := [ [ m1 BPS ] d SEC ] m2 BPS

 m1 : slope of first segment
 d  : x-coordinate of intersection
 m2 : slope of second segment

Alternative format:

SC := [ [ umax BYTE ] dmax SEC ] rate BPS

 umax : maximum unit of work
 dmax : maximum delay
 rate : rate

Remarks:
 - at least one of 'rt', 'ls' or 'sc' must be specified
 - 'ul' can only be specified with 'ls' or 'sc'
`;

interface ServiceCurve {
  m1: number;
  d: number;
  m2: number;
}


/** What hfsc prints before it gives up on a word: `HFSC: Illegal "WHAT"`. */
class Illegal {
  constructor(readonly what: string) {}
}

/** The next word read by `parse`, or an Illegal naming `what`. */
function value(a: Args, parse: (w: string) => number | undefined, what: string): number {
  const v = parse(a.next());
  if (v === undefined) throw new Illegal(what);
  return v;
}

/** hfsc_get_sc1: `[ [ m1 BPS ] d SEC ] m2 BPS`; undefined where the words are not this form. */
function sc1(a: Args, rate: (w: string) => number | undefined): ServiceCurve | undefined {
  let m1 = 0;
  let d = 0;
  if (matches(a.word, 'm1')) {
    m1 = value(a, rate, 'm1');
    a.next();
  }
  if (matches(a.word, 'd')) {
    d = value(a, parseTime, 'd');
    a.next();
  }
  if (!matches(a.word, 'm2')) return undefined;
  return { m1, d: time2ktime(d), m2: value(a, rate, 'm2') };
}

/** hfsc_get_sc2: `[ [ umax BYTE ] dmax SEC ] rate BPS`, as a curve of two slopes. */
function sc2(a: Args, err: (text: string) => void, rateOf: (w: string) => number | undefined): ServiceCurve | undefined {
  let umax = 0;
  let dmax = 0;
  if (matches(a.word, 'umax')) {
    umax = value(a, parseSize, 'umax');
    a.next();
  }
  if (matches(a.word, 'dmax')) {
    dmax = value(a, parseTime, 'dmax');
    a.next();
  }
  if (!matches(a.word, 'rate')) return undefined;
  const rate = value(a, rateOf, 'rate');
  if (umax !== 0 && dmax === 0) {
    err('HFSC: umax given but dmax is zero.');
    return undefined;
  }
  const m1 = dmax !== 0 ? Math.ceil((umax * 1e6) / dmax) : 0;
  // Concave: the first slope is umax/dmax up to dmax. Convex: no first slope, in C's unsigned int arithmetic.
  if (dmax !== 0 && m1 > rate) return { m1: doubleToU32(m1), d: time2ktime(dmax), m2: rate };
  const d = (dmax - Math.trunc(((umax * 1e6) >>> 0) / rate)) >>> 0;
  return { m1: 0, d: time2ktime(d), m2: rate };
}

/** hfsc_get_sc: either form; a curve with two zero slopes is refused. */
function serviceCurve(a: Args, err: (text: string) => void, percent: (word: string) => string | undefined): ServiceCurve | undefined {
  const at = a.at;
  // get_percent_rate where the word holds a '%', else get_rate.
  const rate = (w: string) => (w.includes('%') ? ((bits) => (bits === undefined ? undefined : parseRate32(bits)))(percent(w)) : parseRate32(w));
  let sc: ServiceCurve | undefined;
  try {
    sc = sc1(a, rate);
  } catch (e) {
    if (!(e instanceof Illegal)) throw e;
    err(`HFSC: Illegal "${e.what}"`);
  }
  if (!sc) {
    a.seek(at);
    try {
      sc = sc2(a, err, rate);
    } catch (e) {
      if (!(e instanceof Illegal)) throw e;
      err(`HFSC: Illegal "${e.what}"`);
    }
  }
  if (sc && sc.m1 === 0 && sc.m2 === 0) {
    err('HFSC: Service Curve has two zero slopes');
    return undefined;
  }
  return sc;
}

function hfsc(a: Args, err: (text: string) => void, percent: (word: string) => string | undefined): Record<string, unknown> {
  const curves: { rsc?: ServiceCurve; fsc?: ServiceCurve; usc?: ServiceCurve } = {};
  for (; !a.done; a.skip()) {
    const w = a.word;
    const which = (['rt', 'ls', 'sc', 'ul'] as const).find((k) => matches(w, k));
    if (!which) throw tcFail(matches(w, 'help') ? hfscUsage : `HFSC: What is "${w}" ?\n${hfscUsage}`);
    a.next();
    const sc = serviceCurve(a, err, percent);
    if (!sc) throw tcFail(`HFSC: Illegal "${which}"`);
    if (which === 'rt') curves.rsc = sc;
    else if (which === 'ls') curves.fsc = sc;
    else if (which === 'ul') curves.usc = sc;
    else curves.rsc = curves.fsc = sc;
  }
  if (!curves.rsc && !curves.fsc && !curves.usc) throw tcFail(`HFSC: no parameters given\n${hfscUsage}`);
  if (curves.usc && !curves.fsc) throw tcFail(`HFSC: Upper-limit Service Curve without Link-Share Service Curve\n${hfscUsage}`);
  const o: Record<string, unknown> = {};
  if (curves.rsc) o.rsc = curves.rsc;
  if (curves.fsc) o.fsc = curves.fsc;
  if (curves.usc) o.usc = curves.usc;
  return o;
}

function drr(a: Args): Record<string, unknown> {
  const usage = 'Usage: ... drr quantum SIZE';
  const o: Record<string, unknown> = {};
  for (; !a.done; a.skip()) {
    const w = a.word;
    if (w === 'quantum') {
      const v = parseSize(a.next());
      if (v === undefined) throw tcFail('Illegal "quantum"');
      o.quantum = v;
    } else throw tcFail(w === 'help' ? usage : `What is "${w}"?\n${usage}`);
  }
  return o;
}

/** qfq's weight and maxpkt (TCA_QFQ_LMAX). */
function qfq(a: Args): Record<string, unknown> {
  const usage = 'Usage: ... qfq weight NUMBER maxpkt BYTES';
  const o: Record<string, unknown> = {};
  for (; !a.done; a.skip()) {
    const w = a.word;
    const which = matches(w, 'weight') ? 'weight' : matches(w, 'maxpkt') ? 'maxpkt' : undefined;
    if (!which) throw tcFail(w === 'help' ? usage : `What is "${w}"?\n${usage}`);
    const v = unsigned(a.next(), 10);
    if (v === undefined) throw tcFail(`Illegal "${which}"`);
    // A repeated word goes once, with its last value (tc sends each; the kernel reads the last).
    o[which === 'weight' ? 'weight' : 'lmax'] = v;
  }
  return o;
}

function ets(a: Args): Record<string, unknown> {
  const usage = 'Usage: ... ets [quantum Q1]';
  let quantum = 0;
  for (; !a.done; a.skip()) {
    const w = a.word;
    if (w === 'quantum') {
      if (quantum) throw tcFail('Duplicate "quantum"');
      quantum = etsQuantum(a.next());
    } else throw tcFail(w === 'help' ? usage : `What is "${w}"?\n${usage}`);
  }
  return quantum ? { quantaBand: [quantum] } : {};
}

/** A class kind's parser: its words, stderr, and percent.ts's reading of a rate in percent (for get_rate). */
type ClassParser = (a: Args, err: (text: string) => void, percent: (word: string) => string | undefined) => Record<string, unknown>;

const parsers: Record<string, ClassParser> = { hfsc, drr, qfq, ets };

/** The class options parser of a kind this module reads, if it is one. */
export const classKindParser = (kind: string): ClassParser | undefined => parsers[kind];
