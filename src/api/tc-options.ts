/**
 * Typed options of the qdisc and class kinds this library converts (htb, tbf, pfifo, bfifo, ingress, clsact): what
 * a person writes (rates in bytes per second, bursts in bytes) ↔ TCA_OPTIONS as the kernel holds it (transmit
 * times in ticks, rate tables), built as `tc` builds it. Any other kind the tc declaration describes takes and
 * gives its TCA_OPTIONS value as declared (`{ target, limit, … }` for fq_codel), checked by the schema.
 */
import { SchemaError } from '../schema/codec.js';
import { boolean, check, integer, oneOf, record, u16, u32, type RecordCheck } from './input.js';
import { LINKLAYER_ATM, LINKLAYER_ETHERNET, hz, rateTable, xmitsize, xmittime } from './tc-units.js';
import type { Value } from './object.js';

/** htb qdisc options (struct tc_htb_glob and TCA_HTB_DIRECT_QLEN). */
export interface HtbQdiscOptions {
  /** The minor of the class unclassified packets go to (`default 10` is 0x10). */
  defcls?: number;
  /** rate2quantum (default 10). */
  r2q?: number;
  directQlen?: number;
  offload?: boolean;
}

/** An htb class's options: rates in bytes per second, bursts in bytes. */
export interface HtbClassOptions {
  rate: number;
  /** Default: the rate. */
  ceil?: number;
  /** Default: rate / HZ + mtu, as tc. */
  burst?: number;
  cburst?: number;
  prio?: number;
  quantum?: number;
  /** The size the rate tables are built for (default 1600). */
  mtu?: number;
  mpu?: number;
  overhead?: number;
  /** The link the sizes are counted for: `atm` rounds each up to whole 53-byte cells (default ethernet). */
  linklayer?: Linklayer;
  /** log2 of the rate table's cell in bytes (tc's `burst B/CELL`); default the smallest that fits the mtu. */
  cellLog?: number;
  /** The same for the ceil table (`cburst B/CELL`). */
  ceilCellLog?: number;
}

/** A rate spec's link layer (TC_LINKLAYER_*): tc's `linklayer ethernet|atm|adsl` (adsl is atm). */
export type Linklayer = 'ethernet' | 'atm';

/** An htb class as the kernel reports it. */
export interface HtbClassState extends Required<Pick<HtbClassOptions, 'rate' | 'ceil' | 'burst' | 'cburst' | 'prio' | 'quantum'>> {
  level: number;
  /** Ticks, as the kernel holds the bursts. */
  buffer: number;
  cbuffer: number;
}

/** tbf options: rate and peakrate in bytes per second, burst, limit and mtu in bytes. */
export interface TbfOptions {
  rate: number;
  burst: number;
  /** The queue in bytes; or give latency. */
  limit?: number;
  /** Microseconds a packet may wait: the limit is computed from it, as tc does. */
  latency?: number;
  peakrate?: number;
  /** The peak bucket (minburst); required with peakrate. */
  mtu?: number;
  mpu?: number;
  overhead?: number;
  linklayer?: Linklayer;
  /** log2 of the rate table's cell in bytes (tc's `burst B/CELL`); default the smallest that fits the mtu. */
  cellLog?: number;
  /** The same for the peak rate table (`mtu B/CELL`). */
  peakCellLog?: number;
}

/** pfifo (packets) and bfifo (bytes). */
export interface FifoOptions {
  limit?: number;
}

const u64 = integer(1, Number.MAX_SAFE_INTEGER);
export const htbQdiscCheck = record({ defcls: u32, r2q: u32, directQlen: u32, offload: boolean });
const linklayerCheck = oneOf(['ethernet', 'atm']);
const cellLog = integer(0, 30);
export const htbClassCheck = record(
  { rate: u64, ceil: u64, burst: u32, cburst: u32, prio: integer(0, 7), quantum: u32, mtu: u32, mpu: u16, overhead: u16, linklayer: linklayerCheck, cellLog, ceilCellLog: cellLog },
  ['rate'],
);
export const tbfCheck = record(
  { rate: u64, burst: integer(1, 0xffffffff), limit: u32, latency: u32, peakrate: u64, mtu: u32, mpu: u16, overhead: u16, linklayer: linklayerCheck, cellLog, peakCellLog: cellLog },
  ['rate', 'burst'],
);
export const fifoCheck = record({ limit: u32 });

const U32_MAX = 0xffffffff;
const rate32 = (r: number): number => (r >= 2 ** 32 ? U32_MAX : r);

function ratespec(rate: number, cellLog: number, mpu: number, overhead: number, linklayer: Linklayer | undefined): Value {
  // tc_calc_rtable sets cell_align -1.
  return { cellLog, linklayer: linklayer === 'atm' ? LINKLAYER_ATM : LINKLAYER_ETHERNET, overhead, cellAlign: -1, mpu, rate: rate32(rate) };
}

function htbClass(o: HtbClassOptions): Value {
  const mtu = o.mtu ?? 1600;
  const mpu = o.mpu ?? 0;
  const overhead = o.overhead ?? 0;
  const ceil = o.ceil ?? o.rate;
  const burst = o.burst ?? Math.trunc(o.rate / hz() + mtu);
  const cburst = o.cburst ?? Math.trunc(ceil / hz() + mtu);
  const atm = o.linklayer === 'atm';
  const r = rateTable(rate32(o.rate), mpu, mtu, o.cellLog, atm);
  const c = rateTable(rate32(ceil), mpu, mtu, o.ceilCellLog, atm);
  const v: Value = {};
  if (o.rate >= 2 ** 32) v.rate64 = o.rate;
  if (ceil >= 2 ** 32) v.ceil64 = ceil;
  v.parms = {
    rate: ratespec(o.rate, r.cellLog, mpu, overhead, o.linklayer),
    ceil: ratespec(ceil, c.cellLog, mpu, overhead, o.linklayer),
    buffer: xmittime(o.rate, burst),
    cbuffer: xmittime(ceil, cburst),
    quantum: o.quantum ?? 0,
    level: 0,
    prio: o.prio ?? 0,
  };
  v.rtab = r.table;
  v.ctab = c.table;
  return v;
}

function tbf(o: TbfOptions): Value {
  if (o.peakrate !== undefined && o.mtu === undefined) throw new SchemaError('options.mtu', 'is required with peakrate (the peak bucket)');
  if (o.limit === undefined && o.latency === undefined) throw new SchemaError('options.limit', 'give limit or latency');
  const mtu = o.mtu ?? 0;
  const mpu = o.mpu ?? 0;
  const overhead = o.overhead ?? 0;
  let limit = o.limit;
  if (limit === undefined) {
    let lim = (o.rate * o.latency!) / 1e6 + o.burst;
    if (o.peakrate !== undefined) lim = Math.min(lim, (o.peakrate * o.latency!) / 1e6 + mtu);
    limit = Math.trunc(lim);
  }
  const atm = o.linklayer === 'atm';
  const r = rateTable(rate32(o.rate), mpu, mtu, o.cellLog, atm);
  const p = o.peakrate !== undefined ? rateTable(rate32(o.peakrate), mpu, mtu, o.peakCellLog, atm) : undefined;
  const v: Value = {
    parms: {
      rate: ratespec(o.rate, r.cellLog, mpu, overhead, o.linklayer),
      peakrate: p ? ratespec(o.peakrate!, p.cellLog, mpu, overhead, o.linklayer) : {},
      limit,
      buffer: xmittime(rate32(o.rate), o.burst),
      mtu: p ? xmittime(rate32(o.peakrate!), mtu) : 0,
    },
    burst: o.burst,
  };
  if (o.rate >= 2 ** 32) v.rate64 = o.rate;
  v.rtab = r.table;
  if (p) {
    if (o.peakrate! >= 2 ** 32) v.prate64 = o.peakrate;
    v.pburst = mtu;
    v.ptab = p.table;
  }
  return v;
}

type Rs = { rate: number };

/** A rate spec's rate, or the 64-bit attribute when the kernel needed it. */
const rateOf = (spec: unknown, wide: unknown): number => (typeof wide === 'number' ? wide : (spec as Rs).rate);

/** The kinds converted here, each with its input check, encoder and decoder. */
interface KindCodec {
  check?: RecordCheck;
  encode(o: Record<string, unknown>): Value | undefined;
  decode(v: Value): Record<string, unknown>;
}

const empty: KindCodec = { encode: () => undefined, decode: () => ({}) };
const fifo: KindCodec = {
  check: fifoCheck,
  // tc sends struct tc_fifo_qopt only when a limit is given; without one the kernel uses the device's queue length.
  encode: (o) => (o.limit === undefined ? undefined : { limit: o.limit }),
  decode: (v) => ({ limit: v.limit }),
};

const qdiscCodecs: Record<string, KindCodec> = {
  ingress: empty,
  clsact: empty,
  pfifo: fifo,
  bfifo: fifo,
  pfifo_head_drop: fifo,
  htb: {
    check: htbQdiscCheck,
    encode: (o: HtbQdiscOptions) => {
      const v: Value = { init: { version: 3, rate2quantum: o.r2q ?? 10, defcls: o.defcls ?? 0, debug: 0, directPkts: 0 } };
      if (o.directQlen !== undefined) v.directQlen = o.directQlen;
      if (o.offload) v.offload = true;
      return v;
    },
    decode: (v) => {
      const g = v.init as { rate2quantum: number; defcls: number; directPkts: number; version: number } | undefined;
      const o: Record<string, unknown> = {};
      if (g) Object.assign(o, { r2q: g.rate2quantum, defcls: g.defcls, directPackets: g.directPkts, version: g.version });
      if (v.directQlen !== undefined) o.directQlen = v.directQlen;
      if (v.offload) o.offload = true;
      return o;
    },
  },
  tbf: {
    check: tbfCheck,
    encode: (o) => tbf(o as unknown as TbfOptions),
    decode: (v) => {
      const p = v.parms as { rate: Rs; peakrate: Rs; limit: number; buffer: number; mtu: number };
      const rate = rateOf(p.rate, v.rate64);
      const o: Record<string, unknown> = { rate, burst: xmitsize(rate, p.buffer), limit: p.limit };
      if (p.peakrate.rate) {
        const peak = rateOf(p.peakrate, v.prate64);
        Object.assign(o, { peakrate: peak, mtu: xmitsize(peak, p.mtu) });
      }
      return o;
    },
  },
};

const classCodecs: Record<string, KindCodec> = {
  htb: {
    check: htbClassCheck,
    encode: (o) => htbClass(o as unknown as HtbClassOptions),
    decode: (v) => {
      const p = v.parms as { rate: Rs; ceil: Rs; buffer: number; cbuffer: number; quantum: number; level: number; prio: number } | undefined;
      if (!p) return {};
      const rate = rateOf(p.rate, v.rate64);
      const ceil = rateOf(p.ceil, v.ceil64);
      const s: HtbClassState = {
        rate, ceil, burst: xmitsize(rate, p.buffer), cburst: xmitsize(ceil, p.cbuffer), buffer: p.buffer, cbuffer: p.cbuffer,
        prio: p.prio, quantum: p.quantum, level: p.level,
      };
      return { ...s };
    },
  },
};

/** What `options` means for an object: its TCA_OPTIONS value, checked and converted where the kind is known here. */
export function encodeOptions(object: 'qdisc' | 'class', kind: string, options: Record<string, unknown> | undefined): Value | undefined {
  const codec = (object === 'qdisc' ? qdiscCodecs : classCodecs)[kind];
  if (!codec) return options;
  if (codec.check) check(codec.check, options ?? {}, 'options');
  return codec.encode(options ?? {});
}

/** TCA_OPTIONS as the object's typed options (decoded values as they are for kinds not converted here). */
export function decodeOptions(object: 'qdisc' | 'class', kind: string, value: Value | undefined): Record<string, unknown> | undefined {
  if (value === undefined || value instanceof Uint8Array) return value === undefined ? undefined : { raw: value };
  const codec = (object === 'qdisc' ? qdiscCodecs : classCodecs)[kind];
  return codec ? codec.decode(value) : value;
}
