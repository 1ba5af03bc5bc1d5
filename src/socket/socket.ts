import type { NativeSocket } from '../native/addon.js';
import { randomBytes } from 'node:crypto';
import { NetlinkError, RequestError, DecodeError, abortError, errnoNumber, type ExtendedAck } from '../wire/errors.js';
import { parseDone, parseError } from '../wire/extack.js';
import { align4 } from '../wire/align.js';
import { Flags, NLMSG_DONE, NLMSG_ERROR, NLMSG_HDRLEN, NLMSG_MIN_TYPE, NLMSG_NOOP, NLMSG_OVERRUN, parseMessages, type Message } from '../wire/message.js';
import { Writer } from '../wire/writer.js';
import { NetlinkOption, SOL_NETLINK, SOL_SOCKET, SocketOption } from './constants.js';
import { AsyncQueue } from './queue.js';
import { recording, type Recorder } from './record.js';
import { defaultTransport, type Transport } from './transport.js';

/** Where a socket lives: a namespace name (as `ip netns` names them), a path, a pid, or an open fd. */
export type NetnsRef = string | { path: string } | { pid: number } | { fd: number };

export interface OpenOptions {
  netns?: NetnsRef;
  /** Multicast groups to join at open (group numbers, not masks). */
  groups?: number[];
  /** Port id to bind; 0 (the default) lets the kernel choose. */
  portId?: number;
  /** SO_RCVBUF(FORCE) in bytes; default 8 MiB, so bulk ACKs and large dumps fit. */
  receiveBufferSize?: number;
  /** SO_SNDBUF in bytes. */
  sendBufferSize?: number;
  /** NETLINK_EXT_ACK (default on): errors carry the kernel's message and offending attribute. */
  extendedAck?: boolean;
  /** NETLINK_CAP_ACK (default on): ACKs do not echo the whole request. */
  capAck?: boolean;
  /** NETLINK_GET_STRICT_CHK (default on): the kernel checks dump requests strictly and honours their filters. */
  strict?: boolean;
  /** NETLINK_NO_ENOBUFS: the kernel stops reporting overruns (default off: overruns are reported). */
  noEnobufs?: boolean;
  /** NETLINK_LISTEN_ALL_NSID: receive notifications from every namespace with an nsid here. */
  listenAllNsid?: boolean;
  /**
   * Accept messages from other userspace ports, for subscribers (by default only the kernel, port 0, is listened
   * to). They are never taken as answers: this socket's requests go to the kernel, and only it answers them.
   */
  acceptUserspace?: boolean;
  /** Requests in flight at once before more wait to be sent (default 512). */
  window?: number;
  /**
   * Record every datagram sent and received as pcapng (LINKTYPE_NETLINK, as nlmon captures): to a file path
   * (closed with the socket) or a Recorder shared by several sockets. See src/socket/record.ts.
   */
  record?: string | Recorder;
  /**
   * What the socket talks through instead of the kernel (default: the native addon, or the process's choice, see
   * useTransportEverywhere). `Replay` serves a recording (src/socket/replay.ts).
   */
  transport?: Transport;
}

export interface RequestOptions {
  /** Milliseconds until the request fails with ETIMEDOUT. */
  timeout?: number;
  /** Aborts with an AbortError (`code` 'ABORT_ERR', `cause` the signal's reason); see each call for what it stops. */
  signal?: AbortSignal;
  /** Maps an extended-ACK attribute offset (from the request's first byte) to an attribute path. */
  describeOffset?: (offset: number) => string | undefined;
  /** Flags to add to NLM_F_REQUEST (|ACK for requests, |DUMP for dumps). */
  flags?: number;
}

export interface DumpOptions extends RequestOptions {
  /**
   * Datagrams read ahead of the consumer before reading pauses (default 8). The kernel builds each dump datagram
   * only when we read, so a slow consumer holds at most this much in memory, whatever the dump's size.
   */
  highWaterMark?: number;
  /** Only with dumpAll: how an interrupted dump (NLM_F_DUMP_INTR) is handled. Default 'retry'. */
  interrupted?: 'retry' | 'return';
  /** Attempts before an interrupted dump is handed back as inconsistent (default 3). */
  retries?: number;
}

export interface BatchOptions {
  /** Requests per sendmsg (at most 64 KiB of them), each window answered before the next is sent (default 1024). */
  window?: number;
  /** After the first failure, send nothing more; the unsent items get ERR_NETLINK_NOT_SENT. */
  stopAtFirstError?: boolean;
  /** Stops the batch before its next window (see requestBatch). */
  signal?: AbortSignal;
  /** Maps an extended-ACK offset within item `index`'s message to an attribute path. */
  describeOffset?: (index: number, offset: number) => string | undefined;
}

/** One result per batch item: null for success, else why it failed. */
export type BatchResult = NetlinkError | RequestError | null;

/** What a subscription yields: a multicast notification (or a userspace message), or a lost-messages signal. */
export type SubscriptionEvent =
  | { type: 'message'; message: Message; group: number; nsid: number | undefined; sender: number }
  | { type: 'overrun'; count: number };

export interface SubscribeOptions {
  /** Ends the subscription with an AbortError (see subscribe). */
  signal?: AbortSignal;
  /** Datagrams a stalled consumer may leave queued before nlkit stops reading (so the kernel reports overruns). */
  highWaterMark?: number;
}

/**
 * A dump in progress: iterate its messages, or `batches()` for one array per datagram (cheaper: one await per
 * datagram instead of per message). Afterwards `interrupted` says whether the kernel flagged NLM_F_DUMP_INTR.
 */
export interface DumpStream extends AsyncIterable<Message> {
  readonly interrupted: boolean;
  /** The replies a datagram at a time. */
  batches(): AsyncIterable<Message[]>;
  /**
   * The replies as runs of raw messages, a datagram at a time, with no object per message: for consumers that walk
   * millions of replies (walk them with `parseMessages(buf, start, end)` or read the headers in place).
   */
  chunks(): AsyncIterable<DumpChunk>;
}

/** Complete netlink messages at buf[start, end), all replies to one dump, none of them DONE or ERROR. */
export interface DumpChunk {
  buf: Buffer;
  view: DataView;
  start: number;
  end: number;
}

export interface SocketStats {
  messages: number;
  datagrams: number;
  overruns: number;
  /** Replies that matched no request (timed out or aborted before the answer came). */
  stale: number;
  /**
   * Dropped from userspace ports: their datagrams while acceptUserspace is off, and with it on, their control
   * messages (DONE, ERROR, …), which could only pose as answers to our requests: only the kernel answers those.
   */
  foreign: number;
}

interface RequestPending {
  kind: 'request';
  seq: number;
  replies: Message[];
  resolve: (m: Message[]) => void;
  reject: (e: unknown) => void;
  sent: boolean;
  describeOffset: ((offset: number) => string | undefined) | undefined;
  cleanup: (() => void) | null;
}

interface DumpPending {
  kind: 'dump';
  seq: number;
  queue: AsyncQueue<DumpChunk | Message[]>;
  /** Messages of the datagram being dispatched, pushed to the queue as one batch. */
  current: Message[];
  highWaterMark: number;
  stream: { interrupted: boolean };
  describeOffset: ((offset: number) => string | undefined) | undefined;
  sent: boolean;
  cleanup: null;
  /**
   * The consumer left before DONE. The kernel allows one dump per socket and answers another with EBUSY until this
   * one ends, and it makes each further datagram only when we read: so the rest is read and dropped, and the socket's
   * dump slot is released at its DONE.
   */
  abandoned: boolean;
}

type Pending = RequestPending | DumpPending;

interface BatchWindow {
  base: number;
  count: number;
  /** Index of the window's first item in the whole batch. */
  first: number;
  /** 1 for each item of the window whose error (or, for the last, ACK) arrived. */
  seen: Uint8Array;
  results: BatchResult[];
  describeOffset: BatchOptions['describeOffset'];
  /** True until the sender thread's sendto of this window returns: the kernel may still be answering it. */
  sending: boolean;
  /** An overrun came while sending: once sendto returns, whatever answers are queued are all there will be. */
  overrun: boolean;
  done: () => void;
}

const MAX_BATCH = 64 * 1024;
const ECANCELED = errnoNumber('ECANCELED')!;

/**
 * A netlink socket: requests matched to replies by sequence number and port, dumps as AsyncIterables, and
 * multicast subscriptions. All I/O is non-blocking through libuv; nothing busy-waits.
 */
export class NetlinkSocket {
  readonly protocol: number;
  readonly portId: number;
  readonly stats: SocketStats = { messages: 0, datagrams: 0, overruns: 0, stale: 0, foreign: 0 };
  private native: NativeSocket | null;
  /** Random at first, so that a userspace sender cannot guess which numbers our requests carry. */
  private seq = randomBytes(4).readUInt32LE(0);
  private pending = new Map<number, Pending>();
  private outbox: { bytes: Uint8Array; flags: number; pending: Pending }[] = [];
  private outHead = 0;
  private inFlight = 0;
  private flushScheduled = false;
  private readonly window: number;
  private readonly writer = new Writer(MAX_BATCH);
  private readonly info = new Uint32Array(4);
  private readonly acceptUserspace: boolean;
  private subscriptions = new Set<{ queue: AsyncQueue<SubscriptionEvent>; groups: number[]; highWaterMark: number }>();
  private memberships = new Map<number, number>();
  private wantRef = true;
  private refd = true;
  private paused = false;
  private dumping: DumpPending | null = null;
  private dumpWaiters: (() => void)[] = [];
  /** Batch windows queued or sent and not yet answered, oldest first. */
  private windows: BatchWindow[] = [];
  private batchQueue: Promise<unknown> = Promise.resolve();
  private readonly batchWriter = new Writer(MAX_BATCH);

  private constructor(native: NativeSocket, protocol: number, options: OpenOptions) {
    this.native = native;
    this.protocol = protocol;
    this.acceptUserspace = options.acceptUserspace ?? false;
    this.window = options.window ?? 512;
    this.portId = native.portId();
    native.poll((event, errno) => this.onPoll(event, errno));
    this.updateRef();
  }

  /** Open and bind a socket for a netlink protocol (see `Protocol`), optionally in another namespace. */
  static open(protocol: number, options: OpenOptions = {}): NetlinkSocket {
    const native = recording((options.transport ?? defaultTransport()).openSocket(protocol, netnsTarget(options.netns)), protocol, options.record);
    try {
      const on = (name: number, value: boolean | undefined, fallback: boolean) => {
        if (value ?? fallback) native.setOption(SOL_NETLINK, name, 1);
      };
      on(NetlinkOption.EXT_ACK, options.extendedAck, true);
      on(NetlinkOption.CAP_ACK, options.capAck, true);
      on(NetlinkOption.NO_ENOBUFS, options.noEnobufs, false);
      on(NetlinkOption.LISTEN_ALL_NSID, options.listenAllNsid, false);
      if (options.strict ?? true) {
        try {
          native.setOption(SOL_NETLINK, NetlinkOption.GET_STRICT_CHK, 1);
        } catch {
          // Only NETLINK_ROUTE knows strict checking; other protocols reject the option, harmlessly.
        }
      }
      setBufferSize(native, SocketOption.RCVBUFFORCE, SocketOption.RCVBUF, options.receiveBufferSize ?? 8 << 20);
      if (options.sendBufferSize) setBufferSize(native, SocketOption.SNDBUFFORCE, SocketOption.SNDBUF, options.sendBufferSize);
      native.bind(options.portId ?? 0, 0);
      const socket = new NetlinkSocket(native, protocol, options);
      for (const g of options.groups ?? []) socket.join(g);
      return socket;
    } catch (e) {
      native.close();
      throw e;
    }
  }

  get closed(): boolean {
    return this.native === null;
  }

  /** Join a multicast group (NETLINK_ADD_MEMBERSHIP); counted, so each join needs its own leave. */
  join(group: number): void {
    const n = this.memberships.get(group) ?? 0;
    if (n === 0) this.live().setOption(SOL_NETLINK, NetlinkOption.ADD_MEMBERSHIP, group);
    this.memberships.set(group, n + 1);
  }

  leave(group: number): void {
    const n = this.memberships.get(group) ?? 0;
    if (n <= 1) {
      this.memberships.delete(group);
      if (n === 1 && this.native) this.native.setOption(SOL_NETLINK, NetlinkOption.DROP_MEMBERSHIP, group);
    } else this.memberships.set(group, n - 1);
  }

  setOption(level: number, name: number, value: number): void {
    this.live().setOption(level, name, value);
  }

  getOption(level: number, name: number): number {
    return this.live().getOption(level, name);
  }

  /**
   * Send one request message (a complete nlmsghdr + payload; its seq, pid and REQUEST|ACK flags are set here, on a
   * copy) and resolve with the replies that came before its ACK — empty for a plain ACK.
   *
   * On abort: rejects at once with an AbortError (`code` 'ABORT_ERR', `cause` the signal's reason). A request not
   * yet sent is not sent; one already sent may have been applied by the kernel, and its answer is dropped.
   */
  request(message: Uint8Array, options: RequestOptions = {}): Promise<Message[]> {
    return new Promise<Message[]>((resolve, reject) => {
      const p: RequestPending = {
        kind: 'request', seq: 0, replies: [], resolve, reject, sent: false,
        describeOffset: options.describeOffset, cleanup: null,
      };
      if (!this.native) return reject(closedError());
      const { timeout, signal } = options;
      if (signal?.aborted) return reject(abortError(signal));
      this.enqueue(message.slice(), Flags.REQUEST | Flags.ACK | (options.flags ?? 0), p);
      if (timeout !== undefined || signal) {
        let timer: NodeJS.Timeout | undefined;
        const onAbort = () => this.cancel(p, abortError(signal as AbortSignal));
        if (timeout !== undefined) timer = setTimeout(() => this.cancel(p, new RequestError(`no answer from the kernel within ${timeout} ms`, 'ETIMEDOUT')), timeout);
        signal?.addEventListener('abort', onAbort, { once: true });
        p.cleanup = () => {
          if (timer) clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
        };
      }
    });
  }

  /**
   * Send a dump request (NLM_F_DUMP is added) and stream every reply until NLMSG_DONE, across datagrams. A dump
   * the kernel fails rejects the iteration with its NetlinkError. Dumps on one socket run one after another, as the
   * kernel allows only one at a time per socket.
   *
   * On abort (or `break`, or a timeout): the iteration rejects at its next step with an AbortError (`code`
   * 'ABORT_ERR', `cause` the signal's reason) and drops the replies not yet taken; a dump still waiting for the
   * socket's dump slot is not sent. The kernel's rest of a dump already sent is read and dropped in the background,
   * so the next dump on the socket starts as soon as the kernel has finished this one; requests go on meanwhile.
   */
  dump(message: Uint8Array, options: DumpOptions = {}): DumpStream {
    const state = { interrupted: false, started: false };
    const bytes = Uint8Array.from(message);
    const start = (): AsyncIterable<DumpChunk | Message[]> => {
      if (state.started) throw new Error('a dump can be iterated only once');
      state.started = true;
      return this.runDump(bytes, options, state);
    };
    async function* batches(): AsyncGenerator<Message[]> {
      for await (const item of start()) yield Array.isArray(item) ? item : parseMessages(item.buf, item.start, item.end);
    }
    async function* chunks(): AsyncGenerator<DumpChunk> {
      for await (const item of start()) {
        if (!Array.isArray(item)) yield item;
        else for (const m of item) yield { buf: m.buf as Buffer, view: m.view, start: m.offset, end: m.offset + align4(m.length) };
      }
    }
    return {
      get interrupted() { return state.interrupted; },
      batches,
      chunks,
      async *[Symbol.asyncIterator]() {
        for await (const batch of batches()) yield* batch;
      },
    };
  }

  private async *runDump(bytes: Uint8Array, options: DumpOptions, state: { interrupted: boolean }): AsyncGenerator<DumpChunk | Message[]> {
    if (options.signal?.aborted) throw abortError(options.signal);
    const p: DumpPending = {
      kind: 'dump', seq: 0, stream: state, describeOffset: options.describeOffset, sent: false, cleanup: null, current: [], abandoned: false,
      highWaterMark: Math.max(1, options.highWaterMark ?? 8),
      queue: new AsyncQueue<DumpChunk | Message[]>(() => {}, () => this.updateFlow(), options.signal),
    };
    await this.acquireDump(p, options.signal);
    let timer: NodeJS.Timeout | undefined;
    try {
      this.enqueue(bytes, Flags.REQUEST | Flags.DUMP | (options.flags ?? 0), p);
      if (options.timeout !== undefined) {
        timer = setTimeout(() => p.queue.fail(new RequestError(`dump not finished within ${options.timeout} ms`, 'ETIMEDOUT')), options.timeout);
      }
      yield* p.queue;
    } finally {
      if (timer) clearTimeout(timer);
      this.releaseDump(p);
    }
  }

  /**
   * Send `count` requests, each written by `encode(writer, index)` as one complete message (REQUEST|ACK, seq and pid
   * are set here), `window` per sendmsg, and resolve with one result per item — every failure with its errno and
   * the kernel's message. Nothing is dropped: items not sent (stopAtFirstError, abort) say so. Cheaper than
   * `request()` per item: no promise, timer or map entry per message.
   *
   * Windows go to the socket's sender thread (see NativeSocket.sendQueued), in order: the kernel applies one
   * while the next is encoded here, and a batch requested while another is being answered is encoded and queued
   * behind it at once. With stopAtFirstError each window is answered before the next is encoded.
   *
   * On abort: nothing more is encoded or sent, the windows already sent are answered, and the promise still resolves
   * with one result per item — those never sent get a RequestError 'ERR_NETLINK_NOT_SENT' ('the batch was aborted').
   */
  requestBatch(count: number, encode: (w: Writer, index: number) => void, options: BatchOptions = {}): Promise<BatchResult[]> {
    let queued = () => {};
    const allQueued = new Promise<void>((resolve) => { queued = resolve; });
    const run = this.batchQueue.then(() => this.runBatch(count, encode, options, queued));
    // The next batch may start encoding once this one's windows are all queued (or it failed).
    this.batchQueue = Promise.race([allQueued, run.then(() => {}, () => {})]);
    return run;
  }

  private async runBatch(count: number, encode: (w: Writer, index: number) => void, options: BatchOptions, queued: () => void): Promise<BatchResult[]> {
    const results: BatchResult[] = new Array<BatchResult>(count).fill(null);
    const window = Math.max(1, options.window ?? 1024);
    const w = this.batchWriter;
    const answered: Promise<void>[] = [];
    const mine: BatchWindow[] = [];
    let next = 0;
    try {
      while (next < count) {
        if (options.stopAtFirstError && mine.length > 0) {
          await answered[answered.length - 1];
          const prev = mine[mine.length - 1]!;
          if (results.slice(prev.first, prev.first + prev.count).some((r) => r !== null)) break;
        }
        const native = this.live();
        if (options.signal?.aborted) break;
        if (this.seq > 0xffffffff - window - 1) this.seq = 0;
        w.reset();
        const first = next;
        const base = (this.seq + 1) >>> 0;
        let last = 0;
        while (next < count && next - first < window && w.length < MAX_BATCH) {
          const at = w.length;
          encode(w, next);
          if (w.length - at < NLMSG_HDRLEN) throw new RangeError(`batch item ${next} wrote ${w.length - at} bytes, not a netlink message`);
          const v = w.view;
          // The kernel answers a request without NLM_F_ACK only if it fails, and handles a datagram's messages in
          // order: so only the window's last item asks for an ACK, and its answer closes the window.
          v.setUint16(at + 6, (v.getUint16(at + 6, true) | Flags.REQUEST) & ~Flags.ACK, true);
          v.setUint32(at + 8, this.nextSeq(), true);
          v.setUint32(at + 12, this.portId, true);
          last = at;
          next++;
        }
        w.view.setUint16(last + 6, w.view.getUint16(last + 6, true) | Flags.ACK, true);
        const win: BatchWindow = {
          base, count: next - first, first, seen: new Uint8Array(next - first), results, describeOffset: options.describeOffset,
          sending: true, overrun: false, done: () => {},
        };
        answered.push(new Promise<void>((resolve) => { win.done = resolve; }));
        mine.push(win);
        this.windows.push(win);
        this.updateRef();
        native.sendQueued(w.bytesView(), (sent, errno) => {
          win.sending = false;
          if (sent < 0) this.failWindow(win, errno === ECANCELED ? closedError() : sendError(errno));
          else if (win.overrun) this.afterOverrun([], win);
        });
      }
      queued();
      await Promise.all(answered);
    } finally {
      queued();
      // Only after an exception: the windows already queued are answered, but nobody reads the results.
      for (const win of mine) this.failWindow(win, closedError());
      this.updateRef();
    }
    if (next < count) {
      const why = options.signal?.aborted ? 'the batch was aborted' : 'an earlier item failed and stopAtFirstError is set';
      const err = new RequestError(`not sent: ${why}`, 'ERR_NETLINK_NOT_SENT');
      for (let i = next; i < count; i++) results[i] = err;
    }
    return results;
  }

  /** Settle a window's unanswered items with `err` (they may or may not have been applied). */
  private failWindow(win: BatchWindow, err: NetlinkError | RequestError): void {
    const i = this.windows.indexOf(win);
    if (i < 0) return;
    this.windows.splice(i, 1);
    for (let k = 0; k < win.count; k++) if (!win.seen[k]) win.results[win.first + k] = err;
    win.done();
  }

  /** A batch item's error, or the last item's ACK, which closes the window. */
  private batchAck(b: BatchWindow, m: Message): void {
    const k = (m.seq - b.base) >>> 0;
    const index = b.first + k;
    if (m.type !== NLMSG_ERROR || b.seen[k]) return; // an echo or reply: only the ACK settles the item
    b.seen[k] = 1;
    const errno = -m.view.getInt32(m.payload, true) | 0;
    if (errno) {
      const e = parseError(m);
      const describe = b.describeOffset;
      b.results[index] = kernelError(errno, e.extack, describe ? (offset) => describe(index, offset) : undefined);
    }
    if (k === b.count - 1) {
      this.windows.splice(this.windows.indexOf(b), 1);
      b.done();
    }
  }

  /**
   * A whole dump, collected. An interrupted dump (the kernel's state changed under it) is retried up to `retries`
   * times by default; `consistent` says whether the result is a consistent snapshot. On abort: rejects with an
   * AbortError, as `dump` does.
   */
  async dumpAll(message: Uint8Array, options: DumpOptions = {}): Promise<{ messages: Message[]; consistent: boolean }> {
    const attempts = options.interrupted === 'return' ? 1 : Math.max(1, options.retries ?? 3);
    let messages: Message[] = [];
    for (let i = 0; i < attempts; i++) {
      const stream = this.dump(message, options);
      messages = [];
      for await (const batch of stream.batches()) for (const m of batch) messages.push(m);
      if (!stream.interrupted) return { messages, consistent: true };
    }
    return { messages, consistent: false };
  }

  /**
   * Multicast notifications from `groups` as an AsyncIterable. A receive-queue overrun (lost notifications) is
   * yielded as an `overrun` event; the stream goes on. Breaking out of the loop or aborting leaves the groups.
   *
   * On abort: the current or next `next()` rejects with an AbortError (`code` 'ABORT_ERR', `cause` the signal's
   * reason), and the events not yet taken are dropped.
   */
  subscribe(groups: number[], options: SubscribeOptions = {}): AsyncIterableIterator<SubscriptionEvent> {
    this.live();
    const sub = {
      groups: [...groups],
      highWaterMark: options.highWaterMark ?? 4096,
      queue: null as unknown as AsyncQueue<SubscriptionEvent>,
    };
    sub.queue = new AsyncQueue<SubscriptionEvent>(
      () => {
        this.subscriptions.delete(sub);
        if (this.native) for (const g of sub.groups) this.leave(g);
        this.updateFlow();
      },
      () => this.updateFlow(),
      options.signal,
    );
    if (sub.queue.closed) return sub.queue;
    for (const g of sub.groups) this.join(g);
    this.subscriptions.add(sub);
    this.updateRef();
    return sub.queue;
  }

  /** Send a message as is (no seq, flags or pid changes) to a port: the kernel (0) or another userspace socket. */
  sendTo(portId: number, message: Uint8Array, groups = 0): void {
    const n = this.live().send(message, portId, groups);
    if (n < 0) throw Object.assign(new Error(`send to port ${portId}: the receiver's queue is full`), { code: 'EAGAIN' });
  }

  /** Let the process exit while this socket is open (and idle, or not). */
  unref(): void {
    this.wantRef = false;
    this.updateRef();
  }

  ref(): void {
    this.wantRef = true;
    this.updateRef();
  }

  /** Close the socket; everything pending fails with ERR_NETLINK_CLOSED. Safe to call twice. */
  close(): void {
    const native = this.native;
    if (!native) return;
    this.native = null;
    native.close();
    const err = closedError();
    for (const p of this.pending.values()) this.settle(p, err);
    for (let i = this.outHead; i < this.outbox.length; i++) this.settle(this.outbox[i]!.pending, err);
    this.outbox = [];
    this.outHead = 0;
    for (const s of [...this.subscriptions]) s.queue.end();
    for (const w of this.dumpWaiters.splice(0)) w();
    for (const win of [...this.windows]) this.failWindow(win, err);
  }

  private live(): NativeSocket {
    if (!this.native) throw closedError();
    return this.native;
  }

  private nextSeq(): number {
    this.seq = (this.seq + 1) >>> 0;
    if (this.seq === 0) this.seq = 1;
    return this.seq;
  }

  private enqueue(message: Uint8Array, flags: number, p: Pending): void {
    if (message.byteLength < NLMSG_HDRLEN) throw new RangeError(`a netlink message needs at least ${NLMSG_HDRLEN} bytes, got ${message.byteLength}`);
    p.seq = this.nextSeq();
    this.pending.set(p.seq, p);
    this.outbox.push({ bytes: message, flags, pending: p });
    this.updateRef();
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(() => this.flush());
    }
  }

  /** Pack queued requests into as few sendmsg calls as the window allows, then read what the kernel answered. */
  private flush(): void {
    this.flushScheduled = false;
    const native = this.native;
    if (!native) return;
    while (this.outHead < this.outbox.length && this.inFlight < this.window) {
      const w = this.writer;
      w.reset();
      const batch: Pending[] = [];
      while (this.outHead < this.outbox.length && this.inFlight + batch.length < this.window) {
        const { bytes, flags, pending } = this.outbox[this.outHead]!;
        if (batch.length > 0 && w.length + bytes.byteLength > MAX_BATCH) break;
        this.outHead++;
        if (!this.pending.has(pending.seq)) continue; // cancelled before it was sent
        const at = w.reserve(bytes.byteLength);
        w.buf.set(bytes, at);
        const v = w.view;
        v.setUint32(at, bytes.byteLength, true);
        v.setUint16(at + 6, v.getUint16(at + 6, true) | flags, true);
        v.setUint32(at + 8, pending.seq, true);
        v.setUint32(at + 12, this.portId, true);
        w.pad();
        batch.push(pending);
      }
      if (this.outHead > 4096 && this.outHead * 2 > this.outbox.length) {
        this.outbox = this.outbox.slice(this.outHead);
        this.outHead = 0;
      }
      if (batch.length === 0) continue;
      try {
        if (native.send(w.bytesView(), 0, 0) < 0) throw Object.assign(new Error('send: the kernel did not take the request (EAGAIN)'), { code: 'EAGAIN' });
      } catch (e) {
        for (const p of batch) this.settle(p, e);
        continue;
      }
      for (const p of batch) {
        p.sent = true;
        // The kernel makes each datagram of a dump inside the reader's recvmsg: read ahead on a thread meanwhile,
        // no more than the consumer may hold, so that the rest still waits in the kernel. Only now that sendto has
        // returned: the kernel builds the first datagram inside it, and a recvmsg racing with that can find the
        // dump already over and leave EINVAL as the socket's error.
        if (p.kind === 'dump') native.readAhead(p.highWaterMark);
      }
      this.inFlight += batch.length;
      // The kernel answers most requests inside sendmsg, so the replies are already queued: read them now
      // instead of waiting a turn of the event loop for poll to say so.
      this.drain();
    }
    if (this.outHead >= this.outbox.length) {
      this.outbox = [];
      this.outHead = 0;
    }
    this.updateRef();
  }

  private onPoll(event: 'readable' | 'overrun' | 'error', errno: number): void {
    if (event === 'readable') this.drain();
    else if (event === 'overrun') this.onOverrun();
    else this.onSocketError(Object.assign(new Error(`netlink socket error ${errno}`), { errno }));
  }

  /** The kernel set an error on the socket (SO_ERROR): whatever was sent and awaits an answer gets it. */
  private onSocketError(err: Error): void {
    for (const p of [...this.pending.values()]) if (p.sent) this.settle(p, err);
  }

  private drain(): void {
    const info = this.info;
    while (this.native && !this.paused) {
      let r: Buffer | number;
      try {
        r = this.native.recv(info);
      } catch (e) {
        // A socket error can surface from recvmsg as well as from poll; it must not escape a poll callback.
        this.onSocketError(e as Error);
        break;
      }
      if (typeof r === 'number') {
        if (r === -3) {
          this.onOverrun();
          continue;
        }
        break;
      }
      this.stats.datagrams++;
      const sender = info[0]!;
      const group = info[1]!;
      if (sender !== 0 && !this.acceptUserspace) {
        this.stats.foreign++;
        continue;
      }
      if (group === 0 && sender === 0 && this.dumping?.sent && this.takeDumpDatagram(this.dumping, r)) continue;
      let messages: Message[];
      try {
        messages = parseMessages(r);
      } catch (e) {
        this.onCorrupt(e as DecodeError, group);
        continue;
      }
      this.stats.messages += messages.length;
      if (group !== 0) {
        const nsid = info[2] === 0xffffffff ? undefined : info[2];
        for (const m of messages) this.notify(group, m, nsid, sender);
      } else {
        for (const m of messages) this.dispatch(m, sender);
        const d = this.dumping;
        if (d && d.current.length) {
          d.queue.push(d.current);
          d.current = [];
          if (d.queue.size >= d.highWaterMark) this.updateFlow();
        }
      }
    }
    if (this.inFlight < this.window && this.outHead < this.outbox.length && !this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(() => this.flush());
    }
    this.updateRef();
  }

  /**
   * The common case of a dump datagram, taken whole without an object per message: every message a reply to
   * the running dump and none of them DONE, ERROR or another control message. Anything else takes the general path.
   */
  private takeDumpDatagram(d: DumpPending, buf: Buffer): boolean {
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const end = buf.byteLength;
    let off = 0;
    let count = 0;
    let interrupted = false;
    while (end - off >= NLMSG_HDRLEN) {
      const length = view.getUint32(off, true);
      if (length < NLMSG_HDRLEN || length > end - off) return false;
      if (view.getUint16(off + 4, true) < NLMSG_MIN_TYPE || view.getUint32(off + 8, true) !== d.seq) return false;
      if (view.getUint16(off + 6, true) & Flags.DUMP_INTR) interrupted = true;
      off += align4(length);
      count++;
    }
    if (off !== end || count === 0 || this.windows.length !== 0) return false;
    this.stats.messages += count;
    if (d.abandoned) return true;
    if (interrupted) d.stream.interrupted = true;
    d.queue.push({ buf, view, start: 0, end });
    if (d.queue.size >= d.highWaterMark) this.updateFlow();
    return true;
  }

  private dispatch(m: Message, sender: number): void {
    // Requests go to the kernel (port 0) only, so only the kernel answers them: a userspace port's message is never
    // a reply, whatever sequence number it carries (a forged DONE must not end a dump).
    if (sender !== 0) {
      if (m.type >= NLMSG_MIN_TYPE) {
        for (const s of this.subscriptions) this.deliver(s, { type: 'message', message: m, group: 0, nsid: undefined, sender });
      } else this.stats.foreign++;
      return;
    }
    for (const b of this.windows) if (((m.seq - b.base) >>> 0) < b.count) return this.batchAck(b, m);
    const p = this.pending.get(m.seq);
    if (!p || (m.pid !== this.portId && m.pid !== 0)) {
      this.stats.stale++;
      return;
    }
    if (m.type === NLMSG_NOOP || m.type === NLMSG_OVERRUN) return;
    if (p.kind === 'request') {
      if (m.type !== NLMSG_ERROR) {
        p.replies.push(m);
        return;
      }
      const e = parseError(m);
      if (e.errno === 0) this.settle(p, null);
      else this.settle(p, kernelError(e.errno, e.extack, p.describeOffset));
      return;
    }
    if (m.type !== NLMSG_DONE && m.type !== NLMSG_ERROR && p.abandoned) return;
    if (m.flags & Flags.DUMP_INTR) p.stream.interrupted = true;
    if ((m.type === NLMSG_DONE || m.type === NLMSG_ERROR) && p.current.length) p.queue.push(p.current.splice(0));
    if (m.type === NLMSG_DONE) {
      const d = parseDone(m);
      this.settle(p, d.errno ? kernelError(d.errno, d.extack, p.describeOffset) : null);
    } else if (m.type === NLMSG_ERROR) {
      const e = parseError(m);
      this.settle(p, e.errno ? kernelError(e.errno, e.extack, p.describeOffset) : null);
    } else p.current.push(m);
  }

  private notify(group: number, message: Message, nsid: number | undefined, sender: number): void {
    for (const s of this.subscriptions) {
      if (s.groups.includes(group)) this.deliver(s, { type: 'message', message, group, nsid, sender });
    }
  }

  private deliver(s: { queue: AsyncQueue<SubscriptionEvent>; highWaterMark: number }, event: SubscriptionEvent): void {
    s.queue.push(event);
    if (s.queue.size >= s.highWaterMark) this.updateFlow();
  }

  /**
   * The kernel dropped messages for us. Subscribers learn it as an event. Requests already sent may have lost their
   * answer: their replies were produced inside sendmsg, so whatever is still queued now is all that will come —
   * read it, then fail the ones left unanswered. Dumps are paced by our reads and lose nothing.
   */
  private onOverrun(): void {
    this.stats.overruns++;
    for (const s of this.subscriptions) s.queue.push({ type: 'overrun', count: this.stats.overruns });
    const waiting = [...this.pending.values()].filter((p) => p.kind === 'request' && p.sent);
    for (const win of this.windows) {
      // A window still inside sendto is still being answered: it is settled when sendto returns.
      if (win.sending) win.overrun = true;
      else queueMicrotask(() => this.afterOverrun([], win));
    }
    if (waiting.length > 0) queueMicrotask(() => this.afterOverrun(waiting, undefined));
  }

  /** Read what is queued, then fail what is still unanswered: an overrun dropped its answer. */
  private afterOverrun(waiting: Pending[], win: BatchWindow | undefined): void {
    this.drain();
    const err = new NetlinkError(105, { message: 'the reply was lost in a receive-queue overrun' });
    for (const p of waiting) if (this.pending.get(p.seq) === p) this.settle(p, err);
    // Unacknowledged items may or may not have been applied; say which ones are unknown.
    if (win) this.failWindow(win, err);
  }

  private onCorrupt(error: DecodeError, group: number): void {
    if (group !== 0) {
      for (const s of this.subscriptions) if (s.groups.includes(group)) s.queue.fail(error);
      return;
    }
    for (const p of [...this.pending.values()]) if (p.sent) this.settle(p, error);
  }

  private settle(p: Pending, error: unknown): void {
    if (this.pending.get(p.seq) === p) {
      this.pending.delete(p.seq);
      if (p.sent) this.inFlight--;
    }
    if (p.kind === 'request') {
      p.cleanup?.();
      if (error) p.reject(error);
      else p.resolve(p.replies);
    } else {
      if (error) p.queue.fail(error);
      else p.queue.end();
      if (p.abandoned) this.endDump(p);
    }
  }

  private cancel(p: RequestPending, error: unknown): void {
    if (this.pending.get(p.seq) !== p) return;
    this.settle(p, error);
    this.updateRef();
  }

  /**
   * Wait for the socket's dump slot and take it in the same turn, so two dumps started together cannot both see it
   * free. An abort while waiting rejects at once with an AbortError.
   */
  private async acquireDump(p: DumpPending, signal: AbortSignal | undefined): Promise<void> {
    while (this.dumping) {
      if (signal?.aborted) throw abortError(signal);
      await new Promise<void>((resolve) => {
        const wake = () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        const onAbort = () => {
          const i = this.dumpWaiters.indexOf(wake);
          if (i >= 0) this.dumpWaiters.splice(i, 1);
          resolve();
        };
        this.dumpWaiters.push(wake);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    }
    if (signal?.aborted) throw abortError(signal);
    if (!this.native) throw closedError();
    this.dumping = p;
  }

  /** The dump's consumer is done with it: at its end, or early (break, abort, timeout, error). */
  private releaseDump(p: DumpPending): void {
    if (this.pending.get(p.seq) === p) {
      if (p.sent && this.native) {
        // Left early: the kernel goes on with this dump, and refuses another on the socket (EBUSY) until it ends.
        // Read the rest and drop it; the slot is released at its DONE (settle), so the next dump starts cleanly.
        p.abandoned = true;
        p.current = [];
        this.updateFlow();
        return;
      }
      // Not sent yet: flush skips a request no longer pending.
      this.pending.delete(p.seq);
    }
    this.endDump(p);
  }

  /** Give the socket's dump slot to whoever waits for it. */
  private endDump(p: DumpPending): void {
    if (this.dumping !== p) return;
    this.native?.readAhead(0);
    this.dumping = null;
    this.dumpWaiters.shift()?.();
    this.updateFlow();
    this.updateRef();
  }

  /** Stop reading while a consumer is far behind, so the kernel (not our heap) absorbs the backlog. */
  private updateFlow(): void {
    const native = this.native;
    if (!native) return;
    const d = this.dumping;
    let full = d !== null && !d.queue.closed && d.queue.size >= d.highWaterMark;
    for (const s of this.subscriptions) if (s.queue.size >= s.highWaterMark) full = true;
    if (full && !this.paused) {
      this.paused = true;
      native.pause();
    } else if (!full && this.paused) {
      this.paused = false;
      native.poll((event, errno) => this.onPoll(event, errno));
      this.drain();
    }
  }

  /** Keep the event loop alive only while something waits on the kernel, and only if not unref'd. */
  private updateRef(): void {
    const native = this.native;
    if (!native) return;
    const busy = this.pending.size > 0 || this.subscriptions.size > 0 || this.outHead < this.outbox.length || this.windows.length !== 0;
    const want = this.wantRef && busy;
    if (want !== this.refd) {
      this.refd = want;
      if (want) native.ref();
      else native.unref();
    }
  }
}

function kernelError(errno: number, extack: ExtendedAck, describe: ((offset: number) => string | undefined) | undefined): NetlinkError {
  if (describe && extack.offset !== undefined) {
    const attribute = describe(extack.offset);
    if (attribute) extack = { ...extack, attribute };
  }
  return new NetlinkError(errno, extack);
}

/** sendto failed: the kernel took none of the window. */
function sendError(errno: number): NetlinkError {
  return new NetlinkError(errno, {}, 'send: the kernel did not take the batch');
}

function closedError(): RequestError {
  return new RequestError('the netlink socket is closed', 'ERR_NETLINK_CLOSED');
}

function netnsTarget(ref: NetnsRef | undefined): { path?: string; fd?: number } | undefined {
  if (ref === undefined) return undefined;
  if (typeof ref === 'string') return { path: ref.includes('/') ? ref : `/run/netns/${ref}` };
  if ('pid' in ref) return { path: `/proc/${ref.pid}/ns/net` };
  return ref;
}

function setBufferSize(native: NativeSocket, force: number, plain: number, size: number): void {
  try {
    native.setOption(SOL_SOCKET, force, size);
  } catch {
    // Without CAP_NET_ADMIN the kernel caps SO_RCVBUF at net.core.rmem_max; take what it allows.
    native.setOption(SOL_SOCKET, plain, size);
  }
}
