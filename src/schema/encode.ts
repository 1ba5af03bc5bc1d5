/**
 * The generic encoder: plain objects into any compiled message, set or struct, with a typed error naming the
 * caller's field for every value that does not fit. Structs and sets used often get JIT encoders
 * (jit-encode.ts), which call back into this for what they do not inline.
 */
import { NLA_F_NESTED, NLA_TYPE_MASK, type Writer } from '../wire/index.js';
import { parseIP, parseIPv4, parseIPv4Into, parseMac } from './address-text.js';
import type { Attr, CompiledMessage, CompiledSet, CompiledStruct, Field, SetEncoder } from './compiled.js';
import type { AttrDecl } from './declaration.js';
import { compileSetEncoder, compileStructEncoder } from './jit-encode.js';
import { ATTRIBUTE_SEQUENCE, type AttributeSequence, type Sequenced } from './sequence.js';
import {
  D_HEX, D_IP, D_MAC, D_NONE, JIT_AFTER, K_BINARY, K_BITFIELD32, K_FLAG, K_INDEXED, K_NEST, K_NTV, K_PAD, K_S16, K_S32,
  K_S64, K_S8, K_SINT, K_STRING, K_SUBMSG, K_U16, K_U32, K_U64, K_U8, K_UINT, MAX_NESTING, SchemaError, UNKNOWN_ATTRIBUTES,
  type RawAttribute,
} from './kinds.js';

/** Records where each encoded attribute starts and ends, to map an extended-ACK offset back to its path. */
export class PathRecorder {
  readonly entries: { start: number; end: number; path: string }[] = [];
  base = 0;
  /** The path of the attribute at `offset` (relative to the message start), or the innermost one holding it. */
  lookup(offset: number): string | undefined {
    let best: { start: number; end: number; path: string } | undefined;
    for (const e of this.entries) {
      const s = e.start - this.base;
      if (s === offset) return e.path;
      if (s <= offset && offset < e.end - this.base && (!best || e.start >= best.start)) best = e;
    }
    return best?.path;
  }
}

/** A message body (fixed header + attributes) for `value`, appended to `w`. */
export function encodeBody(m: CompiledMessage, value: Readonly<Record<string, unknown>>, w: Writer, rec?: PathRecorder): void {
  if (typeof value !== 'object' || value === null) throw new SchemaError(m.name, `expected an object, got ${describe(value)}`);
  if (m.header) {
    encodeStruct(m.header, value, w, '');
    w.pad();
  }
  if (m.set) encodeAttrList(m.set, value, w, '', rec, m.header);
}

/** Containers open in the encoder right now (see MAX_NESTING). */
let encodeDepth = 0;

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'bigint') return `${v}n`;
  if (v instanceof Uint8Array) return `${v.length} bytes`;
  if (Array.isArray(v)) return 'an array';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'an object';
  return String(v);
}

const intRange: [bigint, bigint][] = [
  [0n, 0xffn], [0n, 0xffffn], [0n, 0xffffffffn], [0n, 0xffffffffffffffffn],
  [-0x80n, 0x7fn], [-0x8000n, 0x7fffn], [-0x80000000n, 0x7fffffffn], [-0x8000000000000000n, 0x7fffffffffffffffn],
];
const intNames = ['u8', 'u16', 'u32', 'u64', 's8', 's16', 's32', 's64'];

const numberRange: [number, number][] = [
  [0, 0xff], [0, 0xffff], [0, 0xffffffff], [0, Number.MAX_SAFE_INTEGER],
  [-0x80, 0x7f], [-0x8000, 0x7fff], [-0x80000000, 0x7fffffff], [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  [0, Number.MAX_SAFE_INTEGER], [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
];

/** `step`, when given, is the last step of the path: joined only if an error needs it. */
function toInt(f: Field, v: unknown, path: string, kind: number, step?: string): number | bigint {
  if (typeof v === 'number') {
    // The common case, without BigInt: a safe integer within the type's range.
    const [lo, hi] = numberRange[kind]!;
    if (Number.isInteger(v) && v >= lo && v <= hi) return v;
  }
  const e = f.enumeration;
  if (typeof v === 'string' && e && !(e.flags || f.asFlags)) {
    // A value by name, the other common case (route types, protocols, scopes): no path unless it is unknown.
    const n = e.byName.get(v);
    if (n !== undefined) return n;
  }
  return toIntSlow(f, v, step === undefined ? path : join(path, step), kind);
}

function toIntSlow(f: Field, v: unknown, path: string, kind: number): number | bigint {
  let n: number | bigint | undefined;
  const e = f.enumeration;
  if (typeof v === 'number' || typeof v === 'bigint') n = v;
  else if (typeof v === 'string' && e && !(e.flags || f.asFlags)) {
    throw new SchemaError(path, `unknown value ${JSON.stringify(v)} (expected one of ${[...e.byName.keys()].join(', ')})`);
  } else if (Array.isArray(v) && e && (e.flags || f.asFlags)) {
    let bits = 0;
    for (const x of v) {
      const b = typeof x === 'number' ? x : e.byName.get(String(x));
      if (b === undefined) throw new SchemaError(path, `unknown flag ${JSON.stringify(x)} (expected some of ${[...e.byName.keys()].join(', ')})`);
      bits |= b;
    }
    n = bits >>> 0;
  } else if (typeof v === 'string' && (f.display === D_IP || f.be) && kind === K_U32) {
    // A big-endian u32 is an IPv4 address in every spec that has one, with or without the display hint.
    const b = parseIPv4(v);
    if (!b) throw new SchemaError(path, `expected an IPv4 address, got ${describe(v)}`);
    return f.be ? ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0 : ((b[3]! << 24) | (b[2]! << 16) | (b[1]! << 8) | b[0]!) >>> 0;
  }
  const name = kind < K_UINT ? intNames[kind]! : kind === K_UINT ? 'uint' : 'sint';
  if (n === undefined || (typeof n === 'number' && !Number.isInteger(n))) throw new SchemaError(path, `expected ${name}, got ${describe(v)}`);
  const [lo, hi] = kind < K_UINT ? intRange[kind]! : kind === K_UINT ? intRange[K_U64]! : intRange[K_S64]!;
  const big = BigInt(n);
  if (big < lo || big > hi) throw new SchemaError(path, `expected ${name}, got ${describe(v)}`);
  return n;
}

function writeInt(w: Writer, kind: number, be: boolean, n: number | bigint): void {
  switch (kind) {
    case K_U8: return w.u8(Number(n));
    case K_U16: return be ? w.u16be(Number(n)) : w.u16(Number(n));
    case K_U32: return be ? w.u32be(Number(n)) : w.u32(Number(n));
    case K_U64: return be ? w.u64be(BigInt(n)) : w.u64(BigInt(n));
    case K_S8: return w.s8(Number(n));
    case K_S16: return be ? w.u16be(Number(n) & 0xffff) : w.s16(Number(n));
    case K_S32: return be ? w.u32be(Number(n) >>> 0) : w.s32(Number(n));
    default: return be ? w.u64be(BigInt.asUintN(64, BigInt(n))) : w.s64(BigInt(n));
  }
}

function toBytes(f: Field, v: unknown, path: string, step?: string): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (step !== undefined) {
    const b = typeof v === 'string' ? (f.display === D_MAC ? parseMac(v) : f.display === D_IP || f.display === D_NONE ? parseIP(v) : undefined) : undefined;
    if (b) return b;
    path = join(path, step);
  }
  if (typeof v === 'string') {
    let b: Uint8Array | undefined;
    if (f.display === D_MAC) b = parseMac(v);
    else if (f.display === D_HEX) b = /^([0-9a-fA-F]{2})*$/.test(v) ? Buffer.from(v, 'hex') : undefined;
    else if (f.display === D_IP || f.display === D_NONE) b = parseIP(v);
    if (b) return b;
    const what = f.display === D_MAC ? 'a MAC address' : f.display === D_HEX ? 'hex bytes' : 'an IP address';
    throw new SchemaError(path, `expected ${what}, got ${describe(v)}`);
  }
  throw new SchemaError(path, `expected bytes, got ${describe(v)}`);
}

function checkLen(a: AttrDecl | undefined, n: number, path: string): void {
  const c = a?.checks;
  if (!c) return;
  if (c.exactLen !== undefined && n !== c.exactLen) throw new SchemaError(path, `expected exactly ${c.exactLen} bytes, got ${n}`);
  if (c.minLen !== undefined && n < c.minLen) throw new SchemaError(path, `expected at least ${c.minLen} bytes, got ${n}`);
  if (c.maxLen !== undefined && n > c.maxLen) throw new SchemaError(path, `expected at most ${c.maxLen} bytes, got ${n}`);
}

function join(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

/** A struct field's value the generic way (enum names, IPv4 text, range errors with the field's path). */
function slowField(s: CompiledStruct, path: string, i: number, x: unknown): number {
  const f = s.fields[i]!;
  return Number(toInt(f, x, path, f.kind, f.name));
}

function encodeStruct(s: CompiledStruct, value: Readonly<Record<string, unknown>>, w: Writer, path: string): void {
  let fast = s.encoder;
  if (fast === undefined && ++s.uses >= JIT_AFTER) fast = s.encoder = compileStructEncoder(s);
  if (fast) {
    const at = w.reserve(s.size);
    fast(value, w.buf, w.view, at, s, path, slowField);
    return;
  }
  const start = w.reserve(s.size);
  w.buf.fill(0, start, start + s.size);
  const end = w.length;
  for (const f of s.fields) {
    const v = value[f.name];
    if (v === undefined) continue;
    w.length = start + f.offset;
    if (f.kind < K_UINT) {
      writeInt(w, f.kind, f.be, toInt(f, v, path, f.kind, f.name));
      w.length = end;
      continue;
    }
    const p = join(path, f.name);
    if (f.struct) {
      if (typeof v !== 'object' || v === null) throw new SchemaError(p, `expected an object, got ${describe(v)}`);
      encodeStruct(f.struct, v as Record<string, unknown>, w, p);
    } else {
      const b = f.kind === K_STRING && typeof v === 'string' ? Buffer.from(v) : toBytes(f, v, p);
      if (b.length > f.len) throw new SchemaError(p, `expected at most ${f.len} bytes, got ${b.length}`);
      w.bytes(b);
    }
    w.length = end;
  }
}

function encodeAttrs(
  set: CompiledSet,
  value: Readonly<Record<string, unknown>>,
  w: Writer,
  path: string,
  rec: PathRecorder | undefined,
  header?: CompiledStruct,
): void {
  // A value that nests deeper (or contains itself) would exhaust the stack; see MAX_NESTING.
  if (encodeDepth >= MAX_NESTING) throw new SchemaError(path || set.name, `nests more than ${MAX_NESTING} levels deep`);
  encodeDepth++;
  try {
    encodeAttrList(set, value, w, path, rec, header);
  } finally {
    encodeDepth--;
  }
}

function encodeAttrList(
  set: CompiledSet,
  value: Readonly<Record<string, unknown>>,
  w: Writer,
  path: string,
  rec: PathRecorder | undefined,
  header: CompiledStruct | undefined,
): void {
  const seq = (value as Sequenced)[ATTRIBUTE_SEQUENCE];
  const encode = rec || seq ? undefined : setEncoder(set, header);
  if (seq) encodeSequence(set, seq, value, w, path, rec, header);
  else if (encode) encode(value, w, set, path, header, encodeKey, parseIPv4Into);
  else {
    // for-in visits own keys in the same order as Object.keys (values are plain objects), without an array.
    for (const key in value) {
      const v = value[key];
      if (v !== undefined) encodeKey(set, key, v, w, path, rec, header, value);
    }
  }
  const raw = (value as { [UNKNOWN_ATTRIBUTES]?: RawAttribute[] })[UNKNOWN_ATTRIBUTES];
  if (raw) {
    for (const r of raw) {
      const at = w.beginAttr(r.type);
      w.bytes(r.data);
      w.endAttr(at);
    }
  }
}

/** A value with its sending order (see sequence.ts): each pair where it stands, the last of a name as it is now. */
function encodeSequence(
  set: CompiledSet,
  seq: AttributeSequence,
  value: Readonly<Record<string, unknown>>,
  w: Writer,
  path: string,
  rec: PathRecorder | undefined,
  header: CompiledStruct | undefined,
): void {
  const last = new Map<string, number>();
  seq.forEach(([name], i) => last.set(name, i));
  seq.forEach(([name, v], i) => {
    const x = last.get(name) === i ? value[name] : v;
    if (x !== undefined) encodeKey(set, name, x, w, path, rec, header, value);
  });
  for (const key in value) {
    const v = value[key];
    if (v !== undefined && !last.has(key)) encodeKey(set, key, v, w, path, rec, header, value);
  }
}

function setEncoder(set: CompiledSet, header: CompiledStruct | undefined): SetEncoder | undefined {
  let encode = set.encoders?.get(header);
  if (!encode && ++set.uses >= JIT_AFTER) (set.encoders ??= new Map()).set(header, (encode = compileSetEncoder(set, header, encodeAttrs)));
  return encode;
}

/** One attribute of a set from `value[key]`: the generic path, which also raises every error. */
function encodeKey(
  set: CompiledSet,
  key: string,
  v: unknown,
  w: Writer,
  path: string,
  rec: PathRecorder | undefined,
  header: CompiledStruct | undefined,
  value: Readonly<Record<string, unknown>>,
): void {
  const a = set.byName.get(key);
  if (!a) {
    if (header?.names.has(key)) return;
    throw new SchemaError(join(path, key), `unknown attribute (set ${set.name})`);
  }
  const kind = a.kind;
  if (kind === K_PAD) return;
  if (!rec && !a.multi && !a.decl.checks && (kind < K_UINT || (kind === K_BINARY && !a.struct))) {
    // Plain scalars and addresses, the bulk of most messages: no path string unless something is wrong.
    const at = w.beginAttr(a.value);
    if (kind === K_BINARY) {
      // An IPv4 address as text goes straight into the buffer, without an array of its own.
      const into = typeof v === 'string' && (a.display === D_IP || a.display === D_NONE) ? w.reserve(4) : -1;
      if (into < 0 || !parseIPv4Into(v as string, w.buf, into)) {
        if (into >= 0) w.length = into;
        w.bytes(toBytes(a, v, path, key));
      }
    } else writeInt(w, kind, a.be, toInt(a, v, path, kind, key));
    w.endAttr(at);
    return;
  }
  const p = join(path, key);
  if (a.multi) {
    if (!Array.isArray(v)) throw new SchemaError(p, `expected an array (repeated attribute), got ${describe(v)}`);
    v.forEach((x, i) => encodeAttr(a, x, w, `${p}[${i}]`, rec, value));
  } else encodeAttr(a, v, w, p, rec, value);
}

function encodeTypeValue(a: Attr, depth: number, v: unknown, w: Writer, path: string, rec: PathRecorder | undefined): void {
  if (typeof v !== 'object' || v === null) throw new SchemaError(path, `expected an object keyed by number, got ${describe(v)}`);
  for (const [k, x] of Object.entries(v)) {
    const type = Number(k);
    if (!Number.isInteger(type) || type < 0 || type > NLA_TYPE_MASK) throw new SchemaError(`${path}.${k}`, 'expected a numeric attribute type');
    const at = w.beginAttr(type | NLA_F_NESTED);
    if (depth > 1) encodeTypeValue(a, depth - 1, x, w, `${path}.${k}`, rec);
    else encodeAttrs(a.nested!, x as Record<string, unknown>, w, `${path}.${k}`, rec);
    w.endAttr(at);
  }
}

function encodeAttr(
  a: Attr,
  v: unknown,
  w: Writer,
  path: string,
  rec: PathRecorder | undefined,
  parent: Readonly<Record<string, unknown>>,
): void {
  const kind = a.kind;
  if (kind === K_FLAG && v === false) return;
  let nestedFlag = (kind === K_NEST || kind === K_INDEXED || kind === K_NTV || kind === K_SUBMSG) && !a.decl.plainNest ? NLA_F_NESTED : 0;
  if (kind === K_SUBMSG && a.decl.plainNest && a.subMessage!.get(String(parent[a.selector]))?.nested) nestedFlag = NLA_F_NESTED;
  if (a.decl.nestedBytes) nestedFlag = NLA_F_NESTED;
  const start = w.beginAttr(a.value | nestedFlag);
  encodePayload(a, kind, v, w, path, rec, parent);
  w.endAttr(start);
  rec?.entries.push({ start, end: w.length, path });
}

function encodePayload(
  a: Attr,
  kind: number,
  v: unknown,
  w: Writer,
  path: string,
  rec: PathRecorder | undefined,
  parent: Readonly<Record<string, unknown>>,
): void {
  if (kind < K_UINT || kind === K_UINT || kind === K_SINT) {
    const n = toInt(a, v, path, kind);
    const c = a.decl.checks;
    if (c && ((c.min !== undefined && Number(n) < c.min) || (c.max !== undefined && Number(n) > c.max))) {
      throw new SchemaError(path, `expected a value in [${c.min ?? '-'}, ${c.max ?? '-'}], got ${describe(v)}`);
    }
    if (kind === K_UINT) return BigInt(n) > 0xffffffffn ? w.u64(BigInt(n)) : w.u32(Number(n));
    if (kind === K_SINT) return BigInt(n) > 0x7fffffffn || BigInt(n) < -0x80000000n ? w.s64(BigInt(n)) : w.s32(Number(n));
    return writeInt(w, kind, a.be, n);
  }
  switch (kind) {
    case K_STRING: {
      if (typeof v !== 'string') throw new SchemaError(path, `expected a string, got ${describe(v)}`);
      checkLen(a.decl, Buffer.byteLength(v), path);
      return w.string(v, !a.decl.unterminated);
    }
    case K_BINARY: {
      if (a.struct) {
        if (a.structArray) {
          if (!Array.isArray(v)) throw new SchemaError(path, `expected an array, got ${describe(v)}`);
          v.forEach((x, i) => encodeElement(a, x, w, `${path}[${i}]`, rec));
          return;
        }
        if (typeof v !== 'object' || v === null || v instanceof Uint8Array) {
          if (v instanceof Uint8Array) return w.bytes(v);
          throw new SchemaError(path, `expected an object, got ${describe(v)}`);
        }
        return encodeStruct(a.struct, v as Record<string, unknown>, w, path);
      }
      const b = toBytes(a, v, path);
      checkLen(a.decl, b.length, path);
      return w.bytes(b);
    }
    case K_FLAG:
      if (v !== true) throw new SchemaError(path, `expected true or false, got ${describe(v)}`);
      return;
    case K_BITFIELD32: {
      const o = v as { value?: unknown; selector?: unknown };
      if (typeof o !== 'object' || o === null) throw new SchemaError(path, `expected { value, selector }, got ${describe(v)}`);
      w.u32(Number(toInt(a, o.value ?? 0, `${path}.value`, K_U32)));
      w.u32(Number(toInt(a, o.selector ?? 0, `${path}.selector`, K_U32)));
      return;
    }
    case K_NEST:
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new SchemaError(path, `expected an object, got ${describe(v)}`);
      if (a.header) {
        encodeStruct(a.header, v as Record<string, unknown>, w, path);
        w.pad();
      }
      return encodeAttrs(a.nested!, v as Record<string, unknown>, w, path, rec, a.header);
    case K_INDEXED: {
      if (!Array.isArray(v)) throw new SchemaError(path, `expected an array, got ${describe(v)}`);
      const sub: Attr = { ...a, kind: a.subKind, multi: false };
      const first = a.decl.firstIndex ?? 1;
      v.forEach((x, i) => {
        const at = w.beginAttr((i + first) | (a.subKind === K_NEST && !a.decl.plainNest ? NLA_F_NESTED : 0));
        encodePayload(sub, a.subKind, x, w, `${path}[${i}]`, rec, {});
        w.endAttr(at);
      });
      return;
    }
    case K_NTV:
      return encodeTypeValue(a, a.decl.typeValueDepth ?? 1, v, w, path, rec);
    default: {
      const sel = parent[a.selector];
      if (v instanceof Uint8Array) return w.bytes(v);
      const variant = a.subMessage!.get(String(sel));
      if (!variant) throw new SchemaError(path, `no layout for ${a.selector} ${describe(sel)}`);
      const p = `${path}.${String(sel)}`;
      if (typeof v !== 'object' || v === null) throw new SchemaError(p, `expected an object, got ${describe(v)}`);
      if (variant.header) {
        encodeStruct(variant.header, v as Record<string, unknown>, w, p);
        // A header alone keeps its own length (hfsc's 2 bytes): its padding follows the attribute, as addattr_l's.
        if (variant.set) w.pad();
      }
      if (variant.set) encodeAttrs(variant.set, v as Record<string, unknown>, w, p, rec, variant.header);
    }
  }
}

function encodeElement(a: Attr, v: unknown, w: Writer, path: string, rec: PathRecorder | undefined): void {
  if (typeof v !== 'object' || v === null) throw new SchemaError(path, `expected an object, got ${describe(v)}`);
  const s = a.struct!;
  const start = w.length;
  encodeStruct(s, v as Record<string, unknown>, w, path);
  if (a.element) {
    w.pad();
    encodeAttrs(a.element, v as Record<string, unknown>, w, path, rec, s);
  }
  if (a.elementLength) {
    const lf = a.elementLength;
    const len = w.length - start;
    if (lf.kind === K_U16) w.view.setUint16(start + lf.offset, len, true);
    else w.view.setUint32(start + lf.offset, len, true);
  }
  w.pad();
}
