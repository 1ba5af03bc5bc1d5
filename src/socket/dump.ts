/**
 * Dumps as the protocol core hands them to consumers: a stream of reply datagrams (whole, as raw chunks, in the
 * common case; as parsed messages when a datagram holds anything else), and the check that lets a datagram through
 * whole.
 */
import { align4 } from '../wire/align.js';
import { Flags, NLMSG_HDRLEN, NLMSG_MIN_TYPE, parseMessages, type Message } from '../wire/message.js';
import type { DumpChunk } from './chunk.js';
import type { DumpPending, RequestOptions } from './pending.js';

export type { DumpChunk };

/**
 * A dump's options: a request's, and how far to read ahead of the consumer and what to do when the dump is interrupted.
 */
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

/** A DumpStream over `run`, which starts the dump when first iterated (once only). */
export function dumpStream(run: (state: { interrupted: boolean }) => AsyncIterable<DumpChunk | Message[]>): DumpStream {
  const state = { interrupted: false, started: false };
  const start = (): AsyncIterable<DumpChunk | Message[]> => {
    if (state.started) throw new Error('a dump can be iterated only once');
    state.started = true;
    return run(state);
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

/**
 * The common case of a dump datagram, checked without an object per message: every message a reply to dump `d`
 * and none of them DONE, ERROR or another control message. The number of messages, or -1 when the datagram must
 * take the general path. Sets the dump's `interrupted` if the kernel flagged any of them.
 */
export function wholeDumpDatagram(d: DumpPending, buf: Buffer, view: DataView): number {
  const end = buf.byteLength;
  let off = 0;
  let count = 0;
  let interrupted = false;
  while (end - off >= NLMSG_HDRLEN) {
    const length = view.getUint32(off, true);
    if (length < NLMSG_HDRLEN || length > end - off) return -1;
    if (view.getUint16(off + 4, true) < NLMSG_MIN_TYPE || view.getUint32(off + 8, true) !== d.seq) return -1;
    if (view.getUint16(off + 6, true) & Flags.DUMP_INTR) interrupted = true;
    off += align4(length);
    count++;
  }
  if (off !== end || count === 0) return -1;
  if (interrupted && !d.abandoned) d.stream.interrupted = true;
  return count;
}
