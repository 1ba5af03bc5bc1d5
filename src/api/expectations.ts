/**
 * Conntrack expectations (ctnetlink's expectation subsystem): the connections a helper — or a userspace program —
 * told the kernel to expect, each tied to its master entry. Listed, got, created (a userspace expectation needs a
 * timeout and a master entry that exists), deleted by tuple or id, flushed, and heard as events.
 *
 *   const x = Expectations.open({ netns: 'blue' });
 *   await x.add({ master, tuple, mask, timeout: 60 });
 *   for (const e of await x.list()) console.log(e.tuple, e.master, e.timeout);
 */
import { NFNLGRP, NETLINK_NETFILTER } from '../families/netfilter/nfnetlink.js';
import { SchemaError } from '../schema/codec.js';
import { NetlinkSocket, type NetnsRef } from '../socket/socket.js';
import { abortError } from '../wire/errors.js';
import { Flags } from '../wire/message.js';
import { conntrackSchema } from './conntrack.js';
import { AF, tuple, tupleOf, tupleValue, type Family, type Tuple } from './conntrack-tuple.js';
import { callOptions, check, netns, oneOf, record, u16, u32, type Check } from './input.js';
import type { CallOptions, Value } from './object.js';

/** An expectation's flag (NF_CT_EXPECT_*), by name. */
export type ExpectationFlag = 'permanent' | 'inactive' | 'userspace';

/** An expectation as the kernel reports it. */
export interface Expectation {
  family: Family | number;
  /** The connection expected. */
  tuple: Tuple;
  /** Which bits of `tuple` must match (addresses as masks, ports as 0xffff or 0). */
  mask: Tuple;
  /** The original tuple of the master entry. */
  master: Tuple;
  /** Seconds left. */
  timeout?: number;
  id?: number;
  zone?: number;
  flags: (ExpectationFlag | number)[];
  class?: number;
  helper?: string;
  fn?: string;
}

/** What add takes: the master entry's original tuple, the expected tuple and its mask, and a timeout. */
export interface ExpectationInput {
  master: Tuple;
  tuple: Tuple;
  mask: Tuple;
  /** Seconds; required by the kernel for an expectation whose master has no helper. */
  timeout: number;
  zone?: number;
  flags?: ExpectationFlag[];
  class?: number;
  helper?: string;
}

/** One CPU's expectation counters, as `conntrack -S expect` prints them (absent: the kernel did not send it). */
export interface ExpectationStatsCpu {
  cpu: number;
  new?: number;
  create?: number;
  delete?: number;
}

/** What get and delete take: the expected tuple (and zone), or the id. */
export interface ExpectationKey {
  tuple?: Tuple;
  zone?: number;
  id?: number;
}

const EXP_NEW = 0x200;
const EXP_DELETE = 0x202;
const flagWords = ['permanent', 'inactive', 'userspace'];
const inputCheck = record({ master: tuple, tuple, mask: tuple, timeout: u32, zone: u16, flags: (v, path, key, scope) => {
  if (!Array.isArray(v)) throw new SchemaError(path ? `${path}.${String(key)}` : String(key), 'must be an array');
  v.forEach((f, i) => oneOf(flagWords)(f, `${path ? `${path}.` : ''}${String(key)}`, i, scope));
}, class: u32, helper: (v, path, key) => {
  if (typeof v !== 'string') throw new SchemaError(path ? `${path}.${String(key)}` : String(key), 'must be a string');
} }, ['master', 'tuple', 'mask', 'timeout']);
const keyFields = record({ tuple, zone: u16, id: u32 });
const keyCheck: Check = (v, path, key, scope) => {
  keyFields(v, path, key, scope);
  const k = v as ExpectationKey;
  if (k.tuple === undefined && k.id === undefined) throw new SchemaError('key', 'needs tuple or id');
};

function header(t?: Tuple): Value {
  return { family: t && t.src.includes(':') ? AF.inet6 : AF.inet, version: 0, resId: 0 };
}

/** A decoded newexp message as an Expectation. */
export function expectationOf(m: Value): Expectation {
  const e: Expectation = {
    family: m.family === 2 ? 'inet' : m.family === 10 ? 'inet6' : (m.family as number),
    tuple: tupleOf(m.tuple as Value),
    mask: tupleOf(m.mask as Value),
    master: tupleOf(m.master as Value),
    flags: (m.flags as (ExpectationFlag | number)[] | undefined) ?? [],
  };
  for (const k of ['timeout', 'id', 'zone', 'class', 'fn'] as const) if (m[k] !== undefined) (e as unknown as Value)[k] = m[k];
  if (m.helpName !== undefined) e.helper = m.helpName as string;
  return e;
}

/** The expectation table of a namespace. */
export class Expectations {
  private constructor(private readonly socket: NetlinkSocket) {}

  /** A handle on the expectations of `netns` (a name, path, pid or fd), or of this process's namespace. */
  static open(options: { netns?: NetnsRef } = {}): Expectations {
    check(record({ netns }), options, 'options');
    return new Expectations(NetlinkSocket.open(NETLINK_NETFILTER, { netns: options.netns }));
  }

  /** Every expectation, of one family or all. */
  async list(filter: { family?: Family } = {}, options: CallOptions = {}): Promise<Expectation[]> {
    check(record({ family: oneOf(['inet', 'inet6']) }), filter, 'filter');
    check(callOptions, options);
    const { bytes } = conntrackSchema.encodeMessage('getexp', { family: filter.family ? AF[filter.family] : 0, version: 0, resId: 0 }, { flags: Flags.DUMP });
    const m = conntrackSchema.message('newexp');
    const out: Expectation[] = [];
    for await (const r of this.socket.dump(bytes, options)) {
      if (r.type === m.value) out.push(expectationOf(conntrackSchema.decodeBody(m, r.buf, r.payload, r.offset + r.length, r.view) as Value));
    }
    return out;
  }

  /** One expectation by its expected tuple (and zone) or id. */
  async get(key: ExpectationKey, options: CallOptions = {}): Promise<Expectation> {
    check(keyCheck, key, 'key');
    check(callOptions, options);
    const { bytes, paths } = conntrackSchema.encodeMessage('getexp', this.keyValue(key));
    const m = conntrackSchema.message('newexp');
    const r = (await this.socket.request(bytes, { ...options, describeOffset: paths })).find((x) => x.type === m.value);
    if (!r) throw new SchemaError('get', 'the kernel answered without the expectation');
    return expectationOf(conntrackSchema.decodeBody(m, r.buf, r.payload, r.offset + r.length, r.view) as Value);
  }

  /** Create an expectation (EEXIST if one has its tuple; ENOENT without its master entry). */
  async add(input: ExpectationInput, options: CallOptions = {}): Promise<void> {
    check(inputCheck, input, 'input');
    check(callOptions, options);
    const v: Value = { ...header(input.tuple), master: tupleValue(input.master), tuple: tupleValue(input.tuple), mask: tupleValue(input.mask), timeout: input.timeout };
    if (input.zone !== undefined) v.zone = input.zone;
    if (input.flags) v.flags = input.flags;
    if (input.class !== undefined) v.class = input.class;
    if (input.helper !== undefined) v.helpName = input.helper;
    const { bytes, paths } = conntrackSchema.encodeMessage('newexp', v, { flags: Flags.CREATE | Flags.EXCL });
    await this.socket.request(bytes, { ...options, describeOffset: paths });
  }

  /** Delete one expectation by its expected tuple (and zone) or id. */
  async delete(key: ExpectationKey, options: CallOptions = {}): Promise<void> {
    check(keyCheck, key, 'key');
    check(callOptions, options);
    const { bytes, paths } = conntrackSchema.encodeMessage('delexp', this.keyValue(key));
    await this.socket.request(bytes, { ...options, describeOffset: paths });
  }

  /** Delete every expectation (of a family: ctnetlink reads it only with nfgenmsg version 1). */
  async flush(filter: { family?: Family } = {}, options: CallOptions = {}): Promise<void> {
    check(record({ family: oneOf(['inet', 'inet6']) }), filter, 'filter');
    check(callOptions, options);
    const { bytes } = conntrackSchema.encodeMessage('delexp', { family: filter.family ? AF[filter.family] : 0, version: filter.family ? 1 : 0, resId: 0 });
    await this.socket.request(bytes, options);
  }

  /** Per-CPU expectation counters (CTA_STATS_EXP_*; the CPU is the message's resource id). */
  async statsCpu(options: CallOptions = {}): Promise<ExpectationStatsCpu[]> {
    check(callOptions, options);
    const { bytes } = conntrackSchema.encodeMessage('getexpStatsCpu', { family: 0, version: 0, resId: 0 }, { flags: Flags.DUMP });
    const m = conntrackSchema.message('getexpStatsCpu');
    const out: ExpectationStatsCpu[] = [];
    for await (const r of this.socket.dump(bytes, options)) {
      // ctnetlink_exp_stat_fill_info types its replies under NFNL_SUBSYS_CTNETLINK, not _EXP: the low byte is the message.
      if ((r.type & 0xff) !== (m.value & 0xff)) continue;
      const { family: _f, version: _v, resId, ...rest } = conntrackSchema.decodeBody(m, r.buf, r.payload, r.offset + r.length, r.view) as Value;
      out.push({ cpu: resId as number, ...(rest as object) });
    }
    return out;
  }

  /** Close the socket; calls in flight reject with ERR_NETLINK_CLOSED. */
  close(): void {
    this.socket.close();
  }

  private keyValue(k: ExpectationKey): Value {
    const v: Value = header(k.tuple);
    if (k.tuple) v.tuple = tupleValue(k.tuple);
    if (k.zone !== undefined) v.zone = k.zone;
    if (k.id !== undefined) v.id = k.id;
    return v;
  }
}

/** An expectation event: NEW or DESTROY (the kernel sends no UPDATE of an expectation), the sender's port. */
export interface ExpectationEvent {
  type: 'new' | 'destroy';
  expectation: Expectation;
  /** nlmsg_pid: the port whose request caused it, 0 when the kernel did. */
  portid: number;
}

/**
 * Expectation events, and overruns as `{ type: 'overrun', count }`; the socket opens at the first `next()` and
 * closes when the iteration ends. `events` picks the groups joined (default both).
 */
export async function* expectationEvents(options: { netns?: NetnsRef; signal?: AbortSignal; events?: readonly ('new' | 'update' | 'destroy')[] } = {}): AsyncGenerator<ExpectationEvent | { type: 'overrun'; count: number }> {
  const groups = { new: NFNLGRP.conntrackExpNew, update: NFNLGRP.conntrackExpUpdate, destroy: NFNLGRP.conntrackExpDestroy };
  const wanted = options.events ?? ['new', 'update', 'destroy'];
  for (const t of wanted) if (!Object.hasOwn(groups, t)) throw new SchemaError('events', `${JSON.stringify(t)} is not one of new, update, destroy`);
  if (options.signal?.aborted) throw abortError(options.signal);
  const socket = NetlinkSocket.open(NETLINK_NETFILTER, { netns: options.netns });
  const m = conntrackSchema.message('newexp');
  try {
    for await (const e of socket.subscribe(wanted.map((t) => groups[t]), { signal: options.signal })) {
      if (e.type === 'overrun') {
        yield e;
        continue;
      }
      const r = e.message;
      if (r.type !== EXP_NEW && r.type !== EXP_DELETE) continue;
      const expectation = expectationOf(conntrackSchema.decodeBody(m, r.buf, r.payload, r.offset + r.length, r.view) as Value);
      yield { type: r.type === EXP_DELETE ? 'destroy' : 'new', expectation, portid: r.pid };
    }
  } finally {
    socket.close();
  }
}
