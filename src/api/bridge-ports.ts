/**
 * Bridge ports (RTM_GETLINK / RTM_SETLINK with family AF_BRIDGE): each port with its STP state, priority, cost and
 * the IFLA_BRPORT_* options in IFLA_PROTINFO, its VLANs and tunnel mappings in IFLA_AF_SPEC; options set by name
 * as the kernel names them.
 */
import { bridgeSchema } from '../families/route/index.js';
import { SchemaError } from '../schema/codec.js';
import type { NetlinkSocket } from '../socket/socket.js';
import type { Devices } from './devices.js';
import { boolean, byType, callOptions, check, device, integer, oneOf, record, text, u16, u32, u8, type Check } from './input.js';
import type { CallOptions, Value } from './object.js';

const AF_BRIDGE = 7;

/** BR_STATE_* by name. */
export type PortState = 'disabled' | 'listening' | 'learning' | 'forwarding' | 'blocking';

/** A port's VLAN, or a range of them (`vid`..`vidEnd`) sharing flags; `tunnelId` when mapped to a tunnel id. */
export interface PortVlan {
  vid: number;
  vidEnd?: number;
  pvid: boolean;
  untagged: boolean;
  /** BRIDGE_VLAN_INFO_* names as the kernel sent them. */
  flags: (string | number)[];
}

/** A VLAN (range) mapped to a tunnel id (range) on a vlan_tunnel port. */
export interface PortVlanTunnel {
  vid: number;
  vidEnd?: number;
  id: number;
  idEnd?: number;
}

/** A bridge port (or a device with bridging of its own) as `bridge link` shows it. */
export interface BridgePort {
  ifindex: number;
  ifname: string;
  /** IFF_* names, as links have them. */
  flags: (string | number)[];
  mtu?: number;
  master?: number;
  link?: number;
  linkNetnsid?: number;
  operstate?: number;
  state?: PortState | number;
  priority?: number;
  cost?: number;
  /** Every IFLA_BRPORT_* the kernel sent, by its name (`learning`, `unicastFlood`, `mode` for hairpin, …). */
  options: Value;
  /** IFLA_BRIDGE_MODE of a device that bridges in hardware: 0 VEB, 1 VEPA. */
  hwmode?: number;
  /** With `vlans: true` (RTEXT_FILTER_BRVLAN): the port's VLANs; compressed into ranges unless `compress: false`. */
  vlans?: PortVlan[];
  tunnels?: PortVlanTunnel[];
  raw: Value;
}

/** Options of `bridge link set`, by the kernel's IFLA_BRPORT_* names; on/off options take booleans. */
export interface BridgePortOptions {
  state?: PortState | number;
  priority?: number;
  cost?: number;
  /** hairpin */
  mode?: boolean;
  guard?: boolean;
  /** root_block */
  protect?: boolean;
  fastLeave?: boolean;
  learning?: boolean;
  learningSync?: boolean;
  /** flood */
  unicastFlood?: boolean;
  multicastRouter?: number;
  mcastFlood?: boolean;
  bcastFlood?: boolean;
  mcastToUcast?: boolean;
  neighSuppress?: boolean;
  neighVlanSuppress?: boolean;
  vlanTunnel?: boolean;
  isolated?: boolean;
  locked?: boolean;
  mab?: boolean;
  proxyarp?: boolean;
  proxyarpWifi?: boolean;
  groupFwdMask?: number;
  mcastEhtHostsLimit?: number;
  mcastMaxGroups?: number;
  /** The port that takes over when this one fails, or null for none (nobackup_port). */
  backupPort?: string | number | null;
  /** IFLA_BRIDGE_MODE (`hwmode`), for a device that bridges itself. */
  hwmode?: 'veb' | 'vepa';
  /** Whom the request is for (IFLA_BRIDGE_FLAGS): the port's bridge, the device itself, or both. */
  self?: boolean;
  master?: boolean;
}

const states: PortState[] = ['disabled', 'listening', 'learning', 'forwarding', 'blocking'];
const onOff: readonly (keyof BridgePortOptions)[] = [
  'mode', 'guard', 'protect', 'fastLeave', 'learning', 'learningSync', 'unicastFlood', 'mcastFlood', 'bcastFlood', 'mcastToUcast',
  'neighSuppress', 'neighVlanSuppress', 'vlanTunnel', 'isolated', 'locked', 'mab', 'proxyarp', 'proxyarpWifi',
];
const portOptions = record({
  ...Object.fromEntries(onOff.map((k) => [k, boolean])) as Record<string, Check>,
  state: byType({ string: oneOf(states), number: u8 }, 'a port state or its number'), priority: u16, cost: integer(1, 0xffffffff),
  multicastRouter: u8, groupFwdMask: u16, mcastEhtHostsLimit: u32, mcastMaxGroups: u32,
  backupPort: byType({ string: text(127, 1), number: integer(0, 0x7fffffff), null: () => {} }, 'a device name, ifindex or null'),
  hwmode: oneOf(['veb', 'vepa']), self: boolean, master: boolean,
});
const listFilter = record({ dev: device, vlans: boolean, compress: boolean });

/** What list narrows ports by, and whether it asks for their VLANs. */
export interface BridgePortFilter {
  dev?: string | number;
  /** Ask for each port's VLANs (RTEXT_FILTER_BRVLAN); `compress` (default true) has the kernel send ranges. */
  vlans?: boolean;
  compress?: boolean;
}

function vlanList(infos: Value[] | undefined): PortVlan[] {
  const out: PortVlan[] = [];
  let begin: PortVlan | undefined;
  for (const i of infos ?? []) {
    const flags = i.flags as (string | number)[];
    const vid = i.vid as number;
    if (flags.includes('rangeBegin')) {
      begin = { vid, pvid: flags.includes('pvid'), untagged: flags.includes('untagged'), flags: flags.filter((f) => f !== 'rangeBegin') };
      continue;
    }
    if (flags.includes('rangeEnd') && begin) {
      out.push({ ...begin, vidEnd: vid });
      begin = undefined;
      continue;
    }
    out.push({ vid, pvid: flags.includes('pvid'), untagged: flags.includes('untagged'), flags });
  }
  return out;
}

function tunnelList(infos: Value[] | undefined): PortVlanTunnel[] {
  const out: PortVlanTunnel[] = [];
  let begin: PortVlanTunnel | undefined;
  for (const t of infos ?? []) {
    const flags = (t.flags as (string | number)[] | undefined) ?? [];
    const vid = t.vid as number;
    const id = t.id as number;
    if (flags.includes('rangeBegin')) begin = { vid, id };
    else if (flags.includes('rangeEnd') && begin) {
      out.push({ ...begin, vidEnd: vid, idEnd: id });
      begin = undefined;
    } else out.push({ vid, id });
  }
  return out;
}

export function bridgePortFromMessage(m: Value): BridgePort {
  const options = (m.protinfo as Value | undefined) ?? {};
  const p: BridgePort = { ifindex: m.index as number, ifname: m.ifname as string, flags: m.flags as (string | number)[], options, raw: m };
  if (m.mtu !== undefined) p.mtu = m.mtu as number;
  if (m.master !== undefined) p.master = m.master as number;
  if (m.link !== undefined) p.link = m.link as number;
  if (m.linkNetnsid !== undefined) p.linkNetnsid = m.linkNetnsid as number;
  if (m.operstate !== undefined) p.operstate = m.operstate as number;
  if (options.state !== undefined) p.state = options.state as PortState | number;
  if (options.priority !== undefined) p.priority = options.priority as number;
  if (options.cost !== undefined) p.cost = options.cost as number;
  const af = m.afSpec as Value | undefined;
  if (af?.mode !== undefined) p.hwmode = af.mode as number;
  if (af?.vlanInfo !== undefined) p.vlans = vlanList(af.vlanInfo as Value[]);
  if (af?.vlanTunnelInfo !== undefined) p.tunnels = tunnelList(af.vlanTunnelInfo as Value[]);
  return p;
}

/** The ports of bridges (and devices that bridge): `rt.bridge.ports`. */
export class BridgePorts {
  constructor(private readonly socket: NetlinkSocket, private readonly devices: Devices) {}

  /** Every port the kernel reports for AF_BRIDGE (or the one named `dev`). */
  async list(filter: BridgePortFilter = {}, options: CallOptions = {}): Promise<BridgePort[]> {
    check(listFilter, filter);
    check(callOptions, options);
    const ctx = await this.devices.context([filter.dev], options);
    const want = filter.dev === undefined ? 0 : ctx.ifindex(filter.dev, 'dev');
    const extMask = filter.vlans ? (filter.compress === false ? ['brvlan'] : ['brvlanCompressed']) : ['vf'];
    const { bytes } = bridgeSchema.encodeMessage('getlink', { family: AF_BRIDGE, type: 0, index: 0, flags: 0, change: 0, extMask });
    const out: BridgePort[] = [];
    for await (const m of this.socket.dump(bytes, options)) {
      const p = bridgePortFromMessage(bridgeSchema.decodeBody('newlink', m.buf, m.payload, m.offset + m.length, m.view));
      if (!want || p.ifindex === want) out.push(p);
    }
    return out;
  }

  /** Set port options (`bridge link set dev DEV …`): IFLA_PROTINFO, and IFLA_AF_SPEC for hwmode/self/master. */
  async set(dev: string | number, changes: BridgePortOptions, options: CallOptions = {}): Promise<void> {
    check(device, dev, 'dev');
    check(portOptions, changes);
    check(callOptions, options);
    const ctx = await this.devices.context([dev, typeof changes.backupPort === 'string' ? changes.backupPort : undefined], options);
    const protinfo: Value = {};
    for (const k of onOff) if (changes[k] !== undefined) protinfo[k] = changes[k] ? 1 : 0;
    if (changes.multicastRouter !== undefined) protinfo.multicastRouter = changes.multicastRouter;
    if (changes.cost !== undefined) protinfo.cost = changes.cost;
    if (changes.priority !== undefined) protinfo.priority = changes.priority;
    if (changes.state !== undefined) protinfo.state = typeof changes.state === 'number' ? changes.state : states.indexOf(changes.state);
    if (changes.groupFwdMask !== undefined) protinfo.groupFwdMask = changes.groupFwdMask;
    if (changes.mcastEhtHostsLimit !== undefined) protinfo.mcastEhtHostsLimit = changes.mcastEhtHostsLimit;
    if (changes.mcastMaxGroups !== undefined) protinfo.mcastMaxGroups = changes.mcastMaxGroups;
    if (changes.backupPort !== undefined) protinfo.backupPort = changes.backupPort === null ? 0 : ctx.ifindex(changes.backupPort, 'backupPort');
    const v: Value = { family: AF_BRIDGE, type: 0, index: ctx.ifindex(dev, 'dev'), flags: 0, change: 0, protinfo };
    const side = [...(changes.master ? ['master'] : []), ...(changes.self || changes.hwmode !== undefined ? ['self'] : [])];
    if (side.length || changes.hwmode !== undefined) {
      const af: Value = {};
      if (side.length) af.flags = side;
      if (changes.hwmode !== undefined) af.mode = changes.hwmode === 'vepa' ? 1 : 0;
      v.afSpec = af;
    }
    const { bytes, paths } = bridgeSchema.encodeMessage('setlink', v);
    await this.socket.request(bytes, { ...options, describeOffset: paths });
  }

  /** One port by name or ifindex; ENODEV-like SchemaError when it is not a port. */
  async get(dev: string | number, options: CallOptions = {}): Promise<BridgePort> {
    const [p] = await this.list({ dev }, options);
    if (!p) throw new SchemaError('dev', `${String(dev)} is not a bridge port`);
    return p;
  }
}
