/**
 * NetlinkSocket: the driver of one netlink socket. The protocol core (protocol.ts) decides everything; this does the
 * I/O it asks for — opening and binding the native socket, sending what the core packs, reading on libuv readiness
 * (and on the reader thread while a dump runs), batch windows through the sender thread, pausing while a consumer
 * is behind, the one timer for the core's next deadline, and whether the process is kept alive.
 */
import type { NativeSocket } from '../native/addon.js';
import type { Message } from '../wire/message.js';
import type { Writer } from '../wire/writer.js';
import type { BatchOptions, BatchResult, BatchWindow } from './batch.js';
import { NetlinkOption, Protocol, SOL_NETLINK, SOL_SOCKET, SocketOption } from './constants.js';
import type { DumpOptions, DumpStream } from './dump.js';
import { closedError, type RequestOptions } from './pending.js';
import { NetlinkProtocol, type OverrunMark, type SocketStats } from './protocol.js';
import { recording, type Recorder } from './record.js';
import type { DatagramEvent, SubscribeOptions, SubscriptionEvent } from './subscription.js';
import { defaultTransport, type Transport } from './transport.js';

export type { BatchOptions, BatchResult } from './batch.js';
export type { DumpChunk, DumpOptions, DumpStream } from './dump.js';
export type { RequestOptions } from './pending.js';
export type { SocketStats } from './protocol.js';
export type { DatagramEvent, SubscribeOptions, SubscriptionEvent } from './subscription.js';

/** Where a socket lives: a namespace name (as `ip netns` names them), a path, a pid, or an open fd. */
export type NetnsRef = string | { path: string } | { pid: number } | { fd: number };

/** What NetlinkSocket.open takes: where the socket lives, what it joins, and the socket options nlkit sets for it. */
export interface OpenOptions {
  /** The network namespace to open the socket in, without moving the process (default: the process's own). */
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

/**
 * A netlink socket: requests matched to replies by sequence number and port, dumps as AsyncIterables, and
 * multicast subscriptions. All I/O is non-blocking through libuv; nothing busy-waits.
 */
export class NetlinkSocket {
  readonly protocol: number;
  readonly portId: number;
  private native: NativeSocket | null;
  private readonly core: NetlinkProtocol;
  private readonly info = new Uint32Array(4);
  private memberships = new Map<number, number>();
  private flushScheduled = false;
  private wantRef = true;
  private refd = true;
  private paused = false;
  private readingAhead = 0;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;

  private constructor(native: NativeSocket, protocol: number, options: OpenOptions) {
    this.native = native;
    this.protocol = protocol;
    this.portId = native.portId();
    this.core = new NetlinkProtocol({
      portId: this.portId,
      // Random, so that a userspace sender cannot guess which numbers our requests carry: V8's generator, seeded
      // per process, as no other process sees its output (node:crypto would add its load to every CLI start).
      seq: Math.floor(Math.random() * 0x1_0000_0000),
      acceptUserspace: options.acceptUserspace,
      window: options.window,
      headerless: protocol === Protocol.KOBJECT_UEVENT,
    }, {
      now: () => performance.now(),
      changed: () => this.sync(),
      sendWindow: (bytes, sent) => this.sendWindow(bytes, sent),
    });
    native.poll((event, errno) => this.onPoll(event, errno));
    this.sync();
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

  /** True once close() was called. */
  get closed(): boolean {
    return this.native === null;
  }

  /** Counters of what the socket received and dropped. */
  get stats(): SocketStats {
    return this.core.stats;
  }

  /** Join a multicast group (NETLINK_ADD_MEMBERSHIP); counted, so each join needs its own leave. */
  join(group: number): void {
    const n = this.memberships.get(group) ?? 0;
    if (n === 0) this.live().setOption(SOL_NETLINK, NetlinkOption.ADD_MEMBERSHIP, group);
    this.memberships.set(group, n + 1);
  }

  /** Leave a multicast group joined with join(); the last leave of a group drops the membership. */
  leave(group: number): void {
    const n = this.memberships.get(group) ?? 0;
    if (n <= 1) {
      this.memberships.delete(group);
      if (n === 1 && this.native) this.native.setOption(SOL_NETLINK, NetlinkOption.DROP_MEMBERSHIP, group);
    } else this.memberships.set(group, n - 1);
  }

  /** setsockopt(2) with an integer value: SOL_NETLINK with NetlinkOption, or SOL_SOCKET with SocketOption. */
  setOption(level: number, name: number, value: number): void {
    this.live().setOption(level, name, value);
  }

  /** getsockopt(2) of an integer option, as setOption names them. */
  getOption(level: number, name: number): number {
    return this.live().getOption(level, name);
  }

  /**
   * Send one request message (a complete nlmsghdr + payload; its seq, pid and REQUEST|ACK flags are set here, on a
   * copy) and resolve with the replies that came before its ACK — empty for a plain ACK (or, with `ack: false`,
   * with the one reply the kernel sends).
   *
   * On abort: rejects at once with an AbortError (`code` 'ABORT_ERR', `cause` the signal's reason). A request not
   * yet sent is not sent; one already sent may have been applied by the kernel, and its answer is dropped.
   */
  request(message: Uint8Array, options: RequestOptions = {}): Promise<Message[]> {
    return this.core.request(message, options);
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
    return this.core.dump(message, options);
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
    return this.core.requestBatch(count, encode, options);
  }

  /**
   * A whole dump, collected. An interrupted dump (the kernel's state changed under it) is retried up to `retries`
   * times by default; `consistent` says whether the result is a consistent snapshot. On abort: rejects with an
   * AbortError, as `dump` does.
   */
  dumpAll(message: Uint8Array, options: DumpOptions = {}): Promise<{ messages: Message[]; consistent: boolean }> {
    return this.core.dumpAll(message, options);
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
    return this.core.subscribe(groups, options, (joined) => {
      for (const g of joined) this.join(g);
    }, (left) => {
      if (this.native) for (const g of left) this.leave(g);
    });
  }

  /**
   * Multicast datagrams from `groups`, whole, for NETLINK_KOBJECT_UEVENT, whose messages carry no nlmsghdr (`subscribe`
   * is for every other protocol). Overruns, the end and aborts as `subscribe` has them.
   */
  datagrams(groups: number[], options: SubscribeOptions = {}): AsyncIterableIterator<DatagramEvent> {
    this.live();
    return this.core.datagrams(groups, options, (joined) => {
      for (const g of joined) this.join(g);
    }, (left) => {
      if (this.native) for (const g of left) this.leave(g);
    });
  }

  /** Send a message as is (no seq, flags or pid changes) to a port: the kernel (0) or another userspace socket. */
  sendTo(portId: number, message: Uint8Array, groups = 0): void {
    const n = this.live().send(message, portId, groups);
    if (n < 0) throw Object.assign(new Error(`send to port ${portId}: the receiver's queue is full`), { code: 'EAGAIN' });
  }

  /** Let the process exit while this socket is open (and idle, or not). */
  unref(): void {
    this.wantRef = false;
    this.sync();
  }

  /** Keep the process alive while this socket has work in flight again (the default; undoes unref). */
  ref(): void {
    this.wantRef = true;
    this.sync();
  }

  /** Close the socket; everything pending fails with ERR_NETLINK_CLOSED. Safe to call twice. */
  close(): void {
    const native = this.native;
    if (!native) return;
    this.native = null;
    native.close();
    clearTimeout(this.timer);
    this.core.close();
  }

  private live(): NativeSocket {
    if (!this.native) throw closedError();
    return this.native;
  }

  /** Send what the core packs, as many datagrams as its window allows, then read what the kernel answered. */
  private flush(): void {
    this.flushScheduled = false;
    for (let out = this.core.nextOutgoing(); out && this.native; out = this.core.nextOutgoing()) {
      try {
        if (this.native.send(out.bytes, 0, 0) < 0) throw Object.assign(new Error('send: the kernel did not take the request (EAGAIN)'), { code: 'EAGAIN' });
      } catch (e) {
        this.core.sendFailed(out, e);
        continue;
      }
      // Marks them sent: a dump's read-ahead starts only now (see NetlinkProtocol.readAhead).
      this.core.sent(out);
      // The kernel answers most requests inside sendmsg, so the replies are already queued: read them now
      // instead of waiting a turn of the event loop for poll to say so.
      this.drain();
    }
    this.sync();
  }

  /** A batch window to the sender thread, which sends queued windows in order while JavaScript goes on. */
  private sendWindow(bytes: Uint8Array, sent: (bytes: number, errno: number) => BatchWindow | null): void {
    this.live().sendQueued(bytes, (n, errno) => {
      const unanswered = sent(n, errno);
      if (unanswered) this.afterOverrun({ requests: [], windows: [unanswered] });
    });
  }

  private onPoll(event: 'readable' | 'overrun' | 'error', errno: number): void {
    if (event === 'readable') this.drain();
    else if (event === 'overrun') this.onOverrun();
    else this.core.socketError(Object.assign(new Error(`netlink socket error ${errno}`), { errno }));
  }

  private drain(): void {
    const info = this.info;
    while (this.native && !this.paused) {
      let r: Buffer | number;
      try {
        r = this.native.recv(info);
      } catch (e) {
        // A socket error can surface from recvmsg as well as from poll; it must not escape a poll callback.
        this.core.socketError(e as Error);
        break;
      }
      if (typeof r === 'number') {
        if (r === -3) {
          this.onOverrun();
          continue;
        }
        break;
      }
      this.core.receive(r, info[0]!, info[1]!, info[2] === 0xffffffff ? undefined : info[2]);
    }
    this.sync();
  }

  private onOverrun(): void {
    const mark = this.core.overrun();
    if (mark) queueMicrotask(() => this.afterOverrun(mark));
  }

  /** Read what is queued, then let the core fail what is still unanswered: the overrun dropped its answer. */
  private afterOverrun(mark: OverrunMark): void {
    this.drain();
    this.core.settleOverrun(mark);
  }

  /**
   * Bring the native socket in line with the core: read ahead as far as the running dump allows, stop reading
   * while a consumer is far behind (so the kernel, not our heap, absorbs the backlog), send what waits, arm the
   * timer for the next deadline, and keep the event loop alive only while something waits on the kernel.
   */
  private sync(): void {
    const native = this.native;
    if (!native) return;
    const core = this.core;
    const ahead = core.readAhead;
    if (ahead !== this.readingAhead) {
      this.readingAhead = ahead;
      native.readAhead(ahead);
    }
    const full = core.full;
    if (full && !this.paused) {
      this.paused = true;
      native.pause();
    } else if (!full && this.paused) {
      this.paused = false;
      native.poll((event, errno) => this.onPoll(event, errno));
      this.drain();
      return;
    }
    if (core.sendable && !this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(() => this.flush());
    }
    const at = core.nextDeadline;
    if (at !== this.timerAt) {
      clearTimeout(this.timer);
      this.timerAt = at;
      this.timer = at === Infinity ? undefined : setTimeout(() => {
        this.timerAt = Infinity;
        this.core.expire(performance.now());
        this.sync();
      }, Math.max(0, Math.ceil(at - performance.now())));
    }
    const want = this.wantRef && core.busy;
    if (want !== this.refd) {
      this.refd = want;
      if (want) native.ref();
      else native.unref();
    }
  }
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
