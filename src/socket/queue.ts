import { abortError } from '../wire/errors.js';

/** Node's AbortError for an aborted signal (defined with the other errors in src/wire). */
export { abortError };

/**
 * A single-consumer queue exposed as an AsyncIterable. Producers push synchronously from the receive loop;
 * `onConsume` lets the socket resume reading once a stalled consumer catches up (backpressure).
 *
 * An abort of `signal` drops whatever is queued and rejects the consumer's current or next `next()` with an
 * AbortError (cause: the signal's reason), even when the producer had already ended the queue: whoever aborted
 * wants no more items. Once the consumer has seen the end (or left), an abort changes nothing.
 */
export class AsyncQueue<T> implements AsyncIterableIterator<T> {
  private items: T[] = [];
  private head = 0;
  private waiter: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } | null = null;
  private done = false;
  private failure: unknown = undefined;
  private detachAbort: (() => void) | null = null;
  private closeNotified = false;

  constructor(
    private readonly onClose: () => void = () => {},
    readonly onConsume: () => void = () => {},
    signal?: AbortSignal,
  ) {
    if (signal) {
      if (signal.aborted) this.abort(abortError(signal));
      else {
        const onAbort = () => this.abort(abortError(signal));
        signal.addEventListener('abort', onAbort, { once: true });
        this.detachAbort = () => signal.removeEventListener('abort', onAbort);
      }
    }
  }

  get size(): number {
    return this.items.length - this.head;
  }

  get closed(): boolean {
    return this.done;
  }

  push(item: T): void {
    if (this.done) return;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w.resolve({ value: item, done: false });
    } else this.items.push(item);
  }

  /** End after the queued items have been consumed. */
  end(): void {
    if (this.done) return;
    this.done = true;
    this.finish();
  }

  /** End with an error, after the queued items. */
  fail(error: unknown): void {
    if (this.done) return;
    this.failure = error;
    this.done = true;
    this.finish();
  }

  /** Drop what is queued and fail at once, even after end(), unless the consumer has already seen the end. */
  private abort(error: unknown): void {
    if (this.detachAbort === null && this.done) return;
    this.items = [];
    this.head = 0;
    this.failure = error;
    this.done = true;
    this.finish();
  }

  next(): Promise<IteratorResult<T>> {
    if (this.head < this.items.length) {
      const value = this.items[this.head++] as T;
      if (this.head > 1024 && this.head * 2 > this.items.length) {
        this.items = this.items.slice(this.head);
        this.head = 0;
      }
      this.onConsume();
      return Promise.resolve({ value, done: false });
    }
    if (this.done) {
      this.settled();
      if (this.failure !== undefined) {
        const f = this.failure;
        this.failure = undefined;
        return Promise.reject(f);
      }
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
      this.onConsume();
    });
  }

  /** The consumer left (break out of for-await): stop producing. */
  return(): Promise<IteratorResult<T>> {
    this.items = [];
    this.head = 0;
    this.failure = undefined;
    this.done = true;
    this.finish();
    this.settled();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** The consumer has seen the end: an abort no longer concerns it. */
  private settled(): void {
    this.detachAbort?.();
    this.detachAbort = null;
  }

  private finish(): void {
    if (this.waiter && this.head >= this.items.length) {
      this.settled();
      const w = this.waiter;
      this.waiter = null;
      if (this.failure !== undefined) {
        const f = this.failure;
        this.failure = undefined;
        w.reject(f);
      } else w.resolve({ value: undefined, done: true });
    }
    if (!this.closeNotified) {
      this.closeNotified = true;
      this.onClose();
    }
  }
}
