/**
 * The u32 classifier's options: handles written `800::800` (hash table id : bucket : node, hex), the selector's
 * 32-bit keys, the class packets go to (classid, which makes the selector terminal), hash tables (divisor, link,
 * ht) and its counters.
 */
import { decodeU32Sel, encodeU32Sel, type U32Key, type U32Sel } from '../families/route/tc-u32.js';
import { SchemaError } from '../schema/codec.js';
import { arrayOf, byType, check, integer, record, u16, u32, u8 } from './input.js';
import type { Value } from './object.js';
import { formatHandle, handleNumber, type TcHandle } from './tc-handle.js';

export type { U32Key, U32Sel };

/** TC_U32_TERMINAL: a match ends the search (set whenever a classid is given, as tc does). */
export const TC_U32_TERMINAL = 1;

/** u32 filter options to add. */
export interface U32Options {
  /** The class matching packets go to (`flowid`). */
  classid?: TcHandle;
  /** A hash table of this many buckets (`divisor`), for a filter that is one. */
  divisor?: number;
  /** Go on in this hash table (`link 1:`), a u32 handle. */
  link?: string | number;
  /** Put the filter in this hash table (`ht 800:`), a u32 handle. */
  ht?: string | number;
  /** The selector; its keys are what `match` words make. */
  sel?: Partial<Omit<U32Sel, 'keys'>> & { keys: U32Key[] };
  /** TCA_U32_FLAGS: skip_hw 1, skip_sw 2. */
  flags?: number;
}

/** A u32 filter's options as the kernel reports them. */
export interface U32State {
  classid?: string;
  divisor?: number;
  link?: string;
  ht?: string;
  sel?: U32Sel;
  flags?: number;
  /** Packet counters (with CONFIG_CLS_U32_PERF): lookups, hits, and hits per key. */
  pcnt?: { rcnt: number | bigint; rhit: number | bigint; kcnts: (number | bigint)[] };
  /** Hits of the mark match (CONFIG_CLS_U32_MARK). */
  mark?: { val: number; mask: number; success: number };
}

const u32Handle = byType({ number: u32, string: (v, path, key) => void parseU32Handle(v as string, key === '' ? String(path) : `${String(path)}.${String(key)}`) }, 'a u32 handle such as 800: or 800::800');
const keyCheck = record({ mask: u32, val: u32, off: integer(-0x80000000, 0x7fffffff), offmask: integer(-0x80000000, 0x7fffffff) }, ['mask', 'val', 'off']);
export const u32OptionsCheck = record({
  classid: byType({ number: u32, string: (v, path, key) => void handleNumber(v as string, `${String(path)}.${String(key)}`) }, 'a class handle such as 1:10'),
  divisor: integer(1, 256),
  link: u32Handle,
  ht: u32Handle,
  sel: record({ flags: u8, offshift: u8, offmask: u16, off: u16, offoff: integer(-0x8000, 0x7fff), hoff: integer(-0x8000, 0x7fff), hmask: u32, keys: arrayOf(keyCheck, 128) }, ['keys']),
  flags: u32,
});

/** `htid:hash:node` in hex, each part optional (get_u32_handle): `800:` is 0x80000000, `800::800` 0x80000800. */
export function parseU32Handle(text: string, field: string): number {
  const bad = (): never => {
    throw new SchemaError(field, `"${text}" is not a u32 handle (htid:hash:node in hex, e.g. 800::800)`);
  };
  const parts = text.split(':');
  if (parts.length > 3 || parts.some((p) => p !== '' && !/^[0-9a-fA-F]+$/.test(p))) bad();
  const [h = '', b = '', n = ''] = parts;
  const htid = h ? parseInt(h, 16) : 0;
  const hash = b ? parseInt(b, 16) : 0;
  const node = n ? parseInt(n, 16) : 0;
  if (parts.length === 1) {
    // A bare number is the whole handle.
    const v = parseInt(text, 16);
    if (!(v <= 0xffffffff)) bad();
    return v >>> 0;
  }
  if (htid > 0xfff || hash > 0xff || node > 0xfff) bad();
  return ((htid << 20) | (hash << 12) | node) >>> 0;
}

/** sprint_u32_handle: `800:`, `800::800`, `800:1:2`. */
export function formatU32Handle(h: number): string {
  const htid = h >>> 20;
  const hash = (h >>> 12) & 0xff;
  const node = h & 0xfff;
  let s = htid ? `${htid.toString(16)}:` : '';
  if (hash || node) {
    if (hash) s += hash.toString(16);
    if (node) s += `:${node.toString(16)}`;
  }
  return s;
}

const uhandle = (h: string | number, field: string): number => (typeof h === 'number' ? h : parseU32Handle(h, field));

/** TCA_OPTIONS for u32, attributes in the order tc writes them (sel after the words, flags last). */
export function encodeU32(o: U32Options): Value {
  check(u32OptionsCheck, o, 'options');
  const v: Value = {};
  if (o.classid !== undefined) v.classid = handleNumber(o.classid, 'options.classid');
  if (o.divisor !== undefined) v.divisor = o.divisor;
  if (o.link !== undefined) v.link = uhandle(o.link, 'options.link');
  if (o.ht !== undefined) v.hash = uhandle(o.ht, 'options.ht');
  if (o.sel) {
    const s = o.sel;
    v.sel = encodeU32Sel({
      flags: (s.flags ?? 0) | (o.classid !== undefined ? TC_U32_TERMINAL : 0),
      offshift: s.offshift ?? 0, offmask: s.offmask ?? 0, off: s.off ?? 0, offoff: s.offoff ?? 0, hoff: s.hoff ?? 0,
      hmask: s.hmask ?? 0, keys: s.keys.map((k) => ({ mask: k.mask, val: k.val, off: k.off, offmask: k.offmask ?? 0 })),
    });
  }
  if (o.flags !== undefined) v.flags = o.flags;
  return v;
}

export function decodeU32(v: Value): U32State {
  const o: U32State = {};
  if (typeof v.classid === 'number') o.classid = formatHandle(v.classid);
  if (typeof v.divisor === 'number') o.divisor = v.divisor;
  if (typeof v.link === 'number') o.link = formatU32Handle(v.link);
  if (typeof v.hash === 'number') o.ht = formatU32Handle(v.hash);
  if (v.sel instanceof Uint8Array) o.sel = decodeU32Sel(v.sel);
  if (typeof v.flags === 'number') o.flags = v.flags;
  if (v.pcnt instanceof Uint8Array) o.pcnt = decodePcnt(v.pcnt);
  if (typeof v.mark === 'object' && !(v.mark instanceof Uint8Array)) o.mark = v.mark as U32State['mark'];
  return o;
}

/** struct tc_u32_pcnt (rcnt, rhit) followed by a u64 hit count per key. */
function decodePcnt(b: Uint8Array): U32State['pcnt'] {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const n = (at: number): number | bigint => {
    const x = dv.getBigUint64(at, true);
    return x <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(x) : x;
  };
  const kcnts: (number | bigint)[] = [];
  for (let at = 16; at + 8 <= b.length; at += 8) kcnts.push(n(at));
  return { rcnt: b.length >= 8 ? n(0) : 0, rhit: b.length >= 16 ? n(8) : 0, kcnts };
}
