/**
 * ss's output buffer and column layout, reproduced: each line is ten fields (Netid, State, Recv-Q, Send-Q, local
 * address, port, peer address, port, extra, process); ss keeps them as tokens in 1 MiB chunks and lays out the
 * buffered lines whenever five chunks are full, with column widths measured over everything seen so far. To a
 * pipe the columns are as wide as their widest field; on a terminal the spare width is spread across them.
 * Widths only grow, so a long listing's layout depends on where ss rendered: the chunk accounting below follows
 * ss's byte for byte, so that its breaks fall where ss's do.
 */
const enum Align { Left, Right }

interface Column {
  align: Align;
  header: string;
  ldelim: string;
  disabled: boolean;
  width: number;
  maxLen: number;
}

export const COLS = 10;
/** COL_EXT: everything after the peer's port. */
const EXT = 8;

// struct buf_chunk is two pointers and the data; a token is a u16 length and its text, 2-aligned.
const CHUNK = 1024 * 1024 - 16;
const CHUNKS_MAX = 5;
/** Output is written in chunks of this size. */
const OUT = 256 * 1024;

export class Renderer {
  readonly columns: Column[] = [
    { align: Align.Left, header: 'Netid', ldelim: '', disabled: false, width: 0, maxLen: 0 },
    { align: Align.Left, header: 'State', ldelim: ' ', disabled: false, width: 0, maxLen: 0 },
    { align: Align.Left, header: 'Recv-Q', ldelim: ' ', disabled: false, width: 0, maxLen: 0 },
    { align: Align.Left, header: 'Send-Q', ldelim: ' ', disabled: false, width: 0, maxLen: 0 },
    { align: Align.Right, header: 'Local Address:', ldelim: ' ', disabled: false, width: 0, maxLen: 0 },
    { align: Align.Left, header: 'Port', ldelim: '', disabled: false, width: 0, maxLen: 0 },
    { align: Align.Right, header: 'Peer Address:', ldelim: ' ', disabled: false, width: 0, maxLen: 0 },
    { align: Align.Left, header: 'Port', ldelim: '', disabled: false, width: 0, maxLen: 0 },
    { align: Align.Left, header: 'Process', ldelim: '', disabled: false, width: 0, maxLen: 0 },
    { align: Align.Left, header: '', ldelim: '', disabled: false, width: 0, maxLen: 0 },
  ];
  /**
   * Tokens of the buffered lines: a line's fields (enabled columns only) then '\n'; a packed line is one number,
   * its index in `store`.
   */
  private fields: (string | number)[] = [];
  private store: PackedLines | undefined;
  private chunks = 0;
  /** Where the current chunk ends (bytes used), and where its current token starts. */
  private end = 0;
  private tokenAt = 0;
  private started = false;
  /**
   * The last line's extra text (column 8) is ss's current field until the next line starts: only then is it
   * flushed and measured. A render before that (the end of a dump, each -E event) sizes the column without it.
   */
  private pending = -1;

  constructor(
    /** The terminal's width, or undefined for a pipe (ss's compact output). */
    private readonly screenWidth: number | undefined,
    private readonly write: (chunk: string | Uint8Array) => void,
  ) {}

  disable(col: number): void {
    this.columns[col]!.disabled = true;
  }

  /** The header line: ss's print_header walks (and so flushes) every column up to the last. */
  header(): void {
    const f: string[] = [];
    for (let i = 0; i < COLS - 1; i++) f.push(this.columns[i]!.header);
    f.push('');
    this.line(f);
    this.flushPending();
  }

  private flushPending(): void {
    const c = this.columns[EXT]!;
    if (this.pending > c.maxLen) c.maxLen = this.pending;
    this.pending = -1;
  }

  /** Before a line: flush the last line's extra text, and render when ss would (five chunks allocated). */
  ready(): void {
    this.flushPending();
    if (this.chunks >= CHUNKS_MAX) this.render();
  }

  /** One socket's fields (COLS strings). */
  line(f: readonly string[]): void {
    this.ready();
    const cols = this.columns;
    for (let i = 0; i < COLS; i++) {
      const c = cols[i]!;
      if (c.disabled) continue;
      const s = f[i]!;
      this.fields.push(s);
      this.measure(i, c, s.length);
    }
    this.fields.push('\n');
  }

  /** Line `i` of `store`, added after `ready()`: measured now, its bytes written when rendered. */
  packed(store: PackedLines, i: number): void {
    this.store = store;
    const cols = this.columns;
    for (let k = 0; k < COLS; k++) {
      const c = cols[k]!;
      if (!c.disabled) this.measure(k, c, store.length(i, k));
    }
    this.fields.push(i);
  }

  private measure(i: number, c: Column, len: number): void {
    if (i === EXT) this.pending = len;
    else if (len > c.maxLen) c.maxLen = len;
    this.account(len);
  }

  private newChunk(): void {
    this.chunks++;
    this.tokenAt = 0;
    this.end = 2;
  }

  /** Store one token of `len` bytes and flush it, as out() and field_flush() do. */
  private account(len: number): void {
    if (!this.started) {
      this.started = true;
      this.newChunk();
    }
    if (!(len < CHUNK - this.end) && this.tokenAt !== 0) {
      this.newChunk();
    }
    this.end += len;
    const pad = len % 2;
    if (CHUNK - this.end - pad < 2) {
      this.newChunk();
      return;
    }
    this.tokenAt = this.tokenAt + 2 + len + pad;
    this.end = this.tokenAt + 2;
  }

  private calcWidths(): void {
    const cols = this.columns;
    let first = true;
    for (const c of cols) {
      if (c.disabled) continue;
      c.width = !first && c.maxLen ? c.maxLen + c.ldelim.length : c.maxLen;
      if (this.screenWidth !== undefined) c.width = Math.min(c.width, this.screenWidth);
      if (c.width) first = false;
    }
    const screen = this.screenWidth;
    if (screen === undefined) return;
    let len = 0, linecols = 0, eol = -1;
    for (let i = 0; i < COLS; i++) {
      let c = cols[i]!;
      if (!c.width) continue;
      linecols++;
      len += c.width;
      let last = true;
      for (let j = i + 1; j < COLS; j++) if (cols[j]!.width) { last = false; break; }
      if (!last && len < screen) continue;
      if (len !== screen) {
        if (len > screen) {
          len -= c.width;
          i--;
          linecols--;
          c = cols[i]!;
        }
        const pad = screen - len;
        const spacing = Math.floor(pad / linecols);
        let rem = pad % linecols;
        for (let t = i; t > eol; t--) {
          const tc = cols[t]!;
          if (!tc.width) continue;
          tc.width += spacing;
          if (rem) {
            tc.width++;
            rem--;
          }
        }
      }
      eol = i;
      len = 0;
      linecols = 0;
    }
  }

  /** Lay out and write everything buffered (ss's render()), in large byte chunks. */
  render(): void {
    if (!this.started) return;
    this.calcWidths();
    const cols = this.columns;
    const store = this.store;
    let out = Buffer.allocUnsafe(OUT);
    let at = 0;
    let f = 0;
    while (f < COLS && (cols[f]!.disabled || !cols[f]!.width)) f++;
    let lineStarted = false;
    const spaces = (n: number): void => {
      for (const end = at + n; at < end; ) out[at++] = 32;
    };
    /** One token laid out in column f: its text `s`, or field `col` of packed line `line`. */
    const token = (len: number, s: string | undefined, line: number, col: number): void => {
      const c = cols[f]!;
      if (at + c.width + 3 * len + 8 > out.length) {
        this.write(out.subarray(0, at));
        out = Buffer.allocUnsafe(Math.max(OUT, c.width + 3 * len + 8));
        at = 0;
      }
      let printed = 0;
      if (lineStarted && c.ldelim) {
        out[at++] = 32;
        printed = 1;
      }
      lineStarted = true;
      if (c.width && c.align === Align.Right) {
        const sp = c.width - len - printed;
        if (sp > 0) {
          spaces(sp);
          printed += sp;
        }
      }
      at = s === undefined ? store!.put(line, col, out, at) : at + out.write(s, at, 'utf8');
      printed += len;
      if (c.width && c.align === Align.Left) {
        const sp = c.width - printed;
        if (sp > 0) spaces(sp);
      }
      f++;
      while (f < COLS && cols[f]!.disabled) f++;
    };
    const newline = (): void => {
      out[at++] = 10;
      lineStarted = false;
      f = 0;
      while (f < COLS && cols[f]!.disabled) f++;
      if (at > OUT - 4096) {
        this.write(out.subarray(0, at));
        out = Buffer.allocUnsafe(OUT);
        at = 0;
      }
    };
    const fields = this.fields;
    for (let k = 0; k < fields.length; k++) {
      const s = fields[k]!;
      if (typeof s === 'number') {
        for (let col = 0; col < COLS; col++) if (!cols[col]!.disabled) token(store!.length(s, col), undefined, s, col);
        if (f >= COLS) newline();
        else token(1, '\n', 0, 0);
      } else if (s === '\n' && f >= COLS) newline();
      else token(s.length, s, 0, 0);
    }
    if (at) this.write(out.subarray(0, at));
    this.fields = [];
    store?.reset();
    this.chunks = 0;
    this.started = false;
    this.pending = -1;
  }
}

/** Lines kept as numbers until they are laid out: their fields' lengths now, their bytes when rendered. */
export interface PackedLines {
  /** The length of field `col` (0 … COLS-1) of line `i`. */
  length(i: number, col: number): number;
  /** Write field `col` of line `i` into `out` at `at` (room for it is there); the offset after it. */
  put(i: number, col: number, out: Buffer, at: number): number;
  /** Forget every line: the renderer has written them. */
  reset(): void;
}
