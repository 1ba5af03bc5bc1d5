/**
 * The bridge multicast database (RTM_*MDB, struct br_port_msg): group memberships of bridge ports — IPv4, IPv6 or
 * L2 (MAC) groups, with a source for (S, G) entries, permanent or temporary, per VLAN — and the multicast router
 * ports.
 */
import { bridgeSchema } from '../families/route/index.js';
import { formatMac, parseMac, parseIPv4, parseIPv6, formatIPv4, formatIPv6 } from '../schema/address-text.js';
import { SchemaError } from '../schema/codec.js';
import type { NetlinkSocket } from '../socket/socket.js';
import type { Devices } from './devices.js';
import { address, callOptions, check, device, integer, oneOf, record, text } from './input.js';
import type { CallOptions, Value } from './object.js';

const AF_BRIDGE = 7;
const ETH_P_IP = 0x0800;
const ETH_P_IPV6 = 0x86dd;

/** One group membership of a port. */
export interface MdbEntry {
  /** The bridge. */
  ifindex: number;
  /** The port (the bridge itself for its own membership). */
  port: number;
  /** An IPv4 or IPv6 group, or a MAC for an L2 group. */
  group: string;
  source?: string;
  state: 'permanent' | 'temp';
  /** MDB_FLAGS_* by name: offload, fastLeave, starExcl, blocked. */
  flags: (string | number)[];
  vid?: number;
  /** MCAST_INCLUDE (1) or MCAST_EXCLUDE (0), for IGMPv3/MLDv2 entries. */
  groupMode?: 'include' | 'exclude';
  sources?: { address: string; timer?: number }[];
  /** RTPROT_* number: who made it (kernel, static, …). */
  protocol?: number;
  /** In hundredths of a second (the kernel's ticks at USER_HZ 100). */
  timer?: number;
  raw: Value;
}

/** A router port of a bridge's multicast database. */
export interface MdbRouter {
  ifindex: number;
  port: number;
  type?: number;
  timer?: number;
  vid?: number;
}

/** A membership to add or delete: `bridge mdb add dev BR port PORT grp GROUP [src SRC] [permanent] [vid VID]`. */
export interface MdbInput {
  /** The bridge. */
  dev: string | number;
  port: string | number;
  group: string;
  source?: string;
  /** Default 'temp', as `bridge mdb add`. */
  state?: 'permanent' | 'temp';
  vid?: number;
}

const group = text(45, 1);
const mdbInput = record({ dev: device, port: device, group, source: address, state: oneOf(['permanent', 'temp']), vid: integer(0, 4094) }, ['dev', 'port', 'group']);
const mdbFilter = record({ dev: device, vid: integer(0, 4094) });

/** The union of struct br_mdb_entry's addr and its proto, from a group written as text. */
function groupBytes(g: string): { addr: Uint8Array; proto: number } {
  const addr = new Uint8Array(16);
  const v4 = parseIPv4(g);
  if (v4) {
    addr.set(v4);
    return { addr, proto: ETH_P_IP };
  }
  const v6 = parseIPv6(g);
  if (v6) {
    addr.set(v6);
    return { addr, proto: ETH_P_IPV6 };
  }
  const mac = parseMac(g);
  if (mac && mac.length === 6) {
    addr.set(mac);
    return { addr, proto: 0 };
  }
  throw new SchemaError('group', `"${g}" is no IPv4, IPv6 or MAC group address`);
}

function groupText(addr: Uint8Array, proto: number): string {
  if (proto === ETH_P_IP) return formatIPv4(addr.subarray(0, 4));
  if (proto === ETH_P_IPV6) return formatIPv6(addr.subarray(0, 16));
  return formatMac(addr.subarray(0, 6));
}

function entryFromInfo(ifindex: number, info: Value): MdbEntry {
  const addr = info.addr as Uint8Array;
  const e: MdbEntry = {
    ifindex,
    port: info.ifindex as number,
    group: groupText(addr, info.proto as number),
    state: (info.state as number) & 1 ? 'permanent' : 'temp',
    flags: info.flags as (string | number)[],
    raw: info,
  };
  if (info.vid) e.vid = info.vid as number;
  if (info.source !== undefined) e.source = info.source as string;
  if (info.groupMode !== undefined) e.groupMode = info.groupMode === 1 ? 'include' : 'exclude';
  const list = (info.srcList as { entry?: Value[] } | undefined)?.entry;
  if (list) e.sources = list.map((s) => ({ address: s.address as string, ...(s.timer !== undefined ? { timer: s.timer as number } : {}) }));
  if (info.rtprot !== undefined) e.protocol = info.rtprot as number;
  if (info.timer !== undefined) e.timer = info.timer as number;
  return e;
}

/** The entries and router ports of one RTM_NEWMDB / RTM_DELMDB message (a dump reply or a notification). */
export function mdbFromMessage(m: Value): { entries: MdbEntry[]; routers: MdbRouter[] } {
  const ifindex = m.ifindex as number;
  const entries: MdbEntry[] = [];
  for (const e of ((m.mdb as Value | undefined)?.entry as Value[] | undefined) ?? []) {
    for (const info of (e.info as Value[] | undefined) ?? []) entries.push(entryFromInfo(ifindex, info));
  }
  const routers: MdbRouter[] = [];
  for (const p of ((m.router as Value | undefined)?.port as Value[] | undefined) ?? []) {
    const r: MdbRouter = { ifindex, port: p.ifindex as number };
    if (p.type !== undefined) r.type = p.type as number;
    if (p.timer !== undefined) r.timer = p.timer as number;
    if (p.vid !== undefined) r.vid = p.vid as number;
    routers.push(r);
  }
  return { entries, routers };
}

/** The multicast database of every bridge: `rt.bridge.mdb`. */
export class BridgeMdb {
  constructor(private readonly socket: NetlinkSocket, private readonly devices: Devices) {}

  /** Every membership and router port (of the bridge `dev`, of one VLAN), in the kernel's order. */
  async dump(filter: { dev?: string | number; vid?: number } = {}, options: CallOptions = {}): Promise<{ entries: MdbEntry[]; routers: MdbRouter[] }> {
    check(mdbFilter, filter);
    check(callOptions, options);
    const ctx = await this.devices.context([filter.dev], options);
    const want = filter.dev === undefined ? 0 : ctx.ifindex(filter.dev, 'dev');
    const { bytes } = bridgeSchema.encodeMessage('getmdb', { family: AF_BRIDGE, ifindex: 0 });
    const entries: MdbEntry[] = [];
    const routers: MdbRouter[] = [];
    for await (const m of this.socket.dump(bytes, options)) {
      const v = bridgeSchema.decodeBody('newmdb', m.buf, m.payload, m.offset + m.length, m.view);
      if (want && v.ifindex !== want) continue;
      const got = mdbFromMessage(v);
      for (const e of got.entries) if (filter.vid === undefined || (e.vid ?? 0) === filter.vid) entries.push(e);
      routers.push(...got.routers);
    }
    return { entries, routers };
  }

  /** Every membership (see dump). */
  async list(filter: { dev?: string | number; vid?: number } = {}, options: CallOptions = {}): Promise<MdbEntry[]> {
    return (await this.dump(filter, options)).entries;
  }

  /** Add a membership (NLM_F_CREATE|EXCL); EEXIST if it is there. */
  add(input: MdbInput, options: CallOptions = {}): Promise<void> {
    return this.modify('newmdbRequest', input, 0x400 | 0x200, options);
  }

  /** Add or replace a membership (NLM_F_CREATE|REPLACE). */
  replace(input: MdbInput, options: CallOptions = {}): Promise<void> {
    return this.modify('newmdbRequest', input, 0x400 | 0x100, options);
  }

  /** Delete a membership; ENOENT-like kernel error if there is none. */
  delete(input: MdbInput, options: CallOptions = {}): Promise<void> {
    return this.modify('delmdbRequest', input, 0, options);
  }

  private async modify(message: 'newmdbRequest' | 'delmdbRequest', input: MdbInput, flags: number, options: CallOptions): Promise<void> {
    check(mdbInput, input);
    check(callOptions, options);
    const { addr, proto } = groupBytes(input.group);
    const ctx = await this.devices.context([input.dev, input.port], options);
    const permanent = message === 'newmdbRequest' && input.state === 'permanent';
    const v: Value = {
      family: AF_BRIDGE,
      ifindex: ctx.ifindex(input.dev, 'dev'),
      entry: { ifindex: ctx.ifindex(input.port, 'port'), state: permanent ? 1 : 0, flags: 0, vid: input.vid ?? 0, addr, proto },
    };
    if (input.source !== undefined) v.attrs = { source: input.source };
    const { bytes, paths } = bridgeSchema.encodeMessage(message, v, { flags });
    await this.socket.request(bytes, { ...options, describeOffset: paths });
  }
}
