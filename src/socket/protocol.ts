/**
 * The netlink protocol core, after rust-netlink's netlink-proto: everything a socket decides, nothing it does.
 * Datagrams go in (`receive`, with the sender's port and group), bytes come out (`nextOutgoing`, and batch windows
 * through the host); it matches replies to requests by sequence number and port, assembles multipart dumps, reads
 * ACKs, extended ACKs and DUMP_INTR, keeps batch windows, subscriptions and the one dump slot the kernel allows per
 * socket, and turns overruns, timeouts and aborts into results. It does no I/O and keeps no timers: time comes
 * from the host's clock and `expire(now)`. The driver (NetlinkSocket) does the rest.
 */
import { abortError, RequestError, type DecodeError } from '../wire/errors.js';
import { parseDone, parseError } from '../wire/extack.js';
import { Flags, NLMSG_DONE, NLMSG_ERROR, NLMSG_HDRLEN, NLMSG_MIN_TYPE, NLMSG_NOOP, NLMSG_OVERRUN, parseMessages, type Message } from '../wire/message.js';
import { Writer } from '../wire/writer.js';
import { Batches, MAX_BATCH, type BatchOptions, type BatchResult, type BatchWindow } from './batch.js';
import { Deadlines } from './deadlines.js';
import { dumpStream, wholeDumpDatagram, type DumpChunk, type DumpOptions, type DumpStream } from './dump.js';
import { closedError, kernelError, lostError, type DumpPending, type Pending, type RequestOptions, type RequestPending } from './pending.js';
import { AsyncQueue } from './queue.js';
import { Subscriptions, type DatagramEvent, type SubscribeOptions, type SubscriptionEvent } from './subscription.js';

/** Counters of a socket's traffic since it opened (NetlinkSocket.stats), for telling lost or dropped messages apart. */
export interface SocketStats {
  /** Messages received. */
  messages: number;
  /** Datagrams received. */
  datagrams: number;
  /** Receive-queue overruns the kernel reported (ENOBUFS): notifications were lost. */
  overruns: number;
  /** Replies that matched no request (timed out or aborted before the answer came). */
  stale: number;
  /**
   * Dropped from userspace ports: their datagrams while acceptUserspace is off, and with it on, their control
   * messages (DONE, ERROR, …), which could only pose as answers to our requests: only the kernel answers those.
   */
  foreign: number;
}

/** What the core asks of its driver. */
export interface ProtocolHost {
  /** Milliseconds on a monotonic clock. */
  now(): number;
  /**
   * Something the driver acts on may have changed: requests to send, whether to read (`full`), how far to read
   * ahead (`readAhead`), whether to keep the process alive (`busy`), the next deadline. Called synchronously.
   */
  changed(): void;
  /** A batch window's bytes for the sender thread: see BatchHost.send. */
  sendWindow(bytes: Uint8Array, sent: (bytes: number, errno: number) => BatchWindow | null): void;
}

export interface ProtocolOptions {
  /** The socket's bound port id: requests carry it, replies must. */
  portId: number;
  /** The sequence number before the first request's (the driver picks it at random). */
  seq: number;
  /** Accept messages from userspace ports, for subscribers (never as answers). */
  acceptUserspace?: boolean;
  /** Requests in flight at once before more wait to be sent (default 512). */
  window?: number;
  /**
   * The protocol's messages carry no nlmsghdr (NETLINK_KOBJECT_UEVENT): multicast datagrams go to subscribers whole
   * (`Subscriptions.datagram`), and nothing else is taken.
   */
  headerless?: boolean;
}

/** Queued requests packed into one datagram by nextOutgoing. */
export interface Outgoing {
  /** Valid until the next nextOutgoing(). */
  readonly bytes: Uint8Array;
  readonly requests: readonly Pending[];
}

/** The call does not fit the socket's protocol: a TypeError with Node's code for an object used the wrong way. */
function wrongProtocol(message: string): TypeError {
  return Object.assign(new TypeError(message), { code: 'ERR_INVALID_STATE' });
}

/** Requests and windows that an overrun may have left unanswered: settled once what is queued has been read. */
export interface OverrunMark {
  requests: Pending[];
  windows: BatchWindow[];
}

export class NetlinkProtocol {
  readonly portId: number;
  readonly stats: SocketStats = { messages: 0, datagrams: 0, overruns: 0, stale: 0, foreign: 0 };
  private seq: number;
  private closedNow = false;
  private readonly pending = new Map<number, Pending>();
  private outbox: { bytes: Uint8Array; flags: number; pending: Pending }[] = [];
  private outHead = 0;
  private inFlight = 0;
  private readonly window: number;
  private readonly acceptUserspace: boolean;
  private readonly headerless: boolean;
  private readonly writer = new Writer(MAX_BATCH);
  private readonly subscriptions: Subscriptions;
  private readonly batches: Batches;
  private readonly deadlines = new Deadlines();
  private dumping: DumpPending | null = null;
  private dumpWaiters: (() => void)[] = [];

  constructor(options: ProtocolOptions, private readonly host: ProtocolHost) {
    this.portId = options.portId;
    this.seq = options.seq >>> 0;
    this.acceptUserspace = options.acceptUserspace ?? false;
    this.headerless = options.headerless ?? false;
    this.window = options.window ?? 512;
    this.subscriptions = new Subscriptions(() => host.changed());
    this.batches = new Batches({
      portId: this.portId,
      live: () => this.live(),
      seqRun: (count) => {
        if (this.seq > 0xffffffff - count - 1) this.seq = 0;
        return (this.seq + 1) >>> 0;
      },
      useSeqs: (count) => { this.seq = (this.seq + count) >>> 0; },
      send: (bytes, sent) => host.sendWindow(bytes, sent),
      changed: () => host.changed(),
    });
  }

  get closed(): boolean {
    return this.closedNow;
  }

  /** Whether a consumer holds as much as it may: the driver stops reading, so the kernel keeps the backlog. */
  get full(): boolean {
    const d = this.dumping;
    return (d !== null && !d.queue.closed && d.queue.size >= d.highWaterMark) || this.subscriptions.full;
  }

  /** Whether anything waits on the kernel (the driver keeps the process alive meanwhile, unless unref'd). */
  get busy(): boolean {
    return this.pending.size > 0 || this.subscriptions.size > 0 || this.outHead < this.outbox.length || this.batches.windows.length !== 0;
  }

  /** Whether nextOutgoing has something to send now. */
  get sendable(): boolean {
    return this.outHead < this.outbox.length && this.inFlight < this.window;
  }

  /**
   * Datagrams to read ahead of the consumer: the running dump's highWaterMark once its request has been sent (the
   * kernel builds each dump datagram inside recvmsg, and the first inside sendto: reading before that has returned
   * can find the dump over and leave EINVAL on the socket), else 0.
   */
  get readAhead(): number {
    const d = this.dumping;
    return d !== null && d.sent ? d.highWaterMark : 0;
  }

  /** When `expire` should next be called (Infinity: no deadline). */
  get nextDeadline(): number {
    return this.deadlines.next;
  }

  /** See NetlinkSocket.request. */
  request(message: Uint8Array, options: RequestOptions = {}): Promise<Message[]> {
    return new Promise<Message[]>((resolve, reject) => {
      const p: RequestPending = {
        kind: 'request', seq: 0, replies: [], ack: options.ack ?? true, resolve, reject, sent: false,
        describeOffset: options.describeOffset, warning: options.warning, cleanup: null,
      };
      if (this.closedNow) return reject(closedError());
      const { timeout, signal } = options;
      if (signal?.aborted) return reject(abortError(signal));
      this.enqueue(Uint8Array.from(message), Flags.REQUEST | (p.ack ? Flags.ACK : 0) | (options.flags ?? 0), p);
      if (timeout !== undefined || signal) {
        const onAbort = () => this.cancel(p, abortError(signal as AbortSignal));
        const deadline = timeout === undefined ? null
          : this.deadlines.add(this.host.now() + timeout, () => this.cancel(p, new RequestError(`no answer from the kernel within ${timeout} ms`, 'ETIMEDOUT')));
        signal?.addEventListener('abort', onAbort, { once: true });
        p.cleanup = () => {
          this.deadlines.remove(deadline);
          signal?.removeEventListener('abort', onAbort);
        };
        if (deadline) this.host.changed();
      }
    });
  }

  /** See NetlinkSocket.dump. */
  dump(message: Uint8Array, options: DumpOptions = {}): DumpStream {
    const bytes = Uint8Array.from(message);
    return dumpStream((state) => this.runDump(bytes, options, state));
  }

  /** See NetlinkSocket.dumpAll. */
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

  /** See NetlinkSocket.requestBatch. */
  requestBatch(count: number, encode: (w: Writer, index: number) => void, options: BatchOptions = {}): Promise<BatchResult[]> {
    return this.batches.request(count, encode, options);
  }

  /** See NetlinkSocket.subscribe; `join` and `leave` change the socket's memberships. */
  subscribe(groups: readonly number[], options: SubscribeOptions, join: (groups: number[]) => void, leave: (groups: number[]) => void): AsyncIterableIterator<SubscriptionEvent> {
    this.live();
    if (this.headerless) throw wrongProtocol('a socket whose messages carry no nlmsghdr subscribes with datagrams()');
    // A socket with nlmsghdrs delivers only messages and overruns (see receive).
    return this.subscriptions.add(groups, options, join, leave) as AsyncIterableIterator<SubscriptionEvent>;
  }

  /** See NetlinkSocket.datagrams. */
  datagrams(groups: readonly number[], options: SubscribeOptions, join: (groups: number[]) => void, leave: (groups: number[]) => void): AsyncIterableIterator<DatagramEvent> {
    this.live();
    if (!this.headerless) throw wrongProtocol('datagrams() is for protocols whose messages carry no nlmsghdr (NETLINK_KOBJECT_UEVENT)');
    // A headerless socket delivers only datagrams and overruns (see receive).
    return this.subscriptions.add(groups, options, join, leave) as AsyncIterableIterator<DatagramEvent>;
  }

  /** Queued requests packed into as few datagrams as the window allows: the next, or null when none is sendable. */
  nextOutgoing(): Outgoing | null {
    while (this.outHead < this.outbox.length && this.inFlight < this.window) {
      const w = this.writer;
      w.reset();
      const requests: Pending[] = [];
      while (this.outHead < this.outbox.length && this.inFlight + requests.length < this.window) {
        const { bytes, flags, pending } = this.outbox[this.outHead]!;
        if (requests.length > 0 && w.length + bytes.byteLength > MAX_BATCH) break;
        this.outHead++;
        if (this.pending.get(pending.seq) !== pending) continue; // cancelled before it was sent
        const at = w.reserve(bytes.byteLength);
        w.buf.set(bytes, at);
        const v = w.view;
        v.setUint32(at, bytes.byteLength, true);
        v.setUint16(at + 6, v.getUint16(at + 6, true) | flags, true);
        v.setUint32(at + 8, pending.seq, true);
        v.setUint32(at + 12, this.portId, true);
        w.pad();
        requests.push(pending);
      }
      this.compactOutbox();
      if (requests.length > 0) return { bytes: w.bytesView(), requests };
    }
    this.compactOutbox();
    return null;
  }

  /** `out` went to the kernel whole. */
  sent(out: Outgoing): void {
    for (const p of out.requests) p.sent = true;
    this.inFlight += out.requests.length;
    this.host.changed();
  }

  /** `out` could not be sent: its requests fail with `error`. */
  sendFailed(out: Outgoing, error: unknown): void {
    for (const p of out.requests) this.settle(p, error);
  }

  /** One datagram as recvmsg gave it: from port `sender` (0: the kernel), to `group` (0: unicast to us). */
  receive(buf: Buffer, sender: number, group: number, nsid: number | undefined): void {
    this.stats.datagrams++;
    if (sender !== 0 && !this.acceptUserspace) {
      this.stats.foreign++;
      return;
    }
    if (this.headerless) {
      // Nothing here is a reply: such a protocol has no requests, only what the kernel broadcasts.
      this.stats.messages++;
      if (group !== 0) this.subscriptions.datagram(group, buf, sender);
      return;
    }
    const d = this.dumping;
    if (group === 0 && sender === 0 && d !== null && d.sent && this.batches.windows.length === 0) {
      const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
      const count = wholeDumpDatagram(d, buf, view);
      if (count > 0) {
        this.stats.messages += count;
        if (d.abandoned) return;
        d.queue.push({ buf, view, start: 0, end: buf.byteLength });
        if (d.queue.size >= d.highWaterMark) this.host.changed();
        return;
      }
    }
    let messages: Message[];
    try {
      messages = parseMessages(buf);
    } catch (e) {
      this.corrupt(e as DecodeError, group);
      return;
    }
    this.stats.messages += messages.length;
    if (group !== 0) {
      for (const m of messages) this.subscriptions.notify(group, m, nsid, sender);
      return;
    }
    for (const m of messages) this.dispatch(m, sender);
    const running = this.dumping;
    if (running && running.current.length) {
      running.queue.push(running.current);
      running.current = [];
      if (running.queue.size >= running.highWaterMark) this.host.changed();
    }
  }

  /**
   * The kernel dropped messages for us. Subscribers learn it as an event. Requests already sent may have lost their
   * answer: their replies were produced inside sendmsg, so whatever is still queued now is all that will come — the
   * driver reads it, then settles the mark, which fails the ones left unanswered. Dumps are paced by our reads and
   * lose nothing.
   */
  overrun(): OverrunMark | null {
    this.stats.overruns++;
    this.subscriptions.overrun(this.stats.overruns);
    const requests = [...this.pending.values()].filter((p) => p.kind === 'request' && p.sent);
    const windows = this.batches.overrun();
    return requests.length || windows.length ? { requests, windows } : null;
  }

  /** After an overrun, once what was queued has been read: fail what is still unanswered. */
  settleOverrun(mark: OverrunMark): void {
    const err = lostError();
    for (const p of mark.requests) if (this.pending.get(p.seq) === p) this.settle(p, err);
    // Unacknowledged items may or may not have been applied; say which ones are unknown.
    for (const win of mark.windows) this.batches.fail(win, err);
  }

  /** The kernel set an error on the socket (SO_ERROR): whatever was sent and awaits an answer gets it. */
  socketError(err: Error): void {
    for (const p of [...this.pending.values()]) if (p.sent) this.settle(p, err);
  }

  /** Fire the deadlines due at `now`. */
  expire(now: number): void {
    this.deadlines.expire(now);
  }

  /** The socket is closed: everything pending fails with ERR_NETLINK_CLOSED. */
  close(): void {
    if (this.closedNow) return;
    this.closedNow = true;
    const err = closedError();
    for (const p of this.pending.values()) this.settle(p, err);
    for (let i = this.outHead; i < this.outbox.length; i++) this.settle(this.outbox[i]!.pending, err);
    this.outbox = [];
    this.outHead = 0;
    this.subscriptions.endAll();
    for (const w of this.dumpWaiters.splice(0)) w();
    for (const win of [...this.batches.windows]) this.batches.fail(win, err);
  }

  private live(): void {
    if (this.closedNow) throw closedError();
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
    this.host.changed();
  }

  private compactOutbox(): void {
    if (this.outHead >= this.outbox.length) {
      this.outbox = [];
      this.outHead = 0;
    } else if (this.outHead > 4096 && this.outHead * 2 > this.outbox.length) {
      this.outbox = this.outbox.slice(this.outHead);
      this.outHead = 0;
    }
  }

  private async *runDump(bytes: Uint8Array, options: DumpOptions, state: { interrupted: boolean }): AsyncGenerator<DumpChunk | Message[]> {
    if (options.signal?.aborted) throw abortError(options.signal);
    const p: DumpPending = {
      kind: 'dump', seq: 0, stream: state, describeOffset: options.describeOffset, sent: false, deadline: null, current: [], abandoned: false,
      highWaterMark: Math.max(1, options.highWaterMark ?? 8),
      queue: new AsyncQueue<DumpChunk | Message[]>(() => {}, () => this.host.changed(), options.signal),
    };
    await this.acquireDump(p, options.signal);
    try {
      this.enqueue(bytes, Flags.REQUEST | Flags.DUMP | (options.flags ?? 0), p);
      if (options.timeout !== undefined) {
        p.deadline = this.deadlines.add(this.host.now() + options.timeout, () => p.queue.fail(new RequestError(`dump not finished within ${options.timeout} ms`, 'ETIMEDOUT')));
        this.host.changed();
      }
      yield* p.queue;
    } finally {
      this.deadlines.remove(p.deadline);
      this.releaseDump(p);
    }
  }

  private dispatch(m: Message, sender: number): void {
    // Requests go to the kernel (port 0) only, so only the kernel answers them: a userspace port's message is never
    // a reply, whatever sequence number it carries (a forged DONE must not end a dump).
    if (sender !== 0) {
      if (m.type >= NLMSG_MIN_TYPE) this.subscriptions.unicast(m, sender);
      else this.stats.foreign++;
      return;
    }
    if (this.batches.match(m)) return;
    const p = this.pending.get(m.seq);
    if (!p || (m.pid !== this.portId && m.pid !== 0)) {
      this.stats.stale++;
      return;
    }
    if (m.type === NLMSG_NOOP || m.type === NLMSG_OVERRUN) return;
    if (p.kind === 'request') {
      if (m.type !== NLMSG_ERROR) {
        p.replies.push(m);
        // Without an ACK asked for, the kernel's one reply is the whole answer.
        if (!p.ack) this.settle(p, null);
        return;
      }
      const e = parseError(m);
      if (e.errno === 0) {
        if (e.extack.message !== undefined) p.warning?.(e.extack.message);
        this.settle(p, null);
      }
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

  private corrupt(error: DecodeError, group: number): void {
    if (group !== 0) return this.subscriptions.corrupt(group, error);
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
    this.host.changed();
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
    this.live();
    this.dumping = p;
  }

  /** The dump's consumer is done with it: at its end, or early (break, abort, timeout, error). */
  private releaseDump(p: DumpPending): void {
    if (this.pending.get(p.seq) === p) {
      if (p.sent && !this.closedNow) {
        // Left early: the kernel goes on with this dump, and refuses another on the socket (EBUSY) until it ends.
        // Read the rest and drop it; the slot is released at its DONE (settle), so the next dump starts cleanly.
        p.abandoned = true;
        p.current = [];
        this.host.changed();
        return;
      }
      // Not sent yet: nextOutgoing skips a request no longer pending.
      this.pending.delete(p.seq);
    }
    this.endDump(p);
  }

  /** Give the socket's dump slot to whoever waits for it. */
  private endDump(p: DumpPending): void {
    if (this.dumping !== p) return;
    this.dumping = null;
    this.host.changed();
    this.dumpWaiters.shift()?.();
  }
}
