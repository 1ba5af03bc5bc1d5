/**
 * The compiled form of a declaration (compiler.ts makes it): the tables the generic decoder and encoder walk, and
 * the signatures of the JIT code built from them at run time (jit.ts, jit-encode.ts). Types only.
 */
import type { Writer } from '../wire/index.js';
import type { AttrDecl } from './declaration.js';

export interface CompiledEnum {
  flags: boolean;
  byValue: Map<number, string>;
  byName: Map<string, number>;
  /** The non-zero values and their names, in byValue's order: a flags word is read by index, not by Map iteration. */
  bits: number[];
  bitNames: string[];
  /** The last flags word read and its names (a dump's entries mostly share one): handed out as copies. */
  lastWord?: number;
  lastNames?: (string | number)[];
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
  /** The JIT encoder (jit-encode.ts), made after JIT_AFTER uses; null where the generic one must do. */
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

export interface SubMessageVariantCompiled {
  header: CompiledStruct | undefined;
  set: CompiledSet | undefined;
  /** NLA_F_NESTED on the attribute holding this variant, where the attribute says plainNest. */
  nested: boolean;
}

/** The variants of a sub-message attribute by selector value, each compiled on its first use. */
export interface SubMessage {
  get(key: string): SubMessageVariantCompiled | undefined;
  compileAll(): void;
}

export interface CompiledSet {
  name: string;
  /** JIT encoders (jit-encode.ts), one per fixed header the set is encoded after, made after JIT_AFTER uses. */
  encoders?: Map<CompiledStruct | undefined, SetEncoder>;
  uses: number;
  /** Indexed by attribute type: the decoder's table. */
  byType: (Attr | undefined)[];
  byName: Map<string, Attr>;
  attrs: Attr[];
}

export interface CompiledMessage {
  name: string;
  /** The JIT straight-line decoder (see jit.ts), built once the message has been decoded JIT_AFTER times. */
  fast: FastDecoder | undefined;
  /** Decodes so far, until `fast` is built. */
  uses: number;
  value: number;
  header: CompiledStruct | undefined;
  set: CompiledSet | undefined;
}

/** A message's JIT decoder (jit.ts); null where the generic decoder must take the whole message. */
export type FastDecoder = (buf: Uint8Array, dv: DataView, start: number, end: number) => Record<string, unknown> | null;

/**
 * A struct's JIT encoder (jit-encode.ts): writes `value`'s fields at `at` (the struct's bytes already
 * reserved); `slow(s, path, i, x)` converts field i's value the generic way.
 */
export type StructEncoder = (value: Readonly<Record<string, unknown>>, buf: Uint8Array, dv: DataView, at: number, s: CompiledStruct, path: string, slow: SlowField) => void;
export type SlowField = (s: CompiledStruct, path: string, index: number, x: unknown) => number;

/** The generic encoder of one attribute, which JIT set encoders call for what they do not inline. */
export type EncodeKey = (
  set: CompiledSet, key: string, v: unknown, w: Writer, path: string, rec: undefined,
  header: CompiledStruct | undefined, value: Readonly<Record<string, unknown>>,
) => void;
/** An attribute set's JIT encoder (jit-encode.ts), for one fixed header the set follows. */
export type SetEncoder = (
  value: Readonly<Record<string, unknown>>, w: Writer, set: CompiledSet, path: string, header: CompiledStruct | undefined,
  encodeKey: EncodeKey, parseIPv4Into: (text: string, buf: Uint8Array, at: number) => boolean,
) => void;
