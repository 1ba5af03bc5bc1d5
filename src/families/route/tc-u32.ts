/**
 * TCA_U32_SEL: struct tc_u32_sel (16 bytes, linux/pkt_cls.h) followed by `nkeys` struct tc_u32_key. The YNL spec
 * declares the keys as one struct member; the array and the pad byte after nkeys are read and written here.
 */
import { DecodeError } from '../../wire/index.js';
import { SchemaError } from '../../schema/codec.js';

/** One 32-bit match: the packet word at `off` (from the selector's base), masked, equals `val`. */
export interface U32Key {
  /** Network order, read as a number: 0xffffff00 is /24. */
  mask: number;
  val: number;
  off: number;
  offmask: number;
}

/** struct tc_u32_sel with its keys. */
export interface U32Sel {
  /** TC_U32_TERMINAL 1, TC_U32_OFFSET 2, TC_U32_VAROFFSET 4, TC_U32_EAT 8. */
  flags: number;
  offshift: number;
  offmask: number;
  off: number;
  offoff: number;
  hoff: number;
  hmask: number;
  keys: U32Key[];
}

export const U32_SEL_HDRLEN = 16;
const KEYLEN = 16;

/** The selector as the kernel reads it; nkeys is the keys' count (at most 128, TCA_U32_SEL's limit). */
export function encodeU32Sel(sel: U32Sel): Uint8Array {
  if (sel.keys.length > 128) throw new SchemaError('sel.keys', `${sel.keys.length} keys: a u32 selector holds at most 128`);
  const out = new Uint8Array(U32_SEL_HDRLEN + KEYLEN * sel.keys.length);
  const dv = new DataView(out.buffer);
  dv.setUint8(0, sel.flags);
  dv.setUint8(1, sel.offshift);
  dv.setUint8(2, sel.keys.length);
  dv.setUint16(4, sel.offmask, false);
  dv.setUint16(6, sel.off, true);
  dv.setInt16(8, sel.offoff, true);
  dv.setInt16(10, sel.hoff, true);
  dv.setUint32(12, sel.hmask >>> 0, false);
  sel.keys.forEach((k, i) => {
    const at = U32_SEL_HDRLEN + KEYLEN * i;
    dv.setUint32(at, k.mask >>> 0, false);
    dv.setUint32(at + 4, k.val >>> 0, false);
    dv.setInt32(at + 8, k.off, true);
    dv.setInt32(at + 12, k.offmask, true);
  });
  return out;
}

/** The selector in a TCA_U32_SEL payload; DecodeError when it is shorter than its nkeys say. */
export function decodeU32Sel(b: Uint8Array): U32Sel {
  if (b.length < U32_SEL_HDRLEN) throw new DecodeError(`u32 selector of ${b.length} bytes, expected at least ${U32_SEL_HDRLEN}`, 0);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const nkeys = dv.getUint8(2);
  if (b.length < U32_SEL_HDRLEN + KEYLEN * nkeys) throw new DecodeError(`u32 selector of ${b.length} bytes holds fewer than its ${nkeys} keys`, 0);
  const keys: U32Key[] = [];
  for (let i = 0; i < nkeys; i++) {
    const at = U32_SEL_HDRLEN + KEYLEN * i;
    keys.push({ mask: dv.getUint32(at, false), val: dv.getUint32(at + 4, false), off: dv.getInt32(at + 8, true), offmask: dv.getInt32(at + 12, true) });
  }
  return {
    flags: dv.getUint8(0), offshift: dv.getUint8(1), offmask: dv.getUint16(4, false), off: dv.getUint16(6, true),
    offoff: dv.getInt16(8, true), hoff: dv.getInt16(10, true), hmask: dv.getUint32(12, false), keys,
  };
}
