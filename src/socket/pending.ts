/**
 * What the protocol core tracks per request in flight, and the errors it settles them with. A request or a dump
 * is pending from the moment it is queued until its ACK, its DONE or its error (or a timeout, an abort, a close).
 */
import { NetlinkError, RequestError, type ExtendedAck } from '../wire/errors.js';
import type { Message } from '../wire/message.js';
import type { Deadline } from './deadlines.js';
import type { DumpChunk } from './chunk.js';
import type { AsyncQueue } from './queue.js';

/** Maps an extended-ACK attribute offset (from the request's first byte) to an attribute path. */
export type DescribeOffset = (offset: number) => string | undefined;

/**
 * What NetlinkSocket.request takes: the options of every call, plus what only a raw request needs (request flags,
 * extended-ACK offsets named).
 */
export interface RequestOptions {
  /** Milliseconds until the request fails with ETIMEDOUT. */
  timeout?: number;
  /** Aborts with an AbortError (`code` 'ABORT_ERR', `cause` the signal's reason); see each call for what it stops. */
  signal?: AbortSignal;
  /** Maps an extended-ACK attribute offset (from the request's first byte) to an attribute path. */
  describeOffset?: DescribeOffset;
  /** Flags to add to NLM_F_REQUEST (|ACK for requests, |DUMP for dumps). */
  flags?: number;
  /**
   * false: send without NLM_F_ACK, as tools do for a get the kernel answers with one message (`tc actions get`), and
   * resolve with that message. Only for requests the kernel always answers, with a reply or an error.
   */
  ack?: boolean;
  /** The message of an ACK that accepts the request with a warning. */
  warning?: (message: string) => void;
}

export interface RequestPending {
  kind: 'request';
  seq: number;
  replies: Message[];
  /** Sent with NLM_F_ACK: settled by the ACK; else by the first reply. */
  ack: boolean;
  resolve: (m: Message[]) => void;
  reject: (e: unknown) => void;
  sent: boolean;
  describeOffset: DescribeOffset | undefined;
  warning: ((message: string) => void) | undefined;
  /** Removes the timeout and the abort listener. */
  cleanup: (() => void) | null;
}

export interface DumpPending {
  kind: 'dump';
  seq: number;
  queue: AsyncQueue<DumpChunk | Message[]>;
  /** Messages of the datagram being dispatched, pushed to the queue as one batch. */
  current: Message[];
  highWaterMark: number;
  stream: { interrupted: boolean };
  describeOffset: DescribeOffset | undefined;
  sent: boolean;
  deadline: Deadline | null;
  /**
   * The consumer left before DONE. The kernel allows one dump per socket and answers another with EBUSY until this
   * one ends, and it makes each further datagram only when we read: so the rest is read and dropped, and the socket's
   * dump slot is released at its DONE.
   */
  abandoned: boolean;
}

export type Pending = RequestPending | DumpPending;

/** A kernel error, its extended-ACK offset named by the request's encoder where it can. */
export function kernelError(errno: number, extack: ExtendedAck, describe: DescribeOffset | undefined): NetlinkError {
  if (describe && extack.offset !== undefined) {
    const attribute = describe(extack.offset);
    if (attribute) extack = { ...extack, attribute };
  }
  return new NetlinkError(errno, extack);
}

/** sendto failed: the kernel took none of the window. */
export function sendError(errno: number): NetlinkError {
  return new NetlinkError(errno, {}, 'send: the kernel did not take the batch');
}

export function closedError(): RequestError {
  return new RequestError('the netlink socket is closed', 'ERR_NETLINK_CLOSED');
}

/** The kernel dropped the answer: ENOBUFS (105), as the receive-queue overrun that lost it. */
export function lostError(): NetlinkError {
  return new NetlinkError(105, { message: 'the reply was lost in a receive-queue overrun' });
}
