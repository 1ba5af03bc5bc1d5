/**
 * Neighbour tables (`ip ntable`): the ARP and NDISC caches' thresholds, garbage-collection interval, counters and
 * per-device parameters (RTM_GETNEIGHTBL dumps, RTM_SETNEIGHTBL changes).
 */
import { neighbourSchema } from '../families/route/index.js';
import { SchemaError } from '../schema/codec.js';
import { Flags } from '../wire/message.js';
import type { NetlinkSocket } from '../socket/socket.js';
import type { Devices } from './devices.js';
import type { CallOptions, Value } from './object.js';
import { callOptions, check, device, family, record, text, u32, u64 } from './input.js';
import { familyName, familyNumber, type Family } from './values.js';

const RTM_NEWNEIGHTBL = 64;

/** A table's (or, with `ifindex`, one device's) parameters: times in milliseconds, as the kernel reports them. */
export interface NeighbourParms {
  ifindex?: number;
  refcnt?: number;
  reachableTime?: bigint;
  baseReachableTime?: bigint;
  retransTime?: bigint;
  gcStaletime?: bigint;
  delayProbeTime?: bigint;
  queueLen?: number;
  appProbes?: number;
  ucastProbes?: number;
  mcastProbes?: number;
  anycastDelay?: bigint;
  proxyDelay?: bigint;
  proxyQlen?: number;
  locktime?: bigint;
}

/**
 * One RTM_NEWNEIGHTBL message: a table's own entry (thresholds, gc interval, config, stats and its default
 * parameters) or one device's parameters in it (`name` and `parms` only).
 */
export interface NeighbourTable {
  family: Family;
  name: string;
  thresh1?: number;
  thresh2?: number;
  thresh3?: number;
  gcInterval?: bigint;
  config?: Value;
  stats?: Value;
  parms?: NeighbourParms;
  raw: Value;
}

/** What NeighbourTables.list takes: a family, a table name, a device (or `'none'`: the tables' own entries). */
export interface NeighbourTableFilter {
  family?: Family;
  name?: string;
  dev?: string | number | 'none';
}

/** What NeighbourTables.change takes: the table, a device, and what to set (times in milliseconds). */
export interface NeighbourTableChange {
  family?: Family;
  name: string;
  dev?: string | number;
  thresh1?: number;
  thresh2?: number;
  thresh3?: number;
  gcInterval?: bigint | number;
  baseReachableTime?: bigint | number;
  retransTime?: bigint | number;
  gcStaletime?: bigint | number;
  delayProbeTime?: bigint | number;
  queueLen?: number;
  appProbes?: number;
  ucastProbes?: number;
  mcastProbes?: number;
  anycastDelay?: bigint | number;
  proxyDelay?: bigint | number;
  proxyQlen?: number;
  locktime?: bigint | number;
}

const tableFamily = family(['unspec', 'inet', 'inet6']);
const filterCheck = record({ family: tableFamily, name: text(255, 1), dev: device });
const parmsFields = {
  baseReachableTime: u64, retransTime: u64, gcStaletime: u64, delayProbeTime: u64, queueLen: u32, appProbes: u32, ucastProbes: u32,
  mcastProbes: u32, anycastDelay: u64, proxyDelay: u64, proxyQlen: u32, locktime: u64,
};
const changeCheck = record({ family: tableFamily, name: text(255, 1), dev: device, thresh1: u32, thresh2: u32, thresh3: u32, gcInterval: u64, ...parmsFields }, ['name']);

function fromMessage(m: Value): NeighbourTable {
  const t: NeighbourTable = { family: familyName(m.family as number), name: m.name as string, raw: m };
  for (const k of ['thresh1', 'thresh2', 'thresh3', 'gcInterval', 'config', 'stats'] as const) if (m[k] !== undefined) (t as unknown as Record<string, unknown>)[k] = m[k];
  if (m.parms !== undefined) t.parms = m.parms as NeighbourParms;
  return t;
}

/** The neighbour tables of a namespace: `new NeighbourTables(rt.socket, rt.devices)`. */
export class NeighbourTables {
  constructor(private readonly socket: NetlinkSocket, private readonly devices: Devices) {}

  /** Every table entry and device entry, narrowed by the filter, in the kernel's order. */
  async list(filter: NeighbourTableFilter = {}, options: CallOptions = {}): Promise<NeighbourTable[]> {
    check(filterCheck, filter.dev === 'none' ? { ...filter, dev: undefined } : filter);
    check(callOptions, options);
    const dev = filter.dev;
    const ctx = await this.devices.context(dev === 'none' ? [] : [dev], options);
    const only = dev === undefined || dev === 'none' ? undefined : ctx.ifindex(dev, 'dev');
    const family = familyNumber(filter.family);
    const { bytes } = neighbourSchema.encodeMessage('getneightbl', { family }, { flags: Flags.DUMP });
    const out: NeighbourTable[] = [];
    for await (const m of this.socket.dump(bytes, options)) {
      if (m.type !== RTM_NEWNEIGHTBL) continue;
      const t = fromMessage(neighbourSchema.decodeBody('getneightblReply', m.buf, m.payload, m.offset + m.length, m.view));
      if (family && (t.raw.family as number) !== family) continue;
      if (filter.name !== undefined && t.name !== filter.name) continue;
      // As ip: a device filter passes over the entries that carry no parameters at all.
      if (t.parms && dev !== undefined && (dev === 'none' ? t.parms.ifindex !== undefined : t.parms.ifindex !== only)) continue;
      out.push(t);
    }
    return out;
  }

  /**
   * Change a table's thresholds and gc interval (the first namespace's tables only: elsewhere the kernel answers
   * ENOENT) or its, or one device's, parameters.
   */
  async change(change: NeighbourTableChange, options: CallOptions = {}): Promise<void> {
    check(changeCheck, change);
    check(callOptions, options);
    const ctx = await this.devices.context([change.dev], options);
    const v: Value = { family: familyNumber(change.family), name: change.name };
    for (const k of ['thresh1', 'thresh2', 'thresh3'] as const) if (change[k] !== undefined) v[k] = change[k];
    if (change.gcInterval !== undefined) v.gcInterval = BigInt(change.gcInterval);
    const parms: Value = {};
    if (change.dev !== undefined) parms.ifindex = ctx.ifindex(change.dev, 'dev');
    for (const [k, c] of Object.entries(parmsFields)) {
      const x = (change as unknown as Record<string, unknown>)[k];
      if (x !== undefined) parms[k] = c === u64 ? BigInt(x as number) : x;
    }
    // A device alone changes nothing: the kernel would accept the request and do nothing.
    if (Object.keys(v).length === 2 && Object.keys(parms).every((k) => k === 'ifindex')) throw new SchemaError('', 'nothing to change: give thresholds, gcInterval or parameters');
    if (Object.keys(parms).length) v.parms = parms;
    const { bytes, paths } = neighbourSchema.encodeMessage('setneightbl', v, { flags: Flags.REPLACE });
    await this.socket.request(bytes, { ...options, describeOffset: paths });
  }
}
