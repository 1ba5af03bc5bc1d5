/**
 * Nexthop objects and groups (RTM_*NEXTHOP): gateway and device nexthops, blackholes, groups with weights,
 * resilient groups and their buckets, fdb nexthops; dumps by id, of groups only, by device, by master; per-member
 * group statistics.
 *
 * Resilient-group timers are in seconds, as `ip nexthop` writes them; the kernel carries them as clock ticks of
 * USER_HZ (100 on every architecture, asm-generic/param.h).
 */
import { nexthopFamily as nexthopDecl, nexthopSchema } from '../families/route/index.js';
import { SchemaError } from '../schema/codec.js';
import type { NetlinkSocket } from '../socket/socket.js';
import { Flags, type Message } from '../wire/message.js';
import type { Devices } from './devices.js';
import { decodeEncap, encapCheck, encapDevices, encodeEncap, type RouteEncap } from './route-encap.js';
import { address, arrayOf, boolean, byType, callOptions, check, device, enumOf, family, integer, number, oneOf, record, text, u16 } from './input.js';
import { ObjectApi, type CallOptions, type Context, type ObjectKind, type Value } from './object.js';
import { addressFamily, familyName, familyNumber, type Family } from './values.js';

/** One member of a nexthop group: a nexthop id and its weight. */
export interface GroupMember {
  id: number;
  /** 1 to 65536 (kernels before 6.12: 1 to 256). */
  weight?: number;
}

/**
 * A nexthop object or group to add, replace or delete, as `ip nexthop` takes it. Its attributes are sent in the
 * order this object lists its fields, as ip sends them in the order of its words.
 */
export interface NexthopInput {
  id: number;
  family?: Family;
  gateway?: string;
  dev?: string | number;
  blackhole?: boolean;
  onlink?: boolean;
  fdb?: boolean;
  /** Members: `[{ id: 1, weight: 2 }, { id: 3 }]`, or ip's notation `'1,2/3'` (the same group). */
  group?: GroupMember[] | string;
  /** 'mpath' (default) or 'resilient'. */
  groupType?: 'mpath' | 'resilient';
  /** Resilient groups: the bucket count, and timers in seconds. */
  buckets?: number;
  idleTimer?: number;
  unbalancedTimer?: number;
  protocol?: string | number;
  /** A lightweight-tunnel encapsulation (`ip nexthop add … encap TYPE …`), as a route takes it. */
  encap?: RouteEncap;
}

/** A nexthop or group as the kernel reports it (RTM_NEWNEXTHOP). */
export interface Nexthop {
  id: number;
  family: Family;
  protocol: string | number;
  scope: string | number;
  flags: (string | number)[];
  gateway?: string;
  oif?: number;
  blackhole: boolean;
  fdb: boolean;
  /** The encapsulation; a type route-encap.ts does not read is only named. */
  encap?: RouteEncap | { type: string | number };
  group?: { id: number; weight: number }[];
  groupType?: string | number;
  /** Timers and the time the group has been out of balance, in seconds. */
  resilient?: { buckets?: number; idleTimer?: number; unbalancedTimer?: number; unbalancedTime?: number };
  raw: Value;
}

/** One bucket of a resilient group (RTM_NEWNEXTHOPBUCKET). */
export interface NexthopBucket {
  /** The group. */
  id: number;
  index: number;
  /** The member nexthop the bucket points at. */
  nhid: number;
  /** Seconds since the bucket last carried traffic. */
  idleTime: number;
  raw: Value;
}

/** What buckets() narrows a resilient group's buckets by. */
export interface BucketFilter {
  /** One group's buckets. */
  id?: number;
  /** Only buckets pointing at this member nexthop. */
  nhid?: number;
  dev?: string | number;
  master?: string | number;
}

/** Packets a group sent through one member (NHA_GROUP_STATS). */
export interface GroupMemberStats {
  id: number;
  packets: bigint;
  /** Packets counted by hardware, when the group has hardware stats enabled and the driver reports them. */
  packetsHw?: bigint;
}

/** What list, stream and watch narrow nexthops by. */
export interface NexthopFilter {
  /** Only groups (NHA_GROUPS). */
  groups?: boolean;
  dev?: string | number;
  master?: string | number;
  fdb?: boolean;
  family?: Family;
  /**
   * Keep every nexthop the kernel's dump answers, as `ip nexthop show` prints them: the kernel reads NHA_FDB in a
   * dump request but (through 6.18 at least) does not filter by it, so `fdb` alone leaves the others out here.
   */
  asKernelAnswers?: boolean;
}

/** ip's notation: members split by '/', each an id with an optional weight after a comma. */
function parseGroup(text: string): GroupMember[] {
  return text.split('/').map((part, i) => {
    const [id, weight] = part.split(',');
    if (!/^\d+$/.test(id ?? '') || (weight !== undefined && !/^\d+$/.test(weight))) throw new SchemaError(`group[${i}]`, `"${part}" is not ID or ID,WEIGHT`);
    return weight === undefined ? { id: Number(id) } : { id: Number(id), weight: Number(weight) };
  });
}

const USER_HZ = 100;

const id = integer(1, 0xffffffff);
const nexthopInput = record({
  // 0: the kernel picks the id (`ip nexthop add` without one).
  id: integer(0, 0xffffffff), family: family(['unspec', 'inet', 'inet6']), gateway: address, dev: device, blackhole: boolean, onlink: boolean, fdb: boolean,
  group: byType({ string: text(), array: arrayOf(record({ id, weight: integer(1, 65536) }, ['id'])) }, 'an array of members or ip\'s "ID[,WEIGHT]/…"'),
  groupType: oneOf(['mpath', 'resilient']), buckets: u16, idleTimer: number(0, Math.floor(0xffffffff / USER_HZ)),
  unbalancedTimer: number(0, Math.floor(0xffffffff / USER_HZ)), protocol: enumOf(nexthopDecl.enums.rtProtocol, [0, 255]),
  encap: encapCheck,
}, ['id']);
const nexthopFilter = record({ groups: boolean, dev: device, master: device, fdb: boolean, family: family(['unspec', 'inet', 'inet6']), asKernelAnswers: boolean });
const bucketFilter = record({ id, nhid: id, dev: device, master: device });

function ticks(seconds: number, path: string): number {
  const t = Math.round(seconds * USER_HZ);
  if (!(t >= 0 && t <= 0xffffffff)) throw new SchemaError(path, `${seconds} is not 0 to ${Math.floor(0xffffffff / USER_HZ)} seconds`);
  return t;
}

const seconds = (t: number | bigint | undefined): number | undefined => (t === undefined ? undefined : Number(t) / USER_HZ);

const emptyHeader = { family: 0, scope: 'universe', protocol: 'unspec', flags: [] } as const;

/** NHA_RES_GROUP: the bucket count and timers given, in the caller's order. */
function resilient(input: NexthopInput): Value {
  const res: Value = {};
  for (const key of Object.keys(input)) {
    if (key === 'buckets' && input.buckets !== undefined) res.buckets = input.buckets;
    if (key === 'idleTimer' && input.idleTimer !== undefined) res.idleTimer = ticks(input.idleTimer, 'idleTimer');
    if (key === 'unbalancedTimer' && input.unbalancedTimer !== undefined) res.unbalancedTimer = ticks(input.unbalancedTimer, 'unbalancedTimer');
  }
  return res;
}

function nexthopMessage(input: NexthopInput, ctx: Context): Value {
  // Groups take no family; everything else needs one, and a blackhole without a gateway is IPv4 unless told.
  const family = input.family ?? (input.gateway ? addressFamily(input.gateway) : input.group === undefined ? 'inet' : undefined);
  // As `ip nexthop add`: no protocol unless one is given.
  const v: Value = { family: familyNumber(family), scope: 'universe', protocol: input.protocol ?? 'unspec', flags: input.onlink ? ['onlink'] : [] };
  // Attributes in the order of the caller's fields (the keys of `v` are the order they are written in).
  for (const key of Object.keys(input) as (keyof NexthopInput)[]) {
    if (input[key] === undefined) continue;
    if (key === 'id') {
      if (input.id) v.id = input.id;
    } else if (key === 'gateway') v.gateway = input.gateway;
    else if (key === 'dev') v.oif = ctx.ifindex(input.dev!, 'dev');
    else if (key === 'blackhole') {
      if (input.blackhole) v.blackhole = true;
    } else if (key === 'fdb') {
      if (input.fdb) v.fdb = true;
    } else if (key === 'encap') {
      const { type, bytes } = encodeEncap(input.encap!, (dev, field) => ctx.ifindex(dev, field));
      // The nest, then its type, as ip's lwt_parse_encap writes them.
      v.encap = bytes;
      v.encapType = type;
    } else if (key === 'group') {
      const members = typeof input.group === 'string' ? parseGroup(input.group) : input.group!;
      v.group = members.map((m, i) => {
        const w = (m.weight ?? 1) - 1;
        if (!Number.isInteger(w) || w < 0 || w > 0xffff) throw new SchemaError(`group[${i}].weight`, `${m.weight} is not 1 to 65536`);
        return { id: m.id, weight: w & 0xff, weightHigh: w >> 8, resvd: 0 };
      });
    } else if (key === 'groupType') {
      if (input.group !== undefined) v.groupType = input.groupType;
      if (input.groupType === 'resilient') v.resGroup = resilient(input);
    }
  }
  return v;
}

export function nexthopFromMessage(m: Value): Nexthop {
  const n: Nexthop = {
    id: m.id as number,
    family: familyName(m.family as number),
    protocol: m.protocol as string | number,
    scope: m.scope as string | number,
    flags: m.flags as (string | number)[],
    blackhole: m.blackhole === true,
    fdb: m.fdb === true,
    raw: m,
  };
  if (m.gateway !== undefined) n.gateway = m.gateway as string;
  if (m.oif !== undefined) n.oif = m.oif as number;
  if (m.encapType !== undefined) n.encap = decodeEncap(m.encapType as number, (m.encap as Uint8Array | undefined) ?? new Uint8Array());
  if (Array.isArray(m.group)) {
    n.group = (m.group as { id: number; weight: number; weightHigh: number }[]).map((g) => ({ id: g.id, weight: (g.weight | (g.weightHigh << 8)) + 1 }));
    n.groupType = (m.groupType as string | number | undefined) ?? 'mpath';
  }
  const res = m.resGroup as Value | undefined;
  if (res) {
    n.resilient = {
      buckets: res.buckets as number,
      idleTimer: seconds(res.idleTimer as number),
      unbalancedTimer: seconds(res.unbalancedTimer as number),
      unbalancedTime: seconds(res.unbalancedTime as bigint),
    };
  }
  return n;
}

function bucketFromMessage(m: Value): NexthopBucket {
  const b = m.resBucket as Value;
  return { id: m.id as number, index: b.index as number, nhid: b.nhId as number, idleTime: seconds(b.idleTime as bigint) ?? 0, raw: m };
}

/** A bucket message (RTM_NEWNEXTHOPBUCKET or RTM_DELNEXTHOPBUCKET), decoded. */
export function decodeNexthopBucket(m: Message): NexthopBucket {
  return bucketFromMessage(nexthopSchema.decodeBody('newnexthopbucket', m.buf, m.payload, m.offset + m.length, m.view));
}

export const nexthopKind: ObjectKind<Nexthop, NexthopInput, NexthopFilter> = {
  name: 'nexthop',
  schema: nexthopSchema,
  messages: { new: 'newnexthop', del: 'delnexthop', get: 'getnexthop' },
  input: nexthopInput,
  filter: nexthopFilter,
  devices: (input) => [input.dev, ...(input.encap ? encapDevices(input.encap) : [])],
  toMessage: nexthopMessage,
  toDeleteMessage: (input) => ({ ...emptyHeader, id: input.id }),
  fromMessage: nexthopFromMessage,
  devicesOfFilter: (f) => [f.dev, f.master],
  dumpRequest(filter, ctx) {
    const v: Value = { ...emptyHeader, family: familyNumber(filter.family) };
    if (filter.groups) v.groups = true;
    if (filter.fdb) v.fdb = true;
    if (filter.dev !== undefined) v.oif = ctx.ifindex(filter.dev, 'dev');
    if (filter.master !== undefined) v.master = ctx.ifindex(filter.master, 'master');
    return v;
  },
  // Kernels take NHA_FDB in a dump request but do not all filter by it.
  matches: (n, f) => f.asKernelAnswers === true || ((!f.fdb || n.fdb) && (!f.groups || n.group !== undefined)),
};

/** Nexthop objects and groups (RTM_*NEXTHOP), with resilient groups' buckets and group statistics: `rt.nexthops`. */
export class Nexthops extends ObjectApi<Nexthop, NexthopInput, NexthopFilter> {
  constructor(socket: NetlinkSocket, devices: Devices) {
    super(nexthopKind, socket, devices);
  }

  /** One nexthop by id. */
  async byId(id: number, options?: CallOptions): Promise<Nexthop> {
    return this.get({ id }, options);
  }

  /** The buckets of resilient groups (`ip nexthop bucket list`), filtered by the kernel. */
  async buckets(filter: BucketFilter = {}, options: CallOptions = {}): Promise<NexthopBucket[]> {
    check(bucketFilter, filter);
    check(callOptions, options);
    const ctx = await this.devices.context([filter.dev, filter.master], options);
    const v: Value = { ...emptyHeader };
    if (filter.id !== undefined) v.id = filter.id;
    if (filter.dev !== undefined) v.oif = ctx.ifindex(filter.dev, 'dev');
    if (filter.master !== undefined) v.master = ctx.ifindex(filter.master, 'master');
    if (filter.nhid !== undefined) v.resBucket = { nhId: filter.nhid };
    const { bytes } = nexthopSchema.encodeMessage('getnexthopbucket', v, { flags: Flags.DUMP });
    const reply = nexthopSchema.message('newnexthopbucket');
    const out: NexthopBucket[] = [];
    for await (const m of this.socket.dump(bytes, options)) {
      if (m.type === reply.value) out.push(bucketFromMessage(nexthopSchema.decodeBody(reply, m.buf, m.payload, m.offset + m.length, m.view)));
    }
    return out;
  }

  /** One bucket of a resilient group (`ip nexthop bucket get id ID index INDEX`). */
  async bucket(id: number, index: number, options: CallOptions = {}): Promise<NexthopBucket> {
    this.checkInput({ id }, options);
    check(u16, index, 'index');
    const { bytes, paths } = nexthopSchema.encodeMessage('getnexthopbucket', { ...emptyHeader, id, resBucket: { index } });
    const [m] = await this.socket.request(bytes, { ...options, describeOffset: paths });
    if (!m) throw new SchemaError('bucket', 'the kernel answered the bucket request without a bucket');
    return bucketFromMessage(nexthopSchema.decodeBody('newnexthopbucket', m.buf, m.payload, m.offset + m.length, m.view));
  }

  /** Packets each member of a group has carried (NHA_OP_FLAG_DUMP_STATS, Linux 6.10+). */
  async groupStats(id: number, options: CallOptions = {}): Promise<GroupMemberStats[]> {
    this.checkInput({ id }, options);
    const { bytes, paths } = nexthopSchema.encodeMessage('getnexthop', { ...emptyHeader, id, opFlags: ['dumpStats'] });
    const [m] = await this.socket.request(bytes, { ...options, describeOffset: paths });
    if (!m) throw new SchemaError('id', 'the kernel answered the get request without a nexthop');
    const n = nexthopSchema.decodeBody('newnexthop', m.buf, m.payload, m.offset + m.length, m.view);
    const stats = n.groupStats as { entry?: Value[] } | undefined;
    if (!stats) throw new SchemaError('id', `nexthop ${id} is not a group, or this kernel reports no group statistics`);
    return (stats.entry ?? []).map((e) => {
      const s: GroupMemberStats = { id: e.id as number, packets: BigInt((e.packets as number | bigint | undefined) ?? 0) };
      if (e.packetsHw !== undefined) s.packetsHw = BigInt(e.packetsHw as number | bigint);
      return s;
    });
  }
}
