/**
 * Links (RTM_*LINK): create any kind the kernel has (veth with its peer, bridge, vxlan, vlan, macvlan, ipvlan,
 * bond, dummy, vrf, ifb, wireguard, …), set them up or down, rename, change mtu, address, alias, txqlen, group,
 * master; alternative names; move to another namespace; stats64; linkinfo decoded per kind.
 */
import { linkSchema } from '../families/route/index.js';
import { SchemaError } from '../schema/codec.js';
import type { NetlinkSocket, NetnsRef } from '../socket/socket.js';
import { Flags } from '../wire/message.js';
import type { Devices } from './devices.js';
import { openNetns } from './netns.js';
import { anything, arrayOf, boolean, byType, callOptions, check, device, ifname, integer, mac, netns, object, oneOf, record, text, u32, type Fields } from './input.js';
import { ObjectApi, type CallOptions, type Context, type ObjectKind, type Value } from './object.js';

/** A link to add or change, as `ip link` takes it: name, kind and its options, state, addresses, master, namespace. */
export interface LinkInput {
  ifname?: string;
  /** The link to act on, for set/delete/get: by name or ifindex. */
  dev?: string | number;
  ifindex?: number;
  /** The link kind to create: 'veth', 'bridge', 'vxlan', … */
  kind?: string;
  /** Kind-specific attributes (IFLA_INFO_DATA): `{ id: 42, port: 4789 }` for vxlan, `{ vlanFiltering: 1 }` for a bridge. */
  data?: Value;
  /** veth and vxcan: the peer's name and attributes. */
  peer?: Omit<LinkInput, 'peer' | 'kind' | 'data' | 'dev'>;
  /** The lower device (IFLA_LINK) of vlan, macvlan, ipvlan, vxlan. */
  link?: string | number;
  up?: boolean;
  mtu?: number;
  address?: string;
  broadcast?: string;
  alias?: string;
  txqlen?: number;
  group?: number;
  /** A master device, or null for nomaster. */
  master?: string | number | null;
  /**
   * Port attributes under the master (IFLA_INFO_SLAVE_DATA), e.g. bridge port `{ cost: 10 }`. With kind
   * 'bridge_slave' or 'bond_slave' they go as `ip link set DEV type bridge_slave …` sends them: that kind names
   * their layout, and no IFLA_INFO_SLAVE_KIND is sent.
   */
  portData?: Value;
  /** The master's kind, which says how portData is laid out: 'bridge' (default) or 'bond'. */
  portKind?: string;
  /** Move the link into another namespace. */
  netns?: NetnsRef;
  numTxQueues?: number;
  numRxQueues?: number;
  /** Device flags to set (true) or clear (false), by the kernel's IFF_* names: `{ promisc: true, noArp: false }`. */
  flags?: Partial<Record<LinkFlag, boolean>>;
  /** IFLA_CARRIER: the carrier of a device that lets it be set (veth, dummy, …). */
  carrier?: boolean;
  /** IFLA_LINKMODE. */
  linkmode?: 'default' | 'dormant';
  /** IFLA_OPERSTATE, by RFC 2863 name ('up', 'dormant', …). */
  operstate?: string;
  protoDown?: boolean;
  gsoMaxSize?: number;
  gsoMaxSegs?: number;
  groMaxSize?: number;
  /** IFLA_NEW_IFINDEX: the index a link takes in the namespace it is moved to. */
  newIfindex?: number;
  /** IFLA_LINK_NETNSID: the namespace (by nsid) the lower device or peer lives in. */
  linkNetnsid?: number;
}

/** The IFF_* flags a link's owner may set, with their bits (linux/if.h). */
export const linkFlagBits = { noTrailers: 0x20, noArp: 0x80, promisc: 0x100, allMulti: 0x200, multicast: 0x1000, dynamic: 0x8000 } as const;
/** An IFF_* device flag that can be set, by name. */
export type LinkFlag = keyof typeof linkFlagBits;

/** A link as the kernel reports it (RTM_NEWLINK): name, state, flags, addresses, kind with its data, counters. */
export interface Link {
  ifindex: number;
  ifname: string;
  flags: (string | number)[];
  up: boolean;
  mtu?: number;
  address?: string;
  broadcast?: string;
  operstate?: string | number;
  kind?: string;
  linkinfo?: Value;
  master?: number;
  link?: number;
  alias?: string;
  altnames: string[];
  txqlen?: number;
  group?: number;
  stats64?: Record<string, bigint>;
  raw: Value;
}

/** What list, stream and watch narrow links by. */
export interface LinkFilter {
  kind?: string;
  /** Links under this master; null: links with no master (`ip link show nomaster`). */
  master?: string | number | null;
  /** The kind of the link's master, for its ports (`ip link show type bridge_slave`). */
  portKind?: string;
  ifname?: string;
  /** Only links that are up (`ip link show up`). */
  up?: boolean;
  group?: number;
}

/**
 * A kind by name, any name: the kernel answers one it lacks ("Unknown device type"), as it answers ip, which sends
 * whatever follows `type`. The name is sent as it is (no NUL inside it).
 */
const kind = text(255, 1);

const operstates = ['unknown', 'notpresent', 'down', 'lowerlayerdown', 'testing', 'dormant', 'up'];

const changeFields = {
  ifname, link: device, up: boolean, mtu: u32, address: mac, broadcast: mac,
  alias: text(255), txqlen: u32, group: u32, master: byType({ string: text(127, 1), number: integer(0, 0x7fffffff), null: anything }, 'a device name, ifindex or null'),
  portData: object, portKind: oneOf(['bridge', 'bond']), netns, numTxQueues: integer(1, 4096), numRxQueues: integer(1, 4096),
  flags: record(Object.fromEntries(Object.keys(linkFlagBits).map((f) => [f, boolean]))), carrier: boolean,
  linkmode: oneOf(['default', 'dormant']), operstate: oneOf(operstates), protoDown: boolean, gsoMaxSize: u32, gsoMaxSegs: u32,
  groMaxSize: u32, newIfindex: integer(1, 0x7fffffff), linkNetnsid: integer(-1, 0x7fffffff),
} as const satisfies Fields;
const peerFields = { ...changeFields, ifindex: integer(1, 0x7fffffff) };
const linkInput = record({ ...peerFields, dev: device, kind, data: object, peer: record(peerFields) });
const linkChanges = record({ ...changeFields, kind, data: object, peer: record(peerFields) });
const linkFilter = record({
  kind, master: byType({ string: text(127, 1), number: integer(1, 0x7fffffff), null: anything }, 'a device name, ifindex or null'),
  portKind: text(15, 1), ifname: text(127, 1), up: boolean, group: u32,
});

/** The caller's name of a field the schema found wrong inside the kind's data or the port data. */
function callerError(e: unknown): unknown {
  if (!(e instanceof SchemaError)) return e;
  // The encoder names the sub-message variant (the kind) too: linkinfo.data.vxlan.port → data.port.
  const m = /^linkinfo\.(data|slaveData|slaveDataByKind)(\.[^.]+)?/.exec(e.path);
  if (!m) return e;
  return new SchemaError((m[1] === 'data' ? 'data' : 'portData') + e.path.slice(m[0].length), e.message.slice(e.path.length + 2));
}

const IFF_UP = 1;

/**
 * The message for a link input. Attributes go out in the order of the input's fields, so that a caller who builds
 * the input as ip reads its command line sends ip's bytes; the kind and its data (IFLA_LINKINFO) go where the first
 * of kind, data, peer or port data stands.
 */
function linkMessage(input: LinkInput, ctx: Context, create: boolean): Value {
  const v: Value = { family: 0, type: 0, index: 0, flags: 0, change: 0 };
  if (input.ifindex !== undefined) v.index = input.ifindex;
  else if (input.dev !== undefined) v.index = ctx.ifindex(input.dev, 'dev');
  let flags = 0;
  let change = 0;
  if (input.up !== undefined) {
    flags = input.up ? IFF_UP : 0;
    change = IFF_UP;
  }
  for (const [name, on] of Object.entries(input.flags ?? {})) {
    const bit = linkFlagBits[name as LinkFlag];
    if (bit === undefined) throw new SchemaError(`flags.${name}`, `not a link flag one may set (${Object.keys(linkFlagBits).join(', ')})`);
    if (on === undefined) continue;
    change |= bit;
    if (on) flags |= bit;
  }
  if (change) {
    v.flags = flags;
    v.change = change;
  }
  for (const key of Object.keys(input) as (keyof LinkInput)[]) {
    if (input[key] === undefined) continue;
    switch (key) {
      case 'ifname': v.ifname = input.ifname; break;
      case 'carrier': v.carrier = input.carrier ? 1 : 0; break;
      case 'linkmode': v.linkmode = input.linkmode === 'dormant' ? 1 : 0; break;
      case 'operstate': {
        const state = operstates.indexOf(input.operstate!);
        if (state < 0) throw new SchemaError('operstate', `"${input.operstate}" is not an operstate (${operstates.join(', ')})`);
        v.operstate = state;
        break;
      }
      case 'protoDown': v.protoDown = input.protoDown ? 1 : 0; break;
      case 'gsoMaxSize': case 'gsoMaxSegs': case 'groMaxSize': case 'newIfindex': case 'linkNetnsid': case 'mtu': case 'address':
      case 'broadcast': case 'txqlen': case 'group': case 'numTxQueues': case 'numRxQueues':
        v[key] = input[key];
        break;
      case 'alias': v.ifalias = input.alias; break;
      case 'link': v.link = ctx.ifindex(input.link!, 'link'); break;
      case 'master': v.master = input.master === null ? 0 : ctx.ifindex(input.master!, 'master'); break;
      // The namespace's fd or pid is only known once it is opened (withNetns): its place is kept here.
      case 'netns': v.netNsFd = undefined; v.netNsPid = undefined; break;
      case 'kind': case 'data': case 'peer': case 'portData': case 'portKind':
        if (!('linkinfo' in v)) v.linkinfo = linkinfo(input, ctx, create);
        break;
      default:
    }
  }
  if (create && input.kind === undefined && input.portData !== undefined) throw new SchemaError('kind', 'a new link needs a kind');
  return v;
}

/** IFLA_LINKINFO: the kind, its data (a veth's peer in it), and the port data under the master. */
function linkinfo(input: LinkInput, ctx: Context, create: boolean): Value {
  const info: Value = {};
  if (input.kind !== undefined) {
    info.kind = input.kind;
    let data = input.data;
    if (input.peer) {
      if (input.kind !== 'veth' && input.kind !== 'vxcan') throw new SchemaError('peer', `only veth and vxcan links have a peer, not ${input.kind}`);
      data = { ...data, peer: linkMessage(input.peer, ctx, create) };
    }
    if (data !== undefined) info.data = data;
  }
  if (input.portData !== undefined && input.kind?.endsWith('_slave')) info.slaveDataByKind = input.portData;
  else if (input.portData !== undefined) {
    info.slaveKind = input.portKind ?? 'bridge';
    info.slaveData = input.portData;
  }
  return info;
}

export function linkFromMessage(m: Value): Link {
  const flags = m.flags as (string | number)[];
  const info = m.linkinfo as Value | undefined;
  const l: Link = {
    ifindex: m.index as number,
    ifname: m.ifname as string,
    flags,
    up: flags.includes('up'),
    altnames: ((m.propList as Value | undefined)?.altIfname as string[] | undefined) ?? [],
    raw: m,
  };
  if (m.mtu !== undefined) l.mtu = m.mtu as number;
  if (m.address !== undefined) l.address = m.address as string;
  if (m.broadcast !== undefined) l.broadcast = m.broadcast as string;
  if (m.operstate !== undefined) l.operstate = operstates[m.operstate as number] ?? (m.operstate as number);
  if (info) {
    l.linkinfo = info;
    if (info.kind !== undefined) l.kind = info.kind as string;
  }
  if (m.master !== undefined) l.master = m.master as number;
  if (m.link !== undefined) l.link = m.link as number;
  if (m.ifalias !== undefined) l.alias = m.ifalias as string;
  if (m.txqlen !== undefined) l.txqlen = m.txqlen as number;
  if (m.group !== undefined) l.group = m.group as number;
  if (m.stats64 !== undefined) l.stats64 = m.stats64 as Record<string, bigint>;
  return l;
}

export const linkKind: ObjectKind<Link, LinkInput, LinkFilter> = {
  name: 'link',
  schema: linkSchema,
  messages: { new: 'newlink', del: 'dellink', get: 'getlink' },
  input: linkInput,
  filter: linkFilter,
  devices: (input) => [input.dev, input.link, input.master ?? undefined, input.peer?.master ?? undefined],
  toMessage: (input, ctx) => linkMessage(input, ctx, true),
  toDeleteMessage: (input, ctx) => {
    const v: Value = { family: 0, type: 0, index: 0, flags: 0, change: 0 };
    if (input.ifindex !== undefined) v.index = input.ifindex;
    else if (input.dev !== undefined) v.index = ctx.ifindex(input.dev, 'dev');
    else if (input.ifname !== undefined) v.ifname = input.ifname;
    else throw new SchemaError('dev', 'which link? give dev, ifname or ifindex');
    return v;
  },
  fromMessage: linkFromMessage,
  devicesOfFilter: (f) => [f.master ?? undefined],
  dumpRequest(filter, ctx) {
    const v: Value = {};
    if (filter.master !== undefined && filter.master !== null) v.master = ctx.ifindex(filter.master, 'master');
    if (filter.kind !== undefined) v.linkinfo = { kind: filter.kind };
    return v;
  },
  matches: (link, f) =>
    (f.ifname === undefined || link.ifname === f.ifname) &&
    (f.up === undefined || link.up === f.up) &&
    (f.group === undefined || (link.group ?? 0) === f.group) &&
    (f.master !== null || link.master === undefined) &&
    (f.kind === undefined || link.kind === f.kind) &&
    (f.portKind === undefined || (link.linkinfo as Value | undefined)?.slaveKind === f.portKind),
};

/** Network devices (RTM_*LINK): `rt.links`. Adds every kind the kernel has, moves links between namespaces. */
export class Links extends ObjectApi<Link, LinkInput, LinkFilter> {
  constructor(socket: NetlinkSocket, devices: Devices) {
    super(linkKind, socket, devices);
  }

  /** Create a link (`ip link add`); moves it into `netns` too if given. */
  override async add(input: LinkInput, options: CallOptions = {}): Promise<void> {
    this.checkInput(input, options);
    await this.withNetns(input, options, Flags.CREATE | Flags.EXCL);
  }

  /** Change an existing link (`ip link set`): name, up/down, mtu, master, namespace, … */
  async set(dev: string | number, changes: Omit<LinkInput, 'dev' | 'ifindex'>, options: CallOptions = {}): Promise<void> {
    check(device, dev, 'dev');
    check(linkChanges, changes);
    check(callOptions, options);
    await this.withNetns({ ...changes, dev }, options, 0);
  }

  /** Change an existing link (`ip link set`); also moves it to another namespace with `netns`. */
  override async change(input: LinkInput, options: CallOptions = {}): Promise<void> {
    this.checkInput(input, options);
    return this.withNetns(input, options, 0);
  }

  /** Add (or with `delete`, remove) alternative names (`ip link property add dev D altname N`). */
  async altnames(dev: string | number, names: string[], action: 'add' | 'delete' = 'add', options: CallOptions = {}): Promise<void> {
    check(device, dev, 'dev');
    check(arrayOf(text(127, 1)), names, 'names');
    check(oneOf(['add', 'delete']), action, 'action');
    check(callOptions, options);
    const ctx = await this.devices.context([dev], options);
    const v = { family: 0, type: 0, index: ctx.ifindex(dev, 'dev'), flags: 0, change: 0, propList: { altIfname: names } };
    const { bytes, paths } = linkSchema.encodeMessage(action === 'add' ? 'newlinkprop' : 'dellinkprop', v, { flags: action === 'add' ? Flags.CREATE | Flags.APPEND : 0 });
    await this.socket.request(bytes, { ...options, describeOffset: paths });
  }

  /** One link by name or ifindex. */
  async byName(dev: string | number, options?: CallOptions): Promise<Link> {
    check(device, dev, 'dev');
    return this.get(typeof dev === 'number' || /^\d+$/.test(dev) ? { ifindex: Number(dev) } : { ifname: dev }, options);
  }

  /**
   * The link's IFLA_INFO_DATA as the kernel sent it, its attributes unread (undefined when it reports none): for
   * reading a link's options with another kind's layout, as `ip link set DEV type KIND` reads a tunnel's before
   * changing them, whatever kind the link is.
   */
  async kindDataBytes(dev: string | number, options: CallOptions = {}): Promise<Uint8Array | undefined> {
    check(device, dev, 'dev');
    check(callOptions, options);
    const ctx = await this.devices.context([dev], options);
    const v = { family: 0, type: 0, index: ctx.ifindex(dev, 'dev'), flags: 0, change: 0 };
    const { bytes } = linkSchema.encodeMessage('getlink', v);
    const reply = (await this.socket.request(bytes, options)).find((m) => m.type === RTM_NEWLINK);
    if (!reply) return undefined;
    // ip's parse_rtattr: the first attribute of a type counts; NLA_F_NESTED is masked only inside a nest.
    const info = firstAttribute(reply.buf, reply.payload + IFINFOMSG_LEN, reply.offset + reply.length, IFLA_LINKINFO, 0);
    const data = info && firstAttribute(reply.buf, info.start, info.end, IFLA_INFO_DATA, NLA_F_NESTED);
    return data && reply.buf.slice(data.start, data.end);
  }

  private async withNetns(input: LinkInput, options: CallOptions, flags: number): Promise<void> {
    if (input.portData !== undefined && input.master !== undefined) {
      // The kernel reads port attributes against the link's current master: join it first.
      const { portData, portKind, ...rest } = input;
      await this.withNetns(rest, options, flags);
      await this.withNetns({ dev: input.ifname ?? input.dev, portData, portKind }, options, 0);
      return;
    }
    const ctx = await this.devices.context(linkKind.devices!(input), options);
    const v = linkMessage(input, ctx, flags !== 0);
    const target = input.netns === undefined ? undefined : openNetns(input.netns);
    try {
      if (target?.fd !== undefined) v.netNsFd = target.fd;
      if (target?.pid !== undefined) v.netNsPid = target.pid;
      let encoded;
      try {
        encoded = linkSchema.encodeMessage('newlink', v, { flags });
      } catch (e) {
        throw callerError(e);
      }
      const { bytes, paths } = encoded;
      await this.socket.request(bytes, { ...options, describeOffset: paths });
    } finally {
      target?.close();
    }
  }
}

const RTM_NEWLINK = 16;
const IFINFOMSG_LEN = 16;
const IFLA_LINKINFO = 18;
const IFLA_INFO_DATA = 2;
const NLA_F_NESTED = 0x8000;

/** The payload of the first attribute of `type` (its type bits outside `mask`) between start and end. */
function firstAttribute(buf: Uint8Array, start: number, end: number, type: number, mask: number): { start: number; end: number } | undefined {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  for (let at = start; at + 4 <= end;) {
    const len = dv.getUint16(at, true);
    if (len < 4 || at + len > end) return undefined;
    if ((dv.getUint16(at + 2, true) & ~mask) === type) return { start: at + 4, end: at + len };
    at += (len + 3) & ~3;
  }
  return undefined;
}
