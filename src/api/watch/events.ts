/**
 * The events a watch holds for its consumer, never more than a bound. A consumer that does not keep up must not
 * make the watch stop reading the kernel (its view would go stale) nor grow a queue at the kernel's pace. So past
 * the bound a change is not queued: the queue notes, once per key, the object the consumer last saw, and when the
 * consumer has read the queue down it emits one event per noted key, from that object to the view's object now —
 * none if they are equal again. The consumer's picture stays exact; only the steps in between are folded.
 */
import { AsyncQueue } from '../../socket/queue.js';

/**
 * One difference a watch saw: an object added, changed or deleted, with what the consumer saw before and what holds
 * now.
 */
export interface WatchEvent<T> {
  type: 'add' | 'change' | 'delete';
  /** The object's kernel identity (see kinds.ts). */
  key: string;
  before: T | undefined;
  after: T | undefined;
}

/** The counters an event queue keeps (a part of WatchCounters). */
export interface EventCounters {
  events: number;
  queueHighWaterMark: number;
  coalesced: number;
}

/**
 * The events waiting for a watch's consumer: at most `highWaterMark`, then one note per changed key, emitted as the
 * consumer catches up.
 */
export class EventQueue<T> {
  readonly queue: AsyncQueue<WatchEvent<T>>;
  /** Keys changed while the consumer was behind, each with the object the consumer last saw (undefined: none). */
  private readonly behind = new Map<string, T | undefined>();
  /** A live iterator over `behind`: entries added while it walks are still visited, and it never rescans. */
  private cursor: Iterator<[string, T | undefined]> | null = null;

  constructor(
    private readonly view: ReadonlyMap<string, T>,
    private readonly same: (a: T, b: T) => boolean,
    private readonly bound: number,
    private readonly counters: EventCounters,
    onClose: () => void,
  ) {
    this.queue = new AsyncQueue<WatchEvent<T>>(onClose, () => this.refill());
  }

  /** Changes waiting for the consumer: queued events and noted keys. */
  get pending(): number {
    return this.queue.size + this.behind.size;
  }

  /** The view's object at `key` went from `before` to `after` (undefined: absent). */
  change(key: string, before: T | undefined, after: T | undefined): void {
    if (this.queue.closed) return;
    // Once a key is noted, every later change must be noted too, or a newer event could overtake an older one.
    if (this.behind.size === 0 && this.queue.size < this.bound) {
      this.enqueue(key, before, after);
      return;
    }
    this.counters.coalesced++;
    if (!this.behind.has(key)) this.behind.set(key, before);
  }

  end(): void {
    this.behind.clear();
    this.queue.end();
  }

  fail(error: unknown): void {
    this.behind.clear();
    this.queue.fail(error);
  }

  private enqueue(key: string, before: T | undefined, after: T | undefined): void {
    const type = before === undefined ? 'add' : after === undefined ? 'delete' : 'change';
    this.counters.events++;
    this.queue.push({ type, key, before, after });
    if (this.queue.size > this.counters.queueHighWaterMark) this.counters.queueHighWaterMark = this.queue.size;
  }

  /** The consumer read: once it has read the queue down to half, turn noted keys into events up to the bound. */
  private refill(): void {
    if (this.behind.size === 0 || this.queue.size > this.bound >> 1 || this.queue.closed) return;
    const cursor = (this.cursor ??= this.behind.entries());
    while (this.queue.size < this.bound) {
      const r = cursor.next();
      if (r.done) {
        this.cursor = null;
        return;
      }
      const [key, before] = r.value;
      this.behind.delete(key);
      const now = this.view.get(key);
      if (before === now || (before !== undefined && now !== undefined && this.same(before, now))) continue;
      this.enqueue(key, before, now);
    }
  }
}
