/**
 * netem's options as q_netem.c's print_opt prints them: delays in ticks as times, probabilities (fractions of
 * 2^32 - 1) as percentages in text and as fractions in JSON, slots in nanoseconds (seconds in JSON), and the rate's
 * overheads only where they are not zero.
 */
import { tick2time } from '../../api/tc-units.js';
import { g, Printer, rate, time, time64 } from './format.js';

type V = Record<string, unknown>;
const u = (v: unknown): number => Number(v ?? 0);
const MAX = 0xffffffff;

/** __print_percent: ` LABEL N%` in text, the fraction in JSON (under the object's own key). */
function percent(p: Printer, o: V, key: string, label: string, v: number): void {
  p.fp(`${label} ${g((100 * v) / MAX)}%`);
  o[key] = v / MAX;
}

/** print_corr: a correlation's percentage after its value, in text only where given; in JSON always. */
function corr(p: Printer, o: V, present: boolean, v: number): void {
  if (present) p.fp(` ${g((100 * v) / MAX)}%`);
  o.correlation = v / MAX;
}

/** __print_time64: nanoseconds in text, seconds in JSON. */
function time64Field(p: Printer, o: V, key: string, label: string, ns: number): void {
  p.fp(`${label} ${time64(ns)}`);
  o[key] = ns / 1e9;
}

/** __print_int_opt: always in JSON, in text only when not zero. */
function intOpt(p: Printer, o: V, key: string, v: number): void {
  o[key] = v;
  if (v !== 0) p.fp(` ${key} ${v}`);
}

/** A probability with its correlation (duplicate, reorder, corrupt): printed only when not zero, under its own key. */
function chance(p: Printer, key: string, probability: number, correlation: number): void {
  if (!probability) return;
  const l: V = {};
  percent(p, l, key, ` ${key}`, probability);
  corr(p, l, Boolean(correlation), correlation);
  p.js(key, l);
}

export function netem(p: Printer, o: V): void {
  const cor = o.corr as V | undefined;
  p.any('limit', `limit ${u(o.limit) | 0}`, u(o.limit));
  const latency = u(o.latency);
  const jitter = u(o.jitter);
  if (latency) {
    const d: V = {};
    p.fp(` delay ${time(tick2time(latency))}`);
    if (jitter) p.fp(`  ${time(tick2time(jitter))}`);
    d.delay = tick2time(latency) / 1e6;
    d.jitter = tick2time(jitter) / 1e6;
    corr(p, d, Boolean(jitter && cor && u(cor.delayCorr)), u(cor?.delayCorr));
    p.js('delay', d);
  }
  if (u(o.loss)) {
    const l: V = {};
    percent(p, l, 'loss', ' loss', u(o.loss));
    corr(p, l, Boolean(cor && u(cor.lossCorr)), u(cor?.lossCorr));
    p.js('loss-random', l);
  }
  const model = o.lossModel as V | undefined;
  const gi = model?.gi as V | undefined;
  const ge = model?.ge as V | undefined;
  if (gi) {
    const l: V = {};
    percent(p, l, 'p13', ' loss state p13', u(gi.p13));
    for (const k of ['p31', 'p32', 'p23', 'p14']) percent(p, l, k, ` ${k}`, u(gi[k]));
    p.js('loss-state', l);
  }
  if (ge) {
    const l: V = {};
    percent(p, l, 'p', ' loss gemodel p', u(ge.p));
    percent(p, l, 'r', ' r', u(ge.r));
    percent(p, l, '1-h', ' 1-h', MAX - u(ge.h));
    percent(p, l, '1-k', ' 1-k', u(ge.k1));
    p.js('loss-gemodel', l);
  }
  chance(p, 'duplicate', u(o.duplicate), u(cor?.dupCorr));
  const reorder = o.reorder as V | undefined;
  chance(p, 'reorder', u(reorder?.probability), u(reorder?.correlation));
  const corrupt = o.corrupt as V | undefined;
  chance(p, 'corrupt', u(corrupt?.probability), u(corrupt?.correlation));
  const r = o.rate as V | undefined;
  if (r && u(r.rate)) {
    const l: V = {};
    const bps = o.rate64 !== undefined && u(o.rate64) ? u(o.rate64) : u(r.rate);
    p.fp(` rate ${rate(bps)}`);
    l.rate = bps;
    intOpt(p, l, 'packetoverhead', u(r.packetOverhead) | 0);
    l.cellsize = u(r.cellSize);
    if (u(r.cellSize)) p.fp(` cellsize ${u(r.cellSize)}`);
    intOpt(p, l, 'celloverhead', u(r.cellOverhead) | 0);
    p.js('rate', l);
  }
  const slot = o.slot as V | undefined;
  if (slot) {
    const l: V = {};
    if (u(slot.distJitter) > 0) {
      time64Field(p, l, 'distribution', ' slot distribution', u(slot.distDelay));
      time64Field(p, l, 'jitter', '', u(slot.distJitter));
    } else {
      time64Field(p, l, 'min-delay', ' slot', u(slot.minDelay));
      time64Field(p, l, 'max-delay', '', u(slot.maxDelay));
    }
    intOpt(p, l, 'packets', u(slot.maxPackets) | 0);
    intOpt(p, l, 'bytes', u(slot.maxBytes) | 0);
    p.js('slot', l);
  }
  p.js('ecn', o.ecn !== undefined);
  if (o.ecn !== undefined) p.fp(' ecn ');
  p.js('gap', u(o.gap));
  if (u(o.gap)) p.fp(` gap ${u(o.gap)}`);
}
