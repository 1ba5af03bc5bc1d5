/**
 * What the notification machinery needs to know per NETLINK_ROUTE object: its multicast groups, its message types,
 * how to decode one (the object module's own kind), and its kernel identity — the fields the kernel itself uses to
 * tell two objects apart, so a notification replaces exactly the object it is about.
 */
import { bridgeSchema, netconfSchema, nsidSchema } from '../../families/route/index.js';
import { mdbFromMessage, type MdbEntry } from '../bridge-mdb.js';
import { vlanEntryFromMessage, type VlanEntry } from '../bridge-vlans.js';
import type { Schema } from '../../schema/codec.js';
import { addressKind, type Address } from '../addresses.js';
import { conntrackKind, type ConntrackEntry } from '../conntrack.js';
import { NFNLGRP } from '../../families/netfilter/nfnetlink.js';
import { Protocol } from '../../socket/constants.js';
import { linkKind, type Link } from '../links.js';
import { neighbourKind, type Neighbour } from '../neighbours.js';
import { nexthopKind, type Nexthop } from '../nexthops.js';
import type { Value } from '../object.js';
import { routeKind, type Route } from '../routes.js';
import { ruleKind, type Rule } from '../rules.js';
import { chainKind, classKind, filterKind, qdiscKind, type Chain, type Filter, type Qdisc, type TcClass } from '../tc.js';
import { familyName, type Family } from '../values.js';

/** RTNLGRP_* (linux/rtnetlink.h). */
const RTNLGRP = {
  LINK: 1, TC: 4, NEIGH: 3, IPV4_IFADDR: 5, IPV4_ROUTE: 7, IPV4_RULE: 8, IPV6_IFADDR: 9, IPV6_ROUTE: 11, IPV6_RULE: 19,
  IPV4_NETCONF: 24, IPV6_NETCONF: 25, MDB: 26, NSID: 28, NEXTHOP: 32, BRVLAN: 33,
} as const;

/** A netconf notification: the device (or all/default, as negative ifindexes) whose configuration changed. */
export interface NetconfNotice {
  family: Family;
  ifindex: number;
  raw: Value;
}

/** An nsid notification: a namespace id assigned or removed. */
export interface NsidNotice {
  nsid: number;
  raw: Value;
}

/** The typed object of each kind. */
export interface ObjectTypes {
  link: Link;
  address: Address;
  route: Route;
  nexthop: Nexthop;
  neighbour: Neighbour;
  rule: Rule;
  netconf: NetconfNotice;
  nsid: NsidNotice;
  conntrack: ConntrackEntry;
  qdisc: Qdisc;
  class: TcClass;
  filter: Filter;
  chain: Chain;
  mdb: MdbEntry;
  vlan: VlanEntry;
}

/** The kinds notifications and watches follow: `'link'`, `'address'`, `'route'`, …. */
export type NotificationKind = keyof ObjectTypes;

/** What the watch machinery knows of a kind: its groups, message types, identity key and object conversion. */
export interface KindInfo<T> {
  /** The netlink protocol of its sockets, when not NETLINK_ROUTE. */
  protocol?: number;
  groups: readonly number[];
  /** The dump request(s) that list every object of the kind, by message name and header values. */
  dumps: readonly Value[];
  getMessage: string;
  /** nlmsg_type of the new and the delete notification. */
  newType: number;
  delType: number;
  /** nlmsg_type of a dump's messages, where not newType (an MDB dump answers with RTM_GETMDB). */
  dumpType?: number;
  /**
   * The kernel's dump resumes by position and never flags itself interrupted (NLM_F_DUMP_INTR) when objects of
   * the kind change meanwhile: an object deleted before the resume point makes the dump pass over one after it.
   * A dump is exact only when nothing changed while it ran, and a notification read after a dump may have been
   * sent while it ran: so each notification of the kind puts the view in doubt until a dump started after it.
   */
  dumpUnchecked?: boolean;
  schema: Schema;
  message: string;
  /** The object of a message; kinds whose messages hold several have fromMessages instead. */
  fromMessage?(m: Value): T;
  /** Every object of a message: an MDB message holds a bridge's groups, a VLAN message ranges of VLANs. */
  fromMessages?(m: Value): T[];
  /** The kernel's identity of the object. */
  key(o: T): string;
  /** Messages to leave out (IPv6 route cache entries are not routes). */
  skip?(m: Value): boolean;
  /** For kinds whose notifications carry only what changed (netconf): the object after `update`. */
  merge?(before: T, update: T): T;
  /** Why the kind can be heard but not watched, when one dump cannot list all its objects. */
  unwatchable?: string;
}

const RTM_F_CLONED = 0x200;

/** A key from parts: plain text joined by a separator no part contains; objects (port ranges) as JSON. */
function j(...parts: unknown[]): string {
  let key = '';
  for (const p of parts) key += (typeof p === 'object' && p !== null ? JSON.stringify(p) : String(p)) + '|';
  return key;
}

/**
 * An IPv4 route's key: its prefix text alone for the common case (main table, no tos, no metric, no source), so
 * a view of a million routes hashes strings it already has; the rest only when set.
 */
function routeKey4(r: Route): string {
  let key = r.dst;
  if (r.table !== 'main') key += ` t${r.table}`;
  if (r.tos) key += ` q${r.tos}`;
  if (r.priority !== undefined) key += ` p${r.priority}`;
  if (r.src !== undefined) key += ` s${r.src}`;
  return key;
}

export const kinds: { [K in NotificationKind]: KindInfo<ObjectTypes[K]> } = {
  link: {
    groups: [RTNLGRP.LINK], newType: 16, delType: 17, schema: linkKind.schema, message: 'newlink', fromMessage: linkKind.fromMessage,
    getMessage: 'getlink', dumps: [{}],
    key: (l) => String(l.ifindex),
    // AF_BRIDGE link messages describe bridge ports, not links.
    skip: (m) => m.family !== 0,
  },
  address: {
    groups: [RTNLGRP.IPV4_IFADDR, RTNLGRP.IPV6_IFADDR], newType: 20, delType: 21, schema: addressKind.schema, message: 'newaddr',
    fromMessage: addressKind.fromMessage, getMessage: 'getaddr', dumps: [{ family: 2 }, { family: 10 }],
    skip: (m) => m.family !== 2 && m.family !== 10,
    key: (a) => j(a.family, a.ifindex, a.local ?? a.address, a.prefixlen),
  },
  route: {
    groups: [RTNLGRP.IPV4_ROUTE, RTNLGRP.IPV6_ROUTE], newType: 24, delType: 25, schema: routeKind.schema, message: 'newroute',
    fromMessage: routeKind.fromMessage, getMessage: 'getroute', dumps: [{ family: 2 }, { family: 10 }],
    // IPv4 keys a route by table, prefix, tos and priority; IPv6 keeps same-prefix, same-metric routes through
    // different nexthops apart (ECMP siblings), so its key adds the nexthop.
    key: (r) => (r.family === 'inet6'
      ? (r.multipath ? j(r.family, r.table, r.dst, r.src, r.priority, r.type) : j(r.family, r.table, r.dst, r.src, r.priority, r.type, r.gateway, r.oif, r.nhid))
      : routeKey4(r)),
    skip: (m) => ((m.flags as number) & RTM_F_CLONED) !== 0 || (m.family !== 2 && m.family !== 10),
  },
  nexthop: {
    groups: [RTNLGRP.NEXTHOP], newType: 104, delType: 105, schema: nexthopKind.schema, message: 'newnexthop',
    fromMessage: nexthopKind.fromMessage, getMessage: 'getnexthop', dumps: [{}],
    key: (n) => String(n.id),
  },
  neighbour: {
    groups: [RTNLGRP.NEIGH], newType: 28, delType: 29, schema: neighbourKind.schema, message: 'newneigh',
    fromMessage: neighbourKind.fromMessage, getMessage: 'getneigh',
    // AF_UNSPEC lists ARP and NDP entries; bridge FDB entries come from their own family's dump.
    dumps: [{}, { family: 7 }],
    // Two kinds of entries come and go without an announcement, so a view cannot follow them: NOARP entries
    // (multicast ones, for a start; `ip neigh show` leaves them out too), and the multicast MACs a device lists in
    // its own FDB as it joins groups.
    skip: (m) => (m.family === 7
      ? (m.flags as (string | number)[]).includes('self') && typeof m.lladdr === 'string' && (parseInt(m.lladdr.slice(0, 2), 16) & 1) === 1
      : (m.state as (string | number)[]).includes('noarp')),
    key: (n) => j(n.family, n.ifindex, n.dst ?? null, n.family === 'bridge' ? n.lladdr : null, n.vlan ?? null, n.flags.includes('proxy')),
  },
  rule: {
    groups: [RTNLGRP.IPV4_RULE, RTNLGRP.IPV6_RULE], newType: 32, delType: 33, schema: ruleKind.schema, message: 'newrule',
    fromMessage: ruleKind.fromMessage, getMessage: 'getrule', dumps: [{ family: 2 }, { family: 10 }],
    skip: (m) => m.family !== 2 && m.family !== 10,
    key: (r) => j(r.family, r.priority, r.from, r.to, r.iif, r.oif, r.fwmark, r.fwmask, r.tos, r.dscp, r.ipProto, r.sport, r.dport,
      r.uidRange, r.not, r.action, r.table, r.goto, r.suppressPrefixlength, r.suppressIfgroup),
  },
  netconf: {
    groups: [RTNLGRP.IPV4_NETCONF, RTNLGRP.IPV6_NETCONF], newType: 80, delType: 81, schema: netconfSchema, message: 'newnetconf',
    getMessage: 'getnetconf', dumps: [{ family: 2 }, { family: 10 }],
    skip: (m) => m.family !== 2 && m.family !== 10,
    fromMessage: (m) => ({ family: familyName(m.family as number), ifindex: m.ifindex as number, raw: m }),
    key: (c) => j(c.family, c.ifindex),
    merge: (before, update) => ({ ...update, raw: { ...before.raw, ...update.raw } }),
  },
  nsid: {
    groups: [RTNLGRP.NSID], newType: 88, delType: 89, schema: nsidSchema, message: 'newnsid', getMessage: 'getnsid', dumps: [{}],
    fromMessage: (m) => ({ nsid: m.nsid as number, raw: m }),
    key: (n) => String(n.nsid),
  },
  qdisc: {
    // RTNLGRP_TC carries classes, filters and actions too: only RTM_NEWQDISC / DELQDISC are read here.
    groups: [RTNLGRP.TC], newType: 36, delType: 37, schema: qdiscKind.schema, message: 'newqdisc', fromMessage: qdiscKind.fromMessage,
    getMessage: 'getqdisc', dumps: [{}],
    key: (q) => j(q.ifindex, q.raw.handle, q.raw.parent),
  },
  // Classes, filters and chains share RTNLGRP_TC; the kernel dumps them per device (filters per qdisc too).
  class: {
    groups: [RTNLGRP.TC], newType: 40, delType: 41, schema: classKind.schema, message: 'newtclass', fromMessage: classKind.fromMessage,
    getMessage: 'gettclass', dumps: [], unwatchable: 'the kernel lists classes per device only: list them with rt.classes.list({ dev })',
    key: (c) => j(c.ifindex, c.raw.handle),
  },
  filter: {
    groups: [RTNLGRP.TC], newType: 44, delType: 45, schema: filterKind.schema, message: 'newtfilter', fromMessage: filterKind.fromMessage,
    getMessage: 'gettfilter', dumps: [], unwatchable: 'the kernel lists filters per device and qdisc only: list them with rt.filters.list({ dev, parent })',
    key: (f) => j(f.ifindex, f.raw.parent, f.raw.info, f.raw.handle, f.chain ?? 0),
  },
  chain: {
    groups: [RTNLGRP.TC], newType: 100, delType: 101, schema: chainKind.schema, message: 'newchain', fromMessage: chainKind.fromMessage,
    getMessage: 'getchain', dumps: [], unwatchable: 'the kernel lists chains per device and qdisc only: list them with rt.chains.list({ dev, parent })',
    key: (c) => j(c.ifindex, c.parent, c.chain),
  },
  mdb: {
    // Router ports come in the same messages, but are no memberships: a watch's view holds the memberships.
    groups: [RTNLGRP.MDB], newType: 84, delType: 85, dumpType: 86, dumpUnchecked: true, schema: bridgeSchema, message: 'newmdb', getMessage: 'getmdb', dumps: [{ family: 7 }],
    fromMessages: (m) => mdbFromMessage(m).entries,
    key: (e) => j(e.ifindex, e.port, e.vid ?? 0, e.group, e.source ?? ''),
  },
  vlan: {
    groups: [RTNLGRP.BRVLAN], newType: 112, delType: 113, dumpUnchecked: true, schema: bridgeSchema, message: 'newvlan', getMessage: 'getvlan', dumps: [{ family: 7 }],
    fromMessages: vlansOf,
    key: (v) => j(v.ifindex, v.vid),
  },
  conntrack: {
    // NEW and UPDATE events are IPCTNL_MSG_CT_NEW messages, DESTROY ones IPCTNL_MSG_CT_DELETE.
    protocol: Protocol.NETFILTER,
    groups: [NFNLGRP.conntrackNew, NFNLGRP.conntrackUpdate, NFNLGRP.conntrackDestroy], newType: 0x100, delType: 0x102,
    schema: conntrackKind.schema, message: 'newct', fromMessage: conntrackKind.fromMessage, getMessage: 'getct',
    dumps: [{ family: 0, version: 0, resId: 0 }],
    // The kernel tells entries apart by original tuple and zone.
    key: (e) => j(e.family, e.original.proto, e.original.src, e.original.dst, e.original.sport ?? e.original.icmpId ?? e.original.srcKey, e.original.dport ?? e.original.icmpType ?? e.original.dstKey, e.original.icmpCode, e.original.zone, e.zone ?? 0),
  },
};

/**
 * A VLAN database message's entries, one object per VLAN: the kernel folds VLANs of equal options into ranges as
 * it pleases (a dump joins what notifications told one by one), so only single VLANs compare.
 */
function vlansOf(m: Value): VlanEntry[] {
  const out: VlanEntry[] = [];
  for (const raw of (m.entry as Value[] | undefined) ?? []) {
    const e = vlanEntryFromMessage(m.ifindex as number, raw);
    const end = e.vidEnd ?? e.vid;
    const { vidEnd: _, ...one } = e;
    for (let vid = e.vid; vid <= end; vid++) {
      const info = raw.info as Value;
      const { range: _r, ...rest } = raw;
      out.push({ ...one, vid, raw: { ...rest, info: { ...info, vid } } });
    }
  }
  return out;
}

/** The objects one message stands for. */
export function objectsOf<T>(info: KindInfo<T>, raw: Value): T[] {
  return info.fromMessages ? info.fromMessages(raw) : [info.fromMessage!(raw)];
}

/** The protocol of a kind's sockets. */
export function protocolOf(kind: NotificationKind): number {
  return kinds[kind].protocol ?? Protocol.ROUTE;
}

/** The kind a message type belongs to, and whether it is a deletion. */
export const byType = new Map<number, { kind: NotificationKind; deleted: boolean }>();
for (const [kind, info] of Object.entries(kinds) as [NotificationKind, KindInfo<unknown>][]) {
  byType.set(info.newType, { kind, deleted: false });
  byType.set(info.delType, { kind, deleted: true });
}
