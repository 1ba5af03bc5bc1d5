/**
 * Batch windows in the protocol core: many requests encoded into one datagram each window, only the window's last
 * asking for an ACK, and every answer matched to its item by sequence number — one result per item, nothing
 * dropped. The core hands each window's bytes out (`send`); the driver gives them to the sender thread and reports
 * back when its sendto returned.
 */
import { NetlinkError, RequestError, errnoNumber } from '../wire/errors.js';
import { parseError } from '../wire/extack.js';
import { Flags, NLMSG_ERROR, NLMSG_HDRLEN, type Message } from '../wire/message.js';
import { Writer } from '../wire/writer.js';
import { closedError, kernelError, sendError } from './pending.js';

/** How NetlinkSocket.requestBatch sends many requests: in windows, each answered before the next goes out. */
export interface BatchOptions {
  /** Requests per sendmsg (at most 64 KiB of them), each window answered before the next is sent (default 1024). */
  window?: number;
  /** After the first failure, send nothing more; the unsent items get ERR_NETLINK_NOT_SENT. */
  stopAtFirstError?: boolean;
  /** Stops the batch before its next window (see NetlinkSocket.requestBatch). */
  signal?: AbortSignal;
  /** Maps an extended-ACK offset within item `index`'s message to an attribute path. */
  describeOffset?: (index: number, offset: number) => string | undefined;
}

/** One result per batch item: null for success, else why it failed. */
export type BatchResult = NetlinkError | RequestError | null;

export interface BatchWindow {
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

/** What the batches need of the core they live in. */
export interface BatchHost {
  readonly portId: number;
  /** Throws ERR_NETLINK_CLOSED once the socket is closed. */
  live(): void;
  /** The next sequence number, such that up to `count` numbers from it neither wrap nor include 0. */
  seqRun(count: number): number;
  /** `count` numbers from seqRun() were used. */
  useSeqs(count: number): void;
  /**
   * Hand a window's bytes out (they are copied) for the sender thread; `sent` is called with the bytes sent (< 0 on
   * failure) and an errno once its sendto has returned. What `sent` returns, the driver settles after reading what
   * is queued (see NetlinkProtocol.settleOverrun).
   */
  send(bytes: Uint8Array, sent: (bytes: number, errno: number) => BatchWindow | null): void;
  changed(): void;
}

export const MAX_BATCH = 64 * 1024;
const ECANCELED = errnoNumber('ECANCELED')!;

export class Batches {
  /** Windows queued or sent and not yet answered, oldest first. */
  readonly windows: BatchWindow[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private readonly writer = new Writer(MAX_BATCH);

  constructor(private readonly host: BatchHost) {}

  /** See NetlinkSocket.requestBatch. */
  request(count: number, encode: (w: Writer, index: number) => void, options: BatchOptions): Promise<BatchResult[]> {
    let queued = () => {};
    const allQueued = new Promise<void>((resolve) => { queued = resolve; });
    const run = this.queue.then(() => this.run(count, encode, options, queued));
    // The next batch may start encoding once this one's windows are all queued (or it failed).
    this.queue = Promise.race([allQueued, run.then(() => {}, () => {})]);
    return run;
  }

  /** The window a kernel message answers, which takes it; false if it answers none. */
  match(m: Message): boolean {
    for (const b of this.windows) {
      if (((m.seq - b.base) >>> 0) < b.count) {
        this.ack(b, m);
        return true;
      }
    }
    return false;
  }

  /** Settle a window's unanswered items with `err` (they may or may not have been applied). */
  fail(win: BatchWindow, err: NetlinkError | RequestError): void {
    const i = this.windows.indexOf(win);
    if (i < 0) return;
    this.windows.splice(i, 1);
    for (let k = 0; k < win.count; k++) if (!win.seen[k]) win.results[win.first + k] = err;
    win.done();
  }

  /**
   * An overrun may have dropped answers: the windows whose sendto has returned, to settle once what is queued has
   * been read. A window still inside sendto is still being answered: it is settled when sendto returns.
   */
  overrun(): BatchWindow[] {
    const settle: BatchWindow[] = [];
    for (const win of this.windows) {
      if (win.sending) win.overrun = true;
      else settle.push(win);
    }
    return settle;
  }

  private async run(count: number, encode: (w: Writer, index: number) => void, options: BatchOptions, queued: () => void): Promise<BatchResult[]> {
    const results: BatchResult[] = new Array<BatchResult>(count).fill(null);
    const window = Math.max(1, options.window ?? 1024);
    const w = this.writer;
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
        this.host.live();
        if (options.signal?.aborted) break;
        w.reset();
        const first = next;
        let last = 0;
        const base = this.host.seqRun(window);
        while (next < count && next - first < window && w.length < MAX_BATCH) {
          const at = w.length;
          encode(w, next);
          if (w.length - at < NLMSG_HDRLEN) throw new RangeError(`batch item ${next} wrote ${w.length - at} bytes, not a netlink message`);
          const v = w.view;
          // The kernel answers a request without NLM_F_ACK only if it fails, and handles a datagram's messages in
          // order: so only the window's last item asks for an ACK, and its answer closes the window.
          v.setUint16(at + 6, (v.getUint16(at + 6, true) | Flags.REQUEST) & ~Flags.ACK, true);
          v.setUint32(at + 8, (base + next - first) >>> 0, true);
          v.setUint32(at + 12, this.host.portId, true);
          last = at;
          next++;
        }
        this.host.useSeqs(next - first);
        w.view.setUint16(last + 6, w.view.getUint16(last + 6, true) | Flags.ACK, true);
        const win: BatchWindow = {
          base, count: next - first, first, seen: new Uint8Array(next - first), results, describeOffset: options.describeOffset,
          sending: true, overrun: false, done: () => {},
        };
        answered.push(new Promise<void>((resolve) => { win.done = resolve; }));
        mine.push(win);
        this.windows.push(win);
        this.host.changed();
        this.host.send(w.bytesView(), (sent, errno) => {
          win.sending = false;
          if (sent < 0) this.fail(win, errno === ECANCELED ? closedError() : sendError(errno));
          else if (win.overrun) return win;
          return null;
        });
      }
      queued();
      await Promise.all(answered);
    } finally {
      queued();
      // Only after an exception: the windows already queued are answered, but nobody reads the results.
      for (const win of mine) this.fail(win, closedError());
      this.host.changed();
    }
    if (next < count) {
      const why = options.signal?.aborted ? 'the batch was aborted' : 'an earlier item failed and stopAtFirstError is set';
      const err = new RequestError(`not sent: ${why}`, 'ERR_NETLINK_NOT_SENT');
      for (let i = next; i < count; i++) results[i] = err;
    }
    return results;
  }

  /** A batch item's error, or the last item's ACK, which closes the window. */
  private ack(b: BatchWindow, m: Message): void {
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
}
