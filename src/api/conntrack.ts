/**
 * The conntrack table of a namespace (ctnetlink over NETLINK_NETFILTER): entries typed as `conntrack -L` reads
 * them, listed with the filters the kernel applies in its dump (family, zone, mark/mask, status/mask), got by
 * tuple, created, updated, deleted one by one or in bulk, flushed whole or by family and mark in one request,
 * and the table's statistics.
 *
 *   const ct = await Conntrack.open({ netns: 'blue' });
 *   await ct.add({ original: { src: '10.0.0.1', dst: '10.0.0.2', proto: 'udp', sport: 1000, dport: 53 }, timeout: 60 });
 *   for await (const e of ct.stream({ mark: 7 })) console.log(e.original.src, e.status);
 */
import { conntrack as decl } from '../families/netfilter/conntrack.js';
import { NETLINK_NETFILTER } from '../families/netfilter/nfnetlink.js';
import { Schema, SchemaError } from '../schema/codec.js';
import { NetlinkSocket, type NetnsRef } from '../socket/socket.js';
import { Flags } from '../wire/message.js';
import { Devices } from './devices.js';
import { address, arrayOf, callOptions, check, instanceOf, netns, oneOf, record, u8, u16, u32, type Check } from './input.js';
import { ObjectApi, type CallOptions, type ObjectKind, type Value } from './object.js';
import { AF, inverse, isV6, join, L4_FIELDS, port, protoCheck, protoNumber, tuple, tupleFilter, tupleOf, tupleValue, type Family, type Tuple, type TupleFilter } from './conntrack-tuple.js';

const statusFlags = arrayOf(oneOf(Object.keys(decl.enums.status.entries)));

/** The ctnetlink declaration compiled: encoders and decoders of conntrack messages. */
export const conntrackSchema = new Schema(decl);

/** A conntrack entry's status bit (IPS_*), by name. */
export type StatusFlag = keyof typeof decl.enums.status.entries;
/** A TCP connection's state as conntrack tracks it, by name. */
export type TcpState = keyof typeof decl.enums.tcpState.entries;
/** An SCTP association's state as conntrack tracks it, by name. */
export type SctpState = keyof typeof decl.enums.sctpState.entries;

export interface Counters {
  packets: bigint;
  bytes: bigint;
}

export interface Nat {
  minIp?: string;
  maxIp?: string;
  minPort?: number;
  maxPort?: number;
}

/** A conntrack entry as the kernel reports it. */
export interface ConntrackEntry {
  family: Family | number;
  original: Tuple;
  reply: Tuple;
  /** The IPPROTO_* name of the tuples (or the number when it has no name). */
  proto: string | number;
  status: (StatusFlag | number)[];
  /** Seconds left. */
  timeout?: number;
  mark?: number;
  zone?: number;
  use?: number;
  id?: number;
  secmark?: number;
  labels?: Uint8Array;
  /** With nf_conntrack_acct on. */
  counters?: { original?: Counters; reply?: Counters };
  /** With nf_conntrack_timestamp on: nanoseconds since the epoch. */
  timestamp?: { start?: bigint; stop?: bigint };
  tcp?: { state?: TcpState | number; wscaleOriginal?: number; wscaleReply?: number; flagsOriginal?: number; flagsReply?: number };
  sctp?: { state?: string | number; vtagOriginal?: number; vtagReply?: number };
  dccp?: { state?: number; role?: number; handshakeSeq?: bigint };
  natSrc?: Nat;
  natDst?: Nat;
  helper?: string;
  master?: Tuple;
  seqAdj?: { original?: SeqAdj; reply?: SeqAdj };
  secctx?: string;
}

export interface SeqAdj {
  correctionPos?: number;
  offsetBefore?: number;
  offsetAfter?: number;
}

/** What add and update take: the original tuple (the reply one defaults to its inverse) and the entry's state. */
export interface ConntrackInput {
  original: Tuple;
  reply?: Tuple;
  /** Seconds; required to create. */
  timeout?: number;
  status?: StatusFlag[];
  mark?: number;
  zone?: number;
  labels?: Uint8Array;
  labelsMask?: Uint8Array;
  /** TCP only: the state to create the entry in. */
  tcpState?: TcpState;
  /** SCTP only: the state and verification tags to create the entry with. */
  sctp?: { state?: SctpState; vtagOriginal?: number; vtagReply?: number };
  /** DCCP only: the state (enum ct_dccp_states) and role (0 client, 1 server); ignored by kernels without DCCP. */
  dccp?: { state?: number; role?: number };
  /** The helper to attach on create (`ftp`, `tftp`, …: one the kernel has), which expectations need. */
  helper?: string;
  /** Create only: source NAT to set up (the kernel rewrites the reply tuple; maxIp/maxPort default to the min). */
  natSrc?: Nat;
  /** Create only: destination NAT to set up. */
  natDst?: Nat;
  /** Instead of a tuple (delete): the entry's id. */
  id?: number;
  /**
   * The family the request's nfgenmsg names (by default the tuple's): `unspec` as conntrack -U sends it when told no
   * family, which Linux refuses (EOPNOTSUPP: it reads the tuple's addresses by that family).
   */
  family?: Family | 'unspec';
  /** TCP only: window-tracking flags (IP_CT_TCP_FLAG_*) set in both directions, as conntrack's -p tcp sends them. */
  tcpFlags?: number;
}

/** The key of get and delete: the original tuple (or the reply one), the zone, optionally the id. */
export interface ConntrackKey {
  original?: Tuple;
  reply?: Tuple;
  zone?: number;
  id?: number;
  /** The nfgenmsg family, as in ConntrackInput. */
  family?: Family | 'unspec';
}

/**
 * Dump filters: family, zone, mark and status are applied by the kernel; `original` and `reply` too with
 * CTA_FILTER (Linux 5.9 and later) when the family is known (given, or an address's); the rest here, and all of
 * it here as well for kernels that ignore a part.
 */
export interface ConntrackFilter {
  original?: TupleFilter;
  reply?: TupleFilter;
  family?: Family;
  zone?: number;
  mark?: number;
  markMask?: number;
  status?: StatusFlag[];
  statusMask?: StatusFlag[];
  proto?: string | number;
}

const natCheck = record({ minIp: address, maxIp: address, minPort: port, maxPort: port }, ['minIp']);
const inputCheck = record(
  { natSrc: natCheck, natDst: natCheck, original: tuple, reply: tuple, timeout: u32, status: statusFlags, mark: u32, zone: u16, labels: instanceOf(Uint8Array, 'a Uint8Array'), labelsMask: instanceOf(Uint8Array, 'a Uint8Array'), tcpState: oneOf(Object.keys(decl.enums.tcpState.entries)), id: u32, family: oneOf(['inet', 'inet6', 'unspec']), tcpFlags: u8,
    sctp: record({ state: oneOf(Object.keys(decl.enums.sctpState.entries)), vtagOriginal: u32, vtagReply: u32 }), dccp: record({ state: u8, role: u8 }), helper: (v, path, key) => {
    if (typeof v !== 'string' || v === '') throw new SchemaError(join(path, key), 'must be a helper name');
  } },
);
const keyFields = record({ original: tuple, reply: tuple, zone: u16, id: u32, family: oneOf(['inet', 'inet6', 'unspec']) });
const KEY_FIELDS = new Set(['original', 'reply', 'zone', 'id', 'family']);
const isKey = (k: object): boolean => Object.keys(k).every((f) => KEY_FIELDS.has(f));
const keyCheck: Check = (v, path, key, scope) => {
  keyFields(v, path, key, scope);
  const k = v as ConntrackKey;
  if (k.original === undefined && k.reply === undefined && k.id === undefined) throw new SchemaError(join(path, key) || 'key', 'needs original, reply or id');
};
const filterCheck = record({ family: oneOf(['inet', 'inet6']), zone: u16, mark: u32, markMask: u32, status: statusFlags, statusMask: statusFlags, proto: protoCheck, original: tupleFilter, reply: tupleFilter });

function natOf(v: Value | undefined): Nat | undefined {
  if (!v) return undefined;
  const n: Nat = {};
  const minIp = v.v4Minip ?? v.v6Minip;
  const maxIp = v.v4Maxip ?? v.v6Maxip;
  if (minIp !== undefined) n.minIp = minIp as string;
  if (maxIp !== undefined) n.maxIp = maxIp as string;
  const p = v.proto as Value | undefined;
  if (p?.portMin !== undefined) n.minPort = p.portMin as number;
  if (p?.portMax !== undefined) n.maxPort = p.portMax as number;
  return n;
}

/** A NAT range as CTA_NAT_* (as conntrack sends it: no max when it equals the min). */
function natValue(n: Nat): Value {
  const v6 = isV6(n.minIp!);
  const v: Value = v6 ? { v6Minip: n.minIp } : { v4Minip: n.minIp };
  if (n.maxIp !== undefined) v[v6 ? 'v6Maxip' : 'v4Maxip'] = n.maxIp;
  if (n.minPort !== undefined || n.maxPort !== undefined) v.proto = { portMin: n.minPort ?? n.maxPort, portMax: n.maxPort ?? n.minPort };
  return v;
}

function flagsByte(v: unknown): number | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const f = (v as { flags: unknown }).flags;
  if (typeof f === 'number') return f;
  return Array.isArray(f) ? f.reduce((all: number, n) => all | (typeof n === 'number' ? n : decl.enums.tcpFlags.entries[n as keyof typeof decl.enums.tcpFlags.entries]), 0) : undefined;
}

/** A decoded newct message → the entry. Exported for the CLI and the watch, which decode events the same way. */
export function entryOf(m: Value): ConntrackEntry {
  const original = tupleOf(m.tupleOrig as Value);
  const e: ConntrackEntry = {
    family: m.family === 2 ? 'inet' : m.family === 10 ? 'inet6' : (m.family as number),
    original,
    reply: tupleOf(m.tupleReply as Value),
    proto: original.proto,
    status: (m.status as (StatusFlag | number)[] | undefined) ?? [],
  };
  // Field by field, not a loop over names: each read and write keeps its own inline cache.
  if (m.timeout !== undefined) e.timeout = m.timeout as number;
  if (m.mark !== undefined) e.mark = m.mark as number;
  if (m.zone !== undefined) e.zone = m.zone as number;
  if (m.use !== undefined) e.use = m.use as number;
  if (m.id !== undefined) e.id = m.id as number;
  if (m.secmark !== undefined) e.secmark = m.secmark as number;
  if (m.labels !== undefined) e.labels = m.labels as Uint8Array;
  const co = m.countersOrig as Value | undefined;
  const cr = m.countersReply as Value | undefined;
  if (co || cr) {
    e.counters = {};
    if (co) e.counters.original = { packets: (co.packets as bigint) ?? 0n, bytes: (co.bytes as bigint) ?? 0n };
    if (cr) e.counters.reply = { packets: (cr.packets as bigint) ?? 0n, bytes: (cr.bytes as bigint) ?? 0n };
  }
  if (m.timestamp) e.timestamp = m.timestamp as { start?: bigint; stop?: bigint };
  const pi = m.protoinfo as Value | undefined;
  if (pi?.tcp) {
    const t = pi.tcp as Value;
    e.tcp = { ...(t as object) } as NonNullable<ConntrackEntry['tcp']>;
    if (t.flagsOriginal !== undefined) e.tcp.flagsOriginal = flagsByte(t.flagsOriginal);
    if (t.flagsReply !== undefined) e.tcp.flagsReply = flagsByte(t.flagsReply);
  }
  if (pi?.sctp) e.sctp = pi.sctp as NonNullable<ConntrackEntry['sctp']>;
  if (pi?.dccp) e.dccp = pi.dccp as NonNullable<ConntrackEntry['dccp']>;
  const ns = natOf(m.natSrc as Value | undefined);
  if (ns) e.natSrc = ns;
  const nd = natOf(m.natDst as Value | undefined);
  if (nd) e.natDst = nd;
  if (m.help) e.helper = (m.help as Value).name as string;
  if (m.tupleMaster) e.master = tupleOf(m.tupleMaster as Value);
  if (m.seqAdjOrig || m.seqAdjReply) e.seqAdj = { original: m.seqAdjOrig as SeqAdj, reply: m.seqAdjReply as SeqAdj };
  if (m.secctx) e.secctx = (m.secctx as Value).name as string;
  return e;
}

function familyOf(t: Tuple | undefined): number {
  return t && isV6(t.src) ? AF.inet6 : AF.inet;
}

function statusBits(names: readonly StatusFlag[]): number {
  let bits = 0;
  for (const n of names) bits |= decl.enums.status.entries[n];
  return bits;
}

/** The nfgenmsg family: the one asked for, else the tuple's. */
function requestFamily(asked: Family | 'unspec' | undefined, t: Tuple | undefined): number {
  return asked === undefined ? familyOf(t) : asked === 'unspec' ? 0 : AF[asked];
}

function keyValue(k: ConntrackKey): Value {
  const v: Value = { family: requestFamily(k.family, k.original ?? k.reply), version: 0, resId: 0 };
  if (k.original) v.tupleOrig = tupleValue(k.original);
  else if (k.reply) v.tupleReply = tupleValue(k.reply);
  if (k.zone !== undefined) v.zone = k.zone;
  if (k.id !== undefined) v.id = k.id;
  return v;
}

/** A dump filter as the attributes the kernel filters on (ctnetlink_alloc_filter). */
export function conntrackDumpValue(f: ConntrackFilter): Value {
  const v: Value = { family: f.family ? AF[f.family] : 0, version: 0, resId: 0 };
  if (f.mark !== undefined) {
    v.mark = f.mark;
    v.markMask = f.markMask ?? 0xffffffff;
  }
  if (f.zone !== undefined) v.zone = f.zone;
  if (f.status !== undefined) {
    v.status = statusBits(f.status);
    v.statusMask = statusBits(f.statusMask ?? f.status);
  }
  // CTA_FILTER reads its tuples by the dump's family: without one (or with another's address) it is left out.
  const family = f.family ? AF[f.family] : [f.original?.src, f.original?.dst, f.reply?.src, f.reply?.dst].some((a) => a !== undefined && isV6(a)) ? AF.inet6 : [f.original?.src, f.original?.dst, f.reply?.src, f.reply?.dst].some((a) => a !== undefined) ? AF.inet : 0;
  const sameFamily = (t: TupleFilter | undefined) => [t?.src, t?.dst].every((a) => a === undefined || (isV6(a) ? AF.inet6 : AF.inet) === family);
  if (family && (f.original || f.reply) && sameFamily(f.original) && sameFamily(f.reply)) {
    v.family = family;
    v.filter = { origFlags: filterFlags(f.original, family), replyFlags: filterFlags(f.reply, family) };
    if (f.original) v.tupleOrig = tupleFilterValue(f.original);
    if (f.reply) v.tupleReply = tupleFilterValue(f.reply);
  }
  return v;
}

/** CTA_FILTER_F_* (net/netfilter/nf_internals.h): which tuple parts the kernel compares. */
const FILTER_F = { ipSrc: 1 << 0, ipDst: 1 << 1, protoNum: 1 << 3, srcPort: 1 << 4, dstPort: 1 << 5, icmpType: 1 << 6, icmpCode: 1 << 7, icmpId: 1 << 8, icmpv6Type: 1 << 9, icmpv6Code: 1 << 10, icmpv6Id: 1 << 11 } as const;

function filterFlags(t: TupleFilter | undefined, family: number): number {
  if (!t) return 0;
  const v6 = family === AF.inet6;
  let flags = 0;
  // ctnetlink_filter_match_tuple compares IPv6 addresses the wrong way round (it drops the entries that match),
  // so IPv6 addresses are compared here only.
  if (t.src !== undefined && !v6) flags |= FILTER_F.ipSrc;
  if (t.dst !== undefined && !v6) flags |= FILTER_F.ipDst;
  if (t.proto !== undefined) flags |= FILTER_F.protoNum;
  // GRE's keys are the kernel's ports: CTA_PROTO_SRC_PORT/DST_PORT, compared as ports.
  if (t.sport !== undefined || t.srcKey !== undefined) flags |= FILTER_F.srcPort;
  if (t.dport !== undefined || t.dstKey !== undefined) flags |= FILTER_F.dstPort;
  if (t.icmpType !== undefined) flags |= v6 ? FILTER_F.icmpv6Type : FILTER_F.icmpType;
  if (t.icmpCode !== undefined) flags |= v6 ? FILTER_F.icmpv6Code : FILTER_F.icmpCode;
  if (t.icmpId !== undefined) flags |= v6 ? FILTER_F.icmpv6Id : FILTER_F.icmpId;
  return flags;
}

/** A tuple filter as CTA_TUPLE_* attributes: only the parts given. */
function tupleFilterValue(t: TupleFilter): Value {
  const v: Value = {};
  const ip: Value = {};
  if (t.src !== undefined && !isV6(t.src)) ip.v4Src = t.src;
  if (t.dst !== undefined && !isV6(t.dst)) ip.v4Dst = t.dst;
  if (Object.keys(ip).length) v.ip = ip;
  if (t.proto !== undefined) {
    const p = protoNumber(t.proto);
    const proto: Value = { num: p };
    if (t.sport !== undefined || t.srcKey !== undefined) proto.srcPort = t.sport ?? t.srcKey;
    if (t.dport !== undefined || t.dstKey !== undefined) proto.dstPort = t.dport ?? t.dstKey;
    const icmp = p === 58 ? ['icmpv6Type', 'icmpv6Code', 'icmpv6Id'] : ['icmpType', 'icmpCode', 'icmpId'];
    if (t.icmpType !== undefined) proto[icmp[0]!] = t.icmpType;
    if (t.icmpCode !== undefined) proto[icmp[1]!] = t.icmpCode;
    if (t.icmpId !== undefined) proto[icmp[2]!] = t.icmpId;
    v.proto = proto;
  }
  return v;
}

/** Whether a tuple has every part a tuple filter gives. */
function tupleKeeps(t: Tuple, want: TupleFilter | undefined): boolean {
  if (!want) return true;
  if (want.proto !== undefined && protoNumber(want.proto) !== protoNumber(t.proto)) return false;
  return (['src', 'dst', ...L4_FIELDS] as const).every((k) => want[k] === undefined || want[k] === t[k]);
}

/** Whether an entry's status has the filter's bits, compared under its mask (the kernel's dump test, made here). */
function statusKeeps(e: ConntrackEntry, f: ConntrackFilter): boolean {
  if (f.status === undefined) return true;
  const bits = e.status.reduce((all: number, s) => all | (typeof s === 'number' ? s : decl.enums.status.entries[s]), 0);
  const mask = statusBits(f.statusMask ?? f.status);
  return (bits & mask) === (statusBits(f.status) & mask);
}

/** The filter applied here: what the kernel does not filter, and what older kernels ignore. */
function keeps(e: ConntrackEntry, f: ConntrackFilter): boolean {
  if (!tupleKeeps(e.original, f.original) || !tupleKeeps(e.reply, f.reply)) return false;
  if (f.proto !== undefined && protoNumber(f.proto) !== protoNumber(e.proto)) return false;
  // Kernels before 5.x ignore some dump filters: apply them here as well, at no cost when the kernel did.
  if (f.mark !== undefined && ((e.mark ?? 0) & (f.markMask ?? 0xffffffff)) !== f.mark) return false;
  if (f.zone !== undefined && (e.zone ?? 0) !== f.zone) return false;
  return true;
}

export const conntrackKind: ObjectKind<ConntrackEntry, ConntrackInput, ConntrackFilter> = {
  name: 'conntrack',
  schema: conntrackSchema,
  messages: { new: 'newct', del: 'delct', get: 'getct' },
  input: inputCheck,
  filter: filterCheck,
  toMessage(i) {
    const v: Value = { family: requestFamily(i.family, i.original), version: 0, resId: 0, tupleOrig: tupleValue(i.original), tupleReply: tupleValue(i.reply ?? inverse(i.original)) };
    if (i.timeout !== undefined) v.timeout = i.timeout;
    // The kernel sets CONFIRMED on every entry it creates or holds, and refuses (EBUSY) a status that clears it.
    if (i.status !== undefined) v.status = statusBits(i.status) | decl.enums.status.entries.confirmed;
    if (i.mark !== undefined) v.mark = i.mark;
    if (i.zone !== undefined) v.zone = i.zone;
    if (i.labels !== undefined) v.labels = i.labels;
    if (i.labelsMask !== undefined) v.labelsMask = i.labelsMask;
    if (i.tcpState !== undefined || i.tcpFlags !== undefined) {
      const tcp: Value = {};
      if (i.tcpState !== undefined) tcp.state = i.tcpState;
      if (i.tcpFlags !== undefined) tcp.flagsOriginal = tcp.flagsReply = { flags: i.tcpFlags, mask: i.tcpFlags };
      v.protoinfo = { tcp };
    } else if (i.sctp !== undefined) v.protoinfo = { sctp: { ...i.sctp } };
    else if (i.dccp !== undefined) v.protoinfo = { dccp: { ...i.dccp } };
    if (i.helper !== undefined) v.help = { name: i.helper };
    if (i.id !== undefined) v.id = i.id;
    if (i.natSrc !== undefined) v.natSrc = natValue(i.natSrc);
    if (i.natDst !== undefined) v.natDst = natValue(i.natDst);
    return v;
  },
  toDeleteMessage(i, ctx) {
    // A whole entry (more than a key) is asked with all of it, as conntrack -U gets what it changed.
    return isKey(i) ? keyValue(i) : conntrackKind.toMessage(i, ctx);
  },
  fromMessage: entryOf,
  dumpRequest: conntrackDumpValue,
  matches: keeps,
};

/** One CPU's conntrack counters (CTA_STATS_*), as `conntrack -S` prints them. */
export interface ConntrackStatsCpu {
  cpu: number;
  found?: number;
  invalid?: number;
  insert?: number;
  insertFailed?: number;
  drop?: number;
  earlyDrop?: number;
  error?: number;
  searchRestart?: number;
  clashResolve?: number;
  chainToolong?: number;
}

/** The conntrack table of one namespace. */
export class Conntrack extends ObjectApi<ConntrackEntry, ConntrackInput, ConntrackFilter> {
  private constructor(socket: NetlinkSocket) {
    super(conntrackKind, socket, new Devices(socket));
  }

  /** A handle on the table of `netns` (a name, path, pid or fd), or of this process's namespace. */
  static open(options: { netns?: NetnsRef } = {}): Conntrack {
    check(record({ netns }), options, 'options');
    return new Conntrack(NetlinkSocket.open(NETLINK_NETFILTER, { netns: options.netns }));
  }

  /**
   * One entry by its tuple (and zone), or its id with a tuple. Given more than a key (an update's input), the
   * request carries all of it: the kernel checks every attribute of a get, and conntrack -U sends them.
   */
  override async get(key: ConntrackKey | ConntrackInput, options?: CallOptions): Promise<ConntrackEntry> {
    check(isKey(key) ? keyCheck : inputCheck, key, 'key');
    return super.get(key as ConntrackInput, options);
  }

  override async delete(key: ConntrackKey | ConntrackInput, options?: CallOptions): Promise<void> {
    check(keyCheck, key, 'key');
    return super.delete(key as ConntrackInput, options);
  }

  /** Change an existing entry (timeout, mark, status, labels): it must exist. */
  update(input: ConntrackInput, options?: CallOptions): Promise<void> {
    return this.change(input, options);
  }

  /**
   * Delete every entry, or those of a family, or those whose mark matches under its mask: one request, the kernel
   * walks its table (no dump and no request per entry).
   */
  async flush(filter: { family?: Family; mark?: number; markMask?: number } = {}, options: CallOptions = {}): Promise<void> {
    check(record({ family: oneOf(['inet', 'inet6']), mark: u32, markMask: u32 }), filter, 'filter');
    check(callOptions, options);
    // ctnetlink reads nfgen_family on a flush only when the version is not 0 (older kernels flushed every family).
    const v: Value = { family: filter.family ? AF[filter.family] : 0, version: filter.family ? 1 : 0, resId: 0 };
    if (filter.mark !== undefined) {
      v.mark = filter.mark;
      v.markMask = filter.markMask ?? 0xffffffff;
    }
    const { bytes, paths } = conntrackSchema.encodeMessage('delct', v);
    await this.socket.request(bytes, { ...options, describeOffset: paths });
  }

  /**
   * Every entry the filter keeps, with its counters as they were, the kernel zeroing them as it dumps
   * (IPCTNL_MSG_CT_GET_CTRZERO): counting from now on, without losing what was counted so far. The kernel zeroes
   * the entries its dump filter (family, mark, status, zone) keeps; the rest of the filter only narrows what is
   * handed out.
   */
  async *zeroCounters(filter: ConntrackFilter = {}, options: CallOptions = {}): AsyncGenerator<ConntrackEntry> {
    check(filterCheck, filter, 'filter');
    check(callOptions, options);
    yield* this.entries('getctCtrzero', conntrackDumpValue(filter), (e) => keeps(e, filter), options);
  }

  /**
   * The entries on one of the kernel's lists beside the table: `dying` (destroyed, their DESTROY event not yet
   * delivered) or `unconfirmed` (a packet's, not yet in the table; Linux 6.3 and later keep no such list and answer
   * with nothing). The kernel filters neither: the whole filter is applied here.
   */
  async *listOf(list: 'dying' | 'unconfirmed', filter: ConntrackFilter = {}, options: CallOptions = {}): AsyncGenerator<ConntrackEntry> {
    check(oneOf(['dying', 'unconfirmed']), list, 'list');
    check(filterCheck, filter, 'filter');
    check(callOptions, options);
    const keepsAll = (e: ConntrackEntry): boolean => (filter.family === undefined || e.family === filter.family) && statusKeeps(e, filter) && keeps(e, filter);
    yield* this.entries(list === 'dying' ? 'getctDying' : 'getctUnconfirmed', { family: 0, version: 0, resId: 0 }, keepsAll, options);
  }

  /** A dump of `message`, its entries those `keep` keeps. */
  private async *entries(message: string, request: Value, keep: (e: ConntrackEntry) => boolean, options: CallOptions): AsyncGenerator<ConntrackEntry> {
    const { bytes } = conntrackSchema.encodeMessage(message, request, { flags: Flags.DUMP });
    const m = conntrackSchema.message('newct');
    for await (const r of this.socket.dump(bytes, options)) {
      if (r.type !== m.value) continue;
      const e = entryOf(conntrackSchema.decodeBody(m, r.buf, r.payload, r.offset + r.length, r.view) as Value);
      if (keep(e)) yield e;
    }
  }

  /** The table's entry count and its limit (nf_conntrack_max). */
  async count(options: CallOptions = {}): Promise<{ entries: number; maxEntries: number }> {
    check(callOptions, options);
    const { bytes } = conntrackSchema.encodeMessage('getctStats', { family: 0, version: 0, resId: 0 });
    const replies = await this.socket.request(bytes, options);
    const m = conntrackSchema.message('getctStats');
    const r = replies.find((x) => x.type === m.value);
    if (!r) throw new SchemaError('count', 'the kernel answered without statistics');
    const v = conntrackSchema.decodeBody(m, r.buf, r.payload, r.offset + r.length, r.view) as Value;
    return { entries: (v.entries as number) ?? 0, maxEntries: (v.maxEntries as number) ?? 0 };
  }

  /** Per-CPU statistics (the CPU is the message's resource id). */
  async statsCpu(options: CallOptions = {}): Promise<ConntrackStatsCpu[]> {
    check(callOptions, options);
    const { bytes } = conntrackSchema.encodeMessage('getctStatsCpu', { family: 0, version: 0, resId: 0 }, { flags: Flags.DUMP });
    const m = conntrackSchema.message('getctStatsCpu');
    const out: ConntrackStatsCpu[] = [];
    for await (const r of this.socket.dump(bytes, options)) {
      if (r.type !== m.value) continue;
      const { family: _f, version: _v, resId, ...rest } = conntrackSchema.decodeBody(m, r.buf, r.payload, r.offset + r.length, r.view) as Value;
      out.push({ cpu: resId as number, ...(rest as object) });
    }
    return out;
  }

  /** Close the socket; calls in flight reject with ERR_NETLINK_CLOSED. */
  close(): void {
    this.socket.close();
  }
}
