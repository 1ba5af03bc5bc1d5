import { align4 } from './align.js';
import { DecodeError } from './errors.js';

/** sizeof(struct nlattr): len u16, type u16; the payload follows, padded to 4 bytes. */
export const NLA_HDRLEN = 4;
/** Type bit: the payload is itself attributes (strict kernel policies require it on nests). */
export const NLA_F_NESTED = 0x8000;
/** Type bit: the payload is in network byte order (big-endian). */
export const NLA_F_NET_BYTEORDER = 0x4000;
/** The type bits without NLA_F_NESTED and NLA_F_NET_BYTEORDER. */
export const NLA_TYPE_MASK = ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER) & 0xffff;

const utf8 = new TextDecoder();

/**
 * The one check of an attribute header that every walk makes (this decoder, the schema's generic decoder and the
 * code it generates): the DecodeError for an nla_len `len` at `at` with `left` bytes to the container's end, or
 * null when the attribute fits. The next attribute starts at `at + align4(len)`.
 */
export function attributeFault(len: number, left: number, at: number): DecodeError | null {
  if (len < NLA_HDRLEN) return new DecodeError(`attribute length ${len} is shorter than its header`, at);
  if (len > left) return new DecodeError(`attribute length ${len} runs past the end of its container (${left} bytes left)`, at);
  return null;
}

/**
 * Walks the attributes in buf[start, end). Errors are sticky: a malformed header stops the walk and is left in
 * `error`, to be checked once after the loop, so callers need no try/catch around every read.
 *
 *   const d = new AttributeDecoder(buf, start, end);
 *   while (d.next()) if (d.type === IFLA_MTU) mtu = d.u32();
 *   if (d.error) throw d.error;
 *
 * The accessors read the current attribute's payload; a payload shorter than the value read is a DecodeError
 * too (sticky, the accessor then returns 0 or an empty value).
 */
export class AttributeDecoder {
  /** The buffer's DataView, shared with nested decoders. */
  readonly view: DataView;
  /** The attribute type without the NESTED and NET_BYTEORDER bits. */
  type = 0;
  /** The current attribute had NLA_F_NESTED. */
  nested = false;
  /** The current attribute had NLA_F_NET_BYTEORDER. */
  byteOrder = false;
  /** Start of the current attribute's payload in buf. */
  offset = 0;
  /** Payload length (nla_len minus the header). */
  length = 0;
  /** The first malformed header or short payload met, here or in a nest of it; the walk stops there. */
  error: DecodeError | null = null;
  private next_ : number;

  constructor(
    readonly buf: Uint8Array,
    start: number,
    private readonly end: number,
    view?: DataView,
    private readonly parent?: AttributeDecoder,
  ) {
    this.view = view ?? new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.next_ = start;
    if (end > buf.byteLength) this.fail(`attribute area ends at ${end}, past the buffer (${buf.byteLength} bytes)`, start);
    else if (start < 0 || start > end) this.fail(`attribute area [${start}, ${end}) is not inside the buffer`, Math.max(0, start));
  }

  /** Advance to the next attribute; false at the end or on an error. */
  next(): boolean {
    if (this.error) return false;
    const at = this.next_;
    const left = this.end - at;
    // Fewer than 4 bytes left is trailing alignment, which the kernel ignores too.
    if (left < NLA_HDRLEN) return false;
    const len = this.view.getUint16(at, true);
    if (len < NLA_HDRLEN || len > left) return this.failWith(attributeFault(len, left, at)!);
    const raw = this.view.getUint16(at + 2, true);
    this.type = raw & NLA_TYPE_MASK;
    this.nested = (raw & NLA_F_NESTED) !== 0;
    this.byteOrder = (raw & NLA_F_NET_BYTEORDER) !== 0;
    this.offset = at + NLA_HDRLEN;
    this.length = len - NLA_HDRLEN;
    this.next_ = at + align4(len);
    return true;
  }

  /** A decoder over the current attribute's payload. Its errors also land in this decoder's `error`. */
  nest(): AttributeDecoder {
    return new AttributeDecoder(this.buf, this.offset, this.offset + this.length, this.view, this);
  }

  /** The payload as a u8. */
  u8(): number { return this.need(1) ? this.view.getUint8(this.offset) : 0; }
  /** The payload as a u16 in host (little-endian) byte order. */
  u16(): number { return this.need(2) ? this.view.getUint16(this.offset, true) : 0; }
  /** The payload as a u32 in host byte order. */
  u32(): number { return this.need(4) ? this.view.getUint32(this.offset, true) : 0; }
  /** The payload as a u64 in host byte order. */
  u64(): bigint { return this.need(8) ? this.view.getBigUint64(this.offset, true) : 0n; }
  /** The payload as an s8. */
  s8(): number { return this.need(1) ? this.view.getInt8(this.offset) : 0; }
  /** The payload as an s16 in host byte order. */
  s16(): number { return this.need(2) ? this.view.getInt16(this.offset, true) : 0; }
  /** The payload as an s32 in host byte order. */
  s32(): number { return this.need(4) ? this.view.getInt32(this.offset, true) : 0; }
  /** The payload as an s64 in host byte order. */
  s64(): bigint { return this.need(8) ? this.view.getBigInt64(this.offset, true) : 0n; }
  /** The payload as a u16 in network byte order (ports, NLA_F_NET_BYTEORDER values). */
  u16be(): number { return this.need(2) ? this.view.getUint16(this.offset, false) : 0; }
  /** The payload as a u32 in network byte order. */
  u32be(): number { return this.need(4) ? this.view.getUint32(this.offset, false) : 0; }
  /** The payload as a u64 in network byte order. */
  u64be(): bigint { return this.need(8) ? this.view.getBigUint64(this.offset, false) : 0n; }

  /** The payload as text, up to the first NUL (the kernel NUL-terminates most strings, not all). */
  string(): string {
    const b = this.buf.subarray(this.offset, this.offset + this.length);
    const nul = b.indexOf(0);
    return utf8.decode(nul < 0 ? b : b.subarray(0, nul));
  }

  /** The payload without copying; valid as long as the datagram buffer is. */
  bytes(): Uint8Array {
    return this.buf.subarray(this.offset, this.offset + this.length);
  }

  private need(n: number): boolean {
    if (this.length >= n) return true;
    this.fail(`attribute type ${this.type} has ${this.length} payload bytes, expected ${n}`, this.offset - NLA_HDRLEN);
    return false;
  }

  protected fail(message: string, offset: number): false {
    return this.failWith(new DecodeError(message, offset));
  }

  protected failWith(error: DecodeError): false {
    this.error ??= error;
    this.parent?.failWith(error);
    return false;
  }
}
