/**
 * A route's lightweight-tunnel encapsulation (RTA_ENCAP_TYPE and the RTA_ENCAP nest, `ip route add … encap TYPE …`):
 * MPLS labels, IP and IPv6 tunnel keys, SRv6 (seg6, seg6local), RPL source routes, xfrm interfaces, ILA locators,
 * IOAM6 trace insertion and the BPF encapsulation's headroom (its programs are not loaded here). The nest's
 * attributes are written in the order the caller's object lists its fields (ip writes them in the order its words
 * came), the tunnel flags last, as one u16.
 */
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from '../schema/address-text.js';
import { SchemaError } from '../schema/codec.js';
import { object, oneOf, type Check } from './input.js';

/** SRv6 encapsulation modes (SEG6_IPTUN_MODE_*), by name. */
export type Seg6Mode = 'inline' | 'encap' | 'l2encap' | 'encap.red' | 'l2encap.red';

/** An IP (LWTUNNEL_ENCAP_IP) or IPv6 (LWTUNNEL_ENCAP_IP6) tunnel's metadata, as a collect_md tunnel device reads it. */
export interface IpTunnelEncap {
  id?: number | bigint;
  src?: string;
  dst?: string;
  /** IPv4: the TOS; `tc` for IPv6. */
  tos?: number;
  tc?: number;
  /** IPv4: the TTL; `hoplimit` for IPv6. */
  ttl?: number;
  hoplimit?: number;
  key?: boolean;
  csum?: boolean;
  seq?: boolean;
}

/** A route's encapsulation: `type` says which, the other fields are that type's. */
export type RouteEncap =
  | { type: 'mpls'; labels: number[]; ttl?: number }
  | ({ type: 'ip' | 'ip6' } & IpTunnelEncap)
  | { type: 'seg6'; mode: Seg6Mode; segs: string[]; hmac?: number }
  | {
    type: 'seg6local'; action: string; table?: number; vrftable?: number; nh4?: string; nh6?: string;
    /** Devices, by name or ifindex. */
    iif?: string | number; oif?: string | number;
    srh?: { segs: string[]; hmac?: number };
  }
  | { type: 'rpl'; segs: string[] }
  | { type: 'xfrm'; ifId: number; linkDev?: string | number }
  | IlaEncap
  | Ioam6Encap
  | { type: 'bpf'; /** LWT_BPF_XMIT_HEADROOM: bytes to reserve. */ headroom?: number };

/** ILA (identifier-locator addressing): the 64-bit locator as four hex groups, `2001:db8:0:1`, and its options. */
export interface IlaEncap {
  type: 'ila';
  locator: string;
  csumMode?: 'adj-transport' | 'neutral-map' | 'no-action' | 'neutral-map-auto';
  identType?: 'luid' | 'use-format';
  hookType?: 'output' | 'input';
}

/** IOAM for IPv6: a pre-allocated trace option inserted k times in n packets (default 1/1), inline or encapsulated. */
export interface Ioam6Encap {
  type: 'ioam6';
  freqK?: number;
  freqN?: number;
  mode?: 'inline' | 'encap' | 'auto';
  /** The tunnel's destination (encap and auto modes). */
  tundst?: string;
  /** The trace's IOAM-Trace-Type (24 bits), namespace id and data size (a multiple of 4, at most 244 bytes). */
  trace: { type: number; ns: number; size: number };
}

/** LWTUNNEL_ENCAP_*. */
export const encapTypes = { mpls: 1, ip: 2, ila: 3, ip6: 4, seg6: 5, bpf: 6, seg6local: 7, rpl: 8, ioam6: 9, xfrm: 10 } as const;
const encapTypeCheck = oneOf(Object.keys(encapTypes));
/** An encapsulation's type, as routes and nexthops check it; its other fields are checked as they are encoded, by that type. */
export const encapCheck: Check = (v, path, key, scope) => {
  object(v, path, key, scope);
  encapTypeCheck((v as { type?: unknown }).type, path ? `${path}.${key}` : String(key), 'type', scope);
};
const typeNames = new Map<number, string>(Object.entries(encapTypes).map(([k, v]) => [v, k]));
const seg6Modes: readonly Seg6Mode[] = ['inline', 'encap', 'l2encap', 'encap.red', 'l2encap.red'];
/** SEG6_LOCAL_ACTION_* by number; index 0 is unspec. */
export const seg6Actions = [
  '', 'End', 'End.X', 'End.T', 'End.DX2', 'End.DX6', 'End.DX4', 'End.DT6', 'End.DT4', 'End.B6', 'End.B6.Encaps', 'End.BM',
  'End.S', 'End.AS', 'End.AM', 'End.BPF', 'End.DT46',
] as const;
const TUNNEL_CSUM = 0x01;
const TUNNEL_KEY = 0x04;
const TUNNEL_SEQ = 0x08;
const SR6_FLAG1_HMAC = 0x08;
const SR6_TLV_HMAC = 5;

/** Nested attributes written one after another, each padded to 4 bytes. */
class Attrs {
  private readonly parts: Buffer[] = [];
  add(type: number, payload: Uint8Array): void {
    const b = Buffer.alloc((4 + payload.length + 3) & ~3);
    b.writeUInt16LE(4 + payload.length, 0);
    b.writeUInt16LE(type, 2);
    b.set(payload, 4);
    this.parts.push(b);
  }
  u8(type: number, v: number): void { this.add(type, Uint8Array.of(v)); }
  u32(type: number, v: number): void { const b = Buffer.alloc(4); b.writeUInt32LE(v >>> 0); this.add(type, b); }
  get bytes(): Uint8Array { return Buffer.concat(this.parts); }
}

function addr(text: string | undefined, v6: boolean, field: string): Uint8Array {
  const b = text === undefined ? undefined : v6 ? parseIPv6(text) : parseIPv4(text);
  if (!b) throw new SchemaError(`encap.${field}`, `${JSON.stringify(text)} is not an ${v6 ? 'IPv6' : 'IPv4'} address`);
  return b;
}

function u(v: unknown, max: number, field: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) throw new SchemaError(`encap.${field}`, `${String(v)} is not an integer from 0 to ${max}`);
  return v;
}

/**
 * An IPv6 segment routing header (struct ipv6_sr_hdr) listing `segs` last first; with `reserve`, one more slot
 * in front for the packet's own destination (the encap modes); an HMAC TLV when `hmac` is a key id.
 */
function srh(segs: string[], hmac: number | undefined, reserve: boolean, field: string): Buffer {
  const n = segs.length + (reserve ? 0 : 1);
  const len = 8 + 16 * n + (hmac ? 40 : 0);
  const b = Buffer.alloc(len);
  b[1] = (len >> 3) - 1;
  b[2] = 4;
  b[3] = n - 1;
  b[4] = n - 1;
  if (hmac) b[5] = SR6_FLAG1_HMAC;
  segs.forEach((s, i) => b.set(addr(s, true, `${field}[${i}]`), 8 + 16 * (n - 1 - i)));
  if (hmac) {
    b[len - 40] = SR6_TLV_HMAC;
    b[len - 39] = 38;
    b.writeUInt32BE(hmac >>> 0, len - 36);
  }
  return b;
}

function ipTunnel(e: IpTunnelEncap & { type: 'ip' | 'ip6' }, a: Attrs): void {
  const v6 = e.type === 'ip6';
  let flags = 0;
  for (const [k, v] of Object.entries(e)) {
    if (v === undefined || k === 'type') continue;
    if (k === 'id') {
      const id = Buffer.alloc(8);
      id.writeBigUInt64BE(BigInt(v as number | bigint));
      a.add(1, id);
    } else if (k === 'dst') a.add(2, addr(v as string, v6, k));
    else if (k === 'src') a.add(3, addr(v as string, v6, k));
    // The same numbers: TTL and hop limit 4, TOS and traffic class 5.
    else if (k === (v6 ? 'hoplimit' : 'ttl')) a.u8(4, u(v, 255, k));
    else if (k === (v6 ? 'tc' : 'tos')) a.u8(5, u(v, 255, k));
    else if (k === 'key' || k === 'csum' || k === 'seq') flags |= v ? { key: TUNNEL_KEY, csum: TUNNEL_CSUM, seq: TUNNEL_SEQ }[k] : 0;
    else throw new SchemaError(`encap.${k}`, `is not a field of an ${e.type} encapsulation`);
  }
  // TUNNEL_* flags are big-endian (__be16) on the wire.
  if (flags) a.add(6, Uint8Array.of(flags >> 8, flags & 0xff));
}

const ilaValues: Record<string, Record<string, number>> = {
  csumMode: { 'adj-transport': 0, 'neutral-map': 1, 'no-action': 2, 'neutral-map-auto': 3 },
  identType: { luid: 1, 'use-format': 32 },
  hookType: { output: 0, input: 1 },
};
/** ILA_ATTR_CSUM_MODE, _IDENT_TYPE, _HOOK_TYPE. */
const ilaAttrs: Record<string, number> = { csumMode: 7, identType: 8, hookType: 9 };

/** ILA_ATTR_LOCATOR (four big-endian 16-bit groups), then the options in the order of the object's fields. */
function ila(e: IlaEncap, a: Attrs): void {
  const groups = typeof e.locator === 'string' ? e.locator.split(':') : [];
  if (groups.length !== 4 || !groups.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) throw new SchemaError('encap.locator', `${JSON.stringify(e.locator)} is not four hex groups (2001:db8:0:1)`);
  const b = Buffer.alloc(8);
  groups.forEach((g, i) => b.writeUInt16BE(parseInt(g, 16), 2 * i));
  a.add(1, b);
  for (const [k, v] of Object.entries(e)) {
    if (v === undefined || k === 'type' || k === 'locator') continue;
    const n = ilaValues[k]?.[v as string];
    if (n === undefined) throw new SchemaError(`encap.${k}`, ilaValues[k] ? `${JSON.stringify(v)} is not one of ${Object.keys(ilaValues[k]).join(', ')}` : 'is not a field of an ila encapsulation');
    a.u8(ilaAttrs[k]!, n);
  }
}

const ioam6Modes = ['inline', 'encap', 'auto'];

/** IOAM6_IPTUNNEL_FREQ_K, _FREQ_N, _MODE, _DST (not inline) and _TRACE (struct ioam6_trace_hdr), in ip's order. */
function ioam6(e: Ioam6Encap, a: Attrs): void {
  const k = u(e.freqK ?? 1, 1000000, 'freqK');
  const n = u(e.freqN ?? 1, 1000000, 'freqN');
  if (k < 1 || n < 1 || k > n) throw new SchemaError('encap.freqK', `${k}/${n}: give 1 <= k <= n`);
  const mode = ioam6Modes.indexOf(e.mode ?? 'inline') + 1;
  if (mode === 0) throw new SchemaError('encap.mode', `${JSON.stringify(e.mode)} is not one of ${ioam6Modes.join(', ')}`);
  if ((mode === 1) !== (e.tundst === undefined)) throw new SchemaError('encap.tundst', mode === 1 ? 'inline mode takes no tunnel destination' : 'give the tunnel destination');
  a.u32(4, k);
  a.u32(5, n);
  a.u8(1, mode);
  if (e.tundst !== undefined) a.add(2, addr(e.tundst, true, 'tundst'));
  const t = e.trace as Ioam6Encap['trace'] | undefined;
  if (typeof t !== 'object' || t === null) throw new SchemaError('encap.trace', 'give { type, ns, size }');
  const size = u(t.size, 244, 'trace.size');
  if (size === 0 || size % 4) throw new SchemaError('encap.trace.size', `${size} is not a multiple of 4 from 4 to 244`);
  const b = Buffer.alloc(8);
  b.writeUInt16BE(u(t.ns, 0xffff, 'trace.ns'), 0);
  b[3] = size / 4;
  b.writeUInt32BE((u(t.type, 0xffffff, 'trace.type') << 8) >>> 0, 4);
  a.add(3, b);
}

/** The devices an encapsulation names, by field: `ifindex` resolves them before it is encoded. */
const deviceFields = ['iif', 'oif', 'linkDev'];

/** The device names or ifindexes the encapsulation refers to. */
export function encapDevices(e: RouteEncap): (string | number | undefined)[] {
  return deviceFields.map((k) => (e as Record<string, string | number | undefined>)[k]);
}

/**
 * The RTA_ENCAP_TYPE value and RTA_ENCAP payload of an encapsulation, its devices looked up by `ifindex`; a
 * SchemaError names a bad field.
 */
export function encodeEncap(given: RouteEncap, ifindex: (dev: string | number, field: string) => number): { type: number; bytes: Uint8Array } {
  // The fields keep their order: it is the order of the attributes.
  const e = Object.fromEntries(Object.entries(given).map(([k, v]) => [k, deviceFields.includes(k) && v !== undefined ? ifindex(v as string | number, `encap.${k}`) : v])) as RouteEncap;
  const a = new Attrs();
  switch (e.type) {
    case 'mpls': {
      if (!Array.isArray(e.labels) || e.labels.length === 0) throw new SchemaError('encap.labels', 'give one label or more');
      const b = Buffer.alloc(4 * e.labels.length);
      e.labels.forEach((l, i) => b.writeUInt32BE(((u(l, 0xfffff, `labels[${i}]`) << 12) | (i === e.labels.length - 1 ? 0x100 : 0)) >>> 0, 4 * i));
      a.add(1, b);
      if (e.ttl !== undefined) a.u8(2, u(e.ttl, 255, 'ttl'));
      break;
    }
    case 'ip': case 'ip6': ipTunnel(e, a); break;
    case 'seg6': {
      const mode = seg6Modes.indexOf(e.mode);
      if (mode < 0) throw new SchemaError('encap.mode', `${JSON.stringify(e.mode)} is not one of ${seg6Modes.join(', ')}`);
      const h = srh(e.segs, e.hmac, mode !== 0, 'segs');
      const b = Buffer.alloc(4 + h.length);
      b.writeInt32LE(mode);
      b.set(h, 4);
      a.add(1, b);
      break;
    }
    case 'seg6local': {
      const action = seg6Actions.indexOf(e.action as (typeof seg6Actions)[number]);
      if (action <= 0) throw new SchemaError('encap.action', `${JSON.stringify(e.action)} is not one of ${seg6Actions.slice(1).join(', ')}`);
      for (const [k, v] of Object.entries(e)) {
        if (v === undefined || k === 'type' || k === 'srh') continue;
        if (k === 'action') a.u32(1, action);
        else if (k === 'table') a.u32(3, u(v, 0xffffffff, k));
        else if (k === 'vrftable') a.u32(9, u(v, 0xffffffff, k));
        else if (k === 'nh4') a.add(4, addr(v as string, false, k));
        else if (k === 'nh6') a.add(5, addr(v as string, true, k));
        else if (k === 'iif') a.u32(6, u(v, 0x7fffffff, k));
        else if (k === 'oif') a.u32(7, u(v, 0x7fffffff, k));
        else throw new SchemaError(`encap.${k}`, 'is not a field of a seg6local encapsulation');
      }
      if (e.srh) a.add(2, srh(e.srh.segs, e.srh.hmac, action === 10, 'srh.segs'));
      break;
    }
    case 'rpl': {
      const n = e.segs.length;
      const b = Buffer.alloc(8 + 16 * n);
      b[1] = ((8 + 16 * n) >> 3) - 1;
      b[2] = 3;
      b[3] = n;
      e.segs.forEach((s, i) => b.set(addr(s, true, `segs[${i}]`), 8 + 16 * (n - 1 - i)));
      a.add(1, b);
      break;
    }
    case 'xfrm':
      a.u32(1, u(e.ifId, 0xffffffff, 'ifId'));
      if (e.linkDev !== undefined) a.u32(2, u(e.linkDev, 0x7fffffff, 'linkDev'));
      break;
    case 'ila': ila(e, a); break;
    case 'ioam6': ioam6(e, a); break;
    case 'bpf':
      if (e.headroom !== undefined) a.u32(4, u(e.headroom, 0xffffffff, 'headroom'));
      break;
    default:
      throw new SchemaError('encap.type', `${JSON.stringify((e as { type: unknown }).type)} is not one of ${Object.keys(encapTypes).join(', ')}`);
  }
  return { type: encapTypes[e.type], bytes: a.bytes };
}

function attrs(b: Uint8Array): Map<number, Buffer> {
  const m = new Map<number, Buffer>();
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  for (let at = 0; at + 4 <= buf.length;) {
    const len = buf.readUInt16LE(at);
    if (len < 4 || at + len > buf.length) break;
    m.set(buf.readUInt16LE(at + 2) & 0x3fff, buf.subarray(at + 4, at + len));
    at += (len + 3) & ~3;
  }
  return m;
}

/** Segments of an SRH, last first as its list holds them, and its HMAC key id (0: none). */
function readSrh(b: Buffer): { segs: string[]; hmac: number } {
  const first = b[4]!;
  const segs: string[] = [];
  for (let i = first; i >= 0; i--) if (8 + 16 * i + 16 <= b.length) segs.push(formatIPv6(b, 8 + 16 * i));
  let hmac = 0;
  if (b[5]! & SR6_FLAG1_HMAC) {
    const off = ((b[1]! + 1) << 3) - 40;
    if (off + 8 <= b.length) hmac = b.readUInt32BE(off + 4);
  }
  return { segs, hmac };
}

/** What a route's RTA_ENCAP says, by its RTA_ENCAP_TYPE: an encapsulation as `encodeEncap` takes it, else its type. */
export function decodeEncap(type: number, bytes: Uint8Array): RouteEncap | { type: string | number } {
  const t = attrs(bytes);
  const u8 = (n: number) => t.get(n)?.[0];
  const u32 = (n: number) => t.get(n)?.readUInt32LE(0);
  switch (typeNames.get(type)) {
    case 'mpls': {
      const d = t.get(1);
      const labels: number[] = [];
      for (let i = 0; d && i + 4 <= d.length; i += 4) labels.push(d.readUInt32BE(i) >>> 12);
      return { type: 'mpls', labels, ttl: u8(2) };
    }
    case 'ip': case 'ip6': {
      const v6 = type === encapTypes.ip6;
      const ip = (n: number) => { const b = t.get(n); return b === undefined ? undefined : v6 ? formatIPv6(b) : formatIPv4(b); };
      const flags = t.get(6)?.readUInt16BE(0) ?? 0;
      const id = t.get(1)?.readBigUInt64BE(0);
      const e: { type: 'ip' | 'ip6' } & IpTunnelEncap = { type: v6 ? 'ip6' : 'ip', id, src: ip(3), dst: ip(2) };
      if (v6) { e.hoplimit = u8(4); e.tc = u8(5); } else { e.ttl = u8(4); e.tos = u8(5); }
      if (t.has(6)) Object.assign(e, { key: !!(flags & TUNNEL_KEY), csum: !!(flags & TUNNEL_CSUM), seq: !!(flags & TUNNEL_SEQ) });
      return e;
    }
    case 'seg6': {
      const d = t.get(1);
      if (!d) return { type: 'seg6' };
      const { segs, hmac } = readSrh(d.subarray(4));
      return { type: 'seg6', mode: seg6Modes[d.readInt32LE(0)] ?? ('<unknown>' as Seg6Mode), segs, hmac: hmac || undefined };
    }
    case 'seg6local': {
      const action = u32(1);
      if (action === undefined) return { type: 'seg6local' };
      const s = t.get(2);
      const nh4 = t.get(4);
      const nh6 = t.get(5);
      return {
        type: 'seg6local', action: seg6Actions[action] ?? '<unknown>', srh: s && (({ segs, hmac }) => ({ segs, hmac: hmac || undefined }))(readSrh(s)),
        table: u32(3), vrftable: u32(9), nh4: nh4 && formatIPv4(nh4), nh6: nh6 && formatIPv6(nh6), iif: u32(6), oif: u32(7),
      };
    }
    case 'rpl': {
      const d = t.get(1);
      if (!d) return { type: 'rpl' };
      const segs: string[] = [];
      for (let i = d[3]! - 1; i >= 0; i--) if (8 + 16 * i + 16 <= d.length) segs.push(formatIPv6(d, 8 + 16 * i));
      return { type: 'rpl', segs };
    }
    case 'xfrm':
      return { type: 'xfrm', ifId: u32(1)!, linkDev: u32(2) };
    default:
      return { type: typeNames.get(type) ?? type };
  }
}
