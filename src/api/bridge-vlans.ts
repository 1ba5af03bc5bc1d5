/**
 * Bridge VLANs: per port (RTM_SETLINK / RTM_DELLINK with IFLA_AF_SPEC, as `bridge vlan add|del` sends them —
 * ranges as a begin and an end entry, pvid, untagged, tunnel ids), listed through `ports.list({ vlans: true })`;
 * and the per-VLAN database (RTM_GETVLAN / RTM_NEWVLAN): each VLAN's STP state, multicast router, tunnel id and
 * counters, and the bridge-wide (global) per-VLAN multicast options.
 */
import { bridgeSchema } from '../families/route/index.js';
import { SchemaError } from '../schema/codec.js';
import type { NetlinkSocket } from '../socket/socket.js';
import type { Devices } from './devices.js';
import { boolean, byType, callOptions, check, device, integer, oneOf, record, u32, u64, u8 } from './input.js';
import type { CallOptions, Value } from './object.js';

const AF_BRIDGE = 7;
const vid = integer(1, 4094);

/** A VLAN (range) to add to or delete from a port: `bridge vlan add vid VID[-END] dev DEV …`. */
export interface VlanInput {
  dev: string | number;
  vid: number;
  /** The last VLAN of a range that starts at vid. */
  vidEnd?: number;
  pvid?: boolean;
  untagged?: boolean;
  /** For the bridge device itself (BRIDGE_FLAGS_SELF), or its port's bridge (the default, MASTER). */
  self?: boolean;
  master?: boolean;
  /** Map the VLAN (range) to this tunnel id (range, starting here) instead (`tunnel_info id ID`). */
  tunnelId?: number;
  /** The tunnel id of vidEnd (default: tunnelId + vidEnd - vid). */
  tunnelIdEnd?: number;
}

/** Per-VLAN options of a port (`bridge vlan set`), by the kernel's BRIDGE_VLANDB_ENTRY_* names. */
export interface VlanOptionsInput {
  dev: string | number;
  vid: number;
  vidEnd?: number;
  state?: 'disabled' | 'listening' | 'learning' | 'forwarding' | 'blocking' | number;
  mcastRouter?: number;
  mcastMaxGroups?: number;
  neighSuppress?: boolean;
}

/** One VLAN (range) of the VLAN database, with its options (and counters when asked for). */
export interface VlanEntry {
  ifindex: number;
  vid: number;
  vidEnd?: number;
  flags: (string | number)[];
  state?: string | number;
  tunnelId?: number;
  mcastRouter?: number;
  mcastNGroups?: number;
  mcastMaxGroups?: number;
  neighSuppress?: boolean;
  stats?: { rxBytes: bigint; rxPackets: bigint; txBytes: bigint; txPackets: bigint };
  raw: Value;
}

/** The bridge-wide options of a VLAN (range): multicast snooping and querier settings (BRIDGE_VLANDB_GOPTS_*). */
export interface VlanGlobalOptions {
  ifindex: number;
  vid: number;
  vidEnd?: number;
  options: Value;
  /** The BRIDGE_VLANDB_GLOBAL_OPTIONS nest as decoded, id and range included. */
  raw: Value;
}

/**
 * Bridge-wide options to set on a VLAN (range) of a bridge (`bridge vlan global set`), by the kernel's
 * BRIDGE_VLANDB_GOPTS_* names; intervals in the kernel's clock ticks (hundredths of a second, USER_HZ).
 */
export interface VlanGlobalInput {
  /** The bridge. */
  dev: string | number;
  vid: number;
  vidEnd?: number;
  mcastSnooping?: number;
  mcastQuerier?: number;
  mcastIgmpVersion?: number;
  mcastMldVersion?: number;
  mcastLastMemberCnt?: number;
  mcastStartupQueryCnt?: number;
  mcastLastMemberIntvl?: bigint | number;
  mcastMembershipIntvl?: bigint | number;
  mcastQuerierIntvl?: bigint | number;
  mcastQueryIntvl?: bigint | number;
  mcastQueryResponseIntvl?: bigint | number;
  mcastStartupQueryIntvl?: bigint | number;
  /** The multiple spanning tree instance the VLAN belongs to. */
  msti?: number;
}

const vlanInput = record({ dev: device, vid, vidEnd: vid, pvid: boolean, untagged: boolean, self: boolean, master: boolean, tunnelId: integer(0, 0xffffff), tunnelIdEnd: integer(0, 0xffffff) }, ['dev', 'vid']);
const vlanOptions = record({
  dev: device, vid, vidEnd: vid, state: byType({ string: oneOf(['disabled', 'listening', 'learning', 'forwarding', 'blocking']), number: u8 }, 'a port state or its number'),
  mcastRouter: u8, mcastMaxGroups: u32, neighSuppress: boolean,
}, ['dev', 'vid']);
const globalU8 = ['mcastSnooping', 'mcastQuerier', 'mcastIgmpVersion', 'mcastMldVersion'] as const;
const globalU32 = ['mcastLastMemberCnt', 'mcastStartupQueryCnt'] as const;
const globalU64 = ['mcastLastMemberIntvl', 'mcastMembershipIntvl', 'mcastQuerierIntvl', 'mcastQueryIntvl', 'mcastQueryResponseIntvl', 'mcastStartupQueryIntvl'] as const;
const globalInput = record({
  dev: device, vid, vidEnd: vid, msti: integer(0, 0xffff),
  ...Object.fromEntries(globalU8.map((k) => [k, u8])), ...Object.fromEntries(globalU32.map((k) => [k, u32])), ...Object.fromEntries(globalU64.map((k) => [k, u64])),
}, ['dev', 'vid']);
const dumpFilter = record({ dev: device, stats: boolean });

function rangeOf(input: { vid: number; vidEnd?: number }): number | undefined {
  if (input.vidEnd === undefined || input.vidEnd === input.vid) return undefined;
  if (input.vidEnd < input.vid) throw new SchemaError('vidEnd', `the range ends (${input.vidEnd}) before it starts (${input.vid})`);
  return input.vidEnd;
}

/** IFLA_AF_SPEC of `bridge vlan add|del`: the side flags, then the VLAN (range) or its tunnel mapping. */
function afSpec(input: VlanInput): Value {
  const end = rangeOf(input);
  const af: Value = {};
  const side = [...(input.self ? ['self'] : []), ...(input.master ? ['master'] : [])];
  if (side.length) af.flags = side;
  if (input.tunnelId !== undefined) {
    if (end === undefined) af.vlanTunnelInfo = [{ id: input.tunnelId, vid: input.vid, flags: [] }];
    else {
      af.vlanTunnelInfo = [
        { id: input.tunnelId, vid: input.vid, flags: ['rangeBegin'] },
        { id: input.tunnelIdEnd ?? input.tunnelId + end - input.vid, vid: end, flags: ['rangeEnd'] },
      ];
    }
    return af;
  }
  if (end !== undefined && input.pvid) throw new SchemaError('pvid', 'pvid cannot be configured for a vlan range');
  const flags = [...(input.pvid ? ['pvid'] : []), ...(input.untagged ? ['untagged'] : [])];
  af.vlanInfo = end === undefined
    ? [{ flags, vid: input.vid }]
    : [{ flags: [...flags, 'rangeBegin'], vid: input.vid }, { flags: [...flags, 'rangeEnd'], vid: end }];
  return af;
}

export function vlanEntryFromMessage(ifindex: number, e: Value): VlanEntry {
  const info = e.info as { flags: (string | number)[]; vid: number };
  const v: VlanEntry = { ifindex, vid: info.vid, flags: info.flags, raw: e };
  if (e.range !== undefined && e.range !== info.vid) v.vidEnd = e.range as number;
  if (e.state !== undefined) v.state = e.state as string | number;
  const t = e.tunnelInfo as Value | undefined;
  if (t?.id !== undefined) v.tunnelId = t.id as number;
  if (e.mcastRouter !== undefined) v.mcastRouter = e.mcastRouter as number;
  if (e.mcastNGroups !== undefined) v.mcastNGroups = e.mcastNGroups as number;
  if (e.mcastMaxGroups !== undefined) v.mcastMaxGroups = e.mcastMaxGroups as number;
  if (e.neighSuppress !== undefined) v.neighSuppress = e.neighSuppress !== 0;
  const s = e.stats as VlanEntry['stats'] | undefined;
  if (s) v.stats = s;
  return v;
}

/** VLANs of bridge ports and of the bridge's VLAN database: `rt.bridge.vlans`. */
export class BridgeVlans {
  constructor(private readonly socket: NetlinkSocket, private readonly devices: Devices) {}

  /** Add a VLAN (range) to a port, or map it to a tunnel id (`bridge vlan add`). */
  add(input: VlanInput, options: CallOptions = {}): Promise<void> {
    return this.modify('setlink', input, options);
  }

  /** Delete a VLAN (range) from a port, or its tunnel mapping (`bridge vlan del`). */
  delete(input: VlanInput, options: CallOptions = {}): Promise<void> {
    return this.modify('dellink', input, options);
  }

  private async modify(message: 'setlink' | 'dellink', input: VlanInput, options: CallOptions): Promise<void> {
    check(vlanInput, input);
    check(callOptions, options);
    const af = afSpec(input);
    const ctx = await this.devices.context([input.dev], options);
    const v: Value = { family: AF_BRIDGE, type: 0, index: ctx.ifindex(input.dev, 'dev'), flags: 0, change: 0, afSpec: af };
    const { bytes, paths } = bridgeSchema.encodeMessage(message, v);
    await this.socket.request(bytes, { ...options, describeOffset: paths });
  }

  /** Set a VLAN's (range's) per-port options through the VLAN database (`bridge vlan set`, RTM_NEWVLAN). */
  async set(input: VlanOptionsInput, options: CallOptions = {}): Promise<void> {
    check(vlanOptions, input);
    check(callOptions, options);
    const end = rangeOf(input);
    const ctx = await this.devices.context([input.dev], options);
    const entry: Value = { info: { flags: ['onlyOpts'], vid: input.vid } };
    if (end !== undefined) entry.range = end;
    if (input.state !== undefined) entry.state = input.state;
    if (input.mcastRouter !== undefined) entry.mcastRouter = input.mcastRouter;
    if (input.mcastMaxGroups !== undefined) entry.mcastMaxGroups = input.mcastMaxGroups;
    if (input.neighSuppress !== undefined) entry.neighSuppress = input.neighSuppress ? 1 : 0;
    const { bytes, paths } = bridgeSchema.encodeMessage('newvlan', { family: AF_BRIDGE, ifindex: ctx.ifindex(input.dev, 'dev'), entry: [entry] });
    await this.socket.request(bytes, { ...options, describeOffset: paths });
  }

  /** Set bridge-wide options of a VLAN (range) of a bridge (`bridge vlan global set`, RTM_NEWVLAN). */
  async setGlobal(input: VlanGlobalInput, options: CallOptions = {}): Promise<void> {
    check(globalInput, input);
    check(callOptions, options);
    const end = rangeOf(input);
    const ctx = await this.devices.context([input.dev], options);
    const g: Value = { id: input.vid };
    if (end !== undefined) g.range = end;
    for (const k of [...globalU8, ...globalU32, ...globalU64, 'msti'] as const) if (input[k] !== undefined) g[k] = input[k];
    const { bytes, paths } = bridgeSchema.encodeMessage('newvlan', { family: AF_BRIDGE, ifindex: ctx.ifindex(input.dev, 'dev'), globalOptions: [g] });
    await this.socket.request(bytes, { ...options, describeOffset: paths });
  }

  /** The VLAN database's entries of every port (or of `dev`), with counters if `stats` (`bridge -s vlan show`). */
  async list(filter: { dev?: string | number; stats?: boolean } = {}, options: CallOptions = {}): Promise<VlanEntry[]> {
    const out: VlanEntry[] = [];
    for (const m of await this.dump(filter, false, options)) for (const e of (m.entry as Value[] | undefined) ?? []) out.push(vlanEntryFromMessage(m.ifindex as number, e));
    return out;
  }

  /** The bridge-wide options of each VLAN (`bridge vlan global show`). */
  async globalOptions(filter: { dev?: string | number } = {}, options: CallOptions = {}): Promise<VlanGlobalOptions[]> {
    const out: VlanGlobalOptions[] = [];
    for (const m of await this.dump(filter, true, options)) {
      for (const g of (m.globalOptions as Value[] | undefined) ?? []) {
        const { id, range, ...rest } = g;
        const o: VlanGlobalOptions = { ifindex: m.ifindex as number, vid: id as number, options: rest, raw: g };
        if (range !== undefined && range !== id) o.vidEnd = range as number;
        out.push(o);
      }
    }
    return out;
  }

  private async dump(filter: { dev?: string | number; stats?: boolean }, global: boolean, options: CallOptions): Promise<Value[]> {
    check(dumpFilter, filter);
    check(callOptions, options);
    const ctx = await this.devices.context([filter.dev], options);
    // BRIDGE_VLANDB_DUMPF_STATS, BRIDGE_VLANDB_DUMPF_GLOBAL
    const flags = (filter.stats ? 1 : 0) | (global ? 2 : 0);
    const v: Value = { family: AF_BRIDGE, ifindex: filter.dev === undefined ? 0 : ctx.ifindex(filter.dev, 'dev') };
    if (flags) v.flags = flags;
    const { bytes } = bridgeSchema.encodeMessage('getvlan', v);
    const out: Value[] = [];
    for await (const m of this.socket.dump(bytes, options)) out.push(bridgeSchema.decodeBody('newvlan', m.buf, m.payload, m.offset + m.length, m.view));
    return out;
  }
}
