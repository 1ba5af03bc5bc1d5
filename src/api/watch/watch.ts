/**
 * A live view of one kind of kernel object that does not go stale. It subscribes first, then dumps, then applies
 * what was heard during the dump, so nothing that changes in between is lost or doubled. It resyncs — dumps again
 * and emits only the differences — after an overrun, an interrupted dump, or an event after which the kernel
 * removes objects without telling anyone (a device going down or away, an address or a nexthop deleted).
 *
 * No lost notification goes unnoticed. The kernel reports an overrun once per congestion episode: it sets ENOBUFS
 * when it first drops, and drops on silently until the socket's queue has been read empty. So a watch never trusts
 * a socket that overran: it closes it at once and subscribes on a fresh one — whose first drop is reported again —
 * before the dump that resyncs. Anything else that leaves the view in doubt (an interrupted dump, more notifications
 * during a dump than it holds) counts as an overrun too. The watch always reads on, whatever its consumer does: a
 * consumer that falls behind gets its events folded per key (see events.ts), never a stale view.
 *
 *   const w = await watch('route', { netns: 'blue', filter: { table: 'main' } });
 *   for await (const e of w) console.log(e.type, e.key, e.after ?? e.before);
 *   w.view;      // Map of the routes now, by kernel identity
 */
import { NetlinkSocket, type DumpChunk, type NetnsRef, type SubscriptionEvent } from '../../socket/socket.js';
import { Flags, NLMSG_HDRLEN } from '../../wire/message.js';
import { EventQueue, type WatchEvent } from './events.js';
import { kinds, protocolOf, type KindInfo, type NotificationKind, type ObjectTypes } from './kinds.js';
import { decodeNotifications, groupsOf, predicate, type ObjectFilter, type ObjectNotification } from './notifications.js';
import { digest, DumpSequence, Reconciler } from './reconcile.js';
import { SchemaError } from '../../schema/codec.js';

export type { WatchEvent } from './events.js';

/** What a watch counted since it started (Watch.counters): see the README's table. */
export interface WatchCounters {
  /** Notifications of the watched kind heard. */
  messages: number;
  /**
   * Receive-queue overruns, and other doubts treated as one (more notifications during a dump than it holds): each
   * lost an unknown number of notifications, and caused a resync on a fresh notification socket.
   */
  overruns: number;
  /** Dumps after the first. */
  resyncs: number;
  /** Events emitted. */
  events: number;
  /** The most events that waited at once for a consumer (never more than highWaterMark). */
  queueHighWaterMark: number;
  /** Changes noted per key instead of queued, while the consumer was highWaterMark events behind. */
  coalesced: number;
  /** Milliseconds the last (re)sync took. */
  lastSyncMs: number;
}

/** What watch() takes: the namespace, a filter, how many events may wait for the consumer, a signal. */
export interface WatchOptions<T> {
  netns?: NetnsRef;
  filter?: ObjectFilter<T>;
  signal?: AbortSignal;
  /** SO_RCVBUF of the notification socket (default 8 MiB). */
  receiveBufferSize?: number;
  /**
   * Events held for a consumer (default 65536). Past it, changes are noted per key and emitted as one event each
   * once the consumer reads on; the view itself is always kept current.
   */
  highWaterMark?: number;
}

/** The kinds whose events tell a watch of the kernel changing its objects silently (see silentlyChanges). */
const triggers: Partial<Record<NotificationKind, NotificationKind[]>> = {
  route: ['link', 'address', 'nexthop'],
  nexthop: ['link'],
  neighbour: ['link'],
  address: ['link'],
  // A port leaving its bridge, or a bridge going away, takes its groups and VLANs.
  mdb: ['link'],
  vlan: ['link'],
};

/**
 * Events after which the kernel may change other objects without a word: a link event (a device down or away
 * takes its routes, nexthops and neighbours; a carrier change flags routes linkdown, and clears it again), a
 * deleted address (its prefix routes go) or nexthop (the routes using it go).
 */
function silentlyChanges(n: ObjectNotification): boolean {
  return n.kind === 'link' || (n.action === 'delete' && (n.kind === 'address' || n.kind === 'nexthop'));
}

/** A complete, always-current view of one kind of object (`view`), and the differences as they happen when iterated. */
export class Watch<T> implements AsyncIterable<WatchEvent<T>> {
  private readonly current = new Map<string, T>();
  /** The last dump, message by message (see reconcile.ts), and the keys notifications touched since. */
  private sequence = new DumpSequence<T>();
  private changedSince = new Set<string>();
  /** Set when changedSince outgrew the view and was dropped with the sequence: the next resync checks every key. */
  private forgotten = false;
  private readonly hash = new Uint32Array(2);
  readonly counters: WatchCounters = { messages: 0, overruns: 0, resyncs: 0, events: 0, queueHighWaterMark: 0, coalesced: 0, lastSyncMs: 0 };
  private inSyncNow = false;
  /** The notification socket now; null once it overran, until the next resync opens another. */
  private notifier: NetlinkSocket | null = null;
  /** Counts notification sockets: a consumer of an older one stops at its next event. */
  private generation = 0;
  private readonly dumper: NetlinkSocket;
  private readonly info: KindInfo<T>;
  private readonly keep: ((o: T) => boolean) | undefined;
  private readonly stop = new AbortController();
  private readonly events: EventQueue<T>;
  private iterating = false;
  /** Notifications heard while a dump runs, applied after it; at most `bufferLimit`. */
  private buffered: ObjectNotification[] | null = null;
  private readonly bufferLimit: number;
  private resyncWanted = false;
  private syncing: Promise<void> | null = null;

  constructor(readonly kind: NotificationKind, private readonly options: WatchOptions<T>) {
    this.info = kinds[kind] as unknown as KindInfo<T>;
    this.keep = predicate(options.filter);
    const highWaterMark = options.highWaterMark ?? 65536;
    // Notifications held during one dump cost about what view entries do; past this, re-dumping is as cheap.
    this.bufferLimit = Math.max(highWaterMark, 65536);
    this.dumper = NetlinkSocket.open(protocolOf(kind), { netns: options.netns });
    this.events = new EventQueue<T>(this.current, sameObject, highWaterMark, this.counters, () => this.close());
    options.signal?.addEventListener('abort', () => this.close(), { once: true });
  }

  /** The objects now, by kernel identity. */
  get view(): ReadonlyMap<string, T> {
    return this.current;
  }

  /**
   * Whether the view is known to match the kernel (as of the notifications read so far): false from an overrun or a
   * silent-removal event until a resync ends with nothing new in doubt.
   */
  get inSync(): boolean {
    return this.inSyncNow;
  }

  /** Subscribe, dump, merge: resolves when the view is first complete. */
  async start(): Promise<this> {
    this.resyncWanted = true;
    this.syncing = this.run().finally(() => this.synced());
    await this.syncing;
    return this;
  }

  /** The events: add, change, delete, in order per key; ends when the watch closes. */
  [Symbol.asyncIterator](): AsyncIterator<WatchEvent<T>> {
    this.iterating = true;
    return this.events.queue;
  }

  /** Stop watching: close the sockets and end the events. */
  close(): void {
    if (this.stop.signal.aborted) return;
    this.stop.abort();
    this.notifier?.close();
    this.notifier = null;
    this.dumper.close();
    this.events.end();
  }

  /** Open a notification socket and subscribe: from now on every notification is heard, or an overrun is. */
  private listen(): void {
    const socket = NetlinkSocket.open(protocolOf(this.kind), { netns: this.options.netns, receiveBufferSize: this.options.receiveBufferSize });
    this.notifier = socket;
    const generation = ++this.generation;
    const groups = groupsOf([this.kind, ...(triggers[this.kind] ?? [])]);
    void this.consume(socket.subscribe(groups, { signal: this.stop.signal, highWaterMark: 1024 }), generation);
  }

  /** Stop trusting the notification socket: close it (what it still holds is older than the next dump). */
  private overrun(): void {
    this.counters.overruns++;
    this.generation++;
    this.notifier?.close();
    this.notifier = null;
    this.requestResync();
  }

  private async consume(sub: AsyncIterable<SubscriptionEvent>, generation: number): Promise<void> {
    try {
      for await (const e of sub) {
        if (generation !== this.generation) break;
        if (e.type === 'overrun') {
          this.overrun();
          break;
        }
        for (const n of decodeNotifications(e.message, e.nsid)) this.heard(n);
        if (this.buffered && this.buffered.length > this.bufferLimit) {
          // Holding more would outgrow the view: drop what comes next, knowingly, and dump again.
          this.overrun();
          break;
        }
      }
    } catch (e) {
      if (!this.stop.signal.aborted && generation === this.generation) this.events.fail(e);
    }
  }

  /** One object's notification: into the view, or held while a dump runs; or a trigger of a resync. */
  private heard(n: ObjectNotification): void {
    if (n.kind === this.kind) {
      this.counters.messages++;
      if (this.buffered) this.buffered.push(n);
      else this.apply(this.current, n, this.iterating);
      // An IPv6 route append carries only the added nexthop: the whole route must be read again.
      if (n.kind === 'route' && n.object.family === 'inet6' && n.flags & Flags.APPEND) this.requestResync();
      if (this.info.dumpUnchecked) this.requestResync();
    }
    if (n.kind !== this.kind && silentlyChanges(n)) this.requestResync();
  }

  /** A notification into the view. */
  private apply(view: Map<string, T>, n: ObjectNotification, emit: boolean): void {
    const object = n.object as unknown as T;
    const key = this.info.key(object);
    // The last dump's sequence knows nothing of this: the next resync must look at the key itself. A long quiet
    // run of notifications would grow the set without bound (deleted keys too): past the view's size, forget the
    // sequence instead, and let the next resync compare the whole view.
    this.changedSince.add(key);
    if (this.changedSince.size > Math.max(4096, this.sequence.length) && this.buffered === null) {
      this.sequence = new DumpSequence<T>();
      this.changedSince = new Set();
      this.forgotten = true;
    }
    const before = view.get(key);
    if (n.action === 'delete') {
      if (before === undefined) return;
      view.delete(key);
      if (emit) this.events.change(key, before, undefined);
      return;
    }
    const after = before !== undefined && this.info.merge ? this.info.merge(before, object) : object;
    if (this.keep && !this.keep(after)) {
      if (before !== undefined) {
        view.delete(key);
        if (emit) this.events.change(key, before, undefined);
      }
      return;
    }
    view.set(key, after);
    if (emit) this.events.change(key, before, after);
  }

  private requestResync(): void {
    this.resyncWanted = true;
    this.inSyncNow = false;
    if (this.syncing || this.stop.signal.aborted) return;
    // Coalesce a burst of triggers into one dump.
    this.syncing = new Promise<void>((r) => setTimeout(r, 10)).then(() => this.run()).then(() => this.synced(), (e: unknown) => {
      this.syncing = null;
      if (!this.stop.signal.aborted) this.events.fail(e);
    });
  }

  /**
   * A sync ended. run() stops when nothing is wanted, but its promise settles some microtasks later: an overrun
   * heard in between found a sync still running and left the resync to it. Nothing would ever dump again (and,
   * the overrun having closed the socket, nothing listen again): so look once more.
   */
  private synced(): void {
    this.syncing = null;
    if (this.resyncWanted) this.requestResync();
  }

  /** Sync until nothing is in doubt, on a fresh notification socket whenever the last one overran. */
  private async run(): Promise<void> {
    let first = this.notifier === null && this.generation === 0;
    while (this.resyncWanted && !this.stop.signal.aborted) {
      this.resyncWanted = false;
      if (this.notifier === null) this.listen();
      if (!first) this.counters.resyncs++;
      first = false;
      await this.sync();
    }
  }

  /**
   * One dump datagram, message by message, into the reconciler: a message whose bytes are unchanged since the last
   * dump is not decoded. A method of its own so its loop stays optimized across syncs.
   */
  private take(chunk: DumpChunk, r: Reconciler<T>): void {
    const { buf, view, end } = chunk;
    const info = this.info;
    const message = info.schema.message(info.message);
    const hash = this.hash;
    const type = info.dumpType ?? info.newType;
    for (let at = chunk.start; at < end; ) {
      const length = view.getUint32(at, true);
      if (view.getUint16(at + 4, true) === type) {
        const body = at + NLMSG_HDRLEN;
        digest(view, body, at + length, hash);
        const a = hash[0]!;
        const b = hash[1]!;
        if (info.fromMessages) this.takeMany(r, buf, view, body, at + length, a, b);
        else if (!r.matches(a, b)) {
          const raw = info.schema.decodeBody(message, buf, body, at + length, view);
          const object = info.skip !== undefined && info.skip(raw) ? undefined : info.fromMessage!(raw);
          if (object === undefined || (this.keep !== undefined && !this.keep(object))) r.skipped(a, b);
          else r.decoded(a, b, info.key(object), object);
        }
      }
      at += (length + 3) & ~3;
    }
  }

  /**
   * A message of several objects (MDB, VLANs): each stands in the sequence under the message's digest mixed with
   * its place in the message. An unchanged message matches object by object, up to its last; a changed one (or a
   * new one) is decoded whole. A message of no objects stands as one skipped entry.
   */
  private takeMany(r: Reconciler<T>, buf: Uint8Array, view: DataView, body: number, end: number, a: number, b: number): void {
    const mixed = (i: number): [number, number] => [(a ^ Math.imul(i, 0x9e3779b1)) >>> 0, (b + i) >>> 0];
    if (r.matches(a, b)) {
      for (let i = 1; r.matches(...mixed(i)); i++);
      return;
    }
    const info = this.info;
    const raw = info.schema.decodeBody(info.message, buf, body, end, view);
    const objects = info.skip?.(raw) ? [] : info.fromMessages!(raw);
    if (objects.length === 0) r.skipped(a, b);
    objects.forEach((object, i) => {
      const [x, y] = i === 0 ? [a, b] : mixed(i);
      if (this.keep !== undefined && !this.keep(object)) r.skipped(x, y);
      else r.decoded(x, y, info.key(object), object);
    });
  }

  /**
   * Dump (again until consistent), bring the view to it in place, apply what was heard meanwhile, and emit the
   * differences — found by comparing, for each key touched, the object before with the object after, so a change
   * that the dump already showed and a notification repeated is one event, or none.
   */
  private async sync(): Promise<void> {
    const t0 = performance.now();
    const view = this.current;
    let r: Reconciler<T>;
    this.buffered = [];
    let heard: ObjectNotification[];
    try {
      for (;;) {
        r = new Reconciler(this.sequence, view, this.changedSince, sameObject, this.forgotten);
        let interrupted = false;
        for (const request of this.info.dumps) {
          const { bytes } = this.info.schema.encodeMessage(this.info.getMessage, request, { flags: Flags.DUMP });
          const stream = this.dumper.dump(bytes, { signal: this.stop.signal });
          for await (const chunk of stream.chunks()) this.take(chunk, r);
          interrupted ||= stream.interrupted;
        }
        if (!interrupted) break;
      }
    } finally {
      heard = this.buffered;
      this.buffered = null;
    }
    // From here on all is synchronous: a consumer that took the iterator meanwhile gets every difference.
    const emit = this.iterating;
    const before = new Map<string, T | undefined>();
    const touch = (key: string) => {
      if (emit && !before.has(key)) before.set(key, view.get(key));
    };
    for (const [key, object] of r.sets) {
      touch(key);
      view.set(key, object);
    }
    for (const key of r.missing()) {
      if (!view.has(key)) continue;
      touch(key);
      view.delete(key);
    }
    this.sequence = r.next;
    this.changedSince = new Set();
    this.forgotten = false;
    // Each key's object as it was before the notification: one heard during the dump is a change the consumer is owed.
    for (const n of heard) {
      touch(this.info.key(n.object as unknown as T));
      this.apply(view, n, false);
    }
    for (const [key, was] of before) {
      const now = view.get(key);
      if (was === undefined ? now !== undefined : now === undefined || (now !== was && !sameObject(was, now))) this.events.change(key, was, now);
    }
    this.counters.lastSyncMs = performance.now() - t0;
    // A trigger or an overrun during this sync leaves the view in doubt until the next one.
    this.inSyncNow = !this.resyncWanted;
  }
}

/** Fields the kernel changes without a notification (counters, timestamps, per-family device state), or sets only in
 * notifications (ifi_change, IFLA_EVENT). */
// A conntrack entry's timeout, use count, counters and timestamps move on their own too; an MDB entry's timer too.
const volatile = new Set(['timeout', 'timer', 'use', 'counters', 'timestamp', 'cacheinfo', 'stats', 'stats64', 'afSpec', 'xdp', 'carrierChanges', 'carrierUpCount', 'carrierDownCount', 'probes', 'change', 'event']);

/** Equal as the kernel sent them (the raw decoded message), ignoring what moves on its own. */
function sameObject(a: unknown, b: unknown): boolean {
  return equal((a as { raw?: unknown }).raw ?? a, (b as { raw?: unknown }).raw ?? b);
}

function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    return a instanceof Uint8Array && b instanceof Uint8Array && Buffer.compare(a, b) === 0;
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  let na = 0;
  for (const k in ra) {
    if (volatile.has(k)) continue;
    na++;
    if (!equal(ra[k], rb[k])) return false;
  }
  for (const k in rb) if (!volatile.has(k)) na--;
  return na === 0;
}

/** Start a watch of one kind; resolves once the view is complete, and rejects (never throws) when it cannot start. */
export async function watch<K extends NotificationKind>(kind: K, options: WatchOptions<ObjectTypes[K]> = {}): Promise<Watch<ObjectTypes[K]>> {
  if (!Object.hasOwn(kinds, kind)) throw new SchemaError('kind', `${JSON.stringify(kind)} is not one of ${Object.keys(kinds).join(', ')}`);
  const unwatchable = kinds[kind].unwatchable;
  if (unwatchable !== undefined) throw new SchemaError('kind', `${kind} cannot be watched: ${unwatchable}`);
  const w = new Watch<ObjectTypes[K]>(kind, options);
  return w.start().catch((e: unknown) => {
    w.close();
    throw e;
  });
}
