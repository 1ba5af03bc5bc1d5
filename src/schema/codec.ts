import { DecodeError, NLA_F_NESTED, NLMSG_HDRLEN, Writer } from '../wire/index.js';
import { formatHex, formatIPv4, formatIPv6, formatMac, parseIP, parseIPv4, parseIPv4Into, parseMac } from './address.js';
import { compileDecoder, type FastDecoder } from './jit.js';
import { compileSetEncoder, compileStructEncoder, type SetEncoder, type StructEncoder } from './jit-encode.js';
import type { AttrDecl, FamilyDecl, MemberDecl, StructDecl, SubMessageVariant } from './declaration.js';

/** A value that does not fit its declaration; the message names the attribute path. */
export class SchemaError extends Error {
  readonly code = 'ERR_NETLINK_SCHEMA';
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`${path}: ${reason}`);
    this.name = 'SchemaError';
  }
}

/** Attributes the declaration does not know, kept raw on decoded objects under this symbol. */
export const UNKNOWN_ATTRIBUTES: unique symbol = Symbol.for('nlkit.unknownAttributes');

export interface RawAttribute {
  type: number;
  data: Uint8Array;
}

// Kinds: the decoder switches over these small integers.
export const K_U8 = 0, K_U16 = 1, K_U32 = 2, K_U64 = 3, K_S8 = 4, K_S16 = 5, K_S32 = 6, K_S64 = 7;
export const K_UINT = 8, K_SINT = 9, K_STRING = 10, K_BINARY = 11, K_FLAG = 12, K_BITFIELD32 = 13, K_NEST = 14;
export const K_INDEXED = 15, K_NTV = 16, K_SUBMSG = 17, K_PAD = 18;
const kinds: Record<string, number> = {
  u8: K_U8, u16: K_U16, u32: K_U32, u64: K_U64, s8: K_S8, s16: K_S16, s32: K_S32, s64: K_S64,
  uint: K_UINT, sint: K_SINT, string: K_STRING, binary: K_BINARY, flag: K_FLAG, bitfield32: K_BITFIELD32,
  nest: K_NEST, 'indexed-array': K_INDEXED, 'nest-type-value': K_NTV, 'sub-message': K_SUBMSG, pad: K_PAD,
  unused: K_PAD,
};
const intSize = [1, 2, 4, 8, 1, 2, 4, 8];
export const D_NONE = 0, D_IP = 1, D_MAC = 2, D_HEX = 3;

export interface CompiledEnum {
  flags: boolean;
  byValue: Map<number, string>;
  byName: Map<string, number>;
}

export interface Field {
  name: string;
  kind: number;
  be: boolean;
  display: number;
  enumeration: CompiledEnum | undefined;
  asFlags: boolean;
  offset: number;
  len: number;
  struct: CompiledStruct | undefined;
}

export interface CompiledStruct {
  name: string;
  size: number;
  fields: Field[];
  /** Field names, so attribute encoders can skip a flat message's header fields in one lookup. */
  names: Set<string>;
  /** The generated encoder (jit-encode.ts), made after JIT_AFTER uses; null where the generic one must do. */
  encoder?: StructEncoder | null;
  uses: number;
}

export interface Attr extends Field {
  value: number;
  multi: boolean;
  nested: CompiledSet | undefined;
  subKind: number;
  structArray: boolean;
  element: CompiledSet | undefined;
  elementLength: Field | undefined;
  subMessage: SubMessage | undefined;
  selector: string;
  header: CompiledStruct | undefined;
  decl: AttrDecl;
}

/**
 * Uses of a message, struct or set before its generated code is built: generating costs more than a few generic
 * runs, and a command that sends one request and reads three links should not pay for it. Exported for tests.
 */
export const JIT_AFTER = 8;

export interface SubMessageVariantCompiled {
  header: CompiledStruct | undefined;
  set: CompiledSet | undefined;
}

/**
 * The variants of a sub-message attribute, compiled on first use: rt_link's linkinfo alone names dozens of
 * kinds, and a command that meets one of them should not pay for the rest.
 */
export class SubMessage {
  private readonly compiled = new Map<string, SubMessageVariantCompiled | null>();
  constructor(
    private readonly schema: Schema,
    private readonly variants: Readonly<Record<string, SubMessageVariant>>,
  ) {}

  get(key: string): SubMessageVariantCompiled | undefined {
    let c = this.compiled.get(key);
    if (c === undefined) {
      const v = Object.hasOwn(this.variants, key) ? this.variants[key]! : undefined;
      c = v ? { header: v.fixedHeader ? this.schema.struct(v.fixedHeader) : undefined, set: v.attributeSet ? this.schema.set(v.attributeSet) : undefined } : null;
      this.compiled.set(key, c);
    }
    return c ?? undefined;
  }

  compileAll(): void {
    for (const key of Object.keys(this.variants)) this.get(key);
  }
}

export interface CompiledSet {
  name: string;
  /** Generated encoders (jit-encode.ts), one per fixed header the set is encoded after, made after JIT_AFTER uses. */
  encoders?: Map<CompiledStruct | undefined, SetEncoder>;
  uses: number;
  /** Indexed by attribute type: the decoder's table. */
  byType: (Attr | undefined)[];
  byName: Map<string, Attr>;
  attrs: Attr[];
}

export interface CompiledMessage {
  name: string;
  /** The generated straight-line decoder (see jit.ts), built once the message has been decoded JIT_AFTER times. */
  fast: FastDecoder | undefined;
  /** Decodes so far, until `fast` is built. */
  uses: number;
  value: number;
  header: CompiledStruct | undefined;
  set: CompiledSet | undefined;
}

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

const utf8 = new TextDecoder();

/**
 * A family compiled into decoder tables and encoders. Build it once per family (module scope) and reuse it.
 */
export class Schema<F extends FamilyDecl = FamilyDecl> {
  readonly sets = new Map<string, CompiledSet>();
  readonly structs = new Map<string, CompiledStruct>();
  private readonly enums = new Map<string, CompiledEnum>();
  private readonly messages = new Map<string, CompiledMessage>();
  private layouts: Map<number, CompiledMessage> | undefined;

  /** Where every use counter starts, so that generated code is built after `jitAfter` uses (JIT_AFTER by default). */
  private readonly firstUse: number;

  /**
   * Nothing is compiled up front: a family declares hundreds of sets and messages and a short-lived process (the
   * CLI) uses a few, so each is compiled on first use. `jitAfter`: uses before generated code is built — 0 at
   * once, Infinity never (the generic code only, as a reference).
   */
  constructor(
    readonly decl: F,
    options: { jitAfter?: number } = {},
  ) {
    this.firstUse = JIT_AFTER - (options.jitAfter ?? JIT_AFTER);
  }

  /** Message layout by nlmsg_type (netlink-raw) or genetlink command, the first declared winning. */
  get byValue(): Map<number, CompiledMessage> {
    if (!this.layouts) {
      this.layouts = new Map();
      for (const [name, m] of Object.entries(this.decl.messages)) if (!this.layouts.has(m.value)) this.layouts.set(m.value, this.message(name));
    }
    return this.layouts;
  }

  /** Compile every struct, attribute set and message now, to find a broken declaration at once. */
  compileAll(): this {
    for (const name of Object.keys(this.decl.enums)) this.enumeration(name);
    for (const name of Object.keys(this.decl.structs)) this.struct(name);
    for (const name of Object.keys(this.decl.attributeSets)) for (const a of this.set(name).attrs) a.subMessage?.compileAll();
    for (const name of Object.keys(this.decl.messages)) this.message(name);
    return this;
  }

  message(name: string): CompiledMessage {
    let cm = this.messages.get(name);
    if (cm) return cm;
    const m = this.decl.messages[name];
    if (!m) throw new SchemaError(name, `no message ${name} in family ${this.decl.name}`);
    cm = {
      name,
      fast: undefined,
      uses: this.firstUse,
      value: m.value,
      header: m.fixedHeader ? this.struct(m.fixedHeader) : undefined,
      set: m.attributeSet ? this.set(m.attributeSet) : undefined,
    };
    this.messages.set(name, cm);
    return cm;
  }

  // ---- compilation -------------------------------------------------------------------------------------

  private enumeration(name: string | undefined): CompiledEnum | undefined {
    if (name === undefined) return undefined;
    let compiled = this.enums.get(name);
    if (compiled) return compiled;
    const e = this.decl.enums[name];
    if (!e) throw new SchemaError(name, `unknown enum ${name} in family ${this.decl.name}`);
    const byValue = new Map<number, string>();
    const byName = new Map<string, number>();
    for (const [k, v] of Object.entries(e.entries)) {
      if (!byValue.has(v)) byValue.set(v, k);
      byName.set(k, v);
    }
    compiled = { flags: e.type === 'flags', byValue, byName };
    this.enums.set(name, compiled);
    return compiled;
  }

  struct(name: string): CompiledStruct {
    let s = this.structs.get(name);
    if (s) return s;
    const decl: StructDecl | undefined = this.decl.structs[name];
    if (!decl) throw new SchemaError(name, `unknown struct ${name} in family ${this.decl.name}`);
    s = { name, size: 0, fields: [], names: new Set(), uses: this.firstUse };
    this.structs.set(name, s);
    let offset = 0;
    for (const m of decl.members) {
      const f = this.field(m, offset);
      offset += f.len;
      if (m.type !== 'pad') {
        s.fields.push(f);
        s.names.add(f.name);
      }
    }
    s.size = offset;
    return s;
  }

  private field(m: MemberDecl, offset: number): Field {
    const kind = kinds[m.type]!;
    const struct = m.struct ? this.struct(m.struct) : undefined;
    return {
      name: m.name,
      kind,
      be: m.byteOrder === 'big-endian',
      display: displayCode(m.display),
      enumeration: this.enumeration(m.enum),
      asFlags: m.enumAsFlags ?? false,
      offset,
      len: kind < K_UINT ? intSize[kind]! : (m.len ?? struct?.size ?? 0),
      struct,
    };
  }

  set(name: string): CompiledSet {
    let s = this.sets.get(name);
    if (s) return s;
    const decl = this.decl.attributeSets[name];
    if (!decl) throw new SchemaError(name, `unknown attribute set ${name} in family ${this.decl.name}`);
    s = { name, byType: [], byName: new Map(), attrs: [], uses: this.firstUse };
    this.sets.set(name, s);
    for (const a of decl.attributes) {
      const base = this.field({ name: a.name, type: 'u8', enum: a.enum, enumAsFlags: a.enumAsFlags, byteOrder: a.byteOrder, display: a.display, struct: a.struct }, 0);
      const attr: Attr = {
        ...base,
        kind: kinds[a.type]!,
        len: 0,
        value: a.value,
        multi: a.multi ?? false,
        nested: undefined,
        subKind: a.subType ? kinds[a.subType]! : K_NEST,
        structArray: a.structArray ?? false,
        element: undefined,
        elementLength: undefined,
        subMessage: undefined,
        selector: a.selector ?? '',
        header: undefined,
        decl: a,
      };
      s.byType[a.value] = attr;
      s.byName.set(a.name, attr);
      s.attrs.push(attr);
    }
    // Resolve references after registering the set, so self-referencing sets terminate.
    for (const attr of s.attrs) {
      const a = attr.decl;
      if (a.nested) attr.nested = this.set(a.nested);
      if (a.fixedHeader) attr.header = this.struct(a.fixedHeader);
      if (a.elementAttributes) attr.element = this.set(a.elementAttributes);
      if (a.elementLength && attr.struct) attr.elementLength = attr.struct.fields.find((f) => f.name === a.elementLength);
      if (a.subMessage) {
        const variants = this.decl.subMessages[a.subMessage];
        if (!variants) throw new SchemaError(a.name, `unknown sub-message ${a.subMessage}`);
        attr.subMessage = new SubMessage(this, variants);
      }
    }
    // A packed array (no holes) keeps the decoder's table lookup on the fast path.
    s.byType = Array.from(s.byType);
    return s;
  }

  // ---- decoding -----------------------------------------------------------------------------------------

  /** Decode a message body (after nlmsghdr, and after genlmsghdr for genetlink) into one flat object. */
  decodeBody(name: string | CompiledMessage, buf: Uint8Array, start: number, end: number, view?: DataView): Record<string, unknown> {
    const m = typeof name === 'string' ? this.message(name) : name;
    const dv = view ?? new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    // length, not byteLength: the same for bytes, and V8 reads it inline where byteLength on a Buffer costs a call.
    if (end > buf.length || start > end) throw new DecodeError(`message body [${start}, ${end}) runs past the buffer`, start);
    let fast = m.fast;
    if (fast === undefined) {
      if (++m.uses < JIT_AFTER) return this.decodeSlow(m, buf, dv, start, end);
      fast = m.fast = compileDecoder(m);
    }
    if (!m.header || end - start >= m.header.size) {
      const o = fast(buf, dv, start, end);
      if (o !== null) return o;
    }
    return this.decodeSlow(m, buf, dv, start, end);
  }

  private decodeSlow(m: CompiledMessage, buf: Uint8Array, dv: DataView, start: number, end: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    let at = start;
    if (m.header) {
      decodeStruct(m.header, buf, dv, at, end, out);
      at = Math.min(end, at + align4(m.header.size));
    }
    if (m.set) decodeAttrList(m.set, buf, dv, at, end, out);
    return out;
  }

  /** Decode the attributes in buf[start, end) with the named attribute set. */
  decodeAttributes(set: string, buf: Uint8Array, start: number, end: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    decodeAttrList(this.set(set), buf, new DataView(buf.buffer, buf.byteOffset, buf.byteLength), start, end, out);
    return out;
  }

  // ---- encoding -----------------------------------------------------------------------------------------

  /** Append a message body (fixed header + attributes) for `value` to `w`. */
  encodeBody(name: string | CompiledMessage, value: Readonly<Record<string, unknown>>, w: Writer, rec?: PathRecorder): void {
    const m = typeof name === 'string' ? this.message(name) : name;
    if (typeof value !== 'object' || value === null) throw new SchemaError(m.name, `expected an object, got ${describe(value)}`);
    if (m.header) {
      encodeStruct(m.header, value, w, '');
      w.pad();
    }
    if (m.set) encodeAttrList(m.set, value, w, '', rec, m.header);
  }

  /**
   * A whole netlink message: nlmsghdr (type = the message's number unless `type` is given, e.g. a genetlink
   * family id), genlmsghdr for genetlink families, then the body. `paths(offset)` maps an extended-ACK
   * attribute offset back to the attribute's path.
   */
  encodeMessage(
    name: string,
    value: Readonly<Record<string, unknown>>,
    options: { flags?: number; type?: number; seq?: number; pid?: number } = {},
  ): { bytes: Buffer; paths: (offset: number) => string | undefined } {
    const m = this.message(name);
    const w = new Writer(256);
    const rec = new PathRecorder();
    const start = w.beginMessage(options.type ?? m.value, options.flags ?? 0);
    if (this.decl.protocol !== 'netlink-raw') {
      w.u8(m.value);
      w.u8(this.decl.version ?? 1);
      w.u16(0);
    }
    this.encodeBody(m, value, w, rec);
    w.endMessage(start);
    const bytes = w.finish();
    if (options.seq !== undefined) bytes.writeUInt32LE(options.seq >>> 0, 8);
    if (options.pid !== undefined) bytes.writeUInt32LE(options.pid >>> 0, 12);
    rec.base = start;
    return { bytes, paths: (offset: number) => rec.lookup(offset) };
  }
}

/** sizeof(struct genlmsghdr): cmd u8, version u8, reserved u16; generic netlink attributes follow it. */
export const GENL_HDRLEN = 4;
export { NLMSG_HDRLEN };

function align4(n: number): number {
  return (n + 3) & ~3;
}

function displayCode(d: string | undefined): number {
  if (d === 'ipv4' || d === 'ipv6' || d === 'ipv4-or-v6') return D_IP;
  if (d === 'mac') return D_MAC;
  if (d === 'hex') return D_HEX;
  return D_NONE;
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
    const names: (string | number)[] = [];
    let rest = n;
    for (const [value, name] of e.byValue) {
      if (value !== 0 && (n & value) === value) {
        names.push(name);
        rest &= ~value;
      }
    }
    if (rest) names.push(rest >>> 0);
    return names;
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

/**
 * How many attribute containers may nest below a message's own attributes. A set may nest itself (that is how specs describe trees), so a
 * message or a value could nest as deep as its length allows, and recursion that deep exhausts the stack. The
 * kernel validates requests only 10 levels deep (MAX_POLICY_RECURSION_DEPTH, lib/nlattr.c); real replies stay
 * near that.
 */
export const MAX_NESTING = 64;
let decodeDepth = 0;
let encodeDepth = 0;

export function decodeAttrs(set: CompiledSet, buf: Uint8Array, dv: DataView, start: number, end: number, out: Record<string, unknown>): void {
  if (decodeDepth >= MAX_NESTING) throw new DecodeError(`attributes nest more than ${MAX_NESTING} levels deep`, start);
  decodeDepth++;
  try {
    decodeAttrList(set, buf, dv, start, end, out);
  } finally {
    decodeDepth--;
  }
}

function decodeAttrList(set: CompiledSet, buf: Uint8Array, dv: DataView, start: number, end: number, out: Record<string, unknown>): void {
  const table = set.byType;
  let at = start;
  let deferred: number[] | undefined;
  while (end - at >= 4) {
    const len = dv.getUint16(at, true);
    if (len < 4) throw new DecodeError(`attribute length ${len} is shorter than its header`, at);
    if (len > end - at) throw new DecodeError(`attribute length ${len} runs past the end of its container (${end - at} bytes left)`, at);
    const type = dv.getUint16(at + 2, true) & 0x3fff;
    const a = type < table.length ? table[type] : undefined;
    const p = at + 4;
    const plen = len - 4;
    if (a === undefined) {
      unknown(out, type, buf, p, plen);
    } else if (a.kind === K_SUBMSG && out[a.selector] === undefined) {
      (deferred ??= []).push(at);
    } else if (a.kind !== K_PAD) {
      const v = decodeValue(a, buf, dv, p, plen, out);
      if (a.multi) {
        const list = out[a.name] as unknown[] | undefined;
        if (list === undefined) out[a.name] = [v];
        else list.push(v);
      } else out[a.name] = v;
    }
    at += (len + 3) & ~3;
  }
  if (deferred) {
    for (const d of deferred) {
      const a = table[dv.getUint16(d + 2, true) & 0x3fff]!;
      out[a.name] = decodeValue(a, buf, dv, d + 4, dv.getUint16(d, true) - 4, out);
    }
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
  if (plen < n) throw new DecodeError(`attribute ${a.name} has ${plen} payload bytes, expected ${n}`, at - 4);
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
      return true;
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

function forEachAttr(dv: DataView, start: number, end: number, fn: (type: number, p: number, plen: number) => void): void {
  let at = start;
  while (end - at >= 4) {
    const len = dv.getUint16(at, true);
    if (len < 4) throw new DecodeError(`attribute length ${len} is shorter than its header`, at);
    if (len > end - at) throw new DecodeError(`attribute length ${len} runs past the end of its container (${end - at} bytes left)`, at);
    fn(dv.getUint16(at + 2, true) & 0x3fff, at + 4, len - 4);
    at += (len + 3) & ~3;
  }
}

/** Attribute types as keys, `depth` levels deep (a policy dump: policy index, then attribute index). */
function decodeTypeValue(a: Attr, depth: number, buf: Uint8Array, dv: DataView, start: number, end: number): Record<number, unknown> {
  const o: Record<number, unknown> = {};
  forEachAttr(dv, start, end, (type, q, qlen) => {
    if (depth > 1) {
      o[type] = decodeTypeValue(a, depth - 1, buf, dv, q, q + qlen);
      return;
    }
    const inner: Record<string, unknown> = {};
    decodeAttrs(a.nested!, buf, dv, q, q + qlen, inner);
    o[type] = inner;
  });
  return o;
}

function decodeIndexed(a: Attr, buf: Uint8Array, dv: DataView, start: number, end: number): unknown[] {
  const list: unknown[] = [];
  const sub: Attr = { ...a, kind: a.subKind, multi: false };
  forEachAttr(dv, start, end, (_type, p, plen) => {
    list.push(decodeValue(sub, buf, dv, p, plen, {}));
  });
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

// ---- encoding ---------------------------------------------------------------------------------------------

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
  const encode = rec ? undefined : setEncoder(set, header);
  if (encode) encode(value, w, set, path, header, encodeKey, parseIPv4Into);
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

function setEncoder(set: CompiledSet, header: CompiledStruct | undefined): SetEncoder | undefined {
  let encode = set.encoders?.get(header);
  if (!encode && ++set.uses >= JIT_AFTER) (set.encoders ??= new Map()).set(header, (encode = compileSetEncoder(set, header)));
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
    if (!Number.isInteger(type) || type < 0 || type > 0x3fff) throw new SchemaError(`${path}.${k}`, 'expected a numeric attribute type');
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
  const nestedFlag = kind === K_NEST || kind === K_INDEXED || kind === K_NTV || kind === K_SUBMSG ? NLA_F_NESTED : 0;
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
      return w.string(v);
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
      v.forEach((x, i) => {
        const at = w.beginAttr(i + 1 | (a.subKind === K_NEST ? NLA_F_NESTED : 0));
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
        w.pad();
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
