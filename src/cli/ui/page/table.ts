/**
 * One kind's rows on the page, kept as the snapshot's columns rather than as an array per row. A column whose
 * cells repeat keeps its distinct values and a typed array of indexes into them, filled run by run, and IPv4
 * prefixes stay numbers until read: loading 100,000 routes is a few memsets, with nothing per row to allocate (or
 * collect). Rows live in slots;
 * a delete empties its slot, an add takes a new one, and the slots are packed again when half are empty. The index
 * from key to slot is built at the first lookup, not at load.
 */
import { decodeColumn, formatInet4, type Cell, type Column, type Columns, type Row } from '../protocol.js';

/** One column's cells by slot. */
export interface TableColumn<V = Cell> {
  get(slot: number): V;
  set(slot: number, v: V): void;
  push(v: V): void;
  /** A column of the given slots only, in that order. */
  pick(slots: readonly number[]): TableColumn<V>;
}

/** Vs as they are (mostly distinct: prefixes, gateways). */
class Plain<V = Cell> implements TableColumn<V> {
  constructor(private readonly cells: V[] = []) {}
  get(slot: number): V {
    return this.cells[slot]!;
  }
  set(slot: number, v: V): void {
    this.cells[slot] = v;
  }
  push(v: V): void {
    this.cells.push(v);
  }
  pick(slots: readonly number[]): TableColumn<V> {
    return new Plain(slots.map((s) => this.cells[s]!));
  }
}

/** Distinct values and, per slot, the index of its value. */
class Coded<V = Cell> implements TableColumn<V> {
  private codes: Int32Array;
  private length: number;
  private index: Map<V, number> | undefined;
  constructor(private readonly dict: V[], codes: Int32Array, length = codes.length) {
    this.codes = codes;
    this.length = length;
  }
  static runs<V>(dict: V[], runs: number[]): Coded<V> {
    let n = 0;
    for (let i = 1; i < runs.length; i += 2) n += runs[i]!;
    const codes = new Int32Array(n);
    for (let i = 0, at = 0; i < runs.length; at += runs[i + 1]!, i += 2) codes.fill(runs[i]!, at, at + runs[i + 1]!);
    return new Coded(dict, codes);
  }
  get(slot: number): V {
    return this.dict[this.codes[slot]!]!;
  }
  set(slot: number, v: V): void {
    this.codes[slot] = this.code(v);
  }
  push(v: V): void {
    if (this.length === this.codes.length) {
      const wider = new Int32Array(Math.max(16, this.codes.length * 2));
      wider.set(this.codes);
      this.codes = wider;
    }
    this.codes[this.length++] = this.code(v);
  }
  pick(slots: readonly number[]): TableColumn<V> {
    const codes = new Int32Array(slots.length);
    slots.forEach((s, i) => (codes[i] = this.codes[s]!));
    return new Coded(this.dict, codes);
  }
  private code(v: V): number {
    this.index ??= new Map(this.dict.map((d, i) => [d, i]));
    let code = this.index.get(v);
    if (code === undefined) {
      this.index.set(v, (code = this.dict.length));
      this.dict.push(v);
    }
    return code;
  }
}

/**
 * IPv4 addresses or prefixes from `inet4` runs, kept as numbers and written as text when first read (the rows in
 * sight, or every row once a filter reads them): loading 100,000 prefixes makes no string at all. A cell set
 * since is kept as it is, in the same place the text is cached.
 */
class Inet4 implements TableColumn {
  private readonly addresses: Uint32Array;
  private readonly lengths: Int8Array;
  private readonly cells: (Cell | undefined)[];
  constructor({ inet4: runs, texts }: { inet4: number[]; texts: string[] }) {
    let n = 0;
    for (let i = 2; i < runs.length; i += 4) n += runs[i]!;
    this.addresses = new Uint32Array(n);
    this.lengths = new Int8Array(n);
    this.cells = new Array<Cell | undefined>(n);
    let next = 0;
    for (let i = 0, at = 0; i < runs.length; i += 4) {
      const [address, step, count, length] = [runs[i]!, runs[i + 1]!, runs[i + 2]!, runs[i + 3]!];
      if (length === -2) {
        for (let k = 0; k < count; k++) this.cells[at++] = texts[next++];
        continue;
      }
      this.lengths.fill(length, at, at + count);
      for (let k = 0; k < count; k++) this.addresses[at++] = address + k * step;
    }
  }
  get(slot: number): Cell {
    return (this.cells[slot] ??= formatInet4(this.addresses[slot]!, this.lengths[slot]!));
  }
  set(slot: number, v: Cell): void {
    this.cells[slot] = v;
  }
  push(v: Cell): void {
    this.cells.push(v);
  }
  pick(slots: readonly number[]): TableColumn {
    return new Plain(slots.map((s) => this.get(s)));
  }
}

function columnOf(c: Column): TableColumn {
  if ('inet4' in c) return new Inet4(c);
  return 'runs' in c ? Coded.runs(c.dict, c.runs) : new Plain(decodeColumn(c));
}

function keysOf(c: Column): TableColumn<Cell | null> {
  return 'runs' in c ? Coded.runs<Cell | null>(c.dict, c.runs) : new Plain<Cell | null>(decodeColumn(c));
}

export class Table {
  /** Each slot's key; 0: the cell in column keyColumn; null: an empty slot. */
  private keys: TableColumn<Cell | null>;
  private cols: TableColumn[];
  private slotCount: number;
  private index: Map<string, number> | undefined;
  private empty = 0;
  /** Bumped whenever slots move (a packing): a list of slots made before is stale. */
  generation = 0;

  private constructor(private readonly keyColumn: number, keys: TableColumn<Cell | null>, cols: TableColumn[], slots: number) {
    this.keys = keys;
    this.cols = cols;
    this.slotCount = slots;
  }

  /** A table of no rows. */
  static empty(width: number, keyColumn: number): Table {
    return new Table(keyColumn, new Plain<Cell | null>(), Array.from({ length: width }, () => new Plain()), 0);
  }

  /** A snapshot's columns, as they are. */
  static from(c: Columns): Table {
    const slots = 'runs' in c.keys ? c.keys.runs.reduce((n, v, i) => (i % 2 ? n + v : n), 0) : decodeColumn(c.keys).length;
    return new Table(c.keyColumn, keysOf(c.keys), c.cells.map(columnOf), slots);
  }

  /** Rows present. */
  get size(): number {
    return this.slotCount - this.empty;
  }

  /** Slots, empty ones included: iterate 0 … slots - 1 and skip those `has` says are empty. */
  get slots(): number {
    return this.slotCount;
  }

  has(slot: number): boolean {
    return this.keys.get(slot) !== null;
  }

  /** A column's cells by slot (read-only to callers; empty slots hold stale cells). */
  column(j: number): Pick<TableColumn, 'get'> {
    return this.cols[j]!;
  }

  key(slot: number): string {
    const k = this.keys.get(slot);
    return k === 0 ? String(this.cols[this.keyColumn]!.get(slot)) : String(k);
  }

  row(slot: number): Row {
    const row: Row = [];
    for (const c of this.cols) row.push(c.get(slot));
    return row;
  }

  get(key: string): Row | undefined {
    const slot = this.lookup().get(key);
    return slot === undefined ? undefined : this.row(slot);
  }

  set(key: string, row: Row): void {
    const index = this.lookup();
    const slot = index.get(key);
    if (slot === undefined) {
      index.set(key, this.slotCount++);
      this.keys.push(key);
      this.cols.forEach((c, j) => c.push(row[j]!));
    } else {
      this.keys.set(slot, key);
      this.cols.forEach((c, j) => c.set(slot, row[j]!));
    }
  }

  delete(key: string): void {
    const index = this.lookup();
    const slot = index.get(key);
    if (slot === undefined) return;
    index.delete(key);
    this.keys.set(slot, null);
    if (++this.empty > 1024 && this.empty * 2 > this.slotCount) this.pack();
  }

  /** Every row present, in slot order. */
  values(): Row[] {
    const out: Row[] = [];
    for (let s = 0; s < this.slotCount; s++) if (this.has(s)) out.push(this.row(s));
    return out;
  }

  private lookup(): Map<string, number> {
    if (this.index) return this.index;
    const index = new Map<string, number>();
    for (let s = 0; s < this.slotCount; s++) if (this.has(s)) index.set(this.key(s), s);
    return (this.index = index);
  }

  /** Drop the empty slots. */
  private pack(): void {
    const keep: number[] = [];
    for (let s = 0; s < this.slotCount; s++) if (this.has(s)) keep.push(s);
    this.keys = this.keys.pick(keep);
    this.cols = this.cols.map((c) => c.pick(keep));
    this.slotCount = keep.length;
    this.empty = 0;
    this.index = undefined;
    this.generation++;
  }
}
