/**
 * Netlink captures as files: pcapng written, pcapng and classic pcap read, with link type LINKTYPE_NETLINK (253) —
 * the format of the kernel's nlmon device, which tcpdump, tshark and Wireshark read. Each packet is one netlink
 * datagram behind the 16-byte "cooked" header nlmon captures carry (libpcap's sll_header, big-endian fields):
 *
 *   pkttype u16 | hatype u16 = ARPHRD_NETLINK (824) | halen u16 | addr[8] | protocol u16 (NETLINK_ROUTE, ...)
 *
 * On nlmon every packet has pkttype PACKET_OUTGOING (the kernel taps it on transmit) and no address. Ours say more,
 * where readers of nlmon captures look for nothing: pkttype PACKET_OUTGOING for what the socket sent, PACKET_HOST
 * for unicast it received, PACKET_MULTICAST for a group's notification; the address (halen 8) is the peer's
 * sockaddr_nl — nl_pid and nl_groups, big-endian; and the pcapng EPB flags give the direction too.
 */
import { DecodeError } from './errors.js';

/** The pcap/pcapng link type of netlink captures (the kernel's nlmon device). */
export const LINKTYPE_NETLINK = 253;
/** The ARPHRD type nlmon reports, in the cooked header's hatype field. */
export const ARPHRD_NETLINK = 824;
/** sizeof(struct sll_header). */
export const COOKED_HEADER_LEN = 16;

/** sll_pkttype values (linux/if_packet.h), as libpcap writes them. */
export const PacketType = { HOST: 0, BROADCAST: 1, MULTICAST: 2, OTHERHOST: 3, OUTGOING: 4 } as const;

const BLOCK_SHB = 0x0a0d0d0a;
const BLOCK_IDB = 1;
const BLOCK_EPB = 6;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const PCAP_MAGIC_US = 0xa1b2c3d4;
const PCAP_MAGIC_NS = 0xa1b23c4d;
const OPT_END = 0;
const OPT_COMMENT = 1;
const OPT_SHB_USERAPPL = 4;
const OPT_IF_NAME = 2;
const OPT_IF_TSRESOL = 9;
const OPT_EPB_FLAGS = 2;
/** epb_flags bits 0-1: the direction. */
const EPB_INBOUND = 1;
const EPB_OUTBOUND = 2;

/** One datagram of a capture. */
export interface CapturedDatagram {
  /** 'sent' went from the capturing socket (to the kernel, or to the port in `peer`); 'received' came to it. */
  direction: 'sent' | 'received';
  /** The netlink protocol (NETLINK_ROUTE = 0, NETLINK_GENERIC = 16, ...). */
  protocol: number;
  /** The other end (nl_pid, and the multicast group for notifications), when the capture says. */
  peer: { portId: number; group: number } | undefined;
  /** Nanoseconds since the Unix epoch. */
  timestamp: bigint;
  /** Which interface of the file: nlkit writes one per socket. */
  interfaceId: number;
  /** The netlink messages, as they went over the socket. */
  data: Uint8Array;
}

class Bytes {
  buf = Buffer.alloc(256);
  length = 0;
  private view = new DataView(this.buf.buffer);
  private room(n: number): number {
    const at = this.length;
    if (at + n > this.buf.length) {
      const next = Buffer.alloc(Math.max(this.buf.length * 2, at + n));
      this.buf.copy(next, 0, 0, at);
      this.buf = next;
      this.view = new DataView(next.buffer, next.byteOffset, next.byteLength);
    }
    this.length += n;
    return at;
  }
  u16(v: number, littleEndian = true): void {
    const at = this.room(2);
    this.view.setUint16(at, v, littleEndian);
  }
  u32(v: number, littleEndian = true): void {
    const at = this.room(4);
    this.view.setUint32(at, v, littleEndian);
  }
  bytes(b: Uint8Array): void {
    const at = this.room(b.byteLength); // before reading this.buf, which room() may replace
    this.buf.set(b, at);
  }
  pad(): void { this.room((4 - (this.length & 3)) & 3); }
  option(code: number, value: Uint8Array): void {
    this.u16(code);
    this.u16(value.byteLength);
    this.bytes(value);
    this.pad();
  }
  /** Close a block opened at `start`: its total length goes at both ends. */
  endBlock(start: number): Uint8Array {
    this.u32(this.length - start + 4);
    this.view.setUint32(start + 4, this.length - start, true);
    return this.buf.subarray(start, this.length);
  }
}

/**
 * The Section Header Block that starts a file (host byte order, little-endian here). `comment` (opt_comment) says
 * what the recording is of; Wireshark and `capinfos` show it.
 */
export function sectionHeader(application = 'nlkit', comment?: string): Uint8Array {
  const b = new Bytes();
  b.u32(BLOCK_SHB);
  b.u32(0);
  b.u32(BYTE_ORDER_MAGIC);
  b.u16(1); // major
  b.u16(0); // minor
  b.u32(0xffffffff); // section length: unknown (-1 as i64)
  b.u32(0xffffffff);
  if (comment !== undefined) b.option(OPT_COMMENT, Buffer.from(comment));
  b.option(OPT_SHB_USERAPPL, Buffer.from(application));
  b.u32(OPT_END);
  return b.endBlock(0);
}

/** The file with its first section header replaced by one carrying `comment`. */
export function withComment(file: Uint8Array, comment: string): Buffer {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  if (file.byteLength < 12 || view.getUint32(0, true) !== BLOCK_SHB) throw new DecodeError('not a pcapng file written by nlkit', 0);
  return Buffer.concat([sectionHeader('nlkit', comment), file.subarray(view.getUint32(4, true))]);
}

/** An Interface Description Block: LINKTYPE_NETLINK, whole datagrams, nanosecond timestamps. */
export function interfaceDescription(name: string): Uint8Array {
  const b = new Bytes();
  b.u32(BLOCK_IDB);
  b.u32(0);
  b.u16(LINKTYPE_NETLINK);
  b.u16(0);
  b.u32(0); // snaplen: no limit
  b.option(OPT_IF_NAME, Buffer.from(name));
  b.option(OPT_IF_TSRESOL, Uint8Array.of(9));
  b.u32(OPT_END);
  return b.endBlock(0);
}

/** An Enhanced Packet Block holding the cooked header and one datagram. */
export function enhancedPacket(d: CapturedDatagram): Uint8Array {
  const b = new Bytes();
  const length = COOKED_HEADER_LEN + d.data.byteLength;
  b.u32(BLOCK_EPB);
  b.u32(0);
  b.u32(d.interfaceId);
  b.u32(Number(d.timestamp >> 32n));
  b.u32(Number(d.timestamp & 0xffffffffn));
  b.u32(length);
  b.u32(length);
  const group = d.peer?.group ?? 0;
  const type = d.direction === 'sent' ? PacketType.OUTGOING : group ? PacketType.MULTICAST : PacketType.HOST;
  b.u16(type, false);
  b.u16(ARPHRD_NETLINK, false);
  b.u16(d.peer ? 8 : 0, false);
  b.u32(d.peer?.portId ?? 0, false);
  b.u32(group, false);
  b.u16(d.protocol, false);
  b.bytes(d.data);
  b.pad();
  const flags = new Uint8Array(4);
  new DataView(flags.buffer).setUint32(0, d.direction === 'sent' ? EPB_OUTBOUND : EPB_INBOUND, true);
  b.option(OPT_EPB_FLAGS, flags);
  b.u32(OPT_END);
  return b.endBlock(0);
}

interface Interface {
  linktype: number;
  /** Nanoseconds per timestamp unit, as a bigint multiplier (or divisor when negative resolution is finer). */
  toNs: (units: bigint) => bigint;
}

/**
 * Every netlink datagram of a capture file: pcapng (either byte order, any number of sections and interfaces) or
 * classic pcap as `tcpdump -w` writes it. Packets of other link types are skipped; a file that is neither format,
 * or a block that runs past the end, is a DecodeError.
 */
export function* readCapture(file: Uint8Array): Generator<CapturedDatagram> {
  if (file.byteLength < 4) throw new DecodeError('not a capture file: fewer than 4 bytes', 0);
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  if (view.getUint32(0, true) === BLOCK_SHB) yield* readPcapng(file, view);
  else yield* readPcap(file, view);
}

function* readPcapng(file: Uint8Array, view: DataView): Generator<CapturedDatagram> {
  let le = true;
  let interfaces: Interface[] = [];
  let off = 0;
  while (off < file.byteLength) {
    if (file.byteLength - off < 12) throw new DecodeError(`pcapng: a block header cut short at ${off}`, off);
    const type = view.getUint32(off, le);
    if (type === BLOCK_SHB) {
      const magic = view.getUint32(off + 8, true);
      if (magic === BYTE_ORDER_MAGIC) le = true;
      else if (magic === 0x4d3c2b1a) le = false;
      else throw new DecodeError(`pcapng: bad byte-order magic 0x${magic.toString(16)}`, off + 8);
      interfaces = [];
    }
    const length = view.getUint32(off + 4, le);
    if (length < 12 || length % 4 !== 0 || length > file.byteLength - off) {
      throw new DecodeError(`pcapng: block at ${off} claims ${length} bytes`, off + 4);
    }
    const body = off + 8;
    const end = off + length - 4;
    if (type === BLOCK_IDB) {
      const linktype = view.getUint16(body, le);
      let resolution = 6;
      for (const [code, at, len] of options(view, body + 8, end, le)) if (code === OPT_IF_TSRESOL && len >= 1) resolution = view.getUint8(at);
      interfaces.push({ linktype, toNs: scale(resolution) });
    } else if (type === BLOCK_EPB) {
      const interfaceId = view.getUint32(body, le);
      const iface = interfaces[interfaceId];
      if (!iface) throw new DecodeError(`pcapng: a packet of interface ${interfaceId}, which no block described`, body);
      const units = (BigInt(view.getUint32(body + 4, le)) << 32n) | BigInt(view.getUint32(body + 8, le));
      const captured = view.getUint32(body + 12, le);
      const data = body + 20;
      if (captured > end - data) throw new DecodeError(`pcapng: a packet of ${captured} bytes in a block of ${length}`, body + 12);
      let flags = 0;
      for (const [code, at, len] of options(view, data + ((captured + 3) & ~3), end, le)) if (code === OPT_EPB_FLAGS && len === 4) flags = view.getUint32(at, le);
      if (iface.linktype === LINKTYPE_NETLINK) yield cooked(file, data, captured, interfaceId, iface.toNs(units), flags & 3);
    }
    off += length;
  }
}

function* options(view: DataView, start: number, end: number, le: boolean): Generator<[code: number, at: number, length: number]> {
  let at = start;
  while (end - at >= 4) {
    const code = view.getUint16(at, le);
    const len = view.getUint16(at + 2, le);
    if (code === OPT_END || len > end - at - 4) return;
    yield [code, at + 4, len];
    at += 4 + ((len + 3) & ~3);
  }
}

/** if_tsresol: bit 7 clear, 10^-n seconds; set, 2^-n. */
function scale(resolution: number): (units: bigint) => bigint {
  if (resolution & 0x80) {
    const shift = BigInt(resolution & 0x7f);
    return (u) => (u * 1_000_000_000n) >> shift;
  }
  const n = resolution;
  if (n <= 9) {
    const k = 10n ** BigInt(9 - n);
    return (u) => u * k;
  }
  const k = 10n ** BigInt(n - 9);
  return (u) => u / k;
}

function* readPcap(file: Uint8Array, view: DataView): Generator<CapturedDatagram> {
  let le: boolean;
  const magic = view.getUint32(0, true);
  if (magic === PCAP_MAGIC_US || magic === PCAP_MAGIC_NS) le = true;
  else if (view.getUint32(0, false) === PCAP_MAGIC_US || view.getUint32(0, false) === PCAP_MAGIC_NS) le = false;
  else throw new DecodeError(`not a pcap or pcapng file (magic 0x${magic.toString(16)})`, 0);
  const nano = view.getUint32(0, le) === PCAP_MAGIC_NS;
  if (file.byteLength < 24) throw new DecodeError('pcap: the file header is cut short', 0);
  const linktype = view.getUint32(20, le) & 0xffff;
  let off = 24;
  while (off < file.byteLength) {
    if (file.byteLength - off < 16) throw new DecodeError(`pcap: a record header cut short at ${off}`, off);
    const seconds = BigInt(view.getUint32(off, le));
    const fraction = BigInt(view.getUint32(off + 4, le));
    const captured = view.getUint32(off + 8, le);
    if (captured > file.byteLength - off - 16) throw new DecodeError(`pcap: a record of ${captured} bytes runs past the end`, off + 8);
    const timestamp = seconds * 1_000_000_000n + (nano ? fraction : fraction * 1000n);
    if (linktype === LINKTYPE_NETLINK) yield cooked(file, off + 16, captured, 0, timestamp, 0);
    off += 16 + captured;
  }
}

/** The cooked header read; the direction from EPB flags, else the packet type, else (nlmon) the NLM_F_REQUEST bit. */
function cooked(file: Uint8Array, at: number, captured: number, interfaceId: number, timestamp: bigint, direction: number): CapturedDatagram {
  if (captured < COOKED_HEADER_LEN) throw new DecodeError(`a netlink packet of ${captured} bytes has no cooked header`, at);
  const view = new DataView(file.buffer, file.byteOffset + at, captured);
  const hatype = view.getUint16(2, false);
  if (hatype !== ARPHRD_NETLINK) throw new DecodeError(`a netlink packet with hatype ${hatype}, not ARPHRD_NETLINK`, at + 2);
  const pkttype = view.getUint16(0, false);
  const halen = view.getUint16(4, false);
  const data = file.subarray(at + COOKED_HEADER_LEN, at + captured);
  let sent: boolean;
  if (direction !== 0) sent = direction === EPB_OUTBOUND;
  else if (pkttype !== PacketType.OUTGOING || halen === 8) sent = pkttype === PacketType.OUTGOING;
  // nlmon marks everything outgoing: only a request (NLM_F_REQUEST) goes towards the kernel.
  else sent = data.byteLength >= 8 && (new DataView(data.buffer, data.byteOffset, 8).getUint16(6, true) & 1) === 1;
  return {
    direction: sent ? 'sent' : 'received',
    protocol: view.getUint16(14, false),
    peer: halen === 8 ? { portId: view.getUint32(6, false), group: view.getUint32(10, false) } : undefined,
    timestamp,
    interfaceId,
    data,
  };
}
