/**
 * The packet scheduler's clock, as `tc` converts with it (tc_core.c): qdiscs and classes hold bursts as transmit
 * times in scheduler ticks at their rate, so a burst in bytes becomes ticks on the way in and bytes on the way
 * out. /proc/net/psched gives the tick (read once); the rate tables (rtab) tc sends are built the same way.
 */
import { readFileSync } from 'node:fs';

/** TIME_UNITS_PER_SEC: tc's times are microseconds. */
export const TIME_UNITS_PER_SEC = 1_000_000;
/** TC_LINKLAYER_ETHERNET: the rate spec's link layer, as tc sets it. */
export const LINKLAYER_ETHERNET = 1;
/** TC_LINKLAYER_ATM: sizes counted in whole 53-byte cells of 48 bytes of payload. */
export const LINKLAYER_ATM = 2;

interface Clock {
  tickInUsec: number;
  hz: number;
  /** clock_factor: the kernel's clock units per microsecond. */
  factor: number;
}

let clock: Clock | undefined;

/** tc_core_init and get_hz: `t2us us2t clock_res hz` in hex. */
function psched(): Clock {
  if (clock) return clock;
  let t2us = 1000, us2t = 64, res = 1_000_000, hz = 1_000_000_000;
  try {
    const f = readFileSync('/proc/net/psched', 'utf8').trim().split(/\s+/).map((x) => parseInt(x, 16));
    if (f.length >= 4 && f.every((x) => Number.isFinite(x))) [t2us, us2t, res, hz] = f as [number, number, number, number];
  } catch {
    // No /proc (a replay elsewhere): the values every kernel since 2.6.31 reports.
  }
  if (res === 1_000_000_000) t2us = us2t;
  const factor = res / TIME_UNITS_PER_SEC;
  clock = { tickInUsec: (t2us / us2t) * factor, hz: res === 1_000_000 ? hz : 1000, factor };
  return clock;
}

/** C's conversion of a double to unsigned int (truncation, modulo 2^32). */
const u32 = (x: number): number => Number(BigInt.asUintN(32, BigInt(Math.trunc(x))));

export function time2tick(usec: number): number {
  return u32(u32(usec) * psched().tickInUsec);
}

/** Whether a time in microseconds is too large for a u32 of ticks (tc_core_time2big). */
export function time2big(usec: number): boolean {
  return u32(usec) * psched().tickInUsec >= 2 ** 32;
}

/** tc_core_time2ktime: microseconds in the kernel clock's units (hfsc's service curves). */
export function time2ktime(usec: number): number {
  return u32(u32(usec) * psched().factor);
}

/** tc_core_ktime2time: the kernel clock's units in microseconds (hfsc's service curves, as tc prints them). */
export function ktime2time(ktime: number): number {
  return u32(u32(ktime) / psched().factor);
}

export function tick2time(tick: number): number {
  return u32(u32(tick) / psched().tickInUsec);
}

/** Ticks to send `size` bytes at `rate` bytes/s (tc_calc_xmittime). */
export function xmittime(rate: number, size: number): number {
  return time2tick(TIME_UNITS_PER_SEC * (size / rate));
}

/** Bytes sent at `rate` in `ticks` (tc_calc_xmitsize). */
export function xmitsize(rate: number, ticks: number): number {
  return u32((rate * tick2time(ticks)) / TIME_UNITS_PER_SEC);
}

/** The kernel's HZ as tc reads it (get_hz): what a default burst is rate / HZ + mtu of. */
export function hz(): number {
  return psched().hz;
}

/**
 * tc_calc_rtable: 256 transmit times, one per size cell, and the cell_log chosen for the mtu (cellLog < 0: the
 * smallest that fits 255 cells). On an ATM link layer (`atm`) each size is rounded up to whole 53-byte cells of
 * 48 bytes of payload, as tc_align_to_atm does.
 */
export function rateTable(rate: number, mpu: number, mtu: number, cellLog = -1, atm = false): { table: Uint8Array; cellLog: number } {
  if (mtu === 0) mtu = 2047;
  if (cellLog < 0) {
    cellLog = 0;
    while (mtu >> cellLog > 255) cellLog++;
  }
  const table = new Uint8Array(1024);
  const dv = new DataView(table.buffer);
  for (let i = 0; i < 256; i++) {
    const sz0 = Math.max((i + 1) << cellLog, mpu);
    const sz = atm ? Math.ceil(sz0 / 48) * 53 : sz0;
    dv.setUint32(i * 4, xmittime(rate, sz), true);
  }
  return { table, cellLog };
}
