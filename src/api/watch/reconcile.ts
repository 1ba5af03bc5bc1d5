/**
 * Resync without decoding what did not change. The kernel dumps a table in the same order each time, so a watch
 * keeps the last dump as a sequence of message digests, each with the key and object it decoded to; the next dump
 * is walked against it with a cursor, and a message whose bytes are those of the old message at (or just after) the
 * cursor is the same object again. Only the rest is decoded and compared.
 */

/** Two independent 32-bit hashes of a message's bytes from `start` to `end` (a 64-bit digest). */
export function digest(view: DataView, start: number, end: number, out: Uint32Array): void {
  let a = 0x811c9dc5;
  let b = 0x9e3779b9;
  let at = start;
  for (; at + 4 <= end; at += 4) {
    const w = view.getUint32(at, true);
    a = Math.imul(a ^ w, 0x01000193);
    b = Math.imul(b + w, 0x85ebca6b) ^ (b >>> 13);
  }
  for (; at < end; at++) {
    const w = view.getUint8(at);
    a = Math.imul(a ^ w, 0x01000193);
    b = Math.imul(b + w, 0x85ebca6b) ^ (b >>> 13);
  }
  out[0] = a;
  out[1] = b ^ (end - start);
}

/** One dump in order: each message's digest, and the key and object it stands for (none if left out). */
export class DumpSequence<T> {
  hashA: Uint32Array;
  hashB: Uint32Array;
  readonly keys: (string | undefined)[];
  readonly objects: (T | undefined)[];
  length = 0;

  /** `capacity`: room for this many messages before growing (the last dump's size is a good guess). */
  constructor(capacity = 1024) {
    this.hashA = new Uint32Array(capacity);
    this.hashB = new Uint32Array(capacity);
    // Filled, so that V8 keeps fast elements: a bare `new Array(n)` of a large n gets slow dictionary elements.
    this.keys = new Array<string | undefined>(capacity).fill(undefined);
    this.objects = new Array<T | undefined>(capacity).fill(undefined);
  }

  push(a: number, b: number, key: string | undefined, object: T | undefined): void {
    const at = this.length++;
    if (at === this.hashA.length) this.grow();
    this.hashA[at] = a;
    this.hashB[at] = b;
    if (at < this.keys.length) {
      this.keys[at] = key;
      this.objects[at] = object;
    } else {
      this.keys.push(key);
      this.objects.push(object);
    }
  }

  private grow(): void {
    const size = this.hashA.length * 2;
    const a = new Uint32Array(size);
    const b = new Uint32Array(size);
    a.set(this.hashA);
    b.set(this.hashB);
    this.hashA = a;
    this.hashB = b;
  }
}

/** How far past the cursor a digest is looked for: objects deleted since the last dump leave gaps. */
const LOOKAHEAD = 4;

/** Walks one new dump against the last: what to set in the view, and what the new dump no longer has. */
export class Reconciler<T> {
  readonly next: DumpSequence<T>;
  /** Keys to set in the view, with their new objects. */
  readonly sets: [string, T][] = [];
  private readonly seen: Uint8Array;
  private cursor = 0;
  private positions: Map<string, number> | undefined;
  private readonly found = new Set<string>();

  /**
   * `view`: the objects now; `changedSince`: keys that notifications set or deleted since the last dump (the
   * sequence knows nothing of them). Without a last dump to go by (`old` empty and `complete`), every key of the
   * view is checked against the new dump.
   */
  constructor(
    private readonly old: DumpSequence<T>,
    private readonly view: ReadonlyMap<string, T>,
    private readonly changedSince: ReadonlySet<string>,
    private readonly same: (a: T, b: T) => boolean,
    private readonly complete = false,
  ) {
    this.seen = new Uint8Array(old.length);
    this.next = new DumpSequence<T>(Math.max(1024, old.length + (old.length >> 4)));
  }

  /**
   * The next message of the new dump, by digest: true if it is the same as one just ahead in the last dump (and so
   * taken); otherwise the caller decodes it and hands it to `decoded` or `skipped`.
   */
  matches(a: number, b: number): boolean {
    const old = this.old;
    const stop = Math.min(this.cursor + LOOKAHEAD, old.length);
    for (let p = this.cursor; p < stop; p++) {
      if (old.hashA[p] === a && old.hashB[p] === b) {
        this.seen[p] = 1;
        this.cursor = p + 1;
        const key = old.keys[p];
        const object = old.objects[p];
        this.next.push(a, b, key, object);
        // Only a notification since the last dump can have put another object in the view under this key.
        if (key !== undefined && this.changedSince.size > 0 && this.changedSince.has(key)) this.keep(key, object!);
        return true;
      }
    }
    return false;
  }

  /** A message that did not match, decoded to an object the view holds under `key`. */
  decoded(a: number, b: number, key: string, object: T): void {
    const was = this.view.get(key);
    if (was !== undefined && !this.changedSince.has(key)) {
      // In the last dump, but not where the cursor is: find its old place, so the cursor follows the dump again.
      const p = this.position(key);
      if (p !== undefined) {
        this.seen[p] = 1;
        if (p >= this.cursor) this.cursor = p + 1;
      }
    }
    const kept = was !== undefined && this.same(was, object) ? was : object;
    this.next.push(a, b, key, kept);
    this.keep(key, kept);
  }

  /** A message that did not match and that the view leaves out (filtered, or not an object of the kind). */
  skipped(a: number, b: number): void {
    this.next.push(a, b, undefined, undefined);
  }

  /**
   * Keys in the view that the new dump does not have. A key of the last dump not seen where it stood may still be
   * in the new one elsewhere: a dump that resumes while objects come and go (conntrack's, by the last entry's id;
   * the bridge's) can hold an object twice, and the next dump holds it once — only one of its old places is seen.
   */
  *missing(): Iterable<string> {
    const old = this.old;
    let present: Set<string | undefined> | undefined;
    for (let p = 0; p < old.length; p++) {
      const key = old.keys[p];
      if (this.seen[p] === 0 && key !== undefined && !this.found.has(key)) {
        if ((present ??= new Set(this.next.keys.slice(0, this.next.length))).has(key)) continue;
        yield key;
      }
    }
    for (const key of this.changedSince) if (!this.found.has(key)) yield key;
    if (this.complete) for (const key of this.view.keys()) if (!this.found.has(key)) yield key;
  }

  private keep(key: string, object: T): void {
    if (this.view.get(key) !== object) this.sets.push([key, object]);
    if (this.complete || (this.changedSince.size > 0 && this.changedSince.has(key))) this.found.add(key);
  }

  /** Where `key` was in the last dump: looked for just ahead of the cursor, then in an index built once. */
  private position(key: string): number | undefined {
    const keys = this.old.keys;
    const stop = Math.min(this.cursor + 256, this.old.length);
    for (let p = this.cursor; p < stop; p++) if (keys[p] === key) return p;
    if (!this.positions) {
      this.positions = new Map();
      for (let p = 0; p < this.old.length; p++) if (keys[p] !== undefined) this.positions.set(keys[p]!, p);
    }
    return this.positions.get(key);
  }
}
