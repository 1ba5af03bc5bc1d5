/**
 * Decoded SOCK_DIAG replies → the objects callers read: states by name, addresses as text, ports as numbers,
 * the extensions under the names the kernel gives them. One function per socket family, called per message on
 * the dump's hot path: no closures, no intermediate arrays.
 */
import { formatIPv6 } from '../../schema/address-text.js';
import { sockDiagFamily } from '../../families/sock_diag/index.js';

/** A TCP state by the kernel's name (`established`, `time-wait`, …), as ss's state words name them. */
export type TcpStateName = keyof typeof sockDiagFamily.enums.tcpState.entries;
export const tcpStates = sockDiagFamily.enums.tcpState.entries;
export const stateNames: readonly (TcpStateName | undefined)[] = (() => {
  const a: (TcpStateName | undefined)[] = [];
  for (const [k, v] of Object.entries(tcpStates)) a[v] = k as TcpStateName;
  return a;
})();

/** The transport protocols SOCK_DIAG answers for over inet and inet6 (IPPROTO_*). */
export const inetProtocols = { tcp: 6, udp: 17, udplite: 136, raw: 255, sctp: 132, dccp: 33, mptcp: 262 } as const;
export type InetKind = keyof typeof inetProtocols;
/** The kinds of socket SOCK_DIAG lists: inet kinds by protocol, and unix, netlink and packet. */
export type SocketKind = InetKind | 'unix' | 'netlink' | 'packet';

/** SK_MEMINFO_*: a socket's memory, as `ss -m` shows it (skmem). */
export interface SkMeminfo {
  rmemAlloc: number; rcvbuf: number; wmemAlloc: number; sndbuf: number; fwdAlloc: number; wmemQueued: number;
  optmem: number; backlog: number; drops: number;
}

/**
 * struct tcp_info with its bit fields split (tcpi_snd_wscale, tcpi_rcv_wscale, …) beside the bytes that hold them
 * (`wscale`, `appLimitedBits`); u64 counters are bigint.
 */
export interface TcpInfo {
  wscale: number; appLimitedBits: number;
  state: number; caState: number; retransmits: number; probes: number; backoff: number; options: number;
  sndWscale: number; rcvWscale: number; deliveryRateAppLimited: boolean; fastopenClientFail: number;
  rto: number; ato: number; sndMss: number; rcvMss: number; unacked: number; sacked: number; lost: number;
  retrans: number; fackets: number; lastDataSent: number; lastAckSent: number; lastDataRecv: number;
  lastAckRecv: number; pmtu: number; rcvSsthresh: number; rtt: number; rttvar: number; sndSsthresh: number;
  sndCwnd: number; advmss: number; reordering: number; rcvRtt: number; rcvSpace: number; totalRetrans: number;
  pacingRate: bigint; maxPacingRate: bigint; bytesAcked: bigint; bytesReceived: bigint; segsOut: number;
  segsIn: number; notsentBytes: number; minRtt: number; dataSegsIn: number; dataSegsOut: number;
  deliveryRate: bigint; busyTime: bigint; rwndLimited: bigint; sndbufLimited: bigint; delivered: number;
  deliveredCe: number; bytesSent: bigint; bytesRetrans: bigint; dsackDups: number; reordSeen: number;
  rcvOoopack: number; sndWnd: number; rcvWnd: number; rehash: number; totalRto: number;
  totalRtoRecoveries: number; totalRtoTime: number;
}

/** A TCP, UDP, UDP-lite, raw, SCTP, DCCP or MPTCP socket over IPv4 or IPv6 (struct inet_diag_msg). */
export interface InetSocket {
  kind: InetKind;
  family: 'inet' | 'inet6';
  state: TcpStateName | number;
  src: string;
  sport: number;
  dst: string;
  dport: number;
  /** The bound interface (idiag_if), 0 for none. */
  ifindex: number;
  rqueue: number;
  wqueue: number;
  uid: number;
  inode: number;
  cookie: bigint;
  /** idiag_timer: 0 none, 1 retransmit, 2 keepalive, 3 TIME-WAIT, 4 zero-window probe. */
  timer: number;
  /** Milliseconds until the timer fires. */
  expires: number;
  retrans: number;
  /** raw sockets: the IP protocol (INET_DIAG_PROTOCOL). */
  protocol?: number;
  v6only?: boolean;
  shutdown?: number;
  mark?: number;
  cgroupId?: bigint;
  tos?: number;
  tclass?: number;
  classId?: number;
  meminfo?: { rmem: number; wmem: number; fmem: number; tmem: number };
  skmeminfo?: SkMeminfo;
  tcpInfo?: TcpInfo;
  congestion?: string;
  vegas?: { enabled: number; rttcnt: number; rtt: number; minrtt: number };
  dctcp?: { enabled: number; ceState: number; alpha: number; abEcn: number; abTot: number };
  bbr?: { bw: bigint; minRtt: number; pacingGain: number; cwndGain: number };
  ulp?: string;
  /** The socket options INET_DIAG_SOCKOPT reports (the kernel sends them for every inet socket), as `ss --inet-sockopt` shows them. */
  sockopt?: InetSockopt;
}

/**
 * struct inet_diag_sockopt, its bit fields split beside the two bytes that hold them (`bits0`, `bits1`).
 */
export interface InetSockopt {
  bits0: number; bits1: number;
  recverr: boolean; isIcsk: boolean; freebind: boolean; hdrincl: boolean; mcLoop: boolean; transparent: boolean;
  mcAll: boolean; nodefrag: boolean; bindAddressNoPort: boolean; recverrRfc4884: boolean; deferConnect: boolean;
}

/** A unix domain socket: type, state, path or abstract name, peer and pending connections. */
export interface UnixSocket {
  kind: 'unix';
  type: 'stream' | 'dgram' | 'seqpacket' | number;
  state: TcpStateName | number;
  inode: number;
  cookie: bigint;
  /** The bound path; an abstract name starts with '@' (its NUL bytes shown as '@', as ss does). */
  path?: string;
  /** The inode of the peer socket. */
  peer?: number;
  rqueue?: number;
  wqueue?: number;
  /** Inodes of connections waiting to be accepted (UNIX_DIAG_ICONS). */
  pending?: number[];
  vfs?: { ino: number; dev: number };
  shutdown?: number;
  uid?: number;
  skmeminfo?: SkMeminfo;
}

/** A netlink socket: protocol, port id, destination and the multicast groups it joined. */
export interface NetlinkSocketInfo {
  kind: 'netlink';
  protocol: number;
  state: TcpStateName | number;
  portid: number;
  dstPortid: number;
  dstGroup: number;
  inode: number;
  cookie: bigint;
  /** The multicast groups joined (numbers from 1). */
  groups?: number[];
  flags?: string[];
  skmeminfo?: SkMeminfo;
}

export interface PacketRing { blockSize: number; blockNr: number; frameSize: number; frameNr: number; retireTmo: number; sizeofPriv: number; features: number }

/** A packet socket: type, protocol, interface, rings and fanout. */
export interface PacketSocket {
  kind: 'packet';
  type: 'raw' | 'dgram' | number;
  /** The bound protocol (an ethertype, 0x0003 ETH_P_ALL). */
  protocol: number;
  inode: number;
  cookie: bigint;
  info?: { index: number; version: number; reserve: number; copyThresh: number; tstamp: number; flags: (string | number)[] };
  rxRing?: PacketRing;
  txRing?: PacketRing;
  fanout?: { id: number; mode: number; flags: number };
  uid?: number;
  skmeminfo?: SkMeminfo;
  mclist?: { index: number; count: number; type: number; alen: number }[];
  /** The attached classic BPF filter: one [code, jt, jf, k] per instruction. */
  filter?: [number, number, number, number][];
}

/** Any socket `sockets.list` returns; `kind` tells which. */
export type SocketInfo = InetSocket | UnixSocket | NetlinkSocketInfo | PacketSocket;

const scratch = new Uint8Array(16);
const scratchView = new DataView(scratch.buffer);

function ipv6(a: number, b: number, c: number, d: number): string {
  scratchView.setUint32(0, a);
  scratchView.setUint32(4, b);
  scratchView.setUint32(8, c);
  scratchView.setUint32(12, d);
  return formatIPv6(scratch);
}

function ipv4(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

type Decoded = Record<string, unknown>;

export function cookieOf(lo: number, hi: number): bigint {
  return (BigInt(hi) << 32n) | BigInt(lo);
}

function tcpInfo(t: Decoded): TcpInfo {
  const w = t.wscale as number;
  const bits = t.appLimitedBits as number;
  // The raw bytes stay (deleting them would turn every object into a slow dictionary); the split fields join them.
  const o = t as unknown as TcpInfo;
  o.sndWscale = w & 15;
  o.rcvWscale = w >> 4;
  o.deliveryRateAppLimited = (bits & 1) !== 0;
  o.fastopenClientFail = (bits >> 1) & 3;
  return o;
}

function sockopt(t: Decoded): InetSockopt {
  const a = t.bits0 as number;
  const b = t.bits1 as number;
  // As tcpInfo: the decoded object gains the split fields, so that no second object is made per socket.
  const o = t as unknown as InetSockopt;
  o.recverr = (a & 1) !== 0;
  o.isIcsk = (a & 2) !== 0;
  o.freebind = (a & 4) !== 0;
  o.hdrincl = (a & 8) !== 0;
  o.mcLoop = (a & 16) !== 0;
  o.transparent = (a & 32) !== 0;
  o.mcAll = (a & 64) !== 0;
  o.nodefrag = (a & 128) !== 0;
  o.bindAddressNoPort = (b & 1) !== 0;
  o.recverrRfc4884 = (b & 2) !== 0;
  o.deferConnect = (b & 4) !== 0;
  return o;
}

/** inet_diag_msg + INET_DIAG_* attributes → InetSocket. `kind` is what was asked for. */
export function inetSocket(m: Decoded, kind: InetKind): InetSocket {
  const id = m.id as Decoded;
  const v4 = m.family === 2;
  const st = m.state as number;
  const s: InetSocket = {
    kind,
    family: v4 ? 'inet' : 'inet6',
    state: stateNames[st] ?? st,
    src: v4 ? ipv4(id.src0 as number) : ipv6(id.src0 as number, id.src1 as number, id.src2 as number, id.src3 as number),
    sport: id.sport as number,
    dst: v4 ? ipv4(id.dst0 as number) : ipv6(id.dst0 as number, id.dst1 as number, id.dst2 as number, id.dst3 as number),
    dport: id.dport as number,
    ifindex: id.if as number,
    rqueue: m.rqueue as number,
    wqueue: m.wqueue as number,
    uid: m.uid as number,
    inode: m.inode as number,
    cookie: cookieOf(id.cookie0 as number, id.cookie1 as number),
    timer: m.timer as number,
    expires: m.expires as number,
    retrans: m.retrans as number,
  };
  if (m.protocol !== undefined) s.protocol = m.protocol as number;
  if (m.skv6only !== undefined) s.v6only = m.skv6only !== 0;
  if (m.shutdown !== undefined) s.shutdown = m.shutdown as number;
  if (m.mark !== undefined) s.mark = m.mark as number;
  if (m.cgroupId !== undefined) s.cgroupId = m.cgroupId as bigint;
  if (m.tos !== undefined) s.tos = m.tos as number;
  if (m.tclass !== undefined) s.tclass = m.tclass as number;
  if (m.classId !== undefined) s.classId = m.classId as number;
  if (m.meminfo !== undefined) s.meminfo = m.meminfo as InetSocket['meminfo'];
  if (m.skmeminfo !== undefined) s.skmeminfo = m.skmeminfo as SkMeminfo;
  if (m.info !== undefined) s.tcpInfo = tcpInfo(m.info as Decoded);
  if (m.cong !== undefined) s.congestion = m.cong as string;
  if (m.vegasinfo !== undefined) s.vegas = m.vegasinfo as InetSocket['vegas'];
  if (m.dctcpinfo !== undefined) s.dctcp = m.dctcpinfo as InetSocket['dctcp'];
  if (m.bbrinfo !== undefined) {
    const b = m.bbrinfo as Decoded;
    s.bbr = { bw: cookieOf(b.bwLo as number, b.bwHi as number), minRtt: b.minRtt as number, pacingGain: b.pacingGain as number, cwndGain: b.cwndGain as number };
  }
  const ulp = m.ulpInfo as Decoded | undefined;
  if (ulp?.name !== undefined) s.ulp = ulp.name as string;
  if (m.sockopt !== undefined) s.sockopt = sockopt(m.sockopt as Decoded);
  return s;
}

const unixTypes: Readonly<Record<number, UnixSocket['type']>> = { 1: 'stream', 2: 'dgram', 5: 'seqpacket' };

function u32Array(b: Uint8Array): number[] {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: number[] = [];
  for (let i = 0; i + 4 <= b.length; i += 4) out.push(dv.getUint32(i, true));
  return out;
}

/** An abstract name's NUL bytes read as '@', as ss shows them. */
function unixPath(b: Uint8Array): string {
  if (b[0] !== 0) {
    // ss prints the name as a C string: a path ends at its NUL.
    const nul = b.indexOf(0);
    return Buffer.from(b.buffer, b.byteOffset, nul < 0 ? b.byteLength : nul).toString('latin1');
  }
  let s = '';
  for (let i = 0; i < b.length; i++) s += b[i] === 0 ? '@' : String.fromCharCode(b[i]!);
  return s;
}

export function unixSocket(m: Decoded): UnixSocket {
  const st = m.state as number;
  const s: UnixSocket = {
    kind: 'unix',
    type: unixTypes[m.type as number] ?? (m.type as number),
    state: stateNames[st] ?? st,
    inode: m.ino as number,
    cookie: cookieOf(m.cookie0 as number, m.cookie1 as number),
  };
  if (m.name !== undefined) s.path = unixPath(m.name as Uint8Array);
  if (m.peer !== undefined) s.peer = m.peer as number;
  const rq = m.rqlen as Decoded | undefined;
  if (rq) {
    s.rqueue = rq.rqueue as number;
    s.wqueue = rq.wqueue as number;
  }
  if (m.icons !== undefined) s.pending = u32Array(m.icons as Uint8Array);
  if (m.vfs !== undefined) s.vfs = m.vfs as UnixSocket['vfs'];
  if (m.shutdown !== undefined) s.shutdown = m.shutdown as number;
  if (m.uid !== undefined) s.uid = m.uid as number;
  if (m.meminfo !== undefined) s.skmeminfo = m.meminfo as SkMeminfo;
  return s;
}

export function netlinkSocket(m: Decoded): NetlinkSocketInfo {
  const st = m.state as number;
  const s: NetlinkSocketInfo = {
    kind: 'netlink',
    protocol: m.protocol as number,
    state: stateNames[st] ?? st,
    portid: m.portid as number,
    dstPortid: m.dstPortid as number,
    dstGroup: m.dstGroup as number,
    inode: m.ino as number,
    cookie: cookieOf(m.cookie0 as number, m.cookie1 as number),
  };
  if (m.groups !== undefined) {
    const groups: number[] = [];
    const words = u32Array(m.groups as Uint8Array);
    for (let w = 0; w < words.length; w++) for (let b = 0; b < 32; b++) if (words[w]! & (1 << b)) groups.push(w * 32 + b + 1);
    s.groups = groups;
  }
  if (m.flags !== undefined) s.flags = (m.flags as (string | number)[]).map(String);
  if (m.meminfo !== undefined) s.skmeminfo = m.meminfo as SkMeminfo;
  return s;
}

export function packetSocket(m: Decoded): PacketSocket {
  const t = m.type as number;
  const s: PacketSocket = {
    kind: 'packet',
    type: t === 3 ? 'raw' : t === 2 ? 'dgram' : t,
    protocol: m.num as number,
    inode: m.ino as number,
    cookie: cookieOf(m.cookie0 as number, m.cookie1 as number),
  };
  if (m.info !== undefined) s.info = m.info as PacketSocket['info'];
  if (m.rxRing !== undefined) s.rxRing = m.rxRing as PacketRing;
  if (m.txRing !== undefined) s.txRing = m.txRing as PacketRing;
  if (m.fanout !== undefined) {
    const f = m.fanout as number;
    s.fanout = { id: f & 0xffff, mode: (f >>> 16) & 0xff, flags: f >>> 24 };
  }
  if (m.uid !== undefined) s.uid = m.uid as number;
  if (m.meminfo !== undefined) s.skmeminfo = m.meminfo as SkMeminfo;
  if (m.mclist !== undefined) s.mclist = (m.mclist as Decoded[]).map((e) => ({ index: e.index as number, count: e.count as number, type: e.type as number, alen: e.alen as number }));
  if (m.filter !== undefined) {
    const b = m.filter as Uint8Array;
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const ins: [number, number, number, number][] = [];
    for (let i = 0; i + 8 <= b.length; i += 8) ins.push([dv.getUint16(i, true), b[i + 2]!, b[i + 3]!, dv.getUint32(i + 4, true)]);
    s.filter = ins;
  }
  return s;
}
