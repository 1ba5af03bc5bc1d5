/**
 * One kind's rows on the page, kept as the snapshot's columns rather than as an array per row: loading 100,000
 * routes is a split and a few runs expanded, with nothing per row to allocate (or collect). Rows live in slots;
 * a delete empties its slot, an add takes a new one, and the slots are packed again when half are empty. The index
 * from key to slot is built at the first lookup, not at load.
 */
import { decodeColumn, type Cell, type Columns, type Row } from '../protocol.js';

export class Table {
  /** Each slot's key; 0: the cell in column keyColumn; null: an empty slot. */
  private keys: (Cell | null)[];
  /** The cells by column, then slot. */
  private cols: Cell[][];
  private index: Map<string, number> | undefined;
  private empty = 0;
  /** Bumped whenever slots move (a packing): a list of slots made before is stale. */
  generation = 0;

  constructor(private readonly width: number, private readonly keyColumn = -1, keys: Cell[] = [], cols?: Cell[][]) {
    this.keys = keys;
    this.cols = cols ?? Array.from({ length: width }, () => []);
  }

  /** A snapshot's columns, as they are. */
  static from(c: Columns): Table {
    const cols = c.cells.map(decodeColumn);
    return new Table(cols.length, c.keyColumn, decodeColumn(c.keys), cols);
  }

  /** Rows present. */
  get size(): number {
    return this.keys.length - this.empty;
  }

  /** Slots, empty ones included: iterate 0 … slots - 1 and skip those `has` says are empty. */
  get slots(): number {
    return this.keys.length;
  }

  has(slot: number): boolean {
    return this.keys[slot] !== null;
  }

  /** The column's cells by slot (read-only to callers; empty slots hold stale cells). */
  column(j: number): readonly Cell[] {
    return this.cols[j]!;
  }

  key(slot: number): string {
    const k = this.keys[slot];
    return k === 0 ? String(this.cols[this.keyColumn]![slot]) : String(k);
  }

  row(slot: number): Row {
    const row: Row = [];
    for (let j = 0; j < this.width; j++) row.push(this.cols[j]![slot]!);
    return row;
  }

  get(key: string): Row | undefined {
    const slot = this.lookup().get(key);
    return slot === undefined ? undefined : this.row(slot);
  }

  set(key: string, row: Row): void {
    const index = this.lookup();
    let slot = index.get(key);
    if (slot === undefined) {
      index.set(key, (slot = this.keys.length));
      this.keys.push(key);
      for (let j = 0; j < this.width; j++) this.cols[j]!.push(row[j]!);
    } else {
      this.keys[slot] = key;
      for (let j = 0; j < this.width; j++) this.cols[j]![slot] = row[j]!;
    }
  }

  delete(key: string): void {
    const index = this.lookup();
    const slot = index.get(key);
    if (slot === undefined) return;
    index.delete(key);
    this.keys[slot] = null;
    if (++this.empty > 1024 && this.empty * 2 > this.keys.length) this.pack();
  }

  /** Every row present, in slot order. */
  values(): Row[] {
    const out: Row[] = [];
    for (let s = 0; s < this.keys.length; s++) if (this.keys[s] !== null) out.push(this.row(s));
    return out;
  }

  private lookup(): Map<string, number> {
    if (this.index) return this.index;
    const index = new Map<string, number>();
    for (let s = 0; s < this.keys.length; s++) if (this.keys[s] !== null) index.set(this.key(s), s);
    return (this.index = index);
  }

  /** Drop the empty slots. */
  private pack(): void {
    const keep: number[] = [];
    for (let s = 0; s < this.keys.length; s++) if (this.keys[s] !== null) keep.push(s);
    this.keys = keep.map((s) => this.keys[s]!);
    this.cols = this.cols.map((c) => keep.map((s) => c[s]!));
    this.empty = 0;
    this.index = undefined;
    this.generation++;
  }
}
