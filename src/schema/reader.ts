/**
 * In-place attribute readers: one walk over an attribute set's TLVs records where each attribute's payload starts,
 * by type number, and accessors read values straight from the buffer when asked — no object per attribute, no
 * decoded message. For consumers that look at a few attributes of hundreds of thousands of messages (ss, tc's and
 * conntrack's listings) and print from the bytes. The walk is JIT code made from the declaration (its payload size
 * checks are the decoder's, so an accessor never reads past its attribute); the attributes' ids, and which
 * accessor each takes, are typed from the declaration literal:
 *
 *   const r = sockDiagSchema.reader('inet-diag-attrs');
 *   if (r.walk(buf, dv, start, end)) mark = r.u32(r.id.mark);
 *
 * A repeated (multi) attribute reads as its last occurrence; a nest is walked only when `nested` asks for it.
 */
import { ALIGNTO, NLA_HDRLEN, NLA_TYPE_MASK, align4 } from '../wire/index.js';
import type { CompiledSet } from './compiled.js';
import type { FamilyDecl } from './declaration.js';
import { K_BITFIELD32, K_NEST, K_SINT, K_UINT, MAX_NESTING, intSize } from './kinds.js';

declare const readBrand: unique symbol;

/** How an attribute's value is read: which accessor takes it. */
export type ReadKind = 'u8' | 'u16' | 'u32' | 'u64' | 'be16' | 'be32' | 'be64' | 'string' | 'binary' | 'nest';

/** An attribute's type number, branded with the accessor that reads it (and, for a nest, its set's name). */
export type AttrId<K extends ReadKind, N = unknown> = number & { readonly [readBrand]: K; readonly set?: N };

type Endian<A, LE extends ReadKind, BE extends ReadKind> = A extends { byteOrder: 'big-endian' } ? BE : LE;
/** The accessor of a declared attribute: integers by size and byte order, strings, nests, and bytes for the rest. */
type ReadKindOf<A> = A extends { type: 'u8' }
  ? 'u8'
  : A extends { type: 'u16' }
    ? Endian<A, 'u16', 'be16'>
    : A extends { type: 'u32' }
      ? Endian<A, 'u32', 'be32'>
      : A extends { type: 'u64' }
        ? Endian<A, 'u64', 'be64'>
        : A extends { type: 'string' }
          ? 'string'
          : A extends { type: 'nest'; nested: string }
            ? 'nest'
            : 'binary';

/** A set's attribute ids by name, typed from the declaration literal. */
export type ReaderIds<F extends FamilyDecl, S> = string extends S
  ? Readonly<Record<string, AttrId<ReadKind, string>>>
  : S extends keyof F['attributeSets']
  ? { readonly [A in F['attributeSets'][S]['attributes'][number] as A['name']]: AttrId<ReadKindOf<A>, A extends { nested: infer N } ? N : never> }
  : never;

/** The walk of one set: records payload offsets into the reader; false where the decoder would throw. */
type Walk = (r: AttrReader, dv: DataView, start: number, end: number) => boolean;

const walks = new WeakMap<CompiledSet, Walk>();

/**
 * The JIT walk of `set`: the attribute header checks of src/wire (attributeFault) and, per declared attribute, the
 * decoder's payload size check (decode.ts `need`), inlined; an undeclared type is recorded as the set's last slot.
 */
function compileWalk(set: CompiledSet): Walk {
  const slots = set.byType.length;
  const lines = [
    'const epoch = r.next(), at = r.at, len = r.len, seen = r.seen, order = r.order;',
    'let n = 0;',
    `while (end - start >= ${NLA_HDRLEN}) {`,
    '  const l = dv.getUint16(start, true);',
    `  if (l < ${NLA_HDRLEN} || l > end - start) return r.done(n, false);`,
    `  let t = dv.getUint16(start + 2, true) & ${NLA_TYPE_MASK};`,
    `  const plen = l - ${NLA_HDRLEN};`,
    '  switch (t) {',
  ];
  // The decoder's table: of two declarations of one type, the one it decodes with.
  for (const a of set.byType) {
    if (!a) continue;
    const need = a.kind < K_UINT ? intSize[a.kind]! : a.kind === K_BITFIELD32 ? 8 : 0;
    if (need) lines.push(`    case ${a.value}: if (plen < ${need}) return r.done(n, false); break;`);
    // uint/sint: 8 bytes, or at least 4.
    else if (a.kind === K_UINT || a.kind === K_SINT) lines.push(`    case ${a.value}: if (plen !== 8 && plen < 4) return r.done(n, false); break;`);
    else lines.push(`    case ${a.value}: break;`);
  }
  lines.push(
    `    default: t = ${slots};`,
    '  }',
    `  at[t] = start + ${NLA_HDRLEN};`,
    '  len[t] = plen;',
    '  seen[t] = epoch;',
    '  if (n < order.length) order[n] = t;',
    '  n++;',
    `  start += (l + ${ALIGNTO - 1}) & ${~(ALIGNTO - 1)};`,
    '}',
    'return r.done(n, true);',
  );
  return new Function('r', 'dv', 'start', 'end', lines.join('\n')) as Walk;
}

const utf8 = new TextDecoder();

/**
 * The reader of one attribute set (Schema.reader makes it). Reuse it: each `walk` forgets the last. Accessors
 * return undefined for an attribute the last walk did not meet; values are valid until the buffer changes.
 */
export class AttrReader<F extends FamilyDecl = FamilyDecl, S = string> {
  /** The set's attribute ids by name: what the accessors take. */
  readonly id: ReaderIds<F, S>;
  /** The buffer of the last walk. */
  buf: Uint8Array = new Uint8Array(0);
  /** Its DataView. */
  dv: DataView = new DataView(new ArrayBuffer(0));
  /** @internal Payload offset, payload length and the walk that saw it, by type (one slot for undeclared types). */
  readonly at: Int32Array;
  /** @internal */
  readonly len: Int32Array;
  /** @internal */
  readonly seen: Uint32Array;
  /** @internal The types of the last walk's attributes in order (the first `order.length` of them). */
  readonly order = new Int32Array(64);
  /** @internal The declared attributes by type (the set's decoder table). */
  readonly table: CompiledSet['byType'];
  /** How many attributes the last walk met. */
  count = 0;
  private epoch = 0;
  private readonly walker: Walk;
  private children: (AttrReader | undefined)[] = [];

  constructor(
    readonly set: CompiledSet,
    private readonly depth = 0,
  ) {
    this.table = set.byType;
    const slots = set.byType.length + 1;
    this.at = new Int32Array(slots);
    this.len = new Int32Array(slots);
    this.seen = new Uint32Array(slots);
    let walker = walks.get(set);
    if (!walker) walks.set(set, (walker = compileWalk(set)));
    this.walker = walker;
    const ids: Record<string, number> = {};
    for (const a of set.attrs) ids[a.name] = a.value;
    this.id = ids as ReaderIds<F, S>;
  }

  /** @internal A new walk's epoch (a wrap clears what older walks saw). */
  next(): number {
    if (++this.epoch === 0x100000000) {
      this.seen.fill(0);
      this.epoch = 1;
    }
    return this.epoch;
  }

  /** @internal */
  done(n: number, ok: boolean): boolean {
    this.count = n;
    return ok;
  }

  /**
   * Walk the attributes in buf[start, end) (`dv` over the same bytes). False where a header or a declared payload
   * is malformed (what the schema's decoder throws a DecodeError for); what was met before it stays readable.
   */
  walk(buf: Uint8Array, dv: DataView, start: number, end: number): boolean {
    this.buf = buf;
    this.dv = dv;
    if (end > buf.length || start < 0 || start > end) {
      this.next();
      this.count = 0;
      return false;
    }
    return this.walker(this as unknown as AttrReader, dv, start, end);
  }

  /** Whether the last walk met the attribute. */
  has(id: AttrId<ReadKind>): boolean {
    return this.seen[id] === this.epoch;
  }

  /** The attributes `ids` as a mask for `only` (made once, beside the reader). */
  mask(ids: readonly AttrId<ReadKind>[]): Uint8Array {
    const m = new Uint8Array(this.at.length);
    for (const id of ids) m[id] = 1;
    return m;
  }

  /** Whether every attribute the last walk met is in `mask` (an undeclared type never is). */
  only(mask: Uint8Array): boolean {
    const n = this.count;
    if (n > this.order.length) return false;
    const order = this.order;
    for (let i = 0; i < n; i++) if (mask[order[i]!] !== 1) return false;
    return true;
  }

  /** Where the attribute's payload starts in `buf`; -1 when absent. */
  offset(id: AttrId<ReadKind>): number {
    return this.seen[id] === this.epoch ? this.at[id]! : -1;
  }

  /** The attribute's payload length; -1 when absent. */
  length(id: AttrId<ReadKind>): number {
    return this.seen[id] === this.epoch ? this.len[id]! : -1;
  }

  u8(id: AttrId<'u8'>): number | undefined {
    return this.seen[id] === this.epoch ? this.buf[this.at[id]!] : undefined;
  }

  u16(id: AttrId<'u16'>): number | undefined {
    return this.seen[id] === this.epoch ? this.dv.getUint16(this.at[id]!, true) : undefined;
  }

  u32(id: AttrId<'u32'>): number | undefined {
    return this.seen[id] === this.epoch ? this.dv.getUint32(this.at[id]!, true) : undefined;
  }

  u64(id: AttrId<'u64'>): bigint | undefined {
    return this.seen[id] === this.epoch ? this.dv.getBigUint64(this.at[id]!, true) : undefined;
  }

  be16(id: AttrId<'be16'>): number | undefined {
    return this.seen[id] === this.epoch ? this.dv.getUint16(this.at[id]!, false) : undefined;
  }

  be32(id: AttrId<'be32'>): number | undefined {
    return this.seen[id] === this.epoch ? this.dv.getUint32(this.at[id]!, false) : undefined;
  }

  be64(id: AttrId<'be64'>): bigint | undefined {
    return this.seen[id] === this.epoch ? this.dv.getBigUint64(this.at[id]!, false) : undefined;
  }

  /** A string attribute up to its NUL, as the decoder reads it. */
  string(id: AttrId<'string'>): string | undefined {
    if (this.seen[id] !== this.epoch) return undefined;
    const p = this.at[id]!;
    const b = this.buf.subarray(p, p + this.len[id]!);
    const nul = b.indexOf(0);
    return utf8.decode(nul < 0 ? b : b.subarray(0, nul));
  }

  /** The attribute's payload as a view of the buffer (no copy). */
  binary(id: AttrId<ReadKind>): Uint8Array | undefined {
    if (this.seen[id] !== this.epoch) return undefined;
    const p = this.at[id]!;
    return this.buf.subarray(p, p + this.len[id]!);
  }

  /**
   * A nest's attributes, walked now by this attribute's reader of the nested set (one, reused: valid until the next
   * `nested` of the same attribute). undefined when absent; null when malformed (the decoder would throw) or
   * nested deeper than MAX_NESTING.
   */
  nested<N>(id: AttrId<'nest', N>): AttrReader<F, N> | null | undefined {
    if (this.seen[id] !== this.epoch) return undefined;
    const a = this.table[id]!;
    if (a.kind !== K_NEST || !a.nested || this.depth >= MAX_NESTING) return null;
    const child = (this.children[id] ??= new AttrReader(a.nested, this.depth + 1));
    const p = this.at[id]!;
    const end = p + this.len[id]!;
    const start = a.header ? Math.min(end, p + align4(a.header.size)) : p;
    return child.walk(this.buf, this.dv, start, end) ? (child as AttrReader<F, N>) : null;
  }
}
