/**
 * The in-kernel MPTCP path manager (`ip mptcp`): its endpoints (local addresses it announces or opens subflows
 * from) and limits, over the mptcp_pm generic netlink family.
 */
import { GenlController, type GenlFamily } from '../families/generic/controller.js';
import { mptcpPm } from '../families/generic/generated/mptcp_pm.js';
import { mptcpPmFamily } from '../families/generic/mptcp-pm.js';
import { GENL_HDRLEN, Schema, SchemaError } from '../schema/codec.js';
import { Protocol } from '../socket/constants.js';
import { NetlinkSocket, type NetnsRef } from '../socket/socket.js';
import type { Message } from '../wire/message.js';
import { Flags } from '../wire/message.js';
import type { CallOptions, Value } from './object.js';
import { address, arrayOf, boolean, callFields, callOptions, check, integer, netns, oneOf, record, u16, u32, u8 } from './input.js';
import { addressFamily } from './values.js';

const schema = new Schema(mptcpPmFamily);
const AF_INET = 2;
const AF_INET6 = 10;

/** MPTCP_PM_ADDR_FLAG_* by name, in ip's order. */
export const endpointFlagBits = { signal: 1, subflow: 2, backup: 4, fullmesh: 8 } as const;
/** An endpoint flag: `signal`, `subflow`, `backup`, `fullmesh`. */
export type EndpointFlag = keyof typeof endpointFlagBits;

/** A path manager endpoint. */
export interface MptcpEndpoint {
  id: number;
  address?: string;
  port?: number;
  /** The flags ip knows by name. */
  flags: EndpointFlag[];
  /** Every flag bit, the unnamed ones too. */
  rawFlags: number;
  ifindex?: number;
}

/** What addEndpoint takes. */
export interface MptcpEndpointInput {
  address: string;
  id?: number;
  port?: number;
  dev?: number;
  flags?: EndpointFlag[];
}

/** The path manager's limits. */
export interface MptcpLimits {
  subflows?: number;
  addAddrAccepted?: number;
}

const flagList = arrayOf(oneOf(Object.keys(endpointFlagBits)));
const endpointInput = record({ address, id: u8, port: u16, dev: integer(1, 0x7fffffff), flags: flagList }, ['address']);
const deleteInput = record({ id: u8, address }, ['id']);
const changeInput = record({ id: u8, address, port: u16, backup: boolean, fullmesh: boolean });
const limitsInput = record({ subflows: u32, addAddrAccepted: u32 });
const openCheck = record({ netns });

function fromAddress(a: Value): MptcpEndpoint {
  const rawFlags = (a.flags as number | undefined) ?? 0;
  const e: MptcpEndpoint = { id: (a.id as number | undefined) ?? 0, flags: (Object.keys(endpointFlagBits) as EndpointFlag[]).filter((f) => rawFlags & endpointFlagBits[f]), rawFlags };
  const addr = (a.family === AF_INET ? a.addr4 : a.addr6) as string | undefined;
  if (addr !== undefined) e.address = addr;
  if (a.port) e.port = a.port as number;
  if (a.ifIdx) e.ifindex = a.ifIdx as number;
  return e;
}

/** The attributes of an address nest: id, flags, ifindex, port, family and address, as ip sends them. */
function addressNest(v: { id?: number; flags?: number; ifindex?: number; port?: number; address?: string }): Value {
  const a: Value = {};
  if (v.id !== undefined) a.id = v.id;
  if (v.flags) a.flags = v.flags;
  if (v.ifindex) a.ifIdx = v.ifindex;
  if (v.port) a.port = v.port;
  if (v.address !== undefined) {
    const inet6 = addressFamily(v.address) === 'inet6';
    a.family = inet6 ? AF_INET6 : AF_INET;
    a[inet6 ? 'addr6' : 'addr4'] = v.address;
  }
  return a;
}

/** An MPTCP_EVENT_* type by name (`created`, `subEstablished`, …; linux/mptcp_pm.h). */
export type MptcpEventType = Exclude<keyof typeof mptcpPm.enums.eventType.entries, 'unspec'>;

/**
 * A path manager event: its type (by name, or its number when this declaration does not know it) and the
 * attributes the kernel sent, named as the mptcp_pm spec's `event-attr` (`token`, `locId`, `saddr4`, `sport`, …).
 */
export interface MptcpEvent {
  type: MptcpEventType | number;
  /** The genetlink command: the event type's number. */
  cmd: number;
  token?: number;
  family?: number;
  locId?: number;
  remId?: number;
  saddr4?: string;
  saddr6?: string;
  daddr4?: string;
  daddr6?: string;
  sport?: number;
  dport?: number;
  backup?: number;
  error?: number;
  flags?: number;
  timeout?: number;
  ifIdx?: number;
  resetReason?: number;
  resetFlags?: number;
  serverSide?: number;
}

const eventNames = new Map<number, MptcpEventType>(Object.entries(mptcpPm.enums.eventType.entries).filter(([n]) => n !== 'unspec').map(([n, v]) => [v, n as MptcpEventType]));
const eventsCheck = record({ signal: callFields.signal });

/** The MPTCP path manager of a namespace, on a generic netlink socket of its own: `await Mptcp.open()`. */
export class Mptcp {
  private constructor(
    private readonly socket: NetlinkSocket,
    private readonly family: GenlFamily,
    private readonly netns: NetnsRef | undefined,
  ) {}

  private get id(): number {
    return this.family.id;
  }

  /** Open a socket (in `netns` if given) and resolve the mptcp_pm family. */
  static async open(options: { netns?: NetnsRef } = {}): Promise<Mptcp> {
    check(openCheck, options);
    const socket = NetlinkSocket.open(Protocol.GENERIC, { netns: options.netns });
    try {
      return new Mptcp(socket, await new GenlController(socket).family('mptcp_pm'), options.netns);
    } catch (e) {
      socket.close();
      throw e;
    }
  }

  private decode(m: Message, layout: string): Value {
    return schema.decodeBody(layout, m.buf, m.payload + GENL_HDRLEN, m.offset + m.length, m.view);
  }

  private async send(message: string, value: Value, options: CallOptions): Promise<Message[]> {
    check(callOptions, options);
    const { bytes, paths } = schema.encodeMessage(message, value, { type: this.id });
    return this.socket.request(bytes, { ...options, describeOffset: paths });
  }

  /** Every endpoint. */
  async endpoints(options: CallOptions = {}): Promise<MptcpEndpoint[]> {
    check(callOptions, options);
    const { bytes } = schema.encodeMessage('getAddr', {}, { type: this.id, flags: Flags.DUMP });
    const out: MptcpEndpoint[] = [];
    for await (const m of this.socket.dump(bytes, options)) out.push(fromAddress(this.decode(m, 'getAddrReply').addr as Value));
    return out;
  }

  /** One endpoint by id; rejects with EINVAL when there is none. */
  async endpoint(id: number, options: CallOptions = {}): Promise<MptcpEndpoint> {
    check(u8, id, 'id');
    const [reply] = await this.send('getAddr', { addr: addressNest({ id }) }, options);
    if (!reply) throw new Error('the kernel answered MPTCP_PM_CMD_GET_ADDR without an endpoint');
    return fromAddress(this.decode(reply, 'getAddrReply').addr as Value);
  }

  /** Add an endpoint (`ip mptcp endpoint add`); `signal` and `fullmesh` exclude each other, a port needs `signal`. */
  async addEndpoint(input: MptcpEndpointInput, options: CallOptions = {}): Promise<void> {
    check(endpointInput, input);
    const flags = (input.flags ?? []).reduce((all, f) => all | endpointFlagBits[f], 0);
    if ((flags & 9) === 9) throw new SchemaError('flags', 'signal and fullmesh exclude each other');
    if (input.port && !(flags & endpointFlagBits.signal)) throw new SchemaError('port', 'a port needs the signal flag');
    await this.send('addAddr', { addr: addressNest({ id: input.id, flags, ifindex: input.dev, port: input.port, address: input.address }) }, options);
  }

  /** Delete an endpoint by id; id 0 (the address of the initial subflow) needs its address. */
  async deleteEndpoint(input: { id: number; address?: string }, options: CallOptions = {}): Promise<void> {
    check(deleteInput, input);
    if (input.id !== 0 && input.address !== undefined) throw new SchemaError('address', 'only id 0 is deleted by address');
    if (input.id === 0 && input.address === undefined) throw new SchemaError('address', 'id 0 is deleted by its address');
    await this.send('delAddr', { addr: addressNest(input) }, options);
  }

  /** Set an endpoint's backup and fullmesh flags (both: what is not given is cleared), by id or address. */
  async changeEndpoint(input: { id?: number; address?: string; port?: number; backup?: boolean; fullmesh?: boolean }, options: CallOptions = {}): Promise<void> {
    check(changeInput, input);
    if (input.id !== undefined && input.port) throw new SchemaError('port', 'a port cannot be used with an id');
    const flags = (input.backup ? endpointFlagBits.backup : 0) | (input.fullmesh ? endpointFlagBits.fullmesh : 0);
    await this.send('setFlags', { addr: addressNest({ id: input.id, flags, port: input.port, address: input.address }) }, options);
  }

  /** Delete every endpoint. */
  async flushEndpoints(options: CallOptions = {}): Promise<void> {
    await this.send('flushAddrs', {}, options);
  }

  /** The limits: subflows per connection, ADD_ADDRs accepted. */
  async limits(options: CallOptions = {}): Promise<MptcpLimits> {
    const [reply] = await this.send('getLimits', {}, options);
    const v = reply ? this.decode(reply, 'getLimitsReply') : {};
    const l: MptcpLimits = {};
    if (v.subflows !== undefined) l.subflows = v.subflows as number;
    if (v.rcvAddAddrs !== undefined) l.addAddrAccepted = v.rcvAddAddrs as number;
    return l;
  }

  /** Set either limit or both. */
  async setLimits(limits: MptcpLimits, options: CallOptions = {}): Promise<void> {
    check(limitsInput, limits);
    const v: Value = {};
    if (limits.addAddrAccepted !== undefined) v.rcvAddAddrs = limits.addAddrAccepted;
    if (limits.subflows !== undefined) v.subflows = limits.subflows;
    await this.send('setLimits', v, options);
  }

  /**
   * The path manager's events (`ip mptcp monitor`: connections created, established and closed, addresses
   * announced and removed, subflows, listeners), on a socket of its own in the same namespace, joined to the
   * `mptcp_pm_events` group; `{ type: 'overrun', count }` when the kernel dropped some. Ends with `signal`.
   */
  async *events(options: { signal?: AbortSignal } = {}): AsyncGenerator<MptcpEvent | { type: 'overrun'; count: number }> {
    check(eventsCheck, options);
    const group = this.family.multicastGroups.mptcp_pm_events;
    if (group === undefined) throw new Error('the kernel\'s mptcp_pm family has no mptcp_pm_events group');
    const socket = NetlinkSocket.open(Protocol.GENERIC, { netns: this.netns });
    try {
      for await (const e of socket.subscribe([group], { signal: options.signal })) {
        if (e.type === 'overrun') {
          yield { type: 'overrun', count: e.count };
          continue;
        }
        const m = e.message;
        if (m.type !== this.id) continue;
        const cmd = m.buf[m.payload]!;
        const name = eventNames.get(cmd);
        // An event type this declaration does not know still has the common attributes: read them as `created`'s.
        const attrs = this.decode(m, `${name ?? 'created'}Event`) as Omit<MptcpEvent, 'type' | 'cmd'>;
        yield { type: name ?? cmd, cmd, ...attrs };
      }
    } finally {
      socket.close();
    }
  }

  /** Close the socket; what is in flight rejects. */
  close(): void {
    this.socket.close();
  }
}
