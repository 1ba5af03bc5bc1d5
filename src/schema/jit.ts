/**
 * JIT decoders: straight-line code built at run time per message layout with `new Function`: the fixed header becomes one
 * constructor (every decoded object of a layout shares one hidden class) and the attribute walk a `switch` on the
 * type number with the common kinds (integers, addresses, strings) inlined. Other kinds call the generic
 * decoder. Returns null when the generic path must take the whole message (a sub-message before its selector).
 */
import { ALIGNTO, DecodeError, NLA_HDRLEN, NLA_TYPE_MASK, align4, attributeFault } from '../wire/index.js';
import { formatIPv6 } from './address-text.js';
import type { Attr, CompiledMessage, CompiledSet, CompiledStruct, FastDecoder, Field } from './compiled.js';
import { decodeNested, decodeValue, fromInt, unknown, type NestedWalk } from './decode.js';
import { D_IP, D_MAC, D_NONE, K_BINARY, K_NEST, K_PAD, K_S16, K_S32, K_S64, K_S8, K_STRING, K_SUBMSG, K_U16, K_U32, K_U64, K_U8 } from './kinds.js';

const utf8 = new TextDecoder();
/** Decimal text of each byte value: dotted quads are built from these instead of formatting numbers. */
const octets = Array.from({ length: 256 }, (_, i) => String(i));
/**
 * Dotted quads as two cached halves, 'a.b.' and 'c.d' by 16-bit value, filled as they are met: one string
 * concatenation per address instead of seven (a dump of a million routes spends most of its decoding here). At
 * most 2 × 65,536 short strings, and only those a program has seen. See quadTables.
 */
let quadHeads: (string | undefined)[] = [];
let quadTails: (string | undefined)[] = [];

/**
 * The last addresses met, whole, by a hash of their value: a table's addresses repeat (every conntrack entry or
 * route of a host has its few own addresses in it), and a repeat then costs no string at all. Small, so that the
 * addresses met once leave it (and the young generation) soon.
 */
const recentKeys = new Int32Array(256);
const recent: (string | undefined)[] = new Array<string | undefined>(256).fill(undefined);

function ipv4(buf: Uint8Array, p: number): string {
  const a = buf[p]!, b = buf[p + 1]!, c = buf[p + 2]!, d = buf[p + 3]!;
  const h = (a << 8) | b;
  const t = (c << 8) | d;
  const key = (h << 16) | t;
  const slot = (key ^ (key >>> 8) ^ (key >>> 16) ^ (key >>> 24)) & 255;
  const hit = recent[slot];
  if (hit !== undefined && recentKeys[slot] === key) return hit;
  const s = (quadHeads[h] ??= octets[a]! + '.' + octets[b]! + '.') + (quadTails[t] ??= octets[c]! + '.' + octets[d]!);
  recentKeys[slot] = key;
  recent[slot] = s;
  return s;
}

/** Two lowercase hex digits of each byte value. */
const hexBytes = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
/**
 * MACs as three cached pairs by 16-bit value, 'aa:bb:' twice and then 'ee:ff', filled as they are met, as the dotted
 * quads are: two concatenations per address instead of eleven (an FDB dump is mostly MACs). Made with the first
 * decoder that has a MAC.
 */
let macHeads: (string | undefined)[] = [];
let macTails: (string | undefined)[] = [];

function mac6(buf: Uint8Array, p: number): string {
  const a = buf[p]!, b = buf[p + 1]!, c = buf[p + 2]!, d = buf[p + 3]!, e = buf[p + 4]!, f = buf[p + 5]!;
  return (
    (macHeads[(a << 8) | b] ??= hexBytes[a]! + ':' + hexBytes[b]! + ':') +
    (macHeads[(c << 8) | d] ??= hexBytes[c]! + ':' + hexBytes[d]! + ':') +
    (macTails[(e << 8) | f] ??= hexBytes[e]! + ':' + hexBytes[f]!)
  );
}

/** A u8 enum's names as a dense 256-entry table (the number itself where the declaration has no name). */
function byteNames(f: Field): (string | number)[] {
  return Array.from({ length: 256 }, (_, v) => f.enumeration!.byValue.get(v) ?? v);
}

const runtime = {
  bad(at: number, len: number, end: number): never {
    throw attributeFault(len, end - at, at)!;
  },
  short(name: string, at: number, plen: number, n: number): never {
    throw new DecodeError(`attribute ${name} has ${plen} payload bytes, expected ${n}`, at);
  },
  ip(buf: Uint8Array, _dv: DataView, p: number, plen: number): string | Uint8Array {
    if (plen === 4) return ipv4(buf, p);
    if (plen === 16) return formatIPv6(buf, p);
    return new Uint8Array(buf.subarray(p, p + plen));
  },
  string(buf: Uint8Array, p: number, plen: number): string {
    const b = buf.subarray(p, p + plen);
    const nul = b.indexOf(0);
    return utf8.decode(nul < 0 ? b : b.subarray(0, nul));
  },
  /** A plain enum (header fields like rtm_type): a name, or the number when the declaration has none. */
  enumName(f: Field, v: number): string | number {
    return f.enumeration!.byValue.get(v) ?? v;
  },
  ipv4,
  mac6,
  decodeValue,
  fromInt,
  unknown,
  /** A nested set's JIT walk, compiled at its first use (a set may nest itself), under the generic nesting limit. */
  nest(holder: NestHolder, buf: Uint8Array, dv: DataView, p: number, end: number): Record<string, unknown> {
    return decodeNested(holder.walk ??= compileSetWalk(holder.set), buf, dv, p, end);
  },
  /** The same for a set that nests only a few levels of other sets (a tuple's address and ports): no limit to keep. */
  walkOf(holder: NestHolder): NestedWalk {
    return (holder.walk ??= compileSetWalk(holder.set));
  },
};

/** A nested set and its JIT walk, made when first needed. */
interface NestHolder {
  set: CompiledSet;
  walk?: NestedWalk;
}
const nestHolders = new WeakMap<CompiledSet, NestHolder>();

/**
 * How deep a set's nests go, when no set in them nests itself again (undefined when one does): such a set cannot
 * exhaust the stack, and its JIT walk is called without the nesting count.
 */
function nestDepth(set: CompiledSet, open: Set<CompiledSet> = new Set()): number | undefined {
  if (open.has(set)) return undefined;
  open.add(set);
  let depth = 1;
  for (const a of set.attrs) {
    const inner = a.nested ?? a.element;
    if (a.kind === K_SUBMSG) return undefined;
    if (!inner) continue;
    const d = nestDepth(inner, open);
    if (d === undefined) return undefined;
    depth = Math.max(depth, d + 1);
  }
  open.delete(set);
  return depth;
}

/**
 * Whether a nest's value can come from a JIT walk: a plain nested set, without a fixed header of its own and without
 * sub-messages (their selector may come after them, which only the generic walk's deferral handles).
 */
function jitNest(a: Attr): NestHolder | undefined {
  if (a.kind !== K_NEST || a.header || !a.nested || a.nested.attrs.some((x) => x.kind === K_SUBMSG)) return undefined;
  let h = nestHolders.get(a.nested);
  if (!h) nestHolders.set(a.nested, (h = { set: a.nested }));
  return h;
}

/** The DataView getter and size of each integer kind the JIT code reads inline. */
const readers: Record<number, [string, number]> = {
  [K_U8]: ['getUint8', 1], [K_U16]: ['getUint16', 2], [K_U32]: ['getUint32', 4],
  [K_S8]: ['getInt8', 1], [K_S16]: ['getInt16', 2], [K_S32]: ['getInt32', 4],
};
/** 64-bit integers, read inline in attributes only: a bigint, as the generic decoder gives them. */
const wide: Record<number, [string, number]> = { [K_U64]: ['getBigUint64', 8], [K_S64]: ['getBigInt64', 8] };
function reader(kind: number): [string, number] | undefined {
  return readers[kind];
}

function readExpr(f: Field, at: string, ref: (v: unknown) => string): string | undefined {
  const r = reader(f.kind);
  if (!r) return undefined;
  const read = r[1] === 1 ? `dv.${r[0]}(${at})` : `dv.${r[0]}(${at}, ${!f.be})`;
  if (f.enumeration === undefined) return f.display === D_NONE ? read : undefined;
  if (f.enumeration.flags || f.asFlags) return `rt.fromInt(${ref(f)}, ${read})`;
  // A byte indexes its table without a bounds check or a map lookup.
  if (f.kind === K_U8) return `${ref(byteNames(f))}[${read}]`;
  return `rt.enumName(${ref(f)}, ${read})`;
}

/**
 * A struct (inet_diag_msg's sockid in its header, tcp_info in an attribute) as an object literal of inline reads,
 * when every field is an integer the JIT reads (u64 as bigint, as the generic decoder gives it); undefined leaves
 * it to the generic decoder.
 */
function structExpr(s: CompiledStruct, at: string, ref: (v: unknown) => string): string | undefined {
  const parts: string[] = [];
  for (const f of s.fields) {
    const wide = (f.kind === K_U64 || f.kind === K_S64) && f.display === D_NONE && f.enumeration === undefined;
    const e = wide ? `dv.${f.kind === K_U64 ? 'getBigUint64' : 'getBigInt64'}(${at} + ${f.offset}, ${!f.be})` : readExpr(f, `${at} + ${f.offset}`, ref);
    if (e === undefined) return undefined;
    parts.push(`${JSON.stringify(f.name)}: ${e}`);
  }
  return `{ ${parts.join(', ')} }`;
}

/** The cached halves of dotted quads, made with the first decoder that writes one (a dump of MACs needs none). */
function quadTables(): void {
  if (quadHeads.length) return;
  quadHeads = new Array<string | undefined>(65536).fill(undefined);
  quadTails = new Array<string | undefined>(65536).fill(undefined);
}

export function compileDecoder(m: CompiledMessage): FastDecoder {
  const consts: unknown[] = [];
  const ref = (v: unknown): string => {
    consts.push(v);
    return `c[${consts.length - 1}]`;
  };
  const lines: string[] = [];
  // The object comes from a constructor rather than a literal: V8 then reserves in-object room for the attributes
  // added after the header (a literal gets none, and each object would grow a separate property store). Its
  // prototype is Object.prototype, so it is a plain object to every reader.
  const ctor = ['function O(dv, start) {'];
  let at = 'start';
  if (m.header) {
    for (const f of m.header.fields) {
      const e = f.struct ? structExpr(f.struct, `start + ${f.offset}`, ref) : readExpr(f, `start + ${f.offset}`, ref);
      if (e === undefined) return () => null;
      ctor.push(`  this[${JSON.stringify(f.name)}] = ${e};`);
    }
    at = `start + ${align4(m.header.size)}`;
  }
  ctor.push('}', 'O.prototype = Object.prototype;');
  lines.push('const o = new O(dv, start);', `let at = ${at};`);
  if (m.set) walkLines(m.set, ref, lines);
  lines.push('return o;');
  const body = `${ctor.join('\n')}\nreturn function decode_${m.name.replace(/\W/g, '_')}(buf, dv, start, end) {\n${lines.join('\n')}\n};`;
  return new Function('rt', 'c', body)(runtime, consts) as FastDecoder;
}

/** The attribute walk of src/wire (AttributeDecoder, attributeFault), inlined with its constants, into `o`. */
function walkLines(set: CompiledSet, ref: (v: unknown) => string, lines: string[]): void {
  // The attribute walk of src/wire (AttributeDecoder, attributeFault), inlined with its constants.
  lines.push(
    `while (end - at >= ${NLA_HDRLEN}) {`,
    '  const len = dv.getUint16(at, true);',
    `  if (len < ${NLA_HDRLEN} || len > end - at) rt.bad(at, len, end);`,
    `  const p = at + ${NLA_HDRLEN}, plen = len - ${NLA_HDRLEN};`,
    `  switch (dv.getUint16(at + 2, true) & ${NLA_TYPE_MASK}) {`,
  );
  for (const a of set.attrs) {
    if (a.kind === K_PAD) {
      lines.push(`    case ${a.value}: break;`);
      continue;
    }
    const key = `o[${JSON.stringify(a.name)}]`;
    const r = reader(a.kind);
    let value: string;
    if (a.kind === K_SUBMSG) {
      lines.push(`    case ${a.value}: if (o[${JSON.stringify(a.selector)}] === undefined) return null; ${key} = rt.decodeValue(${ref(a)}, buf, dv, p, plen, o); break;`);
      continue;
    } else if (jitNest(a)) {
      const h = ref(jitNest(a));
      const depth = nestDepth(a.nested!);
      value = depth !== undefined && depth <= 4 ? `(${h}.walk ?? rt.walkOf(${h}))(buf, dv, p, p + plen)` : `rt.nest(${h}, buf, dv, p, p + plen)`;
      if (a.multi) {
        lines.push(`    case ${a.value}: { const v = ${value}; const l = ${key}; if (l === undefined) ${key} = [v]; else l.push(v); break; }`);
        continue;
      }
    } else if (!a.multi && (r ?? wide[a.kind]) && (a.display === D_NONE || (a.display === D_IP && a.kind === K_U32))) {
      // As readField: an IPv4 address kept as a u32 is its four bytes in memory order, whatever the byte order.
      const [get, size] = (r ?? wide[a.kind])!;
      const read = size === 1 ? `dv.${get}(p)` : `dv.${get}(p, ${!a.be})`;
      if (a.display === D_IP) quadTables();
      const v = a.display === D_IP ? 'rt.ipv4(buf, p)' : a.enumeration === undefined ? read : `rt.fromInt(${ref(a)}, ${read})`;
      value = `(plen < ${size} ? rt.short(${JSON.stringify(a.name)}, at, plen, ${size}) : ${v})`;
    } else if (!a.multi && a.kind === K_BINARY && a.display === D_IP && !a.struct) {
      quadTables();
      value = '(plen === 4 ? rt.ipv4(buf, p) : rt.ip(buf, dv, p, plen))';
    } else if (!a.multi && a.kind === K_BINARY && a.display === D_MAC && !a.struct) {
      if (macHeads.length === 0) {
        macHeads = new Array<string | undefined>(65536).fill(undefined);
        macTails = new Array<string | undefined>(65536).fill(undefined);
      }
      value = `(plen === 6 ? rt.mac6(buf, p) : rt.decodeValue(${ref(a)}, buf, dv, p, plen, o))`;
    } else if (!a.multi && a.kind === K_STRING && !a.struct) {
      value = 'rt.string(buf, p, plen)';
    } else if (!a.multi && a.kind === K_BINARY && a.struct && !a.structArray && structExpr(a.struct, 'p', () => '') !== undefined) {
      // A payload shorter than the struct (an older kernel's) is zero-filled by the generic decoder.
      value = `(plen >= ${a.struct.size} ? ${structExpr(a.struct, 'p', ref)} : rt.decodeValue(${ref(a)}, buf, dv, p, plen, o))`;
    } else {
      const call = `rt.decodeValue(${ref(a satisfies Attr)}, buf, dv, p, plen, o)`;
      if (a.multi) {
        lines.push(`    case ${a.value}: { const v = ${call}; const l = ${key}; if (l === undefined) ${key} = [v]; else l.push(v); break; }`);
        continue;
      }
      value = call;
    }
    lines.push(`    case ${a.value}: ${key} = ${value}; break;`);
  }
  lines.push(
    `    default: rt.unknown(o, dv.getUint16(at + 2, true) & ${NLA_TYPE_MASK}, buf, p, plen);`,
    '  }',
    `  at += (len + ${ALIGNTO - 1}) & ${~(ALIGNTO - 1)};`,
    '}',
  );
}

/** A nested set's walk as a function of its own: the same code as a message's attributes, into a plain object. */
function compileSetWalk(set: CompiledSet): NestedWalk {
  const consts: unknown[] = [];
  const ref = (v: unknown): string => {
    consts.push(v);
    return `c[${consts.length - 1}]`;
  };
  const lines = ['const o = {};', 'let at = start;'];
  walkLines(set, ref, lines);
  lines.push('return o;');
  const body = `return function walk_${set.name.replace(/\W/g, '_')}(buf, dv, start, end) {\n${lines.join('\n')}\n};`;
  return new Function('rt', 'c', body)(runtime, consts) as NestedWalk;
}
