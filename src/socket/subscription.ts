/**
 * Subscriptions in the protocol core: multicast notifications (and, with acceptUserspace, userspace ports'
 * messages) delivered to every subscriber whose groups match, receive-queue overruns as events, and the
 * backpressure that stops reading while a subscriber holds as much as it may.
 */
import type { DecodeError } from '../wire/errors.js';
import type { Message } from '../wire/message.js';
import { AsyncQueue } from './queue.js';

/** What a subscription yields: a multicast notification (or a userspace message), or a lost-messages signal. */
export type SubscriptionEvent =
  | { type: 'message'; message: Message; group: number; nsid: number | undefined; sender: number }
  | { type: 'overrun'; count: number };

/**
 * What a subscription of a protocol whose messages carry no nlmsghdr (NETLINK_KOBJECT_UEVENT) yields: each datagram
 * whole, as the kernel sent it, or a lost-messages signal.
 */
export type DatagramEvent =
  | { type: 'datagram'; data: Buffer; group: number; sender: number }
  | { type: 'overrun'; count: number };

/** What NetlinkSocket.subscribe takes. */
export interface SubscribeOptions {
  /** Ends the subscription with an AbortError (see NetlinkSocket.subscribe). */
  signal?: AbortSignal;
  /** Datagrams a stalled consumer may leave queued before nlkit stops reading (so the kernel reports overruns). */
  highWaterMark?: number;
}

interface Subscription {
  queue: AsyncQueue<SubscriptionEvent | DatagramEvent>;
  groups: number[];
  highWaterMark: number;
}

export class Subscriptions {
  private readonly all = new Set<Subscription>();

  /** `changed` is told when a subscriber fills up or catches up, or one ends (the driver reconsiders reading). */
  constructor(private readonly changed: () => void) {}

  get size(): number {
    return this.all.size;
  }

  /** Whether some subscriber holds as much as it may: reading stops, so the backlog stays in the kernel. */
  get full(): boolean {
    for (const s of this.all) if (s.queue.size >= s.highWaterMark) return true;
    return false;
  }

  /**
   * A new subscription to `groups`: `join` is called with them unless it is aborted already, `leave` once it ends
   * (break, return, abort, close).
   */
  add(groups: readonly number[], options: SubscribeOptions, join: (groups: number[]) => void, leave: (groups: number[]) => void): AsyncIterableIterator<SubscriptionEvent | DatagramEvent> {
    const sub: Subscription = {
      groups: [...groups],
      highWaterMark: options.highWaterMark ?? 4096,
      queue: null as unknown as AsyncQueue<SubscriptionEvent | DatagramEvent>,
    };
    const queue = new AsyncQueue<SubscriptionEvent | DatagramEvent>(
      () => {
        this.all.delete(sub);
        leave(sub.groups);
        this.changed();
      },
      () => this.changed(),
      options.signal,
    );
    sub.queue = queue;
    if (queue.closed) return queue;
    join(sub.groups);
    this.all.add(sub);
    this.changed();
    return queue;
  }

  /** A notification to `group`, for the subscribers of that group. */
  notify(group: number, message: Message, nsid: number | undefined, sender: number): void {
    for (const s of this.all) if (s.groups.includes(group)) this.deliver(s, { type: 'message', message, group, nsid, sender });
  }

  /** A datagram with no nlmsghdr to `group`, whole, for the subscribers of that group. */
  datagram(group: number, data: Buffer, sender: number): void {
    for (const s of this.all) if (s.groups.includes(group)) this.deliver(s, { type: 'datagram', data, group, sender });
  }

  /** A userspace port's unicast message, for every subscriber. */
  unicast(message: Message, sender: number): void {
    for (const s of this.all) this.deliver(s, { type: 'message', message, group: 0, nsid: undefined, sender });
  }

  /** The kernel dropped messages for us: every subscriber learns it, with the socket's overrun count so far. */
  overrun(count: number): void {
    for (const s of this.all) s.queue.push({ type: 'overrun', count });
  }

  /** A malformed datagram to `group` ends its subscribers' streams with the error. */
  corrupt(group: number, error: DecodeError): void {
    for (const s of this.all) if (s.groups.includes(group)) s.queue.fail(error);
  }

  endAll(): void {
    for (const s of [...this.all]) s.queue.end();
  }

  private deliver(s: Subscription, event: SubscriptionEvent | DatagramEvent): void {
    s.queue.push(event);
    if (s.queue.size >= s.highWaterMark) this.changed();
  }
}
