/**
 * Multicast routes (`ip mroute show`): the multicast forwarding cache a multicast routing daemon fills through its
 * mroute socket, read with RTM_GETROUTE dumps of RTNL_FAMILY_IPMR (IPv4) and RTNL_FAMILY_IP6MR (IPv6).
 */
import { mrouteFamily } from '../families/route/mroute.js';
import { Schema } from '../schema/codec.js';
import { Flags, type Message } from '../wire/message.js';
import type { NetlinkSocket } from '../socket/socket.js';
import type { Devices } from './devices.js';
import type { CallOptions, Value } from './object.js';
import { callOptions, check, device, family, prefix, record, table } from './input.js';
import { parsePrefix, prefixContains, tableNumber, type Table } from './values.js';

const schema = new Schema(mrouteFamily);
const RTNL_FAMILY_IPMR = 128;
const RTNL_FAMILY_IP6MR = 129;
const RTM_NEWROUTE = 24;
const RTNH_F_OFFLOAD = 8;
const RTNH_F_UNRESOLVED = 32;

/** An outgoing interface of a multicast route, with its TTL threshold. */
export interface MulticastOif {
  ifindex: number;
  ttl: number;
}

/** A multicast forwarding cache entry: (source, group), the interface it must arrive on, where it goes. */
export interface MulticastRoute {
  family: 'inet' | 'inet6';
  table: number;
  /** The source address, if the entry has one. */
  src?: string;
  /** The group address. */
  dst?: string;
  /** The interface packets must arrive on; none for an unresolved entry. */
  iif?: number;
  oifs: MulticastOif[];
  /** Still waiting for the routing daemon (RTNH_F_UNRESOLVED). */
  unresolved: boolean;
  offload: boolean;
  packets?: bigint;
  bytes?: bigint;
  /** Packets that arrived on another interface than `iif`. */
  wrongIf?: bigint;
  /** Seconds since the entry was last used (RTA_EXPIRES, in clock ticks of 1/100 s). */
  age?: number;
  raw: Value;
}

/** What MulticastRoutes.list takes: the family (default inet), a table (default every table), and filters. */
export interface MulticastRouteFilter {
  family?: 'inet' | 'inet6';
  table?: Table;
  iif?: string | number;
  /** Group addresses within this prefix. */
  dst?: string;
  /** Source addresses within this prefix. */
  src?: string;
}

const filterCheck = record({ family: family(['inet', 'inet6']), table, iif: device, dst: prefix, src: prefix });

function fromMessage(m: Value): MulticastRoute {
  const flags = m.flags as number;
  const r: MulticastRoute = {
    family: m.family === RTNL_FAMILY_IP6MR ? 'inet6' : 'inet',
    table: (m.table as number | undefined) ?? (m.rtmTable as number),
    oifs: ((m.multipath as Value[] | undefined) ?? []).map((nh) => ({ ifindex: nh.ifindex as number, ttl: nh.hops as number })),
    unresolved: (flags & RTNH_F_UNRESOLVED) !== 0,
    offload: (flags & RTNH_F_OFFLOAD) !== 0,
    raw: m,
  };
  if (m.src !== undefined) r.src = m.src as string;
  if (m.dst !== undefined) r.dst = m.dst as string;
  if (m.iif) r.iif = m.iif as number;
  const stats = m.mfcStats as Record<string, bigint> | undefined;
  if (stats) Object.assign(r, { packets: stats.packets, bytes: stats.bytes, wrongIf: stats.wrongIf });
  if (m.expires !== undefined) r.age = Number(m.expires as bigint) / 100;
  return r;
}

/** A multicast route message (a dump's, or a notification `ip monitor mroute` hears), decoded. */
export function decodeMulticastRoute(m: Message): MulticastRoute {
  return fromMessage(schema.decodeBody('newroute', m.buf, m.payload, m.offset + m.length, m.view));
}

/** The multicast forwarding caches of a namespace: `new MulticastRoutes(rt.socket, rt.devices)`. */
export class MulticastRoutes {
  constructor(private readonly socket: NetlinkSocket, private readonly devices: Devices) {}

  /** The entries of one family, in the kernel's order; the table is a kernel-side filter (ENOENT if absent). */
  async list(filter: MulticastRouteFilter = {}, options: CallOptions = {}): Promise<MulticastRoute[]> {
    check(filterCheck, filter);
    check(callOptions, options);
    const inet6 = filter.family === 'inet6';
    const ctx = await this.devices.context([filter.iif], options);
    const iif = filter.iif === undefined ? undefined : ctx.ifindex(filter.iif, 'iif');
    const within = (p: string | undefined, path: string) => {
      // As ip: a zero-length prefix (default, any, all) and an entry without the address both match.
      if (p === undefined || parsePrefix(p, path, inet6 ? 'inet6' : 'inet').length === 0) return () => true;
      return (address: string | undefined) => address === undefined || prefixContains(p, address, path);
    };
    const dst = within(filter.dst, 'dst');
    const src = within(filter.src, 'src');
    const request: Value = { family: inet6 ? RTNL_FAMILY_IP6MR : RTNL_FAMILY_IPMR };
    if (filter.table !== undefined) request.table = tableNumber(filter.table);
    const { bytes } = schema.encodeMessage('getroute', request, { flags: Flags.DUMP });
    const out: MulticastRoute[] = [];
    for await (const m of this.socket.dump(bytes, options)) {
      if (m.type !== RTM_NEWROUTE) continue;
      const r = fromMessage(schema.decodeBody('newroute', m.buf, m.payload, m.offset + m.length, m.view));
      if (iif !== undefined && r.iif !== iif) continue;
      if (!dst(r.dst) || !src(r.src)) continue;
      out.push(r);
    }
    return out;
  }
}

