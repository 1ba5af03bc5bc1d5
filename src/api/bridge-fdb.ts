/**
 * Bridge FDB entries (RTM_*NEIGH, family AF_BRIDGE) as `bridge fdb` knows them: a MAC (and vlan) on a port, kept
 * by the bridge the port belongs to (`master`) or by the port device itself (`self`: a vxlan's remote `dst`, `vni`,
 * `port`, `srcVni`, `via`), with the state `bridge` writes — permanent, static or dynamic — and the flags
 * extern_learn, sticky, router, use and offloaded.
 */
import { neighbourFamily as neighbourDecl, fdbSchema } from '../families/route/index.js';
import { SchemaError } from '../schema/codec.js';
import type { NetlinkSocket } from '../socket/socket.js';
import type { Devices } from './devices.js';
import { address, boolean, byType, callOptions, check, device, integer, mac, oneOf, record, u16 } from './input.js';
import { ObjectApi, type CallOptions, type Context, type ObjectKind, type Value } from './object.js';

const AF_BRIDGE = 7;
/** NUD_* (linux/neighbour.h) */
const NUD_REACHABLE = 0x02;
const NUD_STALE = 0x04;
const NUD_NOARP = 0x40;
const NUD_PERMANENT = 0x80;

/** An entry's state as `bridge fdb` names it: permanent (local), static (NUD_NOARP), dynamic (reachable), stale. */
export type FdbState = 'permanent' | 'static' | 'dynamic' | 'stale';

/** An FDB entry as the kernel reports it. */
export interface FdbEntry {
  mac: string;
  /** The port (or device) the entry is on. */
  ifindex: number;
  /** The bridge, for entries the bridge keeps (NTF_MASTER). */
  master?: number;
  /** One of FdbState, or the NUD_* bits as a number when they are none of those. */
  state: FdbState | number;
  /** The NUD_* bits as the kernel sent them. */
  stateBits: number;
  /** NTF_* by `bridge fdb`'s names: self, router, extern_learn, offload, master, sticky (shared, frozen). */
  flags: readonly string[];
  vlan?: number;
  /** vxlan: the remote, its UDP port and VNI, the source VNI, and the device to reach it through. */
  dst?: string;
  port?: number;
  vni?: number;
  srcVni?: number;
  via?: number;
  nhid?: number;
  linkNetnsid?: number;
  /** NDA_CACHEINFO, in clock ticks (USER_HZ): since last used and last updated. */
  used?: number;
  updated?: number;
  raw: Value;
}

/** An FDB entry to add, replace, append or delete, in `bridge fdb add`'s words. */
export interface FdbInput {
  mac: string;
  dev: string | number;
  /** Kept by the bridge of `dev` (NTF_MASTER); with `self` too, by both. Neither: self, as `bridge fdb` does. */
  master?: boolean;
  self?: boolean;
  /** Default 'permanent'; a number is the NUD_* bits as sent (`bridge fdb add … static permanent`: 0xc2). */
  state?: 'permanent' | 'static' | 'dynamic' | number;
  vlan?: number;
  dst?: string;
  port?: number;
  vni?: number;
  srcVni?: number;
  /** The device a vxlan reaches `dst` through (NDA_IFINDEX). */
  via?: string | number;
  nhid?: number;
  router?: boolean;
  use?: boolean;
  externLearn?: boolean;
  sticky?: boolean;
}

/** What list and stream narrow entries by: in the kernel (br, brport), and here (vlan, state, dynamic). */
export interface FdbFilter {
  /** Entries of this bridge's ports (`br BRDEV`). */
  br?: string | number;
  /** Entries of this port or device (`brport DEV`). */
  brport?: string | number;
  vlan?: number;
  state?: FdbState;
  /** Only entries that are not permanent. */
  dynamic?: boolean;
}

const vni = integer(0, 0xffffff);
const fdbInput = record({
  mac, dev: device, master: boolean, self: boolean, state: byType({ string: oneOf(['permanent', 'static', 'dynamic']), number: u16 }, 'a state or NUD_* bits'),
  vlan: integer(0, 4095), dst: address, port: integer(0, 0xffff), vni, srcVni: vni, via: device, nhid: integer(1, 0xffffffff),
  router: boolean, use: boolean, externLearn: boolean, sticky: boolean,
}, ['mac', 'dev']);
const fdbFilter = record({ br: device, brport: device, vlan: integer(0, 4095), state: oneOf(['permanent', 'static', 'dynamic', 'stale']), dynamic: boolean });

const stateBits: Record<string, number> = { permanent: NUD_PERMANENT, static: NUD_NOARP, dynamic: NUD_REACHABLE, stale: NUD_STALE };

/** The NUD bits as `bridge fdb` reads them: the first of permanent, static, stale, reachable that is set. */
export function fdbState(bits: number): FdbState | number {
  if (bits & NUD_PERMANENT) return 'permanent';
  if (bits & NUD_NOARP) return 'static';
  if (bits & NUD_STALE) return 'stale';
  if (bits & NUD_REACHABLE) return 'dynamic';
  return bits;
}

/** NTF_* bits in `bridge fdb`'s order and words. */
const flagWords: [number, string][] = [[0x02, 'self'], [0x80, 'router'], [0x10, 'extern_learn'], [0x20, 'offload'], [0x04, 'master'], [0x40, 'sticky']];
const ntf = neighbourDecl.enums.ntfFlags.entries;

/** The flag words of each NTF_* bit set, made once: a dump hands the same frozen array to every entry alike. */
const flagWordsOf: (readonly string[])[] = Array.from({ length: 256 }, (_, bits) => Object.freeze(flagWords.filter(([bit]) => bits & bit).map(([, w]) => w)));

export function fdbFromMessage(m: Value): FdbEntry {
  const bits = m.state as number;
  const e: FdbEntry = {
    mac: m.lladdr as string,
    ifindex: m.ndmIfindex as number,
    state: fdbState(bits),
    stateBits: bits,
    flags: flagWordsOf[(m.flags as number) & 255]!,
    raw: m,
  };
  if (m.master !== undefined) e.master = m.master as number;
  if (m.vlan !== undefined) e.vlan = m.vlan as number;
  if (m.dst !== undefined) e.dst = m.dst as string;
  if (m.port !== undefined) e.port = m.port as number;
  if (m.vni !== undefined) e.vni = m.vni as number;
  if (m.srcVni !== undefined) e.srcVni = m.srcVni as number;
  if (m.ifindex !== undefined) e.via = m.ifindex as number;
  if (m.nhId !== undefined) e.nhid = m.nhId as number;
  if (m.linkNetnsid !== undefined) e.linkNetnsid = m.linkNetnsid as number;
  const ci = m.cacheinfo as { used: number; updated: number } | undefined;
  if (ci) {
    e.used = ci.used;
    e.updated = ci.updated;
  }
  return e;
}

/** The request `bridge fdb add|del` sends: NUD_NOARP plus the state asked for, self unless master is asked. */
function fdbMessage(input: FdbInput, ctx: Context): Value {
  if (input.nhid !== undefined && (input.dst !== undefined || input.port || input.vni !== undefined)) {
    throw new SchemaError('nhid', 'dst, port and vni are mutually exclusive with nhid');
  }
  let state = NUD_NOARP;
  if (typeof input.state === 'number') state = input.state;
  else if (input.state === 'static') state |= NUD_REACHABLE;
  else if (input.state === 'dynamic') state = NUD_REACHABLE;
  else state |= NUD_PERMANENT;
  let flags = 0;
  if (input.self) flags |= ntf.self;
  if (input.master) flags |= ntf.master;
  if (!flags) flags = ntf.self;
  if (input.router) flags |= ntf.router;
  if (input.use) flags |= ntf.use;
  if (input.externLearn) flags |= ntf.extLearned;
  if (input.sticky) flags |= ntf.sticky;
  const v: Value = { family: AF_BRIDGE, ndmIfindex: ctx.ifindex(input.dev, 'dev'), state, flags, type: 0, lladdr: input.mac };
  if (input.dst !== undefined) v.dst = input.dst;
  if (input.vlan !== undefined) v.vlan = input.vlan;
  if (input.nhid !== undefined) v.nhId = input.nhid;
  if (input.port) v.port = input.port;
  if (input.vni !== undefined) v.vni = input.vni;
  if (input.srcVni !== undefined) v.srcVni = input.srcVni;
  if (input.via !== undefined) v.ifindex = ctx.ifindex(input.via, 'via');
  return v;
}

export const fdbKind: ObjectKind<FdbEntry, FdbInput, FdbFilter> = {
  name: 'fdb entry',
  schema: fdbSchema,
  messages: { new: 'newneigh', del: 'delneigh', get: 'getneigh' },
  input: fdbInput,
  filter: fdbFilter,
  devices: (input) => [input.dev, input.via],
  toMessage: fdbMessage,
  fromMessage: fdbFromMessage,
  devicesOfFilter: (f) => [f.br, f.brport],
  dumpRequest(filter, ctx) {
    const v: Value = { family: AF_BRIDGE, ndmIfindex: filter.brport === undefined ? 0 : ctx.ifindex(filter.brport, 'brport'), state: 0, flags: 0, type: 0 };
    if (filter.br !== undefined) v.master = ctx.ifindex(filter.br, 'br');
    return v;
  },
  // As `bridge fdb show` filters what the kernel sends: only AF_BRIDGE entries (an AF_BRIDGE dump carries the
  // devices' multicast neighbours too), and an entry without a vlan is vlan 0.
  matches: (e, f) =>
    e.raw.family === AF_BRIDGE &&
    (f.vlan === undefined || f.vlan === (e.vlan ?? 0)) &&
    (f.state === undefined || (e.stateBits & stateBits[f.state]!) !== 0) &&
    (!f.dynamic || e.state !== 'permanent'),
};

/** What `flush` removes: `bridge fdb flush dev DEV …`, the kernel's bulk delete (NLM_F_BULK). */
export interface FdbFlushInput {
  /** The bridge (with `master`) or device (`self`, the default) whose entries go. */
  dev: string | number;
  brport?: string | number;
  vlan?: number;
  master?: boolean;
  self?: boolean;
  /** Entry states and flags that must be set (true) or clear (false) for an entry to go. */
  permanent?: boolean;
  static?: boolean;
  dynamic?: boolean;
  addedByUser?: boolean;
  externLearn?: boolean;
  sticky?: boolean;
  offloaded?: boolean;
}

const flushInput = record({
  dev: device, brport: device, vlan: integer(0, 4095), master: boolean, self: boolean, permanent: boolean, static: boolean,
  dynamic: boolean, addedByUser: boolean, externLearn: boolean, sticky: boolean, offloaded: boolean,
}, ['dev']);

const NLM_F_BULK = 0x200;

/** What `get` finds an entry by: its MAC, its port (dev) or bridge (br) or both, vlan, vni, and which side keeps it. */
export interface FdbKey {
  mac: string;
  dev?: string | number;
  br?: string | number;
  vlan?: number;
  vni?: number;
  self?: boolean;
  master?: boolean;
}

const fdbKey = record({ mac, dev: device, br: device, vlan: integer(0, 4095), vni, self: boolean, master: boolean }, ['mac']);

/** Bridge FDB entries: `rt.bridge.fdb`. */
export class BridgeFdb extends ObjectApi<FdbEntry, FdbInput, FdbFilter> {
  constructor(socket: NetlinkSocket, devices: Devices) {
    super(fdbKind, socket, devices);
  }

  /** The entries a datagram at a time; always filtered here too (see fdbKind.matches). */
  override batches(filter: FdbFilter = {}, options: CallOptions = {}): AsyncGenerator<FdbEntry[]> {
    return super.batches(filter, options);
  }

  /** Add an entry, or add another remote to a vxlan's entry (NLM_F_APPEND, `bridge fdb append`). */
  append(input: FdbInput, options?: CallOptions): Promise<void> {
    return this.write(input, 'append', options);
  }

  /**
   * Delete every entry that matches (`bridge fdb flush`): the kernel's bulk delete, with the state and flag masks
   * built as `bridge fdb flush` builds them.
   */
  async flush(input: FdbFlushInput, options: CallOptions = {}): Promise<void> {
    check(flushInput, input);
    check(callOptions, options);
    const ctx = await this.devices.context([input.dev, input.brport], options);
    let state = 0;
    let stateMask = 0;
    let flags = 0;
    let flagsMask = 0;
    const flag = (on: boolean | undefined, bit: number) => {
      if (on === undefined) return;
      flagsMask |= bit;
      flags = on ? flags | bit : flags & ~bit;
    };
    if (input.permanent !== undefined) {
      state = input.permanent ? state | NUD_PERMANENT : state & ~NUD_PERMANENT;
      stateMask |= NUD_PERMANENT;
    }
    if (input.static !== undefined) {
      state = input.static ? state | NUD_NOARP : state & ~NUD_NOARP;
      stateMask |= input.static ? NUD_NOARP | NUD_PERMANENT : NUD_NOARP;
    }
    if (input.dynamic !== undefined) {
      state = input.dynamic ? state & ~NUD_NOARP : state | NUD_NOARP;
      stateMask |= input.dynamic ? NUD_NOARP | NUD_PERMANENT : NUD_NOARP;
    }
    flag(input.addedByUser, ntf.use);
    flag(input.externLearn, ntf.extLearned);
    flag(input.sticky, ntf.sticky);
    flag(input.offloaded, ntf.offloaded);
    let side = (input.master ? ntf.master : 0) | (input.self ? ntf.self : 0);
    if (!side) side = ntf.self;
    const v: Value = { family: AF_BRIDGE, ndmIfindex: ctx.ifindex(input.dev, 'dev'), state, flags: side | flags, type: 0 };
    if (input.brport !== undefined) v.ifindex = ctx.ifindex(input.brport, 'brport');
    if (input.vlan !== undefined) v.vlan = input.vlan;
    if (flagsMask) v.ndmFlagsMask = flagsMask;
    if (stateMask) v.ndmStateMask = stateMask;
    const { bytes, paths } = fdbSchema.encodeMessage('delneigh', v, { flags: NLM_F_BULK });
    await this.socket.request(bytes, { ...options, describeOffset: paths });
  }

  /** One entry by MAC, port (or bridge) and vlan (`bridge fdb get`); the kernel's ENOENT if there is none. */
  override async get(key: FdbKey, options: CallOptions = {}): Promise<FdbEntry> {
    check(fdbKey, key);
    check(callOptions, options);
    if (key.dev === undefined && key.br === undefined) throw new SchemaError('dev', 'getting an FDB entry needs its port (dev) or its bridge (br)');
    const ctx = await this.devices.context([key.dev, key.br], options);
    const flags = (key.self ? ntf.self : 0) | (key.master ? ntf.master : 0);
    const v: Value = { family: AF_BRIDGE, ndmIfindex: key.dev === undefined ? 0 : ctx.ifindex(key.dev, 'dev'), state: 0, flags, type: 0, lladdr: key.mac };
    if (key.vlan !== undefined) v.vlan = key.vlan;
    if (key.vni !== undefined) v.vni = key.vni;
    if (key.br !== undefined) v.master = ctx.ifindex(key.br, 'br');
    const { bytes, paths } = fdbSchema.encodeMessage('getneigh', v);
    const [reply] = await this.socket.request(bytes, { ...options, describeOffset: paths });
    if (!reply) throw new SchemaError('fdb', 'the kernel answered the get request without an entry');
    return this.decode(reply);
  }
}
