/**
 * The Schema: a family's declaration compiled (compiler.ts), with the decoder and the encoder over it — the
 * generic ones (decode.ts, encode.ts) at first, JIT code built for it at run time (jit.ts, jit-encode.ts) once a message,
 * struct or set has been used JIT_AFTER times.
 */
import { DecodeError, Writer, align4 } from '../wire/index.js';
import type { CompiledMessage } from './compiled.js';
import { Compiler } from './compiler.js';
import type { FamilyDecl } from './declaration.js';
import { decodeAttrList, decodeMessage } from './decode.js';
import { PathRecorder, encodeBody } from './encode.js';
import { compileDecoder } from './jit.js';
import { JIT_AFTER } from './kinds.js';
import { AttrReader } from './reader.js';

export type { Attr, CompiledMessage, CompiledSet, CompiledStruct, Field } from './compiled.js';
export { PathRecorder } from './encode.js';
export { AttrReader, type AttrId, type ReadKind, type ReaderIds } from './reader.js';
export { GENL_HDRLEN, JIT_AFTER, MAX_NESTING, SchemaError, UNKNOWN_ATTRIBUTES, type RawAttribute } from './kinds.js';

/**
 * A family compiled into decoder tables and encoders. Build it once per family (module scope) and reuse it.
 */
export class Schema<F extends FamilyDecl = FamilyDecl> extends Compiler<F> {
  /** Decode a message body (after nlmsghdr, and after genlmsghdr for genetlink) into one flat object. */
  decodeBody(name: string | CompiledMessage, buf: Uint8Array, start: number, end: number, view?: DataView): Record<string, unknown> {
    const m = typeof name === 'string' ? this.message(name) : name;
    const dv = view ?? new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    // length, not byteLength: the same for bytes, and V8 reads it inline where byteLength on a Buffer costs a call.
    if (end > buf.length || start > end) throw new DecodeError(`message body [${start}, ${end}) runs past the buffer`, start);
    let fast = m.fast;
    if (fast === undefined) {
      if (++m.uses < JIT_AFTER) return decodeMessage(m, buf, dv, start, end);
      fast = m.fast = compileDecoder(m);
    }
    if (!m.header || end - start >= m.header.size) {
      const o = fast(buf, dv, start, end);
      if (o !== null) return o;
    }
    return decodeMessage(m, buf, dv, start, end);
  }

  /** Decode the attributes in buf[start, end) with the named attribute set. */
  decodeAttributes(set: string, buf: Uint8Array, start: number, end: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    decodeAttrList(this.set(set), buf, new DataView(buf.buffer, buf.byteOffset, buf.byteLength), start, end, out);
    return out;
  }

  /**
   * An in-place reader of the named attribute set (reader.ts): one per consumer, reused for every message it reads.
   * A message's attributes start `attributesAt(message)` bytes into its body.
   */
  reader<S extends keyof F['attributeSets'] & string>(set: S): AttrReader<F, S> {
    return new AttrReader<F, S>(this.set(set));
  }

  /** Where a message's attributes start in its body: after its fixed header, aligned. */
  attributesAt(name: string): number {
    const h = this.message(name).header;
    return h ? align4(h.size) : 0;
  }

  /** Append a message body (fixed header + attributes) for `value` to `w`. */
  encodeBody(name: string | CompiledMessage, value: Readonly<Record<string, unknown>>, w: Writer, rec?: PathRecorder): void {
    encodeBody(typeof name === 'string' ? this.message(name) : name, value, w, rec);
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
