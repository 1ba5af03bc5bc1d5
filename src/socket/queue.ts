import { RequestError } from '../wire/errors.js';

/**
 * A single-consumer queue exposed as an AsyncIterable. Producers push synchronously from the receive loop;
 * `onConsume` lets the socket resume reading once a stalled consumer catches up (backpressure).
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
      if (signal.aborted) this.fail(abortError(signal));
      else {
        const onAbort = () => this.fail(abortError(signal));
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
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private finish(): void {
    this.detachAbort?.();
    this.detachAbort = null;
    if (this.waiter && this.head >= this.items.length) {
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

export function abortError(signal: AbortSignal): RequestError {
  return new RequestError('the operation was aborted', 'ABORT_ERR', { cause: signal.reason });
}
