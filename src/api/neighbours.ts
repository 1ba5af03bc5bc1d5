/**
 * Neighbours (RTM_*NEIGH): ARP and NDP entries with their link-layer address, state and flags, proxy entries,
 * and bridge FDB entries (family 'bridge', keyed by MAC and vlan, on the port `dev` itself ('self') or on its
 * bridge ('master')).
 */
import { neighbourFamily as neighbourDecl, neighbourSchema } from '../families/route/index.js';
import { SchemaError } from '../schema/codec.js';
import type { NetlinkSocket } from '../socket/socket.js';
import { formatMac, parseMac } from '../schema/address-text.js';
import { NetlinkError } from '../wire/errors.js';
import type { Devices } from './devices.js';
import { address, arrayOf, boolean, byType, device, enumOf, family, integer, mac, prefix, record } from './input.js';
import { ObjectApi, type CallOptions, type Context, type ObjectKind, type Value } from './object.js';
import { addressFamily, familyName, familyNumber, prefixContains, type Family } from './values.js';

/** A neighbour entry's NUD state, by name. */
export type NeighbourState = 'incomplete' | 'reachable' | 'stale' | 'delay' | 'probe' | 'failed' | 'noarp' | 'permanent';

/** A neighbour (ARP/NDP) or bridge FDB entry to add, change or delete, as `ip neigh` takes it. */
export interface NeighbourInput {
  /** The IPv4/IPv6 address; for a bridge FDB entry, the remote (vxlan) address if any. */
  dst?: string;
  dev: string | number;
  lladdr?: string;
  family?: Family;
  /** Default 'permanent' (as `ip neigh add` and `bridge fdb add`). */
  state?: NeighbourState | NeighbourState[];
  /** NTF_* by name: 'proxy', 'router', 'self', 'master', 'extLearned', 'sticky', … */
  flags?: string[];
  /** NTF_EXT_* by name: 'managed', 'locked'. */
  extFlags?: string[];
  /** A proxy entry (`ip neigh add proxy ADDR dev D`). */
  proxy?: boolean;
  /**
   * A bridge FDB entry kept by the bridge `dev` is a port of (NTF_MASTER, `bridge fdb add … master`); the kernel
   * finds the bridge from the port.
   */
  master?: boolean;
  vlan?: number;
  /** A nexthop (group) id the FDB entry forwards to. */
  nhid?: number;
  protocol?: string | number;
}

/** A neighbour or FDB entry as the kernel reports it (RTM_NEWNEIGH). */
export interface Neighbour {
  family: Family;
  ifindex: number;
  dst?: string;
  lladdr?: string;
  state: (string | number)[];
  flags: (string | number)[];
  extFlags?: (string | number)[];
  type: string | number;
  vlan?: number;
  /** The bridge of a bridge FDB entry's port. */
  master?: number;
  nhid?: number;
  protocol?: string | number;
  probes?: number;
  raw: Value;
}

/** What list, stream and watch narrow neighbour entries by. */
export interface NeighbourFilter {
  family?: Family;
  dev?: string | number;
  /** Entries of the ports of this bridge (or VRF). */
  master?: string | number;
  /** Proxy entries only. */
  proxy?: boolean;
  state?: NeighbourState;
  /** Entries whose address lies inside this prefix (`ip neigh show to PREFIX`). */
  to?: string;
}

const BRIDGE = 7;

const state = enumOf(neighbourDecl.enums.nudState);
const neighbourFamilies = family(['inet', 'inet6', 'bridge']);
// The family 'bridge' sets no address family: a bridge FDB entry's dst (a vxlan remote) may be of either.
const neighbourInput = record({
  dst: address, dev: device, lladdr: mac, family: neighbourFamilies,
  state: byType({ string: state, array: arrayOf(state) }, 'a neighbour state or an array of them'),
  flags: arrayOf(enumOf(neighbourDecl.enums.ntfFlags)), extFlags: arrayOf(enumOf(neighbourDecl.enums.ntfExtFlags)),
  proxy: boolean, master: boolean, vlan: integer(1, 4094), nhid: integer(1, 0xffffffff), protocol: enumOf(neighbourDecl.enums.rtProtocol, [0, 255]),
}, ['dev']);
const neighbourFilter = record({ family: family(['unspec', 'inet', 'inet6', 'bridge']), dev: device, master: device, proxy: boolean, state, to: prefix });

/** A MAC as replies format it (`'02:AA:0:0:0:1'` → `'02:aa:00:00:00:01'`), to compare with them. */
function canonicalMac(text: string): string {
  const b = parseMac(text);
  return b ? formatMac(b) : text;
}

function familyOf(input: NeighbourInput): number {
  const family = input.family ?? (input.dst ? addressFamily(input.dst) : undefined) ?? (input.lladdr ? 'bridge' : undefined);
  if (family === undefined) throw new SchemaError('dst', 'a neighbour needs an address (dst), or an lladdr for a bridge FDB entry');
  return familyNumber(family);
}

function flagsOf(input: NeighbourInput): string[] {
  const flags = [...(input.flags ?? [])];
  if (input.proxy && !flags.includes('proxy')) flags.push('proxy');
  if (input.master && !flags.includes('master')) flags.push('master');
  return flags;
}

/**
 * An add or delete. The default device FDB handler deletes only entries the request calls permanent, so a bridge
 * delete says 'permanent' unless told otherwise (as `bridge fdb del` does); an IP neighbour delete names no state.
 */
function neighbourMessage(input: NeighbourInput, ctx: Context, del: boolean): Value {
  const family = familyOf(input);
  const state = input.state ?? (del && family !== BRIDGE ? [] : 'permanent');
  const v: Value = {
    family,
    ndmIfindex: ctx.ifindex(input.dev, 'dev'),
    state: Array.isArray(state) ? state : [state],
    flags: flagsOf(input),
    type: 'unspec',
  };
  if (input.dst !== undefined) v.dst = input.dst;
  if (input.lladdr !== undefined) v.lladdr = input.lladdr;
  if (input.vlan !== undefined) v.vlan = input.vlan;
  if (input.nhid !== undefined) v.nhId = input.nhid;
  if (input.extFlags !== undefined) v.flagsExt = input.extFlags;
  if (input.protocol !== undefined) v.protocol = input.protocol;
  return v;
}

/**
 * A get takes only the key under strict checking: the address (and proxy flag) of an IP neighbour; the MAC, vlan
 * and self/master flag of an FDB entry.
 */
function getMessage(input: NeighbourInput, ctx: Context): Value {
  const family = familyOf(input);
  const flags = flagsOf(input).filter((f) => (family === BRIDGE ? f === 'self' || f === 'master' : f === 'proxy'));
  const v: Value = { family, ndmIfindex: ctx.ifindex(input.dev, 'dev'), state: [], flags, type: 'unspec' };
  if (family !== BRIDGE) {
    if (input.dst === undefined) throw new SchemaError('dst', 'getting a neighbour needs its address');
    v.dst = input.dst;
  } else {
    if (input.lladdr === undefined) throw new SchemaError('lladdr', 'getting a bridge FDB entry needs its MAC address');
    v.lladdr = input.lladdr;
    if (input.vlan !== undefined) v.vlan = input.vlan;
  }
  return v;
}

export function neighbourFromMessage(m: Value): Neighbour {
  const n: Neighbour = {
    family: familyName(m.family as number),
    ifindex: m.ndmIfindex as number,
    state: m.state as (string | number)[],
    flags: m.flags as (string | number)[],
    type: m.type as string | number,
    raw: m,
  };
  if (m.dst !== undefined) n.dst = m.dst as string;
  if (m.lladdr !== undefined) n.lladdr = m.lladdr as string;
  if (m.flagsExt !== undefined) n.extFlags = m.flagsExt as (string | number)[];
  if (m.vlan !== undefined) n.vlan = m.vlan as number;
  if (m.master !== undefined) n.master = m.master as number;
  if (m.nhId !== undefined) n.nhid = m.nhId as number;
  if (m.protocol !== undefined) n.protocol = m.protocol as string | number;
  if (m.probes !== undefined) n.probes = m.probes as number;
  return n;
}

export const neighbourKind: ObjectKind<Neighbour, NeighbourInput, NeighbourFilter> = {
  name: 'neighbour',
  schema: neighbourSchema,
  messages: { new: 'newneigh', del: 'delneigh', get: 'getneigh' },
  input: neighbourInput,
  filter: neighbourFilter,
  devices: (input) => [input.dev],
  toMessage: (input, ctx) => neighbourMessage(input, ctx, false),
  toDeleteMessage: (input, ctx) => neighbourMessage(input, ctx, true),
  fromMessage: neighbourFromMessage,
  devicesOfFilter: (f) => [f.dev, f.master],
  dumpRequest(filter, ctx) {
    const v: Value = { family: familyNumber(filter.family), ndmIfindex: 0, state: [], flags: filter.proxy ? ['proxy'] : [], type: 'unspec' };
    if (filter.dev !== undefined) v.ifindex = ctx.ifindex(filter.dev, 'dev');
    if (filter.master !== undefined) v.master = ctx.ifindex(filter.master, 'master');
    return v;
  },
  matches: (n, f) => (f.state === undefined || n.state.includes(f.state)) && (f.to === undefined || (n.dst !== undefined && prefixContains(f.to, n.dst, 'to', f.family))),
};

/** Neighbour tables and bridge FDB entries (RTM_*NEIGH): `rt.neighbours`. */
export class Neighbours extends ObjectApi<Neighbour, NeighbourInput, NeighbourFilter> {
  constructor(socket: NetlinkSocket, devices: Devices) {
    super(neighbourKind, socket, devices);
  }

  /**
   * One entry by its key (see getMessage); rejects with ENOENT if there is none. A device that keeps FDB entries
   * but has no get operation for them (veth, macvlan, … : EOPNOTSUPP) is searched in a dump of its entries.
   */
  override async get(key: NeighbourInput, options: CallOptions = {}): Promise<Neighbour> {
    this.checkInput(key, options);
    const ctx = await this.devices.context([key.dev], options);
    const value = getMessage(key, ctx);
    const { bytes, paths } = neighbourSchema.encodeMessage('getneigh', value);
    try {
      const [reply] = await this.socket.request(bytes, { ...options, describeOffset: paths });
      if (!reply) throw new SchemaError('neighbour', 'the kernel answered the get request without an entry');
      return this.decode(reply);
    } catch (e) {
      if (!(e instanceof NetlinkError && e.code === 'EOPNOTSUPP' && value.family === BRIDGE)) throw e;
      const ifindex = value.ndmIfindex as number;
      const lladdr = canonicalMac(key.lladdr!);
      const flags = value.flags as string[];
      return this.getFromDump({
        filter: { family: 'bridge', dev: ifindex },
        matches: (n) => n.ifindex === ifindex && n.lladdr === lladdr && n.vlan === key.vlan && flags.every((f) => n.flags.includes(f)),
      }, options);
    }
  }
}
