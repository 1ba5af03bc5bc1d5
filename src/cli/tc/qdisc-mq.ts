/**
 * mqprio and taprio as tc 6.1's q_mqprio.c and q_taprio.c read them: both start from struct tc_mqprio_qopt (traffic
 * classes, the priority map, queue ranges), whose lists take numbers until the first word that is not one.
 */
import { parseRate64 } from './numbers.js';
import { clockid } from './qdisc-sched.js';
import { Args, invarg, matches, tcFail, unsigned } from './words.js';

const TC_QOPT_MAX_QUEUE = 16;

/** struct tc_mqprio_qopt as tc fills it. */
interface MqprioQopt {
  numTc: number;
  prioTcMap: Uint8Array;
  hw: number;
  count: Uint16Array;
  offset: Uint16Array;
}

const qopt = (numTc: number, map: number[], hw: number): MqprioQopt => ({
  numTc, prioTcMap: Uint8Array.from(map), hw, count: new Uint16Array(TC_QOPT_MAX_QUEUE), offset: new Uint16Array(TC_QOPT_MAX_QUEUE),
});

/** The struct's bytes (count and offset are arrays of u16, little-endian as the host writes them). */
const qoptValue = (o: MqprioQopt): Record<string, unknown> => ({
  numTc: o.numTc, prioTcMap: o.prioTcMap, hw: o.hw, count: new Uint8Array(o.count.buffer), offset: new Uint8Array(o.offset.buffer),
});

/** NEXT_ARG_OK: a word follows the current one. */
const more = (a: Args): boolean => a.rest.length > 1;

/**
 * A list after its keyword: each following word `take` accepts (at most 16); the first it refuses is left for the
 * main loop (tc's PREV_ARG). Returns how many were taken.
 */
function list(a: Args, take: (word: string, idx: number) => boolean): number {
  let idx = 0;
  while (idx < TC_QOPT_MAX_QUEUE && more(a)) {
    a.skip();
    if (!take(a.word, idx)) {
      a.seek(a.at - 1);
      break;
    }
    idx++;
  }
  return idx;
}

/** `num_tc`, `map` and `queues`, the words both kinds share; false for any other word. */
function common(a: Args, o: MqprioQopt): boolean | number {
  const w = a.word;
  if (w === 'num_tc') {
    const v = unsigned(a.next(), 10, 0xff);
    if (v === undefined) throw tcFail('Illegal "num_tc"');
    o.numTc = v;
  } else if (w === 'map') {
    const n = list(a, (word, i) => {
      const v = unsigned(word, 10, 0xff);
      if (v !== undefined) o.prioTcMap[i] = v;
      return v !== undefined;
    });
    o.prioTcMap.fill(0, n);
  } else if (w === 'queues') {
    return list(a, (word, i) => {
      // strtok(…, "@"): empty fields are skipped, a third is ignored; a count is kept even when its offset is refused.
      const [count, offset] = word.split('@').filter((t) => t !== '');
      const c = count === undefined ? undefined : unsigned(count, 10, 0xffff);
      if (c === undefined) return false;
      o.count[i] = c;
      const f = offset === undefined ? undefined : unsigned(offset, 10, 0xffff);
      if (f === undefined) return false;
      o.offset[i] = f;
      return true;
    });
  } else return false;
  return true;
}

const mqprioUsage = `Usage: ... mqprio	[num_tc NUMBER] [map P0 P1 ...]
			[queues count1@offset1 count2@offset2 ...] [hw 1|0]
			[mode dcb|channel]
			[shaper bw_rlimit SHAPER_PARAMS]
Where: SHAPER_PARAMS := { min_rate MIN_RATE1 MIN_RATE2 ...|
			  max_rate MAX_RATE1 MAX_RATE2 ... }`;

// TC_MQPRIO_F_MODE, _SHAPER, _MIN_RATE, _MAX_RATE; TC_MQPRIO_MODE_CHANNEL; TC_MQPRIO_SHAPER_BW_RATE
const F_MODE = 1;
const F_SHAPER = 2;
const F_MIN_RATE = 4;
const F_MAX_RATE = 8;

export function mqprio(a: Args): Record<string, unknown> {
  const o = qopt(8, [0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 1, 1, 3, 3, 3, 3], 1);
  const rates = { min_rate: new Array<bigint>(TC_QOPT_MAX_QUEUE).fill(0n), max_rate: new Array<bigint>(TC_QOPT_MAX_QUEUE).fill(0n) };
  let mode = 0;
  let shaper = 0;
  let flags = 0;
  let pairs = 0;
  for (; !a.done; a.skip()) {
    const w = a.word;
    const shared = common(a, o);
    if (typeof shared === 'number') pairs += shared;
    else if (shared) continue;
    else if (w === 'hw') {
      const v = unsigned(a.next(), 10, 0xff);
      if (v === undefined) throw tcFail('Illegal "hw"');
      o.hw = v;
    } else if (o.hw && w === 'mode') {
      const v = a.next();
      if (matches(v, 'dcb')) mode = 0;
      else if (matches(v, 'channel')) mode = 1;
      else throw tcFail(`Illegal mode (${v})`);
      if (mode) flags |= F_MODE;
    } else if (o.hw && w === 'shaper') {
      const v = a.next();
      if (matches(v, 'dcb')) shaper = 0;
      else if (matches(v, 'bw_rlimit')) {
        shaper = 1;
        if (!more(a)) throw tcFail('Incomplete shaper arguments');
      } else throw tcFail(`Illegal shaper (${v})`);
      if (shaper) flags |= F_SHAPER;
    } else if (shaper === 1 && (w === 'min_rate' || w === 'max_rate')) {
      const r = rates[w];
      const n = list(a, (word, i) => {
        const v = parseRate64(word);
        if (v !== undefined) r[i] = v;
        return v !== undefined;
      });
      if (n < o.numTc && !more(a)) throw tcFail(`Incomplete arguments, ${w} values expected`);
      flags |= w === 'min_rate' ? F_MIN_RATE : F_MAX_RATE;
    } else if (w === 'help') throw tcFail(mqprioUsage);
    else throw invarg('unknown argument', w);
  }
  if (pairs > o.numTc) throw tcFail(`queues count/offset pair count ${pairs} can not be higher than given num_tc ${o.numTc}`);
  const v: Record<string, unknown> = qoptValue(o);
  if (flags & F_MODE) v.mode = mode;
  if (flags & F_SHAPER) v.shaper = shaper;
  if (flags & F_MIN_RATE) v.minRate64 = { rate: rates.min_rate };
  if (flags & F_MAX_RATE) v.maxRate64 = { rate: rates.max_rate };
  return v;
}

const taprioUsage = `Usage: ... taprio clockid CLOCKID
		[num_tc NUMBER] [map P0 P1 ...] 		[queues COUNT@OFFSET COUNT@OFFSET COUNT@OFFSET ...] 		[ [sched-entry index cmd gate-mask interval] ... ] 		[base-time time] [txtime-delay delay]
CLOCKID must be a valid SYS-V id (i.e. CLOCK_TAI)`;
const entryUsage = 'Usage: ... taprio ... sched-entry <cmd> <gate mask> <interval>';

/** get_s64 in base 10: the whole word, a signed 64-bit value. */
function s64(word: string): bigint | undefined {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)$/.exec(word);
  if (!m) return undefined;
  const v = BigInt(m[1]!);
  return v > 2n ** 63n - 1n || v < -(2n ** 63n) ? undefined : v;
}

export function taprio(a: Args): Record<string, unknown> {
  const o = qopt(0, new Array<number>(16).fill(0), 0);
  let clock = -1;
  let flags = 0;
  let txtimeDelay = 0;
  const times = { 'base-time': 0n, 'cycle-time': 0n, 'cycle-time-extension': 0n };
  const entries: { cmd: number; gateMask: number; interval: number }[] = [];
  for (; !a.done; a.skip()) {
    const w = a.word;
    if (common(a, o) !== false) continue;
    if (w === 'sched-entry') {
      // TC_TAPRIO_CMD_SET_GATES
      if (a.next() !== 'S') throw tcFail(entryUsage);
      const gateMask = unsigned(a.next(), 16);
      if (gateMask === undefined) throw tcFail(entryUsage);
      const interval = unsigned(a.next());
      if (interval === undefined) throw tcFail(entryUsage);
      entries.push({ cmd: 0, gateMask, interval });
    } else if (w === 'base-time' || w === 'cycle-time' || w === 'cycle-time-extension') {
      const v = a.next();
      if (w !== 'base-time' && times[w]) throw tcFail(`taprio: duplicate "${w}" specification`);
      const t = s64(v);
      // tc stops reading at a time it cannot read, and sends what it has.
      if (t === undefined) break;
      times[w] = t;
    } else if (w === 'clockid') {
      const v = a.next();
      if (clock !== -1) throw tcFail('taprio: duplicate "clockid" specification');
      const id = clockid(v);
      if (id === undefined) throw tcFail(`taprio: illegal value for "clockid": "${v}".\nIt must be a valid SYS-V id (i.e. CLOCK_TAI)`);
      clock = id;
    } else if (w === 'flags' || w === 'txtime-delay') {
      const v = a.next();
      if (w === 'flags' ? flags : txtimeDelay) throw tcFail(`taprio: duplicate "${w}" specification`);
      const n = unsigned(v);
      // tc refuses these without a word.
      if (n === undefined) throw tcFail('');
      if (w === 'flags') flags = n;
      else txtimeDelay = n;
    } else if (w === 'help') throw tcFail(taprioUsage);
    else throw tcFail('Unknown argument');
  }
  const v: Record<string, unknown> = {};
  if (clock !== -1) v.schedClockid = clock;
  if (flags) v.flags = flags;
  if (o.numTc > 0) v.priomap = qoptValue(o);
  if (txtimeDelay) v.txtimeDelay = txtimeDelay;
  if (times['base-time']) v.schedBaseTime = times['base-time'];
  if (times['cycle-time']) v.schedCycleTime = times['cycle-time'];
  if (times['cycle-time-extension']) v.schedCycleTimeExtension = times['cycle-time-extension'];
  v.schedEntryList = { entry: entries };
  return v;
}
