import { align4 } from './align.js';
import { DecodeError } from './errors.js';

/** sizeof(struct nlmsghdr): len u32, type u16, flags u16, seq u32, pid u32. */
export const NLMSG_HDRLEN = 16;

/** Control message: nothing, to be skipped. */
export const NLMSG_NOOP = 1;
/** Control message: an error (negative errno) or, with errno 0, an ACK; struct nlmsgerr and extended-ACK attributes. */
export const NLMSG_ERROR = 2;
/** Control message: the end of a multipart dump, with the dump's errno (0 when it succeeded). */
export const NLMSG_DONE = 3;
/** Control message: data lost. The kernel never sends it: a receive-queue overrun is an ENOBUFS from recvmsg. */
export const NLMSG_OVERRUN = 4;
/** The first message type a family may use: the types below are the control messages above. */
export const NLMSG_MIN_TYPE = 0x10;

/** nlmsg_flags. The same bits mean different things for GET and NEW/DEL requests, as in the kernel. */
export const Flags = {
  REQUEST: 0x01,
  MULTI: 0x02,
  ACK: 0x04,
  ECHO: 0x08,
  DUMP_INTR: 0x10,
  DUMP_FILTERED: 0x20,
  // GET requests
  ROOT: 0x100,
  MATCH: 0x200,
  ATOMIC: 0x400,
  DUMP: 0x300,
  // NEW requests
  REPLACE: 0x100,
  EXCL: 0x200,
  CREATE: 0x400,
  APPEND: 0x800,
  // DELETE requests
  NONREC: 0x100,
  BULK: 0x200,
  // ACKs
  CAPPED: 0x100,
  ACK_TLVS: 0x200,
} as const;

/**
 * One netlink message inside a received datagram. Nothing is copied: `buf` is the datagram, and the payload is
 * `buf[payload, offset + length)`. Each datagram gets its own buffer, so a Message stays valid after the
 * socket receives more.
 */
export interface Message {
  type: number;
  flags: number;
  seq: number;
  pid: number;
  buf: Uint8Array;
  view: DataView;
  /** Offset of the nlmsghdr in `buf`. */
  offset: number;
  /** nlmsg_len: header plus payload, without trailing alignment. */
  length: number;
  /** Offset of the payload in `buf` (offset + 16). */
  payload: number;
}

/** The end of a message's payload in its buffer. */
export function payloadEnd(m: Message): number {
  return m.offset + m.length;
}

/**
 * Split a datagram into its messages. Throws DecodeError on a length that is shorter than a header or runs
 * past the datagram; never loops, since every step advances by at least NLMSG_HDRLEN.
 */
export function parseMessages(buf: Uint8Array, start = 0, end = buf.byteLength): Message[] {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const out: Message[] = [];
  let off = start;
  while (end - off >= NLMSG_HDRLEN) {
    const length = view.getUint32(off, true);
    if (length < NLMSG_HDRLEN) throw new DecodeError(`netlink message length ${length} is shorter than its header`, off);
    if (length > end - off) throw new DecodeError(`netlink message length ${length} runs past the datagram end (${end - off} bytes left)`, off);
    out.push({
      type: view.getUint16(off + 4, true),
      flags: view.getUint16(off + 6, true),
      seq: view.getUint32(off + 8, true),
      pid: view.getUint32(off + 12, true),
      buf,
      view,
      offset: off,
      length,
      payload: off + NLMSG_HDRLEN,
    });
    off += align4(length);
  }
  // Fewer bytes than a header left over: the kernel never sends that, so it means corruption.
  if (off < end) throw new DecodeError(`${end - off} trailing bytes after the last message`, off);
  return out;
}

/** Write an nlmsghdr at `off`; `seq` and `pid` are usually filled in by the socket when sending. */
export function writeHeader(view: DataView, off: number, length: number, type: number, flags: number, seq = 0, pid = 0): void {
  view.setUint32(off, length, true);
  view.setUint16(off + 4, type, true);
  view.setUint16(off + 6, flags, true);
  view.setUint32(off + 8, seq, true);
  view.setUint32(off + 12, pid, true);
}

/** Names of the set bits in nlmsg_flags, for messages and error texts. */
export function describeFlags(flags: number, request: 'get' | 'new' | 'delete' | 'ack' = 'get'): string[] {
  const names: string[] = [];
  const common: [number, string][] = [[0x01, 'REQUEST'], [0x02, 'MULTI'], [0x04, 'ACK'], [0x08, 'ECHO'], [0x10, 'DUMP_INTR'], [0x20, 'DUMP_FILTERED']];
  const specific: Record<typeof request, [number, string][]> = {
    get: [[0x100, 'ROOT'], [0x200, 'MATCH'], [0x400, 'ATOMIC']],
    new: [[0x100, 'REPLACE'], [0x200, 'EXCL'], [0x400, 'CREATE'], [0x800, 'APPEND']],
    delete: [[0x100, 'NONREC'], [0x200, 'BULK']],
    ack: [[0x100, 'CAPPED'], [0x200, 'ACK_TLVS']],
  };
  for (const [bit, name] of [...common, ...specific[request]]) if (flags & bit) names.push(name);
  return names;
}
