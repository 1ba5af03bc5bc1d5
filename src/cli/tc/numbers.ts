/**
 * Numbers as tc's parsers read them beyond words.ts: get_rate (u32), get_rate64, get_s32 and get_time64 — each as
 * its C converts the double or long it reads.
 */
import { doubleToU32, rateScale, strtod, unsigned } from './words.js';

/** A rate word as bits per second (a bare number is bits), before get_rate/get_rate64 convert it. */
function rateBits(word: string): number | undefined {
  const n = strtod(word);
  if (!n) return undefined;
  if (n.rest === '') return n.value;
  const u = rateScale(n.rest);
  return u === undefined ? undefined : n.value * u;
}

/** get_rate: a rate as a u32 of bytes per second, refused where it does not fit. */
export function parseRate32(word: string): number | undefined {
  const bits = rateBits(word);
  if (bits === undefined) return undefined;
  const bps = bits / 8;
  const v = doubleToU32(bps);
  return v === Math.floor(bps) ? v : undefined;
}

/** strtol in base 0 as get_s32 takes it: the whole word, a signed 32-bit value. */
export function signed32(word: string): number | undefined {
  const m = /^[ \t\n\v\f\r]*([+-]?)(.*)$/.exec(word)!;
  const v = unsigned(m[2]!, 0, Number.MAX_SAFE_INTEGER);
  if (v === undefined || m[2]!.startsWith('+') || m[2]!.startsWith('-')) return undefined;
  const n = m[1] === '-' ? -v : v;
  return n > 0x7fffffff || n < -0x80000000 ? undefined : n;
}

/** get_time64: nanoseconds (`ns` allowed), as C converts the double to s64. */
export function parseTime64(word: string): bigint | undefined {
  const n = strtod(word);
  if (!n) return undefined;
  const scales: Record<string, number> = { '': 1, s: 1e9, sec: 1e9, secs: 1e9, ms: 1e6, msec: 1e6, msecs: 1e6, us: 1e3, usec: 1e3, usecs: 1e3, ns: 1, nsec: 1, nsecs: 1 };
  const s = scales[n.rest.toLowerCase()];
  if (s === undefined) return undefined;
  const ns = n.value * s;
  // cvttsd2si: out of range (and NaN) is INT64_MIN.
  return Number.isFinite(ns) && Math.abs(ns) < 2 ** 63 ? BigInt(Math.trunc(ns)) : -(2n ** 63n);
}

/** get_rate64: bytes per second as a u64 (a bare number is bits). */
export function parseRate64(word: string): bigint | undefined {
  const bits = rateBits(word);
  if (bits === undefined) return undefined;
  const bps = bits / 8;
  // C's double → u64: truncation; out of range is what cvttsd2si gives, 2^63.
  return bps >= 0 && bps < 2 ** 64 ? BigInt(Math.trunc(bps)) : 2n ** 63n;
}
