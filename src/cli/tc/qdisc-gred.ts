/**
 * gred as tc 6.1's q_gred.c reads it: `setup` (the number of virtual queues, the default one, grio, a byte limit)
 * or one virtual queue's RED parameters, computed by tc_red.c's arithmetic (qdisc-red.ts).
 */
import { parseRate32 } from './numbers.js';
import type { KindRequest } from './common.js';
import { probabilityOf, redParms } from './qdisc-red.js';
import { Args, doubleToU32, parseSize, tcFail, unsigned } from './words.js';

const usage = `Usage: tc qdisc { add | replace | change } ... gred setup vqs NUMBER
           default DEFAULT_VQ [ grio ] [ limit BYTES ] [ecn] [harddrop]
       tc qdisc change ... gred vq VQ [ prio VALUE ] limit BYTES
           min BYTES max BYTES avpkt BYTES [ burst PACKETS ]
           [ probability PROBABILITY ] [ bandwidth KBPS ] [ecn] [harddrop]`;
const MAX_DPS = 16;
// TC_RED_ECN, TC_RED_HARDDROP
const flagWords: Record<string, number> = { ecn: 1, harddrop: 2 };

/** The next word read by `parse`, or `Illegal "WHAT"`. */
function value(a: Args, parse: (word: string) => number | undefined, what: string): number {
  const v = parse(a.next());
  if (v === undefined) throw tcFail(`Illegal "${what}"`);
  return v;
}

/** get_rate of what get_percent_rate made of the word, if anything. */
const fromPercent = (bits: string | undefined): number | undefined => (bits === undefined ? undefined : parseRate32(bits));

/** A virtual queue's number (vq, or vqs for setup), below or up to MAX_DPS. */
function dp(a: Args, what: string, max: number): number {
  const v = value(a, (w) => unsigned(w, 10), what);
  if (v > max) throw tcFail(`GRED: only ${MAX_DPS} VQs are currently supported`);
  return v;
}

/** strtol in base 10 stored in a u8, as tc reads `prio` (no check at all). */
function prio(word: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(word);
  if (!m) return 0;
  const n = BigInt(m[1]!);
  const clamped = n > 2n ** 63n - 1n ? 2n ** 63n - 1n : n < -(2n ** 63n) ? -(2n ** 63n) : n;
  return Number(BigInt.asUintN(8, clamped));
}

/** init_gred: the words after `setup`. */
function setup(a: Args): Record<string, unknown> {
  const dps = { DPs: 0, 'def-DP': MAX_DPS, grio: 0, flags: 0 };
  let limit = 0;
  for (; !a.done; a.skip()) {
    const w = a.word;
    if (w === 'vqs' || w === 'DPs') dps.DPs = dp(a, 'vqs', MAX_DPS);
    else if (w === 'default') {
      if (!dps.DPs) throw tcFail('"default" must be defined after "vqs"');
      dps['def-DP'] = value(a, (x) => unsigned(x, 10), 'default');
      if (dps['def-DP'] >= dps.DPs) throw tcFail('"default" must be less than "vqs"');
    } else if (w === 'grio') dps.grio = 1;
    else if (w === 'limit') limit = value(a, parseSize, 'limit');
    else if (flagWords[w]) dps.flags |= flagWords[w]!;
    else throw tcFail(w === 'help' ? usage : `What is "${w}"?\n${usage}`);
  }
  if (!dps.DPs || dps['def-DP'] === MAX_DPS) throw tcFail('Illegal gred setup parameters');
  return limit ? { dps, limit } : { dps };
}

/** gred_parse_opt; a setup goes with NLM_F_CREATE, whatever the command. */
export function gred(a: Args, err: (text: string) => void, req: KindRequest): Record<string, unknown> {
  const opt = { limit: 0, qthMin: 0, qthMax: 0, DP: MAX_DPS, backlog: 0, qave: 0, forced: 0, early: 0, other: 0, pdrop: 0, Wlog: 0, Plog: 0, ScellLog: 0, prio: 0, packets: 0, bytesin: 0 };
  let burst = 0;
  let avpkt = 0;
  let flags = 0;
  let probability = 0.02;
  let rate = 0;
  let ok = 0;
  for (; !a.done; a.skip()) {
    const w = a.word;
    if (w === 'setup') {
      if (ok) throw tcFail('Illegal "setup"');
      a.skip();
      req.create();
      return setup(a);
    }
    if (flagWords[w]) {
      flags |= flagWords[w]!;
      continue;
    }
    if (w === 'limit') opt.limit = value(a, parseSize, 'limit');
    else if (w === 'min') opt.qthMin = value(a, parseSize, 'min');
    else if (w === 'max') opt.qthMax = value(a, parseSize, 'max');
    else if (w === 'vq' || w === 'DP') opt.DP = dp(a, 'vq', MAX_DPS - 1);
    else if (w === 'burst') burst = value(a, (x) => unsigned(x), 'burst');
    else if (w === 'avpkt') avpkt = value(a, parseSize, 'avpkt');
    else if (w === 'probability') probability = value(a, probabilityOf, 'probability');
    else if (w === 'prio') opt.prio = prio(a.next());
    else if (w === 'bandwidth') rate = value(a, (x) => (x.includes('%') ? fromPercent(req.percent(x)) : parseRate32(x)), 'bandwidth');
    else throw tcFail(w === 'help' ? usage : `What is "${w}"?\n${usage}`);
    ok++;
  }
  if (!ok) throw tcFail(usage);
  if (opt.DP === MAX_DPS || !opt.limit || !opt.qthMin || !opt.qthMax || !avpkt) throw tcFail('Required parameter (vq, limit, min, max, avpkt) is missing');
  if (!burst) {
    burst = Math.trunc(((2 * opt.qthMin + opt.qthMax) >>> 0) / ((3 * avpkt) >>> 0));
    err(`GRED: set burst to ${burst}`);
  }
  if (!rate) {
    rate = 1_250_000;
    err('GRED: set bandwidth to 10Mbit');
  }
  const stab = redParms(opt, burst, avpkt, probability, rate, 'GRED', err, opt.qthMin, opt.qthMax);
  return { parms: opt, stab, maxP: doubleToU32(probability * 2 ** 32), vqList: { entry: [{ dp: opt.DP, flags }] } };
}
