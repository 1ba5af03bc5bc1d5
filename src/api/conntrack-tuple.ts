/**
 * A connection's tuple, as ctnetlink carries it (CTA_TUPLE_*): one direction's addresses, layer-4 protocol and its
 * ports or ICMP fields — the type, the checks of what a caller writes, the attributes both ways, and the inverse the
 * kernel gives a reply direction. Conntrack entries, expectations and dump filters are all made of tuples.
 */
import { SchemaError } from '../schema/codec.js';
import { address, integer, oneOf, record, u16, u8, where, type Check } from './input.js';
import type { Value } from './object.js';

/** IPPROTO_* numbers by the names conntrack prints. */
export const PROTOCOLS: Readonly<Record<string, number>> = { icmp: 1, igmp: 2, tcp: 6, udp: 17, dccp: 33, gre: 47, icmpv6: 58, sctp: 132, udplite: 136 };
const protoNames = new Map(Object.entries(PROTOCOLS).map(([n, v]) => [v, n]));
/** Protocols whose tuples carry ports. */
export const PORTED = new Set([6, 17, 33, 132, 136]);
/** IPPROTO_GRE: its tuples carry keys where others carry ports (the same CTA_PROTO_SRC_PORT/DST_PORT). */
export const GRE = 47;
export const AF = { inet: 2, inet6: 10 } as const;


export type Family = 'inet' | 'inet6';

/** One direction of a connection: addresses, layer-4 protocol and its ports or ICMP type/code/id. */
export interface Tuple {
  src: string;
  dst: string;
  /** A name of PROTOCOLS or an IPPROTO_* number. */
  proto: string | number;
  sport?: number;
  dport?: number;
  icmpType?: number;
  icmpCode?: number;
  icmpId?: number;
  /** GRE's keys (PPTP's call ids), 16 bits each, which ctnetlink carries as CTA_PROTO_SRC_PORT/DST_PORT. */
  srcKey?: number;
  dstKey?: number;
  /** The tuple's zone (CTA_TUPLE_ZONE), when it has its own. */
  zone?: number;
}


/** The parts of a tuple a dump keeps entries by: ports and ICMP fields need the protocol. */
export type TupleFilter = Partial<Pick<Tuple, 'src' | 'dst' | 'proto' | 'sport' | 'dport' | 'icmpType' | 'icmpCode' | 'icmpId' | 'srcKey' | 'dstKey'>>;

/** A tuple's protocol fields: ports, ICMP's, GRE's keys. */
export const L4_FIELDS = ['sport', 'dport', 'icmpType', 'icmpCode', 'icmpId', 'srcKey', 'dstKey'] as const;


export const port = integer(0, 0xffff);
export const protoCheck = oneOf(Object.keys(PROTOCOLS), [0, 255]);

export function protoNumber(p: string | number): number {
  return typeof p === 'number' ? p : PROTOCOLS[p]!;
}

/** `a.b`, `a[3]`: the path of `key` under `path` (input.ts's, here for errors). */
export const join = where;

const tupleFields = record({ src: address, dst: address, proto: protoCheck, sport: port, dport: port, icmpType: u8, icmpCode: u8, icmpId: u16, srcKey: u16, dstKey: u16, zone: u16 }, ['src', 'dst', 'proto']);

type L4Field = (typeof L4_FIELDS)[number];
const PORTS: readonly L4Field[] = ['sport', 'dport'];
const ICMP: readonly L4Field[] = ['icmpType', 'icmpCode', 'icmpId'];
const KEYS: readonly L4Field[] = ['srcKey', 'dstKey'];
const NONE: readonly L4Field[] = [];

/** The protocol fields a protocol's tuples have (the kernel needs all of them to find or make an entry). */
function fieldsOf(p: number): readonly L4Field[] {
  if (PORTED.has(p)) return PORTS;
  if (p === 1 || p === 58) return ICMP;
  if (p === GRE) return KEYS;
  return NONE;
}

/** Why a protocol's tuple cannot carry a field, in the words of the field. */
function lacks(proto: string | number, k: (typeof L4_FIELDS)[number]): string {
  if (k === 'sport' || k === 'dport') return `${String(proto)} has no ports`;
  if (k === 'srcKey' || k === 'dstKey') return `${String(proto)} has no GRE keys`;
  return `${String(proto)} has no ICMP ${k.slice(4).toLowerCase()}`;
}

/**
 * A tuple has every part its protocol needs and none it cannot carry: ports for TCP/UDP/…, type, code and id for
 * ICMP, keys for GRE.
 */
export const tuple: Check = (v, path, key, scope) => {
  tupleFields(v, path, key, scope);
  const t = v as Tuple;
  const p = protoNumber(t.proto);
  const has = fieldsOf(p);
  // A bulk add checks every item: the path is joined only for an error.
  for (const k of L4_FIELDS) {
    if (has.includes(k) === (t[k] === undefined)) throw new SchemaError(join(join(path, key), k), t[k] === undefined ? `is required for ${String(t.proto)}` : lacks(t.proto, k));
  }
  if ((p === 1 && scope.family === 'inet6') || (p === 58 && scope.family === 'inet')) throw new SchemaError(join(join(path, key), 'proto'), `${String(t.proto)} does not go with ${scope.family === 'inet' ? 'IPv4' : 'IPv6'} addresses`);
};


const tupleFilterFields = record({ src: address, dst: address, proto: protoCheck, sport: port, dport: port, icmpType: u8, icmpCode: u8, icmpId: u16, srcKey: u16, dstKey: u16 });
/**
 * A tuple filter's ports, ICMP fields and GRE keys say nothing without its protocol (the kernel reads them by it),
 * and only the protocol's own.
 */
export const tupleFilter: Check = (v, path, key, scope) => {
  tupleFilterFields(v, path, key, scope);
  const t = v as TupleFilter;
  for (const k of L4_FIELDS) {
    if (t[k] === undefined) continue;
    if (t.proto === undefined) throw new SchemaError(join(join(path, key), 'proto'), `is required with ${k}`);
    if (!fieldsOf(protoNumber(t.proto)).includes(k)) throw new SchemaError(join(join(path, key), k), lacks(t.proto, k));
  }
  if (t.src !== undefined && t.dst !== undefined && isV6(t.src) !== isV6(t.dst)) throw new SchemaError(join(join(path, key), 'dst'), 'is not of the family of src');
};

export function inverse(t: Tuple): Tuple {
  const r: Tuple = { src: t.dst, dst: t.src, proto: t.proto };
  if (t.sport !== undefined) r.sport = t.dport;
  if (t.dport !== undefined) r.dport = t.sport;
  if (t.icmpId !== undefined) r.icmpId = t.icmpId;
  // nf_ct_invert_tuple swaps GRE's keys as it swaps ports.
  if (t.srcKey !== undefined) r.srcKey = t.dstKey;
  if (t.dstKey !== undefined) r.dstKey = t.srcKey;
  if (t.icmpType !== undefined) {
    // An echo request is answered by a reply (ICMP 8 → 0, ICMPv6 128 → 129), as nf_conntrack_icmp inverts it.
    const p = protoNumber(t.proto);
    r.icmpType = p === 1 ? ({ 8: 0, 0: 8, 13: 14, 14: 13, 15: 16, 16: 15, 17: 18, 18: 17 } as Record<number, number>)[t.icmpType] ?? t.icmpType : ({ 128: 129, 129: 128 } as Record<number, number>)[t.icmpType] ?? t.icmpType;
    r.icmpCode = t.icmpCode;
  }
  // A tuple's own zone is not its inverse's: the kernel takes one tuple zone per entry (EINVAL for two).
  return r;
}

export function isV6(a: string): boolean {
  return a.includes(':');
}

/** A tuple as CTA_TUPLE_* attributes. */
export function tupleValue(t: Tuple): Value {
  const v6 = isV6(t.src);
  const p = protoNumber(t.proto);
  const proto: Value = { num: p };
  if (PORTED.has(p)) {
    proto.srcPort = t.sport;
    proto.dstPort = t.dport;
  } else if (p === 1) {
    proto.icmpId = t.icmpId;
    proto.icmpType = t.icmpType;
    proto.icmpCode = t.icmpCode;
  } else if (p === 58) {
    proto.icmpv6Id = t.icmpId;
    proto.icmpv6Type = t.icmpType;
    proto.icmpv6Code = t.icmpCode;
  } else if (p === GRE) {
    proto.srcPort = t.srcKey;
    proto.dstPort = t.dstKey;
  }
  const ip = v6 ? { v6Src: t.src, v6Dst: t.dst } : { v4Src: t.src, v4Dst: t.dst };
  return t.zone === undefined ? { ip, proto } : { ip, proto, zone: t.zone };
}

/** CTA_TUPLE_* attributes as a tuple. */
export function tupleOf(v: Value | undefined): Tuple {
  const ip = (v?.ip ?? {}) as Value;
  const proto = (v?.proto ?? {}) as Value;
  const num = proto.num as number;
  const t: Tuple = { src: (ip.v4Src ?? ip.v6Src) as string, dst: (ip.v4Dst ?? ip.v6Dst) as string, proto: protoNames.get(num) ?? num };
  const gre = num === GRE;
  if (proto.srcPort !== undefined) t[gre ? 'srcKey' : 'sport'] = proto.srcPort as number;
  if (proto.dstPort !== undefined) t[gre ? 'dstKey' : 'dport'] = proto.dstPort as number;
  if (proto.icmpType !== undefined || proto.icmpv6Type !== undefined) {
    t.icmpType = (proto.icmpType ?? proto.icmpv6Type) as number;
    t.icmpCode = (proto.icmpCode ?? proto.icmpv6Code) as number;
    t.icmpId = (proto.icmpId ?? proto.icmpv6Id) as number;
  }
  if (v?.zone !== undefined) t.zone = v.zone as number;
  return t;
}
