/**
 * Routes (RTM_*ROUTE): IPv4 and IPv6, every table and type, multipath with weights, nexthop ids, metrics, pref,
 * expires; and `lookup`, what `ip route get` does. Defaults follow `ip route`: table main, protocol boot, type
 * unicast, scope link for a unicast route with neither gateway nor nexthops, host for local and nat routes.
 */
import { routeFamily as routeDecl, routeSchema } from '../families/route/index.js';
import { formatIPv4, formatIPv6, parseIP } from '../schema/address-text.js';
import { SchemaError } from '../schema/codec.js';
import type { DecodedSet } from '../schema/types.js';
import type { routeFamily } from '../families/route/route.js';
import type { NetlinkSocket } from '../socket/socket.js';
import { ObjectApi, type CallOptions, type Context, type ObjectKind, type Value } from './object.js';
import { addressFamily, canonicalAddress, familyName, familyNumber, formatPrefix, parsePrefix, tableName, tableNumber, type Family, type Table } from './values.js';
import type { Devices } from './devices.js';
import { decodeEncap, encapCheck, encapDevices, encodeEncap, type RouteEncap } from './route-encap.js';
import { address, addressPrefix, anyAddress, arrayOf, boolean, byType, callFields, check, device, enumOf, family, integer, oneOf, prefix, record, table, text, u32, u8, type Check } from './input.js';

/** A route's type (RTN_*), by name. */
export type RouteType = 'unspec' | 'unicast' | 'local' | 'broadcast' | 'anycast' | 'multicast' | 'blackhole' | 'unreachable' | 'prohibit' | 'throw' | 'nat' | 'xresolve';
/** A route's metrics (RTA_METRICS: mtu, window, rtt, …), as the route spec declares them. */
export type Metrics = DecodedSet<typeof routeFamily, 'rta-metrics'>;

const prefs = { medium: 0, high: 1, low: 3 } as const;
/** An IPv6 route's router preference (RFC 4191), by name. */
export type RoutePref = keyof typeof prefs;

/**
 * One path of a multipath route, as `ip route add … nexthop via … dev … weight …` writes it. Its device is
 * `ifindex`, as a RouteNexthop reads it (a name or an index); `dev` is another name for it, as `ip` writes it.
 */
export interface NexthopInput {
  gateway?: string;
  /** A gateway of the other family (RTA_VIA): an IPv4 path through an IPv6 router (RFC 5549). */
  via?: string;
  ifindex?: string | number;
  /** Another name for ifindex. */
  dev?: string | number;
  /** 1 to 256 (rtnh_hops + 1). */
  weight?: number;
  onlink?: boolean;
}

/**
 * A route to add, replace, change or delete, as `ip route` takes it. Fields are named as a Route reads them
 * (`oif`, `priority`); `dev` and `metric` are other names for those two, as `ip route` has them. Giving a field
 * and its other name at once is a SchemaError.
 */
export interface RouteInput {
  /** A prefix (`'10.0.0.0/24'`), an address, or `'default'`. */
  dst?: string;
  src?: string;
  family?: Family;
  gateway?: string;
  /** A gateway of the other family (RTA_VIA): an IPv4 route through an IPv6 router (RFC 5549). */
  via?: string;
  /** The output device: a name or an ifindex. */
  oif?: string | number;
  /** Another name for oif. */
  dev?: string | number;
  iif?: string | number;
  /** A number, 'main', 'local', 'default', or a numeric string. */
  table?: Table | string;
  protocol?: string | number;
  scope?: string | number;
  type?: RouteType | number;
  tos?: number;
  /** The route's metric. */
  priority?: number;
  /** Another name for priority. */
  metric?: number;
  prefsrc?: string;
  /** A nexthop object (`ip route add … nhid N`). */
  nhid?: number;
  multipath?: NexthopInput[];
  metrics?: Metrics;
  pref?: RoutePref;
  /** Seconds (IPv6). */
  expires?: number;
  mark?: number;
  onlink?: boolean;
  /** A lightweight-tunnel encapsulation (`ip route add … encap TYPE …`). */
  encap?: RouteEncap;
  /** RTA_FLOW: the realm (`[FROM/]TO`, FROM in the high 16 bits) the route classifies its packets into. */
  realms?: number;
  /** RTA_NEWDST (`ip route add … as [to] ADDRESS`): an address of the route's family, the new destination. */
  newdst?: string;
}

/** One path of a multipath route as the kernel reports it. */
export interface RouteNexthop {
  gateway?: string;
  /** A gateway of the other family (RTA_VIA). */
  via?: string;
  ifindex: number;
  weight: number;
  flags: (string | number)[];
}

/** A route as the kernel reports it (RTM_NEWROUTE); `oif` is the output device's ifindex. */
export interface Route {
  family: Family;
  /** `'10.0.0.0/24'`, `'192.0.2.1'` for a host route, `'default'`. */
  dst: string;
  src?: string;
  table: Table;
  protocol: string | number;
  scope: string | number;
  type: RouteType | number;
  tos: number;
  flags: number;
  gateway?: string;
  /** A gateway of the other family (RTA_VIA): an IPv4 route through an IPv6 router. */
  via?: string;
  oif?: number;
  iif?: number;
  priority?: number;
  prefsrc?: string;
  nhid?: number;
  multipath?: RouteNexthop[];
  metrics?: Metrics;
  pref?: RoutePref | number;
  expires?: number;
  mark?: number;
  /** The encapsulation, where the kernel reports one; a type this module does not read is only named. */
  encap?: RouteEncap | { type: string | number };
  /** RTA_FLOW: `[FROM/]TO` realms, FROM in the high 16 bits. */
  realms?: number;
  /** RTA_NEWDST, as text of the route's family. */
  newdst?: string;
  /** The decoded message as the kernel sent it, every attribute included. */
  raw: Value;
}

/** What list, stream and watch narrow routes by (in the kernel, where strict checking lets it). */
export interface RouteFilter {
  family?: Family;
  table?: Table;
  protocol?: string | number;
  type?: RouteType | number;
  /** Routes out of this device (a name or an ifindex). */
  oif?: string | number;
  /** Another name for oif. */
  dev?: string | number;
  dst?: string;
  /** The kernel's cached routes (RTM_F_CLONED: IPv4 exceptions, IPv6 cache entries) instead of the tables'. */
  cloned?: boolean;
}

/**
 * What Routes.lookup takes besides the destination: the packet's source, input or output device and mark, as `ip route
 * get` takes them.
 */
export interface LookupOptions extends CallOptions {
  from?: string;
  iif?: string | number;
  oif?: string | number;
  mark?: number;
  /** The packet's TOS byte (rtm_tos). */
  tos?: number;
  /** The socket owner's uid (RTA_UID), for uid-range rules. */
  uid?: number;
  /** The packet's ports and IP protocol (RTA_SPORT, RTA_DPORT, RTA_IP_PROTO), for rules that match them. */
  sport?: number;
  dport?: number;
  ipProto?: number;
  /** The FIB entry that matched (RTM_F_FIB_MATCH) instead of the route the packet would take. */
  fibMatch?: boolean;
  /** RTM_F_NOTIFY: the answer carries the notify flag (as `ip route get … notify` asks). */
  notify?: boolean;
  /** RTA_NEWDST (`ip route get … as ADDR`): an address the kernel's IPv4 lookup refuses, as it does for ip. */
  newdst?: string;
}

const routeFamilies = family(['inet', 'inet6']);
const protocol = enumOf(routeDecl.enums.rtProtocol, [0, 255]);
const scope = enumOf(routeDecl.enums.rtScope, [0, 255]);
const routeType = enumOf(routeDecl.enums.rtmType, [0, 255]);
/** RTAX_* as the declaration names them: numbers, and the congestion-control algorithm by name. */
const metrics = record(Object.fromEntries(routeDecl.attributeSets['rta-metrics'].attributes
  .filter((a) => a.type !== 'unused')
  .map((a): [string, Check] => [a.name, a.type === 'string' ? text(15, 1) : u32])));

const routeInput = record({
  dst: prefix, src: prefix, family: routeFamilies, gateway: address, via: anyAddress, oif: device, dev: device, iif: device, table, protocol, scope, type: routeType,
  tos: u8, priority: u32, metric: u32, prefsrc: address, nhid: integer(1, 0xffffffff),
  multipath: arrayOf(record({ gateway: address, via: anyAddress, ifindex: device, dev: device, weight: integer(1, 256), onlink: boolean }, [], { dev: 'ifindex' })),
  metrics, pref: oneOf(Object.keys(prefs)), expires: u32, mark: u32, onlink: boolean,
  encap: encapCheck, realms: u32, newdst: address,
}, [], { dev: 'oif', metric: 'priority' });
const routeFilter = record({ family: family(['unspec', 'inet', 'inet6', 'mpls']), table, protocol, type: routeType, oif: device, dev: device, dst: prefix, cloned: boolean }, [], { dev: 'oif' });
const lookupOptions = record({
  ...callFields, from: addressPrefix, iif: device, oif: device, mark: u32, tos: u8, uid: u32, sport: integer(0, 0xffff), dport: integer(0, 0xffff),
  ipProto: u8, fibMatch: boolean, notify: boolean, newdst: address,
});
// As `ip route get`, an address with a prefix length is taken (the lookup is of the address).
const lookupDst = byType({ string: addressPrefix }, 'an IPv4 or IPv6 address');

const RTNH_F_ONLINK = 4;
const RTM_F_NOTIFY = 0x100;
const RTM_F_LOOKUP_TABLE = 0x1000;
const RTM_F_FIB_MATCH = 0x2000;
const RTM_F_CLONED = 0x200;

function defaultScope(type: RouteType | number, input: RouteInput): string {
  if (type === 'local' || type === 'nat') return 'host';
  if (type === 'broadcast' || type === 'multicast' || type === 'anycast') return 'link';
  if ((type === 'unicast' || type === 'unspec') && !input.gateway && !input.via && !input.multipath?.length && input.nhid === undefined) return 'link';
  return 'universe';
}

function inferFamily(input: RouteInput): Family {
  if (input.family !== undefined) return input.family;
  return familyOf(input.dst) ?? familyOf(input.src) ?? familyOf(input.gateway) ?? familyOf(input.prefsrc) ?? familyOf(input.multipath?.[0]?.gateway) ?? 'inet';
}

function familyOf(address: string | undefined): Family | undefined {
  return address === undefined || address === 'default' ? undefined : addressFamily(address);
}

function routeMessage(input: RouteInput, ctx: Context, del: boolean): Value {
  const family = inferFamily(input);
  const af = familyNumber(family);
  const v: Value = { family: af };
  if (input.dst !== undefined) {
    const p = parsePrefix(input.dst, 'dst', family);
    if (p.length > 0) v.dst = p.address;
    v.dstLen = p.length;
  }
  if (input.src !== undefined) {
    const p = parsePrefix(input.src, 'src', family);
    v.src = p.address;
    v.srcLen = p.length;
  }
  const table = tableNumber(input.table ?? 'main');
  if (table < 256) v.rtmTable = table;
  else v.table = table;
  const type = input.type ?? (del ? 'unspec' : 'unicast');
  v.type = type;
  if (!del || input.protocol !== undefined) v.protocol = input.protocol ?? 'boot';
  v.scope = input.scope ?? (del ? 'nowhere' : defaultScope(type, input));
  if (input.tos !== undefined) v.tos = input.tos;
  if (input.gateway !== undefined) v.gateway = input.gateway;
  if (input.via !== undefined) v.via = viaBytes(input.via);
  const oif = input.oif ?? input.dev;
  if (oif !== undefined) v.oif = ctx.ifindex(oif, input.oif === undefined ? 'dev' : 'oif');
  if (input.iif !== undefined) v.iif = ctx.ifindex(input.iif, 'iif');
  const priority = input.priority ?? input.metric;
  if (priority !== undefined) v.priority = priority;
  if (input.prefsrc !== undefined) v.prefsrc = input.prefsrc;
  if (input.nhid !== undefined) v.nhId = input.nhid;
  if (input.metrics !== undefined) v.metrics = input.metrics;
  if (input.pref !== undefined) v.pref = prefs[input.pref];
  if (input.expires !== undefined) v.expires = input.expires;
  if (input.mark !== undefined) v.mark = input.mark;
  if (input.onlink) v.flags = RTNH_F_ONLINK;
  if (input.realms !== undefined) v.flow = input.realms;
  if (input.newdst !== undefined) v.newdst = parseIP(input.newdst);
  if (input.encap !== undefined) {
    const { type, bytes } = encodeEncap(input.encap, (dev, field) => ctx.ifindex(dev, field));
    // The nest, then its type, as ip sends them (attributes go out in the order of these keys).
    v.encap = bytes;
    v.encapType = type;
  }
  if (input.multipath?.length) {
    v.multipath = input.multipath.map((nh, i) => {
      const weight = nh.weight ?? 1;
      const dev = nh.ifindex ?? nh.dev;
      const e: Value = { flags: nh.onlink ? ['onlink'] : [], hops: weight - 1, ifindex: dev === undefined ? 0 : ctx.ifindex(dev, `multipath[${i}].${nh.ifindex === undefined ? 'dev' : 'ifindex'}`) };
      if (nh.gateway !== undefined) e.gateway = nh.gateway;
      if (nh.via !== undefined) e.via = viaBytes(nh.via);
      return e;
    });
  }
  return v;
}

/** struct rtvia: the gateway's address family in host order, then its address. */
function viaBytes(address: string): Uint8Array {
  const a = parseIP(address)!;
  const b = new Uint8Array(2 + a.length);
  b.set(new Uint8Array(new Uint16Array([a.length === 4 ? 2 : 10]).buffer), 0);
  b.set(a, 2);
  return b;
}

/** RTA_VIA's address as text; undefined for a family other than IPv4 and IPv6 (an MPLS route's next label). */
function viaText(b: unknown): string | undefined {
  if (!(b instanceof Uint8Array) || b.length < 2) return undefined;
  const af = new Uint16Array(b.slice(0, 2).buffer)[0];
  if (af === 2 && b.length >= 6) return formatIPv4(b, 2);
  if (af === 10 && b.length >= 18) return formatIPv6(b, 2);
  return undefined;
}

const prefNames = new Map<number, RoutePref>(Object.entries(prefs).map(([k, n]) => [n, k as RoutePref]));
/** '/0' … '/128': a route's prefix text is then one concatenation, not a number formatted per route. */
const slashes = Array.from({ length: 129 }, (_, i) => `/${i}`);

/** formatPrefix's result, by the short way for the usual case (an address shorter than a host prefix). */
function prefixText(address: string | undefined, length: number, family: number): string {
  if (address !== undefined && length < (family === 10 ? 128 : 32)) return address + slashes[length]!;
  return formatPrefix(address, length, family);
}

/** One object shape for every route (absent fields are undefined), which keeps consumers' property reads fast. */
export function routeFromMessage(m: Value): Route {
  const family = m.family as number;
  const srcLen = m.srcLen as number;
  const pref = m.pref as number | undefined;
  const multipath = m.multipath as Value[] | undefined;
  return {
    family: familyName(family),
    dst: prefixText(m.dst as string | undefined, m.dstLen as number, family),
    src: m.src !== undefined || srcLen > 0 ? prefixText(m.src as string | undefined, srcLen, family) : undefined,
    table: tableName((m.table as number | undefined) ?? (m.rtmTable as number)),
    protocol: m.protocol as string | number,
    scope: m.scope as string | number,
    type: m.type as RouteType | number,
    tos: m.tos as number,
    flags: m.flags as number,
    gateway: m.gateway as string | undefined,
    via: viaText(m.via),
    oif: m.oif as number | undefined,
    iif: m.iif as number | undefined,
    priority: m.priority as number | undefined,
    prefsrc: m.prefsrc as string | undefined,
    nhid: m.nhId as number | undefined,
    multipath: multipath?.map((e) => ({ gateway: e.gateway as string | undefined, via: viaText(e.via), ifindex: e.ifindex as number, weight: (e.hops as number) + 1, flags: e.flags as (string | number)[] })),
    metrics: m.metrics as Metrics | undefined,
    pref: pref === undefined ? undefined : (prefNames.get(pref) ?? pref),
    expires: expiresOf(m),
    mark: m.mark as number | undefined,
    encap: m.encapType === undefined ? undefined : decodeEncap(m.encapType as number, (m.encap as Uint8Array | undefined) ?? new Uint8Array()),
    realms: m.flow as number | undefined,
    newdst: newdstText(m.newdst as Uint8Array | undefined),
    raw: m,
  };
}

function newdstText(b: Uint8Array | undefined): string | undefined {
  if (b === undefined) return undefined;
  return b.length === 16 ? formatIPv6(b) : b.length === 4 ? formatIPv4(b) : Buffer.from(b).toString('hex');
}

/** USER_HZ: the unit of rta_cacheinfo's times (clock_t), fixed by the kernel's user ABI. */
const USER_HZ = 100;

/** Seconds until an (IPv6) route expires: rta_cacheinfo.rta_expires in dumps, RTA_EXPIRES where one is sent. */
function expiresOf(m: Value): number | undefined {
  const ticks = (m.cacheinfo as { expires?: number } | undefined)?.expires;
  if (ticks) return Math.trunc((ticks | 0) / USER_HZ);
  return m.expires as number | undefined;
}

export const routeKind: ObjectKind<Route, RouteInput, RouteFilter> = {
  name: 'route',
  schema: routeSchema,
  messages: { new: 'newroute', del: 'delroute', get: 'getroute' },
  input: routeInput,
  filter: routeFilter,
  devices: (input) => [input.oif ?? input.dev, input.iif, ...(input.multipath ?? []).map((n) => n.ifindex ?? n.dev), ...(input.encap ? encapDevices(input.encap) : [])],
  toMessage: (input, ctx) => routeMessage(input, ctx, false),
  toDeleteMessage: (input, ctx) => routeMessage(input, ctx, true),
  fromMessage: routeFromMessage,
  devicesOfFilter: (f) => [f.oif ?? f.dev],
  dumpRequest(filter, ctx) {
    const v: Value = { family: familyNumber(filter.family) };
    if (filter.table !== undefined) {
      const t = tableNumber(filter.table);
      v.rtmTable = t < 256 ? t : 0;
      v.table = t;
    }
    if (filter.protocol !== undefined) v.protocol = filter.protocol;
    if (filter.type !== undefined) v.type = filter.type;
    const oif = filter.oif ?? filter.dev;
    if (oif !== undefined) v.oif = ctx.ifindex(oif, filter.oif === undefined ? 'dev' : 'oif');
    if (filter.cloned) v.flags = RTM_F_CLONED;
    return v;
  },
  // The kernel's get request is a lookup (of a host address, as `lookup` does): a route is found by its key in a dump.
  getFromDump(key, ctx) {
    const family = inferFamily(key);
    const af = familyNumber(family);
    const p = parsePrefix(key.dst ?? 'default', 'dst', family);
    const dst = formatPrefix(p.length ? canonicalAddress(p.address) : undefined, p.length, af);
    const table = key.table ?? 'main';
    const tableText = tableName(tableNumber(table));
    const priority = key.priority ?? key.metric;
    const gateway = key.gateway === undefined ? undefined : canonicalAddress(key.gateway);
    const dev = key.oif ?? key.dev;
    const oif = dev === undefined ? undefined : ctx.ifindex(dev, key.oif === undefined ? 'dev' : 'oif');
    const src = key.src === undefined ? undefined : parsePrefix(key.src, 'src', family);
    const srcText = src && formatPrefix(canonicalAddress(src.address), src.length, af);
    const filter: RouteFilter = { family, table: typeof table === 'string' ? tableNumber(table) : table };
    if (key.protocol !== undefined) filter.protocol = key.protocol;
    if (key.type !== undefined) filter.type = key.type;
    if (oif !== undefined) filter.oif = oif;
    return {
      filter,
      matches: (r) =>
        r.dst === dst && r.table === tableText && (key.tos === undefined || r.tos === key.tos) && (priority === undefined || (r.priority ?? 0) === priority) &&
        (gateway === undefined || r.gateway === gateway) && (oif === undefined || r.oif === oif) && (srcText === undefined || r.src === srcText) &&
        (key.nhid === undefined || r.nhid === key.nhid),
    };
  },
  matches(route, filter) {
    if (filter.dst !== undefined) {
      const p = parsePrefix(filter.dst, 'dst', route.family);
      if (route.dst !== formatPrefix(p.length ? p.address : undefined, p.length, familyNumber(route.family))) return false;
    }
    return true;
  },
};

/** Routes of every table and family (RTM_*ROUTE), and lookup as `ip route get`: `rt.routes`. */
export class Routes extends ObjectApi<Route, RouteInput, RouteFilter> {
  constructor(socket: NetlinkSocket, devices: Devices) {
    super(routeKind, socket, devices);
  }

  /** The route the kernel would use for `dst` (`ip route get`), with the source and devices it would pick. */
  async lookup(dst: string, options: LookupOptions = {}): Promise<Route> {
    // dst and from are of one family: one scope for both.
    const scope = {};
    check(lookupDst, dst, 'dst', scope);
    check(lookupOptions, options, '', scope);
    const ctx = await this.devices.context([options.iif, options.oif], options);
    const p = parsePrefix(dst, 'dst');
    // As `ip route get`: IPv6 refuses every flag but RTM_F_FIB_MATCH in a get request, so the table is asked for
    // only of IPv4 (IPv6 replies carry the table whatever the flags).
    let flags = p.family === 'inet' ? RTM_F_LOOKUP_TABLE : 0;
    if (options.fibMatch) flags |= RTM_F_FIB_MATCH;
    if (options.notify) flags |= RTM_F_NOTIFY;
    const v: Value = { family: familyNumber(p.family), dst: p.address, dstLen: p.family === 'inet' ? 32 : 128, flags, tos: options.tos ?? 0 };
    if (options.from !== undefined) {
      // The length goes as given, as ip sends it (the kernel refuses a source that is no host).
      const from = parsePrefix(options.from, 'from');
      if (!['default', 'any', 'all'].includes(options.from)) v.src = from.address;
      v.srcLen = from.length;
    }
    if (options.iif !== undefined) v.iif = ctx.ifindex(options.iif, 'iif');
    if (options.oif !== undefined) v.oif = ctx.ifindex(options.oif, 'oif');
    if (options.mark !== undefined) v.mark = options.mark;
    if (options.uid !== undefined) v.uid = options.uid;
    if (options.sport !== undefined) v.sport = options.sport;
    if (options.dport !== undefined) v.dport = options.dport;
    if (options.ipProto !== undefined) v.ipProto = options.ipProto;
    // RTA_NEWDST is an MPLS label stack in MPLS routes: the address goes as its bytes.
    if (options.newdst !== undefined) v.newdst = parseIP(options.newdst);
    const { bytes, paths } = routeSchema.encodeMessage('getroute', v);
    const [reply] = await this.socket.request(bytes, { ...options, describeOffset: paths });
    if (!reply) throw new SchemaError('dst', 'the kernel answered the route lookup without a route');
    return this.decode(reply);
  }
}
