/**
 * Traffic control objects (RTM_*QDISC, *TCLASS, *TFILTER, *CHAIN): `rt.qdiscs`, `rt.classes`, `rt.filters`,
 * `rt.chains`, each an ObjectApi. Handles and parents are text as tc writes them (tc-handle.ts); options are typed
 * per kind (tc-options.ts, tc-u32.ts); statistics come from TCA_STATS2 (TCA_STATS on older kernels).
 */
import { tcSchema } from '../families/route/index.js';
import { SchemaError } from '../schema/codec.js';
import type { NetlinkSocket } from '../socket/socket.js';
import { Flags } from '../wire/message.js';
import type { Devices } from './devices.js';
import { byType, device, integer, object, record, text, u16, u32 } from './input.js';
import { ObjectApi, type Context, type ObjectKind, type Value } from './object.js';
import { formatHandle, handleNumber, parentNumber, TC_H_ROOT, type TcHandle } from './tc-handle.js';
import { decodeOptions, encodeOptions } from './tc-options.js';
import { decodeU32, encodeU32, formatU32Handle, parseU32Handle, type U32Options } from './tc-u32.js';

/** Counters of a qdisc, class or filter (struct gnet_stats_basic, _queue, _rate_est). */
export interface TcStats {
  /** A number while it is a safe integer. */
  bytes: number | bigint;
  packets: number;
  drops: number;
  overlimits: number;
  requeues: number;
  qlen: number;
  backlog: number;
  /** The rate estimator's bytes and packets per second, when one runs. */
  bps?: number | bigint;
  pps?: number | bigint;
}

/** What qdiscs, classes and filters share as the kernel reports them. */
interface TcObject {
  ifindex: number;
  /** `1:`, `1:10`, `ffff:` as tc prints it. */
  handle: string;
  /** `root`, `1:`, `ffff:fff1`, … */
  parent: string;
  kind: string;
  /** Typed for the kinds converted here, else the TCA_OPTIONS value as the tc declaration decodes it. */
  options?: Record<string, unknown>;
  stats?: TcStats;
  /** Kind-specific statistics (TCA_XSTATS): htb classes' lends, borrows, tokens, …. */
  xstats?: Record<string, unknown>;
  chain?: number;
  raw: Value;
}

/** A queueing discipline (RTM_NEWQDISC). */
export interface Qdisc extends TcObject {
  /** tcm_info: the reference count. */
  refcnt: number;
  hwOffload?: number;
  ingressBlock?: number;
  egressBlock?: number;
}

/** A class of a classful qdisc (RTM_NEWTCLASS). */
export type TcClass = TcObject;

/** A classifier (RTM_NEWTFILTER). */
export interface Filter extends TcObject {
  /** The ethertype the filter applies to: `ip`, `ipv6`, `all`, … or the number. */
  protocol: string | number;
  /** Its priority (tc's `pref`). */
  prio: number;
}

/** A filter chain (RTM_NEWCHAIN). */
export interface Chain {
  ifindex: number;
  parent: string;
  chain: number;
}

/** A qdisc to add, replace, change, get or delete: `{ dev: 'v0', handle: '1:', parent: 'root', kind: 'htb' }`. */
export interface QdiscInput {
  dev: string | number;
  /** Default: the kernel chooses (add), or the qdisc at `parent` (get, delete). */
  handle?: TcHandle;
  /** `root` (default), `ingress` / `clsact` (kind ingress and clsact), or a class. */
  parent?: TcHandle;
  kind?: string;
  options?: Record<string, unknown>;
  /** TCA_RATE: a rate estimator (interval log2 of 250 ms units, ewma_log). */
  estimator?: { interval: number; ewmaLog: number };
  ingressBlock?: number;
  egressBlock?: number;
}

/** A class to write: `{ dev: 'v0', parent: '1:', classid: '1:10', kind: 'htb', options: { rate: 125000 } }`. */
export interface ClassInput {
  dev: string | number;
  parent?: TcHandle;
  classid: TcHandle;
  kind?: string;
  options?: Record<string, unknown>;
  estimator?: { interval: number; ewmaLog: number };
}

/** A filter to write: the u32 options are typed (U32Options), other kinds take their declared TCA_OPTIONS value. */
export interface FilterInput {
  dev: string | number;
  /** A qdisc or class handle, or the clsact hooks `ingress` / `egress`. */
  parent?: TcHandle;
  /** `ip`, `ipv6`, `all`, `arp`, `802.1Q` or an ethertype number (default all). */
  protocol?: string | number;
  prio?: number;
  /** For u32 `800::800`; for other kinds a number. */
  handle?: string | number;
  kind?: string;
  chain?: number;
  options?: U32Options | Record<string, unknown>;
}

/** A chain to add, get or delete. */
export interface ChainInput {
  dev: string | number;
  parent?: TcHandle;
  chain: number;
}

/** What qdiscs and classes are listed by. */
export interface TcFilter {
  dev?: string | number;
  parent?: TcHandle;
  kind?: string;
}

/** What filters are listed by: a device is required (the kernel dumps filters per qdisc). */
export interface FilterFilter {
  dev: string | number;
  parent?: TcHandle;
  chain?: number;
  protocol?: string | number;
  prio?: number;
  kind?: string;
}

/** ETH_P_* (linux/if_ether.h) as tc names them. */
const protocols: Readonly<Record<string, number>> = {
  all: 0x0003, ip: 0x0800, ipv6: 0x86dd, arp: 0x0806, rarp: 0x8035, '802.1Q': 0x8100, '802.1ad': 0x88a8,
  mpls_uc: 0x8847, mpls_mc: 0x8848, lldp: 0x88cc, '802_3': 0x0001,
};
/** ETH_P_* numbers (host order) to the names tc prints. */
export const protocolNames = new Map(Object.entries(protocols).map(([k, v]) => [v, k]));

function protocolNumber(p: string | number): number {
  if (typeof p === 'number') return p;
  const n = protocols[p] ?? (/^0x[0-9a-fA-F]{1,4}$/.test(p) ? parseInt(p, 16) : undefined);
  if (n === undefined) throw new SchemaError('protocol', `unknown protocol "${p}" (${Object.keys(protocols).join(', ')}, or 0xNNNN)`);
  return n;
}

const swap16 = (x: number): number => ((x & 0xff) << 8) | ((x >> 8) & 0xff);

const handleCheck = byType({ string: text(32, 1), number: u32 }, 'a tc handle such as 1:10, or a number');
const kindCheck = text(15, 1);
const estimatorCheck = record({ interval: integer(-2, 3), ewmaLog: integer(1, 255) }, ['interval', 'ewmaLog']);
const protocolCheck = byType({ string: text(16, 1), number: u16 }, 'a protocol name or ethertype');

const qdiscInput = record({ dev: device, handle: handleCheck, parent: handleCheck, kind: kindCheck, options: object, estimator: estimatorCheck, ingressBlock: u32, egressBlock: u32 }, ['dev']);
const classInput = record({ dev: device, parent: handleCheck, classid: handleCheck, kind: kindCheck, options: object, estimator: estimatorCheck }, ['dev', 'classid']);
const filterInput = record({ dev: device, parent: handleCheck, protocol: protocolCheck, prio: u16, handle: handleCheck, kind: kindCheck, chain: u32, options: object }, ['dev']);
const chainInput = record({ dev: device, parent: handleCheck, chain: u32 }, ['dev', 'chain']);
const tcFilter = record({ dev: device, parent: handleCheck, kind: kindCheck });
const filterFilter = record({ dev: device, parent: handleCheck, chain: u32, protocol: protocolCheck, prio: u16, kind: kindCheck }, ['dev']);

/** The qdisc's parent: `ingress` and `clsact` are TC_H_INGRESS whatever the caller writes as parent. */
function qdiscParent(input: QdiscInput): number {
  if (input.parent === undefined || input.parent === 'ingress' || input.parent === 'clsact') {
    if (input.kind === 'ingress' || input.kind === 'clsact' || input.parent === 'ingress' || input.parent === 'clsact') return 0xfffffff1;
    return TC_H_ROOT;
  }
  return handleNumber(input.parent, 'parent');
}

function header(ifindex: number, handle: number, parent: number, info = 0): Value {
  return { family: 0, ifindex, handle, parent, info };
}

/** Kind, estimator, blocks, then options: the order tc writes them in (a Value's key order is the wire order). */
function common(v: Value, input: { kind?: string; estimator?: { interval: number; ewmaLog: number }; ingressBlock?: number; egressBlock?: number }, options: Value | undefined): void {
  if (input.kind !== undefined) v.kind = input.kind;
  if (input.estimator) v.rate = { interval: input.estimator.interval, ewmaLog: input.estimator.ewmaLog };
  if (input.ingressBlock !== undefined) v.ingressBlock = input.ingressBlock;
  if (input.egressBlock !== undefined) v.egressBlock = input.egressBlock;
  if (options !== undefined) v.options = options;
}

function qdiscMessage(input: QdiscInput, ctx: Context): Value {
  const handle = input.kind === 'ingress' || input.kind === 'clsact' ? 0xffff0000 : input.handle === undefined ? 0 : handleNumber(input.handle, 'handle', true);
  const v = header(ctx.ifindex(input.dev, 'dev'), handle, qdiscParent(input));
  const kind = input.kind;
  common(v, input, kind === undefined ? undefined : encodeOptions('qdisc', kind, input.options));
  return v;
}

function classMessage(input: ClassInput, ctx: Context): Value {
  const classid = handleNumber(input.classid, 'classid');
  // tc takes the parent's major from the classid when no parent is given.
  const parent = input.parent === undefined ? (classid & 0xffff0000) >>> 0 : handleNumber(input.parent, 'parent');
  const v = header(ctx.ifindex(input.dev, 'dev'), classid, parent);
  common(v, input, input.kind === undefined ? undefined : encodeOptions('class', input.kind, input.options));
  return v;
}

function filterHandle(kind: string | undefined, h: string | number): number {
  if (typeof h === 'number') return h >>> 0;
  if (kind === 'u32') return parseU32Handle(h, 'handle');
  if (!/^(0x[0-9a-fA-F]+|\d+)$/.test(h)) throw new SchemaError('handle', `"${h}" is not a filter handle (a number)`);
  return Number(h) >>> 0;
}

function filterMessage(input: FilterInput, ctx: Context): Value {
  const proto = input.protocol === undefined ? protocols.all! : protocolNumber(input.protocol);
  const info = (((input.prio ?? 0) << 16) | swap16(proto)) >>> 0;
  const parent = input.parent === undefined ? 0 : parentNumber(input.parent, 'parent');
  const v = header(ctx.ifindex(input.dev, 'dev'), input.handle === undefined ? 0 : filterHandle(input.kind, input.handle), parent, info);
  if (input.kind !== undefined) v.kind = input.kind;
  if (input.chain !== undefined) v.chain = input.chain;
  if (input.options !== undefined && input.kind !== undefined) v.options = input.kind === 'u32' ? encodeU32(input.options as U32Options) : input.options;
  return v;
}

const num = (x: number | bigint | undefined): number | bigint => (typeof x === 'bigint' && x <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(x) : (x ?? 0));

function stats(m: Value): TcStats | undefined {
  const s2 = m.stats2 as Record<string, Record<string, number | bigint> | undefined> | undefined;
  if (s2) {
    const b = s2.basic, q = s2.queue, r = s2.rateEst64 ?? s2.rateEst;
    const s: TcStats = {
      bytes: num(b?.bytes), packets: Number(b?.packets ?? 0), drops: Number(q?.drops ?? 0), overlimits: Number(q?.overlimits ?? 0),
      requeues: Number(q?.requeues ?? 0), qlen: Number(q?.qlen ?? 0), backlog: Number(q?.backlog ?? 0),
    };
    if (r) Object.assign(s, { bps: num(r.bps), pps: num(r.pps) });
    return s;
  }
  const s1 = m.stats as Record<string, number | bigint> | undefined;
  if (!s1) return undefined;
  return {
    bytes: num(s1.bytes), packets: Number(s1.packets), drops: Number(s1.drops), overlimits: Number(s1.overlimits), requeues: 0,
    qlen: Number(s1.qlen), backlog: Number(s1.backlog), bps: s1.bps!, pps: s1.pps!,
  };
}

function objectFrom(m: Value, what: 'qdisc' | 'class'): TcObject {
  const kind = (m.kind as string | undefined) ?? '';
  const o: TcObject = { ifindex: m.ifindex as number, handle: formatHandle(m.handle as number), parent: formatHandle(m.parent as number), kind, raw: m };
  const options = decodeOptions(what, kind, m.options as Value | undefined);
  if (options !== undefined) o.options = options;
  const s = stats(m);
  if (s) o.stats = s;
  if (m.xstats !== undefined && !(m.xstats instanceof Uint8Array)) o.xstats = m.xstats as Record<string, unknown>;
  if (m.chain !== undefined) o.chain = m.chain as number;
  return o;
}

export function qdiscFromMessage(m: Value): Qdisc {
  const q = objectFrom(m, 'qdisc') as Qdisc;
  // A qdisc's handle is a major alone, `0:` included (noqueue), as tc prints it.
  q.handle = `${((m.handle as number) >>> 16).toString(16)}:`;
  q.refcnt = m.info as number;
  for (const k of ['hwOffload', 'ingressBlock', 'egressBlock'] as const) if (m[k] !== undefined) q[k] = m[k] as number;
  return q;
}

export function classFromMessage(m: Value): TcClass {
  return objectFrom(m, 'class');
}

export function filterFromMessage(m: Value): Filter {
  const kind = (m.kind as string | undefined) ?? '';
  const info = m.info as number;
  const proto = swap16(info & 0xffff);
  const h = m.handle as number;
  const f: Filter = {
    ifindex: m.ifindex as number, handle: kind === 'u32' ? formatU32Handle(h) : h ? `0x${h.toString(16)}` : '',
    parent: formatHandle(m.parent as number), kind, protocol: protocolNames.get(proto) ?? proto, prio: info >>> 16, raw: m,
  };
  if (m.options !== undefined && !(m.options instanceof Uint8Array)) f.options = kind === 'u32' ? { ...decodeU32(m.options as Value) } : (m.options as Record<string, unknown>);
  const s = stats(m);
  if (s) f.stats = s;
  if (m.chain !== undefined) f.chain = m.chain as number;
  return f;
}

const byDev = (f: { dev?: string | number }) => [f.dev];
const matchesCommon = (o: TcObject, f: TcFilter) =>
  (f.kind === undefined || o.kind === f.kind) && (f.parent === undefined || o.parent === formatHandle(parentNumber(f.parent, 'parent')));

export const qdiscKind: ObjectKind<Qdisc, QdiscInput, TcFilter> = {
  name: 'qdisc',
  schema: tcSchema,
  // tc's change sends no NLM_F_* bits: the kernel changes the object in place.
  modeFlags: { change: 0 },
  messages: { new: 'newqdisc', del: 'delqdisc', get: 'getqdisc' },
  input: qdiscInput,
  filter: tcFilter,
  devices: byDev,
  devicesOfFilter: byDev,
  toMessage: qdiscMessage,
  // A qdisc named by its handle alone is looked up by handle (parent 0), as `tc qdisc del dev D handle 2:`.
  toDeleteMessage: (input, ctx) => qdiscMessage(input.parent === undefined && input.handle !== undefined && input.kind === undefined ? { ...input, parent: 0 } : input, ctx),
  // The kernel answers RTM_GETQDISC only with NLM_F_ECHO, marked as a notification: a dump finds it instead.
  getFromDump: (key, ctx) => {
    const ifindex = ctx.ifindex(key.dev, 'dev');
    const m = qdiscMessage(key.parent === undefined && key.handle !== undefined && key.kind === undefined ? { ...key, parent: 0 } : key, ctx);
    const handle = m.handle as number, parent = m.parent as number;
    return {
      filter: { dev: ifindex },
      matches: (q) => q.ifindex === ifindex && (handle ? (q.raw.handle as number) === handle : (q.raw.parent as number) === parent),
    };
  },
  fromMessage: qdiscFromMessage,
  dumpRequest: (f, ctx) => header(f.dev === undefined ? 0 : ctx.ifindex(f.dev, 'dev'), 0, 0),
  // The kernel dumps every device's qdiscs whatever tcm_ifindex says.
  matches: (q, f) => matchesCommon(q, f) && (f.dev === undefined || typeof f.dev !== 'number' || q.ifindex === f.dev),
};

export const classKind: ObjectKind<TcClass, ClassInput, TcFilter> = {
  name: 'class',
  schema: tcSchema,
  // tc's change sends no NLM_F_* bits, its replace only NLM_F_CREATE (tc_class.c).
  modeFlags: { change: 0, replace: Flags.CREATE },
  messages: { new: 'newtclass', del: 'deltclass', get: 'gettclass' },
  input: classInput,
  filter: tcFilter,
  devices: byDev,
  devicesOfFilter: byDev,
  toMessage: classMessage,
  // As for qdiscs, RTM_GETTCLASS answers only as an echo: the device's dump finds the class.
  getFromDump: (key, ctx) => {
    const ifindex = ctx.ifindex(key.dev, 'dev');
    const classid = handleNumber(key.classid, 'classid');
    return { filter: { dev: ifindex }, matches: (c) => (c.raw.handle as number) === classid };
  },
  fromMessage: classFromMessage,
  dumpRequest: (f, ctx) => {
    if (f.dev === undefined) throw new SchemaError('dev', 'is required: the kernel lists classes per device');
    return header(ctx.ifindex(f.dev, 'dev'), 0, 0);
  },
  matches: matchesCommon,
};

export const filterKind: ObjectKind<Filter, FilterInput, FilterFilter> = {
  name: 'filter',
  schema: tcSchema,
  // tc_filter.c: change sends no NLM_F_* bits, replace only NLM_F_CREATE (the kernel reads neither REPLACE).
  modeFlags: { change: 0, replace: Flags.CREATE },
  messages: { new: 'newtfilter', del: 'deltfilter', get: 'gettfilter' },
  input: filterInput,
  filter: filterFilter,
  devices: byDev,
  devicesOfFilter: byDev,
  toMessage: filterMessage,
  // A delete names the filter by its key alone: tc sends no options.
  toDeleteMessage: (input, ctx) => filterMessage({ ...input, options: undefined }, ctx),
  fromMessage: filterFromMessage,
  dumpRequest: (f, ctx) => {
    const v = header(ctx.ifindex(f.dev, 'dev'), 0, f.parent === undefined ? 0 : parentNumber(f.parent, 'parent'));
    if (f.chain !== undefined) v.chain = f.chain;
    return v;
  },
  matches: (o, f) =>
    (f.kind === undefined || o.kind === f.kind) && (f.prio === undefined || o.prio === f.prio) &&
    (f.protocol === undefined || o.protocol === (protocolNames.get(protocolNumber(f.protocol)) ?? protocolNumber(f.protocol))),
};

export const chainKind: ObjectKind<Chain, ChainInput, FilterFilter> = {
  name: 'chain',
  schema: tcSchema,
  messages: { new: 'newchain', del: 'delchain', get: 'getchain' },
  input: chainInput,
  filter: filterFilter,
  devices: byDev,
  devicesOfFilter: byDev,
  toMessage: (input, ctx) => ({ ...header(ctx.ifindex(input.dev, 'dev'), 0, input.parent === undefined ? 0 : parentNumber(input.parent, 'parent')), chain: input.chain }),
  fromMessage: (m) => ({ ifindex: m.ifindex as number, parent: formatHandle(m.parent as number), chain: m.chain as number }),
  dumpRequest: (f, ctx) => header(ctx.ifindex(f.dev, 'dev'), 0, f.parent === undefined ? 0 : parentNumber(f.parent, 'parent')),
  matches: (c, f) => f.chain === undefined || c.chain === f.chain,
};

/** Queueing disciplines: `rt.qdiscs`. */
export class Qdiscs extends ObjectApi<Qdisc, QdiscInput, TcFilter> {
  constructor(socket: NetlinkSocket, devices: Devices) {
    super(qdiscKind, socket, devices);
  }
}

/** Classes of classful qdiscs: `rt.classes` (list needs a device). */
export class Classes extends ObjectApi<TcClass, ClassInput, TcFilter> {
  constructor(socket: NetlinkSocket, devices: Devices) {
    super(classKind, socket, devices);
  }
}

/** Classifiers: `rt.filters` (list needs a device; parent default the root qdisc). */
export class Filters extends ObjectApi<Filter, FilterInput, FilterFilter> {
  constructor(socket: NetlinkSocket, devices: Devices) {
    super(filterKind, socket, devices);
  }
}

/** Filter chains: `rt.chains`. */
export class Chains extends ObjectApi<Chain, ChainInput, FilterFilter> {
  constructor(socket: NetlinkSocket, devices: Devices) {
    super(chainKind, socket, devices);
  }
}
