/**
 * The one generic core behind every NETLINK_ROUTE object: list, get, add, replace, change, delete and their bulk
 * forms, driven by an `ObjectKind` — the object's schema messages plus two small conversions (what a person writes
 * → the message value, the decoded message → the object they read). Object modules hold only those conversions.
 *
 *   export const addressKind: ObjectKind<Address, AddressInput, AddressFilter> = {
 *     name: 'address', schema: addressSchema,
 *     messages: { new: 'newaddr', del: 'deladdr', get: 'getaddr' },
 *     toMessage: (input, ctx) => ({ family: …, prefixlen: …, index: ctx.ifindex(input.dev, 'dev'), local: … }),
 *     fromMessage: (m) => ({ …m, ifindex: m.index }),
 *     dumpRequest: (filter, ctx) => ({ family: …, index: … }),
 *   };
 */
import { SchemaError, type Schema, type CompiledMessage } from '../schema/codec.js';
import type { BatchResult, DumpChunk, NetlinkSocket } from '../socket/socket.js';
import { NLMSG_HDRLEN, NLMSG_NOOP, Flags, type Message } from '../wire/message.js';
import { Writer } from '../wire/writer.js';
import { NetlinkError, RequestError, errnoNumber } from '../wire/errors.js';
import { abortError } from '../socket/queue.js';
import type { Context, Devices } from './devices.js';
import { anything, arrayOf, boolean, callFields, callOptions, check, instanceOf, integer, oneOf, record, type RecordCheck } from './input.js';
import type { CallOptions } from '../socket/options.js';
import type { Value } from '../schema/types.js';

export type { CallOptions, Context, Value };

/** What addMany and deleteMany take: the options of every call, and how the requests are windowed. */
export interface BulkOptions extends CallOptions {
  /** After the first failure, send nothing more (the rest report ERR_NETLINK_NOT_SENT). */
  stopAtFirstError?: boolean;
  /** Requests in flight at once (default 1024, at most 64 KiB of messages per send). */
  window?: number;
  /**
   * Device names already resolved, and a place for the ones this call resolves: calls that share it ask the
   * kernel once per name (as `ip -batch` does). Without it, each call resolves its names afresh.
   */
  ifindexes?: Map<string, number>;
}

/**
 * One object's schema messages and conversions, which ObjectApi turns into list, get, add, … (see the example above).
 */
export interface ObjectKind<T, Input, Filter> {
  /** For error messages: 'route', 'link', … */
  readonly name: string;
  readonly schema: Schema;
  readonly messages: { readonly new: string; readonly del: string; readonly get: string };
  /** What a caller may give as Input (for add, get, delete, …) and as Filter: checked before anything is sent. */
  readonly input: RecordCheck;
  readonly filter: RecordCheck;
  /** Device names an input refers to, so they can be resolved in one go before encoding. */
  devices?(input: Input): Iterable<string | number | undefined>;
  toMessage(input: Input, ctx: Context): Value;
  /** The value of a delete request; by default the same as toMessage. */
  toDeleteMessage?(input: Input, ctx: Context): Value;
  fromMessage(message: Value): T;
  /** Header fields and attributes of the dump request: the filters the kernel applies under strict checking. */
  dumpRequest?(filter: Filter, ctx: Context): Value;
  /** The filters the kernel does not apply, checked here on each object. */
  matches?(object: T, filter: Filter): boolean;
  devicesOfFilter?(filter: Filter): Iterable<string | number | undefined>;
  /**
   * For objects the kernel has no get request for (addresses), or none that takes the object's whole key (a
   * route's prefix, table, metric, …): the dump filter that narrows the search in the kernel, and the test that
   * picks the key's object out of what it sends.
   */
  getFromDump?(key: Input, ctx: Context): { filter: Filter; matches(object: T): boolean };
  /** NLM_F_* bits of a mode where the kind's tool sends others than modeFlags (tc's change sends none). */
  readonly modeFlags?: Partial<Record<WriteMode, number>>;
}

/**
 * add → CREATE|EXCL, replace → CREATE|REPLACE, change → REPLACE (the object must exist), append → CREATE|APPEND,
 * prepend → CREATE alone (a route goes before those of the same key), test → EXCL alone (`ip route test`: the
 * kernel says whether the object exists, and creates nothing).
 */
export type WriteMode = 'add' | 'replace' | 'change' | 'append' | 'prepend' | 'test';

const modeFlags: Record<WriteMode, number> = {
  add: Flags.CREATE | Flags.EXCL,
  replace: Flags.CREATE | Flags.REPLACE,
  change: Flags.REPLACE,
  append: Flags.CREATE | Flags.APPEND,
  prepend: Flags.CREATE,
  test: Flags.EXCL,
};

const writeMode = oneOf(Object.keys(modeFlags));
const bulkFields = {
  ...callFields,
  stopAtFirstError: boolean,
  window: integer(1, 1 << 16),
  ifindexes: instanceOf(Map, 'a Map of device names to ifindexes'),
};
const bulkOptions = record(bulkFields);
const addManyOptions = record({ ...bulkFields, mode: writeMode });

const ENOENT = errnoNumber('ENOENT')!;
const notSent = new RequestError('not sent: an earlier item failed and stopAtFirstError is set', 'ERR_NETLINK_NOT_SENT');

/** A bulk item's error, its path prefixed with the item's index (the checks name it already). */
function itemError(i: number, e: unknown): SchemaError {
  if (e instanceof SchemaError) return e.path.startsWith(`[${i}]`) ? e : new SchemaError(`[${i}].${e.path}`, e.message.slice(e.path.length + 2));
  return Object.assign(new SchemaError(`[${i}]`, e instanceof Error ? e.message : String(e)), { cause: e });
}

/** The operations every NETLINK_ROUTE object has, from its ObjectKind: the base of Links, Routes, Addresses, …. */
export class ObjectApi<T, Input, Filter> {
  private messages: { new: CompiledMessage; del: CompiledMessage; get: CompiledMessage } | undefined;
  private readonly writer = new Writer(4096);

  constructor(
    protected readonly kind: ObjectKind<T, Input, Filter>,
    protected readonly socket: NetlinkSocket,
    protected readonly devices: Devices,
  ) {}

  /** Compiled on first use: a session opens every object kind, a command uses one or two. */
  private get compiled(): { new: CompiledMessage; del: CompiledMessage; get: CompiledMessage } {
    const s = this.kind.schema;
    return (this.messages ??= { new: s.message(this.kind.messages.new), del: s.message(this.kind.messages.del), get: s.message(this.kind.messages.get) });
  }

  /** Every object the kernel has, narrowed by the filter (in the kernel where it can, else here). */
  async list(filter?: Filter, options: CallOptions = {}): Promise<T[]> {
    const out: T[] = [];
    for await (const batch of this.batches(filter, options)) for (const o of batch) out.push(o);
    return out;
  }

  /**
   * The same as list, one object at a time, holding only a few datagrams in memory whatever the count. Objects
   * are handed out from each datagram's batch without a generator step per object.
   */
  stream(filter?: Filter, options: CallOptions = {}): AsyncIterableIterator<T> {
    const source = this.batches(filter, options);
    let batch: T[] = [];
    let i = 0;
    const refill = async (): Promise<IteratorResult<T>> => {
      for (;;) {
        const r = await source.next();
        if (r.done) return { value: undefined, done: true };
        batch = r.value;
        i = 0;
        if (batch.length) return { value: batch[i++]!, done: false };
      }
    };
    return {
      next: () => (i < batch.length ? Promise.resolve({ value: batch[i++]!, done: false }) : refill()),
      return: async () => {
        await source.return(undefined);
        return { value: undefined, done: true };
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  /** The objects a datagram at a time. */
  async *batches(filter?: Filter, options: CallOptions = {}): AsyncGenerator<T[]> {
    if (filter !== undefined) check(this.kind.filter, filter);
    check(callOptions, options);
    const ctx = await this.devices.context(filter && this.kind.devicesOfFilter ? this.kind.devicesOfFilter(filter) : [], options);
    const request = filter && this.kind.dumpRequest ? this.kind.dumpRequest(filter, ctx) : {};
    const bytes = this.encode(this.compiled.get, request, Flags.DUMP);
    for await (const chunk of this.socket.dump(bytes, options).chunks()) yield this.decodeChunk(chunk, filter);
  }

  /**
   * The dump's datagrams as they came, undecoded: for a reader that renders straight from the bytes (the CLI's
   * plain listings); the same request as `batches`, with the filter's fields the kernel reads.
   */
  async *chunks(filter?: Filter, options: CallOptions = {}): AsyncGenerator<DumpChunk> {
    if (filter !== undefined) check(this.kind.filter, filter);
    check(callOptions, options);
    const ctx = await this.devices.context(filter && this.kind.devicesOfFilter ? this.kind.devicesOfFilter(filter) : [], options);
    const request = filter && this.kind.dumpRequest ? this.kind.dumpRequest(filter, ctx) : {};
    yield* this.socket.dump(this.encode(this.compiled.get, request, Flags.DUMP), options).chunks();
  }

  /** The object of the reply message at `at` in a chunk of `chunks()`, or undefined when it is of another type. */
  decodeMessage(chunk: DumpChunk, at: number): T | undefined {
    const { buf, view } = chunk;
    const reply = this.compiled.new;
    if (view.getUint16(at + 4, true) !== reply.value) return undefined;
    return this.kind.fromMessage(this.kind.schema.decodeBody(reply, buf, at + NLMSG_HDRLEN, at + view.getUint32(at, true), view));
  }

  /**
   * The objects of one datagram. A method of its own rather than the generator's loop: each dump hands the
   * generator new closures, which costs its optimized code, while this loop stays optimized from one dump to the
   * next.
   */
  private decodeChunk(chunk: DumpChunk, filter: Filter | undefined): T[] {
    const { buf, view, end } = chunk;
    const reply = this.compiled.new;
    const type = reply.value;
    const schema = this.kind.schema;
    const fromMessage = this.kind.fromMessage;
    const matches = filter ? this.kind.matches : undefined;
    const out: T[] = [];
    for (let at = chunk.start; at < end; ) {
      const length = view.getUint32(at, true);
      // A dump of one kind can carry another message type (RTM_NEWNEXTHOPBUCKET, …): decode only ours.
      if (view.getUint16(at + 4, true) === type) {
        const o = fromMessage(schema.decodeBody(reply, buf, at + NLMSG_HDRLEN, at + length, view));
        if (matches === undefined || matches(o, filter!)) out.push(o);
      }
      at += (length + 3) & ~3;
    }
    return out;
  }

  /**
   * One object by its key, with a get request, or a filtered dump where the kernel has no get for the key; rejects
   * with the kernel's error (ENOENT, ENODEV, …), or ENOENT when no object of the dump matches.
   */
  async get(key: Input, options: CallOptions = {}): Promise<T> {
    this.checkInput(key, options);
    const ctx = await this.devices.context(this.kind.devices?.(key) ?? [], options);
    if (this.kind.getFromDump) return this.getFromDump(this.kind.getFromDump(key, ctx), options);
    const value = this.kind.toDeleteMessage ? this.kind.toDeleteMessage(key, ctx) : this.kind.toMessage(key, ctx);
    const { bytes, paths } = this.kind.schema.encodeMessage(this.kind.messages.get, value);
    const replies = await this.socket.request(bytes, { ...options, describeOffset: paths });
    const first = replies.find((m) => m.type === this.compiled.new.value);
    if (!first) throw new SchemaError(this.kind.name, 'the kernel answered the get request without an object');
    return this.decode(first);
  }

  /** The first object of a filtered dump that matches; the dump is read to its end, which frees the socket at once. */
  protected async getFromDump(search: { filter: Filter; matches(object: T): boolean }, options: CallOptions): Promise<T> {
    let found: T | undefined;
    for await (const batch of this.batches(search.filter, options)) if (found === undefined) found = batch.find((o) => search.matches(o));
    if (found === undefined) throw new NetlinkError(ENOENT, { message: `no ${this.kind.name} matches the key` }, this.kind.name);
    return found;
  }

  /** Create an object; EEXIST if it is there already (NLM_F_CREATE|EXCL, `ip … add`). */
  add(input: Input, options?: CallOptions): Promise<void> {
    return this.write(input, 'add', options);
  }

  /** Create an object or replace the one with its key (NLM_F_CREATE|REPLACE, `ip … replace`). */
  replace(input: Input, options?: CallOptions): Promise<void> {
    return this.write(input, 'replace', options);
  }

  /** Change an existing object; ENOENT if there is none (NLM_F_REPLACE, `ip … change`). */
  change(input: Input, options?: CallOptions): Promise<void> {
    return this.write(input, 'change', options);
  }

  private flagsOf(mode: WriteMode): number {
    return this.kind.modeFlags?.[mode] ?? modeFlags[mode];
  }

  /**
   * add, replace, change or append by name of the mode; `extraFlags` adds NLM_F_* bits the kernel reads for some kinds.
   */
  async write(input: Input, mode: WriteMode, options: CallOptions = {}, extraFlags = 0): Promise<void> {
    check(writeMode, mode, 'mode');
    this.checkInput(input, options);
    const ctx = await this.devices.context(this.kind.devices?.(input) ?? [], options);
    const { bytes, paths } = this.kind.schema.encodeMessage(this.kind.messages.new, this.kind.toMessage(input, ctx), { flags: this.flagsOf(mode) | extraFlags });
    await this.socket.request(bytes, { ...options, describeOffset: paths });
  }

  /** Delete the object with this key; the kernel's error (ENOENT, ESRCH, …) if there is none. */
  async delete(key: Input, options: CallOptions = {}): Promise<void> {
    this.checkInput(key, options);
    const ctx = await this.devices.context(this.kind.devices?.(key) ?? [], options);
    const value = this.kind.toDeleteMessage ? this.kind.toDeleteMessage(key, ctx) : this.kind.toMessage(key, ctx);
    const { bytes, paths } = this.kind.schema.encodeMessage(this.kind.messages.del, value, { flags: 0 });
    await this.socket.request(bytes, { ...options, describeOffset: paths });
  }

  /** Add many with many requests in flight: one result per item, null for success, else why it failed. */
  async addMany(inputs: readonly Input[], options: BulkOptions & { mode?: WriteMode } = {}): Promise<(BatchResult | SchemaError)[]> {
    check(arrayOf(anything), inputs, 'inputs');
    check(addManyOptions, options);
    return this.bulk(inputs, this.compiled.new, this.flagsOf(options.mode ?? 'add'), (i, ctx) => this.kind.toMessage(i, ctx), options);
  }

  /** Delete many with many requests in flight: one result per item, null for success, else why it failed. */
  async deleteMany(inputs: readonly Input[], options: BulkOptions = {}): Promise<(BatchResult | SchemaError)[]> {
    check(arrayOf(anything), inputs, 'inputs');
    check(bulkOptions, options);
    const del = this.kind.toDeleteMessage ?? this.kind.toMessage;
    return this.bulk(inputs, this.compiled.del, 0, (i, ctx) => del.call(this.kind, i, ctx), options);
  }

  /** An input (or key) and the call's options against their declarations: throws SchemaError naming the field. */
  protected checkInput(input: Input, options: CallOptions): void {
    check(this.kind.input, input);
    check(callOptions, options);
  }

  /** The object in a message of this kind (a reply or a notification read from a socket of one's own). */
  decode(m: Message): T {
    return this.kind.fromMessage(this.kind.schema.decodeBody(this.compiled.new, m.buf, m.payload, m.offset + m.length, m.view));
  }

  /**
   * Every item is checked before its window is sent, and a bad one (SchemaError, with its index in the path) is sent
   * as a NOOP (acknowledged, harmless) so the window's sequence stays whole. Windows go one at a time, the next
   * encoded and queued while the kernel applies the one before (none ahead with stopAtFirstError, which waits for
   * each answer); an abort or a failure with stopAtFirstError is seen between windows, and every item not sent
   * then says why (ABORT_ERR, with the signal's reason as cause, or ERR_NETLINK_NOT_SENT). Never throws: whatever
   * happens, one result per item.
   */
  private async bulk(
    inputs: readonly Input[],
    message: CompiledMessage,
    flags: number,
    toValue: (input: Input, ctx: Context) => Value,
    options: BulkOptions,
  ): Promise<(BatchResult | SchemaError)[]> {
    const count = inputs.length;
    const results: (BatchResult | SchemaError)[] = new Array<BatchResult | SchemaError>(count).fill(null);
    const invalid = new Map<number, SchemaError>();
    const names = new Set<string | number | undefined>();
    for (let i = 0; i < count; i++) {
      try {
        check(this.kind.input, inputs[i], i);
        if (this.kind.devices) for (const d of this.kind.devices(inputs[i]!)) names.add(d);
      } catch (e) {
        invalid.set(i, itemError(i, e));
      }
    }
    const { signal, stopAtFirstError } = options;
    let ctx: Context;
    try {
      ctx = await this.devices.context(names, options, true, options.ifindexes);
    } catch (e) {
      // Nothing was sent: every item says why.
      const err = e instanceof NetlinkError || e instanceof RequestError || e instanceof SchemaError ? e : new RequestError(`not sent: ${String(e)}`, 'ERR_NETLINK_NOT_SENT', { cause: e });
      return results.fill(err);
    }
    const schema = this.kind.schema;
    const window = options.window ?? 1024;
    const encode = (w: Writer, i: number): void => {
      const at = w.length;
      if (!invalid.has(i)) {
        try {
          const m = w.beginMessage(message.value, flags);
          schema.encodeBody(message, toValue(inputs[i]!, ctx), w);
          w.endMessage(m);
          return;
        } catch (e) {
          invalid.set(i, itemError(i, e));
        }
      }
      w.length = at;
      w.endMessage(w.beginMessage(NLMSG_NOOP, 0));
    };
    const failedIn = (first: number, n: number): boolean => {
      for (let i = first; i < first + n; i++) if (results[i] !== null || invalid.has(i)) return true;
      return false;
    };
    let pending: { first: number; n: number; answer: Promise<void> } | undefined;
    let next = 0;
    let stopped: BatchResult = null;
    while (next < count || pending) {
      let queued: typeof pending;
      if (next < count && !(stopAtFirstError && pending)) {
        if (signal?.aborted) stopped = abortError(signal);
        else {
          const first = next;
          const n = Math.min(window, count - first);
          next += n;
          // A window of nothing but bad items is not sent at all.
          let valid = false;
          for (let i = first; i < first + n && !valid; i++) valid = !invalid.has(i);
          const answer = !valid ? Promise.resolve() : this.socket.requestBatch(n, (w, k) => encode(w, first + k), { window: n, stopAtFirstError }).then(
            (r) => { for (let k = 0; k < n; k++) results[first + k] = r[k]!; },
            (e: unknown) => { results.fill(e instanceof NetlinkError || e instanceof RequestError ? e : new RequestError(String(e), 'ERR_NETLINK_CLOSED', { cause: e }), first, first + n); },
          );
          queued = { first, n, answer };
        }
      }
      if (pending) {
        await pending.answer;
        if (stopAtFirstError && failedIn(pending.first, pending.n)) stopped = notSent;
      }
      pending = queued;
      if (stopped) {
        if (pending) await pending.answer;
        pending = undefined;
        break;
      }
    }
    if (stopped) results.fill(stopped, next);
    for (const [i, e] of invalid) results[i] = e;
    return results;
  }

  private encode(message: CompiledMessage, value: Value, flags: number): Buffer {
    const w = this.writer;
    w.reset();
    const m = w.beginMessage(message.value, flags);
    this.kind.schema.encodeBody(message, value, w);
    w.endMessage(m);
    return w.finish();
  }
}
