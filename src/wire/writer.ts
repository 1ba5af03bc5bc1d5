import { align4 } from './align.js';
import { NLMSG_HDRLEN } from './message.js';

const NLA_HDRLEN = 4;

/**
 * A growable buffer that netlink messages and attributes are encoded into. Host byte order is little-endian
 * on every platform Node.js runs Linux on in practice; the *be methods serve NLA_F_NET_BYTEORDER values.
 */
export class Writer {
  /** The buffer written into; replaced by a larger one when it fills up. */
  buf: Buffer;
  /** A DataView of `buf`, replaced with it. */
  view: DataView;
  /** Bytes written so far; setting it lower drops what came after. */
  length = 0;

  constructor(initialSize = 4096) {
    this.buf = Buffer.allocUnsafe(initialSize);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }

  /** Make room for `n` more bytes and return the offset where they start. */
  reserve(n: number): number {
    const at = this.length;
    const need = at + n;
    // length, not byteLength: the same for a Buffer, and V8 reads it inline where byteLength costs a call.
    if (need > this.buf.length) {
      let size = this.buf.byteLength * 2;
      while (size < need) size *= 2;
      const next = Buffer.allocUnsafe(size);
      this.buf.copy(next, 0, 0, at);
      this.buf = next;
      this.view = new DataView(next.buffer, next.byteOffset, next.byteLength);
    }
    this.length = need;
    return at;
  }

  /** Append a u8. */
  u8(v: number): void {
    const at = this.reserve(1);
    this.view.setUint8(at, v);
  }
  /** Append a u16 in host (little-endian) byte order. */
  u16(v: number): void {
    const at = this.reserve(2);
    this.view.setUint16(at, v, true);
  }
  /** Append a u32 in host byte order. */
  u32(v: number): void {
    const at = this.reserve(4);
    this.view.setUint32(at, v, true);
  }
  /** Append a u64 in host byte order. */
  u64(v: bigint | number): void {
    const at = this.reserve(8);
    this.view.setBigUint64(at, BigInt(v), true);
  }
  /** Append an s8. */
  s8(v: number): void {
    const at = this.reserve(1);
    this.view.setInt8(at, v);
  }
  /** Append an s16 in host byte order. */
  s16(v: number): void {
    const at = this.reserve(2);
    this.view.setInt16(at, v, true);
  }
  /** Append an s32 in host byte order. */
  s32(v: number): void {
    const at = this.reserve(4);
    this.view.setInt32(at, v, true);
  }
  /** Append an s64 in host byte order. */
  s64(v: bigint | number): void {
    const at = this.reserve(8);
    this.view.setBigInt64(at, BigInt(v), true);
  }
  /** Append a u16 in network byte order (for NLA_F_NET_BYTEORDER attributes and ports). */
  u16be(v: number): void {
    const at = this.reserve(2);
    this.view.setUint16(at, v, false);
  }
  /** Append a u32 in network byte order. */
  u32be(v: number): void {
    const at = this.reserve(4);
    this.view.setUint32(at, v, false);
  }
  /** Append a u64 in network byte order. */
  u64be(v: bigint | number): void {
    const at = this.reserve(8);
    this.view.setBigUint64(at, BigInt(v), false);
  }

  /** Append bytes as they are. */
  bytes(b: Uint8Array): void {
    const at = this.reserve(b.byteLength);
    this.buf.set(b, at);
  }

  /** Append n zero bytes (reserved fields, padding). */
  zeros(n: number): void {
    const at = this.reserve(n);
    // Padding is 1 to 3 bytes: stores, not Buffer.fill's argument checks.
    if (n < 8) for (let i = at; i < at + n; i++) this.buf[i] = 0;
    else this.buf.fill(0, at, at + n);
  }

  /** A string, NUL-terminated unless `nul` is false (the kernel's NLA_NUL_STRING vs NLA_STRING). */
  string(s: string, nul = true): void {
    const n = Buffer.byteLength(s);
    const at = this.reserve(n + (nul ? 1 : 0));
    this.buf.write(s, at);
    if (nul) this.buf[at + n] = 0;
  }

  /** Zero-pad to the next 4-byte boundary. */
  pad(): void {
    const n = align4(this.length) - this.length;
    if (n) this.zeros(n);
  }

  /** Open an attribute; write its payload, then call endAttr with the returned offset. */
  beginAttr(type: number): number {
    const at = this.reserve(NLA_HDRLEN);
    this.view.setUint16(at + 2, type, true);
    return at;
  }

  /** Close the attribute opened at `start`: set its length and pad to 4 bytes. */
  endAttr(start: number): void {
    this.view.setUint16(start, this.length - start, true);
    this.pad();
  }

  /** Open a message; seq and pid stay 0 for the socket to fill in. */
  beginMessage(type: number, flags: number): number {
    const at = this.reserve(NLMSG_HDRLEN);
    this.view.setUint16(at + 4, type, true);
    this.view.setUint16(at + 6, flags, true);
    this.view.setUint32(at + 8, 0, true);
    this.view.setUint32(at + 12, 0, true);
    return at;
  }

  /** Close the message opened at `start`: set nlmsg_len and pad to 4 bytes. */
  endMessage(start: number): void {
    this.view.setUint32(start, this.length - start, true);
    this.pad();
  }

  /** A copy of what was written, independent of later writes. */
  finish(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.length));
  }

  /** The written bytes without copying; valid until the next write or reset. */
  bytesView(): Buffer {
    return this.buf.subarray(0, this.length);
  }

  /** Forget what was written, keeping the buffer for the next message. */
  reset(): void {
    this.length = 0;
  }
}
