/**
 * The generic decoder: any compiled message, set or struct from bytes into plain objects. The JIT code built per
 * message (jit.ts) takes the common cases and calls back into this for the rest.
 */
import { AttributeDecoder, DecodeError, NLA_HDRLEN, align4 } from '../wire/index.js';
import { formatHex, formatIPv4, formatIPv6, formatMac } from './address-text.js';
import type { Attr, CompiledMessage, CompiledSet, CompiledStruct, Field } from './compiled.js';
import {
  D_HEX, D_IP, D_MAC, D_NONE, K_BINARY, K_BITFIELD32, K_FLAG, K_INDEXED, K_NEST, K_NTV, K_PAD, K_S16, K_S32, K_S8,
  K_SINT, K_STRING, K_SUBMSG, K_U16, K_U32, K_U64, K_U8, K_UINT, MAX_NESTING, UNKNOWN_ATTRIBUTES, intSize, type RawAttribute,
} from './kinds.js';

const utf8 = new TextDecoder();

/** A message body: its fixed header, then its attributes, into one flat object. */
export function decodeMessage(m: CompiledMessage, buf: Uint8Array, dv: DataView, start: number, end: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let at = start;
  if (m.header) {
    decodeStruct(m.header, buf, dv, at, end, out);
    at = Math.min(end, at + align4(m.header.size));
  }
  if (m.set) decodeAttrList(m.set, buf, dv, at, end, out);
  return out;
}

export function decodeStruct(s: CompiledStruct, buf: Uint8Array, dv: DataView, at: number, end: number, out: Record<string, unknown>): void {
  // A header shorter than ours (older kernel) reads as zero-filled; a longer one is tolerated.
  if (end - at < s.size) {
    const copy = new Uint8Array(s.size);
    copy.set(buf.subarray(at, end));
    buf = copy;
    dv = new DataView(copy.buffer);
    at = 0;
  }
  const fields = s.fields;
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    out[f.name] = readField(f, buf, dv, at + f.offset, f.len);
  }
}

function readInt(kind: number, be: boolean, dv: DataView, at: number): number | bigint {
  switch (kind) {
    case K_U8: return dv.getUint8(at);
    case K_U16: return dv.getUint16(at, !be);
    case K_U32: return dv.getUint32(at, !be);
    case K_U64: return dv.getBigUint64(at, !be);
    case K_S8: return dv.getInt8(at);
    case K_S16: return dv.getInt16(at, !be);
    case K_S32: return dv.getInt32(at, !be);
    default: return dv.getBigInt64(at, !be);
  }
}

export function fromInt(f: Field, v: number | bigint): unknown {
  const e = f.enumeration;
  if (e === undefined) return v;
  const n = Number(v);
  if (e.flags || f.asFlags) {
    // Each caller gets an array of its own: the memo is copied, never shared.
    if (n === e.lastWord) return e.lastNames!.slice();
    const names: (string | number)[] = [];
    const { bits, bitNames } = e;
    let rest = n;
    for (let i = 0; i < bits.length; i++) {
      const value = bits[i]!;
      if ((n & value) === value) {
        names.push(bitNames[i]!);
        rest &= ~value;
      }
    }
    if (rest) names.push(rest >>> 0);
    e.lastWord = n;
    e.lastNames = names;
    return names.slice();
  }
  return e.byValue.get(n) ?? n;
}

function formatAddress(b: Uint8Array, display: number): string | Uint8Array {
  if (display === D_MAC) return formatMac(b);
  if (display === D_HEX) return formatHex(b);
  if (b.length === 4) return formatIPv4(b);
  if (b.length === 16) return formatIPv6(b);
  return copy(b, 0, b.length);
}

function readField(f: Field, buf: Uint8Array, dv: DataView, at: number, len: number): unknown {
  const kind = f.kind;
  if (kind < K_UINT) {
    const v = readInt(kind, f.be, dv, at);
    if (f.display === D_IP && kind === K_U32) {
      return formatIPv4(new Uint8Array(f.be ? [(v as number) >>> 24, ((v as number) >> 16) & 255, ((v as number) >> 8) & 255, (v as number) & 255] : [(v as number) & 255, ((v as number) >> 8) & 255, ((v as number) >> 16) & 255, (v as number) >>> 24]));
    }
    return fromInt(f, v);
  }
  if (kind === K_STRING) {
    const b = buf.subarray(at, at + len);
    const nul = b.indexOf(0);
    return utf8.decode(nul < 0 ? b : b.subarray(0, nul));
  }
  const b = buf.subarray(at, at + len);
  if (f.struct) {
    const o: Record<string, unknown> = {};
    decodeStruct(f.struct, buf, dv, at, at + len, o);
    return o;
  }
  if (f.display !== D_NONE) return formatAddress(b, f.display);
  return copy(b, 0, b.length);
}

/** Containers open in the decoder right now (see MAX_NESTING). */
let decodeDepth = 0;

export function decodeAttrs(set: CompiledSet, buf: Uint8Array, dv: DataView, start: number, end: number, out: Record<string, unknown>): void {
  if (decodeDepth >= MAX_NESTING) throw new DecodeError(`attributes nest more than ${MAX_NESTING} levels deep`, start);
  decodeDepth++;
  try {
    decodeAttrList(set, buf, dv, start, end, out);
  } finally {
    decodeDepth--;
  }
}

/** A JIT walk of a nested set (jit.ts): the attributes in buf[start, end) as a new object. */
export type NestedWalk = (buf: Uint8Array, dv: DataView, start: number, end: number) => Record<string, unknown>;

/** Run a JIT walk of a nested set under the nesting limit decodeAttrs keeps, counted on the same depth. */
export function decodeNested(walk: NestedWalk, buf: Uint8Array, dv: DataView, start: number, end: number): Record<string, unknown> {
  if (decodeDepth >= MAX_NESTING) throw new DecodeError(`attributes nest more than ${MAX_NESTING} levels deep`, start);
  decodeDepth++;
  try {
    return walk(buf, dv, start, end);
  } finally {
    decodeDepth--;
  }
}

export function decodeAttrList(set: CompiledSet, buf: Uint8Array, dv: DataView, start: number, end: number, out: Record<string, unknown>): void {
  const table = set.byType;
  const d = new AttributeDecoder(buf, start, end, dv);
  let deferred: Attr[] | undefined;
  let deferredAt: number[] | undefined;
  while (d.next()) {
    const type = d.type;
    const a = type < table.length ? table[type] : undefined;
    const p = d.offset;
    const plen = d.length;
    if (a === undefined) {
      unknown(out, type, buf, p, plen);
    } else if (a.kind === K_SUBMSG && out[a.selector] === undefined) {
      // Decoded after the walk, once the attribute naming its layout (later in the message) has been read.
      (deferred ??= []).push(a);
      (deferredAt ??= []).push(p, plen);
    } else if (a.kind !== K_PAD) {
      const v = decodeValue(a, buf, dv, p, plen, out);
      if (a.multi) {
        const list = out[a.name] as unknown[] | undefined;
        if (list === undefined) out[a.name] = [v];
        else list.push(v);
      } else out[a.name] = v;
    }
  }
  if (d.error) throw d.error;
  if (deferred) {
    for (const [i, a] of deferred.entries()) out[a.name] = decodeValue(a, buf, dv, deferredAt![2 * i]!, deferredAt![2 * i + 1]!, out);
  }
}

/** A plain Uint8Array copy, so decoded values neither pin nor alias the receive buffer. */
function copy(buf: Uint8Array, start: number, end: number): Uint8Array {
  return new Uint8Array(buf.subarray(start, end));
}

export function unknown(out: Record<string, unknown>, type: number, buf: Uint8Array, p: number, plen: number): void {
  const o = out as { [UNKNOWN_ATTRIBUTES]?: RawAttribute[] };
  (o[UNKNOWN_ATTRIBUTES] ??= []).push({ type, data: copy(buf, p, p + plen) });
}

function need(a: Attr, at: number, plen: number, n: number): void {
  if (plen < n) throw new DecodeError(`attribute ${a.name} has ${plen} payload bytes, expected ${n}`, at - NLA_HDRLEN);
}

export function decodeValue(a: Attr, buf: Uint8Array, dv: DataView, p: number, plen: number, parent: Record<string, unknown>): unknown {
  const kind = a.kind;
  if (kind < K_UINT) {
    need(a, p, plen, intSize[kind]!);
    return readField(a, buf, dv, p, plen);
  }
  switch (kind) {
    case K_STRING:
    case K_BINARY: {
      if (a.struct) {
        if (a.structArray) return decodeStructArray(a, a.struct, buf, dv, p, plen);
        const o: Record<string, unknown> = {};
        decodeStruct(a.struct, buf, dv, p, p + plen, o);
        return o;
      }
      if (kind === K_STRING) return readField(a, buf, dv, p, plen);
      if (a.display !== D_NONE) return formatAddress(buf.subarray(p, p + plen), a.display);
      return copy(buf, p, p + plen);
    }
    case K_UINT:
    case K_SINT: {
      if (plen === 8) {
        const v = kind === K_UINT ? dv.getBigUint64(p, true) : dv.getBigInt64(p, true);
        return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
      }
      need(a, p, plen, 4);
      return fromInt(a, kind === K_UINT ? dv.getUint32(p, true) : dv.getInt32(p, true));
    }
    case K_FLAG:
      // Some flags the kernel reads as NLA_FLAG it reports with nla_put_u8 (vxlan's TTL_INHERIT): their byte says.
      return plen === 0 || dv.getUint8(p) !== 0;
    case K_BITFIELD32:
      need(a, p, plen, 8);
      return { value: dv.getUint32(p, true), selector: dv.getUint32(p + 4, true) };
    case K_NEST: {
      const o: Record<string, unknown> = {};
      let q = p;
      if (a.header) {
        decodeStruct(a.header, buf, dv, q, p + plen, o);
        q = Math.min(p + plen, q + align4(a.header.size));
      }
      decodeAttrs(a.nested!, buf, dv, q, p + plen, o);
      return o;
    }
    case K_INDEXED:
      return decodeIndexed(a, buf, dv, p, p + plen);
    case K_NTV:
      return decodeTypeValue(a, a.decl.typeValueDepth ?? 1, buf, dv, p, p + plen);
    default: {
      const variant = a.subMessage!.get(String(parent[a.selector]));
      if (!variant) return copy(buf, p, p + plen);
      const o: Record<string, unknown> = {};
      let q = p;
      if (variant.header) {
        decodeStruct(variant.header, buf, dv, q, p + plen, o);
        q = Math.min(p + plen, q + align4(variant.header.size));
      }
      if (variant.set) decodeAttrs(variant.set, buf, dv, q, p + plen, o);
      return o;
    }
  }
}

/** Attribute types as keys, `depth` levels deep (a policy dump: policy index, then attribute index). */
function decodeTypeValue(a: Attr, depth: number, buf: Uint8Array, dv: DataView, start: number, end: number): Record<number, unknown> {
  const o: Record<number, unknown> = {};
  const d = new AttributeDecoder(buf, start, end, dv);
  while (d.next()) {
    const q = d.offset, qend = d.offset + d.length;
    if (depth > 1) o[d.type] = decodeTypeValue(a, depth - 1, buf, dv, q, qend);
    else {
      const inner: Record<string, unknown> = {};
      decodeAttrs(a.nested!, buf, dv, q, qend, inner);
      o[d.type] = inner;
    }
  }
  if (d.error) throw d.error;
  return o;
}

function decodeIndexed(a: Attr, buf: Uint8Array, dv: DataView, start: number, end: number): unknown[] {
  const list: unknown[] = [];
  const sub: Attr = { ...a, kind: a.subKind, multi: false };
  const d = new AttributeDecoder(buf, start, end, dv);
  while (d.next()) list.push(decodeValue(sub, buf, dv, d.offset, d.length, {}));
  if (d.error) throw d.error;
  return list;
}

function decodeStructArray(a: Attr, s: CompiledStruct, buf: Uint8Array, dv: DataView, p: number, plen: number): unknown[] {
  const list: unknown[] = [];
  const end = p + plen;
  let at = p;
  if (s.size === 0) return list;
  while (end - at >= s.size) {
    const o: Record<string, unknown> = {};
    decodeStruct(s, buf, dv, at, end, o);
    let size = s.size;
    if (a.elementLength) {
      size = Number(o[a.elementLength.name]);
      if (size < s.size || size > end - at) throw new DecodeError(`element length ${size} of ${a.name} is out of range`, at);
      delete o[a.elementLength.name];
      if (a.element) decodeAttrs(a.element, buf, dv, at + align4(s.size), at + size, o);
    }
    list.push(o);
    at += align4(size);
  }
  return list;
}
