/**
 * The police action as tc 6.1's m_police.c reads it: a token bucket in bytes (rate, burst, mtu, peakrate) or in
 * packets (pkts_rate, pkts_burst), or an average rate, with what to do on exceeding it (`conform-exceed A[/B]`).
 * The options are struct tc_police with the rate tables tc computes (tc_core.c), in tc's attribute order.
 */
import { rateTable, xmittime } from '../../api/tc-units.js';
import { type Act, type ActionContext, Refused, TC_ACT_RECLASSIFY, a2n, control } from './act-common.js';
import { Args, duparg, invarg, matches, parseRate, parseSize, sizeAndCell, tcExit, unsigned } from './words.js';

const policeUsage = `Usage: ... police [ rate BPS burst BYTES[/BYTES] ] 
		[ pkts_rate RATE pkts_burst PACKETS ] [ mtu BYTES[/BYTES] ]
		[ peakrate BPS ] [ avrate BPS ] [ overhead BYTES ]
		[ linklayer TYPE ] [ CONTROL ]
Where: CONTROL := conform-exceed <EXCEEDACT>[/NOTEXCEEDACT]
		  Define how to handle packets which exceed (<EXCEEDACT>)
		  or conform (<NOTEXCEEDACT>) the configured bandwidth limit.
       EXCEEDACT/NOTEXCEEDACT := { pipe | ok | reclassify | drop | continue |
				   goto chain <CHAIN_INDEX> }`;

/** get_u64 in base 10 (strtoull: the whole word, a minus sign wraps). */
function u64(word: string): bigint | undefined {
  const m = /^\s*([+-]?)([0-9]+)$/.exec(word);
  if (!m) return undefined;
  const n = BigInt(m[2]!);
  if (n > 0xffffffffffffffffn) return undefined;
  return m[1] === '-' ? BigInt.asUintN(64, -n) : n;
}

/** parse_action_control_slash: `A/B` in one word, or `A`, `A / B` as words; both read with numbers allowed. */
function controlSlash(a: Args, ctx: ActionContext): { exceed: number; conform?: number } | undefined {
  const w = a.word;
  const slash = w.indexOf('/');
  if (slash >= 0) {
    const exceed = a2n(w.slice(0, slash), true);
    if (exceed === undefined) return undefined;
    const conform = a2n(w.slice(slash + 1), true);
    if (conform === undefined) return undefined;
    a.skip();
    return { exceed, conform };
  }
  const first = control(a, ctx, false, true);
  if (first === undefined) return undefined;
  if (a.done || a.word !== '/') return { exceed: first };
  a.next();
  const second = control(a, ctx, false, true);
  return second === undefined ? undefined : { exceed: first, conform: second };
}

const controlWords = ['reclassify', 'drop', 'shot', 'continue', 'pass', 'ok', 'pipe', 'goto'];

export function police(a: Args, ctx: ActionContext): Act {
  a.next();
  let index = 0;
  let action = TC_ACT_RECLASSIFY;
  let result = 0;
  let buffer = 0;
  let mtu = 0;
  let mpu = 0;
  let rcell = -1;
  let pcell = -1;
  let rate = 0;
  let avrate = 0;
  let peak = 0;
  let overhead = 0;
  let atm = false;
  let pps = 0n;
  let ppsBurst = 0n;
  let ok = 0;
  while (!a.done) {
    const w = a.word;
    if (matches(w, 'index')) {
      const v = a.next();
      const n = unsigned(v, 10);
      if (n === undefined) throw invarg('index', v);
      index = n;
    } else if (matches(w, 'burst') || w === 'buffer' || w === 'maxburst') {
      const v = a.next();
      if (buffer) throw duparg('buffer/burst', v);
      const s = sizeAndCell(v);
      if (!s) throw invarg('buffer', v);
      buffer = s.size;
      if (s.cellLog !== undefined) rcell = s.cellLog;
    } else if (w === 'mtu' || w === 'minburst') {
      const v = a.next();
      if (mtu) throw duparg('mtu/minburst', v);
      const s = sizeAndCell(v);
      if (!s) throw invarg('mtu', v);
      mtu = s.size;
      if (s.cellLog !== undefined) pcell = s.cellLog;
    } else if (w === 'mpu') {
      const v = a.next();
      if (mpu) throw duparg('mpu', v);
      const n = parseSize(v);
      if (n === undefined) throw invarg('mpu', v);
      mpu = n;
    } else if (w === 'rate' || w === 'avrate' || matches(w, 'peakrate')) {
      const key = w === 'rate' || w === 'avrate' ? w : 'peakrate';
      const v = a.next();
      if ((key === 'rate' && rate) || (key === 'avrate' && avrate) || (key === 'peakrate' && peak)) throw duparg(key, v);
      const n = parseRate(v);
      // get_rate (avrate) is a u32 of bytes per second; get_rate64 the others.
      if (n === undefined || (key === 'avrate' && n > 0xffffffff)) throw invarg(key, v);
      if (key === 'rate') rate = n;
      else if (key === 'avrate') avrate = n;
      else peak = n;
    } else if (controlWords.some((c) => matches(w, c))) {
      const c = control(a, ctx, false);
      if (c === undefined) throw new Refused();
      action = c;
      ok++;
      continue;
    } else if (w === 'conform-exceed') {
      a.next();
      const c = controlSlash(a, ctx);
      if (!c) throw new Refused();
      action = c.exceed;
      if (c.conform !== undefined) result = c.conform;
      ok++;
      continue;
    } else if (matches(w, 'overhead')) {
      const v = a.next();
      const n = unsigned(v, 10, 0xffff);
      if (n === undefined) throw invarg('overhead', v);
      overhead = n;
    } else if (matches(w, 'linklayer')) {
      const v = a.next();
      if (matches(v, 'ethernet')) atm = false;
      else if (matches(v, 'atm') || matches(v, 'adsl')) atm = true;
      else throw invarg('linklayer', v);
    } else if (matches(w, 'pkts_rate') || matches(w, 'pkts_burst')) {
      const key = matches(w, 'pkts_rate') ? 'pkts_rate' : 'pkts_burst';
      const v = a.next();
      if (key === 'pkts_rate' ? pps : ppsBurst) throw duparg(key, v);
      const n = u64(v);
      if (n === undefined) throw invarg(key, v);
      if (key === 'pkts_rate') pps = n;
      else ppsBurst = n;
    } else if (w === 'help') throw tcExit(policeUsage);
    else break;
    a.skip();
    ok++;
  }
  const fail = (text?: string) => {
    if (text) ctx.err(text);
    return new Refused();
  };
  if (!ok) throw fail();
  if (rate && avrate) throw fail();
  if (!rate && !avrate && !index && !mtu && !pps) throw fail("'rate' or 'avrate' or 'mtu' or 'pkts_rate' MUST be specified.");
  if (rate && !buffer && !avrate) throw fail("'burst' requires 'rate'.");
  if (pps && !ppsBurst) throw fail("'pkts_burst' requires 'pkts_rate'.");
  if (pps && rate) throw fail("'rate' and 'pkts_rate' are not allowed in same action.");
  if (peak) {
    if (!rate) throw fail("'peakrate' requires 'rate'.");
    if (!mtu) throw fail("'mtu' is required, if 'peakrate' is requested.");
  }
  const linklayer = atm ? 2 : 1;
  const zeroSpec = { cellLog: 0, linklayer: 0, overhead: 0, cellAlign: 0, mpu: 0, rate: 0 };
  const spec = (bps: number, cellLog: number) => ({ cellLog, linklayer, overhead, cellAlign: -1, mpu, rate: bps >= 2 ** 32 ? 0xffffffff : bps });
  let rtab: Uint8Array | undefined;
  let ptab: Uint8Array | undefined;
  let rateSpec = zeroSpec;
  let peakSpec = zeroSpec;
  let burst = 0;
  if (rate) {
    const t = rateTable(rate, mpu, mtu, rcell, atm);
    rtab = t.table;
    rateSpec = spec(rate, t.cellLog);
    burst = xmittime(rate, buffer);
  }
  if (peak) {
    const t = rateTable(peak, mpu, mtu, pcell, atm);
    ptab = t.table;
    peakSpec = spec(peak, t.cellLog);
  }
  const o: Act = { tbf: { index, action, limit: 0, burst, mtu, rate: rateSpec, peakrate: peakSpec, refcnt: 0, bindcnt: 0, capab: 0 } };
  if (rtab) {
    o.rate = rtab;
    if (rate >= 2 ** 32) o.rate64 = BigInt(rate);
  }
  if (ptab) {
    o.peakrate = ptab;
    if (peak >= 2 ** 32) o.peakrate64 = BigInt(peak);
  }
  if (avrate) o.avrate = avrate;
  if (result) o.result = result;
  if (pps) {
    o.pktrate64 = pps;
    o.pktburst64 = BigInt(xmittime(Number(pps), Number(ppsBurst)));
  }
  return o;
}
