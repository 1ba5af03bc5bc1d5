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
  /** Fields of the buffered lines, COLS per line (disabled ones kept empty and skipped). */
  private fields: string[] = [];
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
    private readonly write: (s: string) => void,
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

  /** One socket's fields (COLS strings). */
  line(f: readonly string[]): void {
    this.flushPending();
    // ss renders when it is about to start a line with five chunks allocated.
    if (this.chunks >= CHUNKS_MAX) this.render();
    const cols = this.columns;
    for (let i = 0; i < COLS; i++) {
      const c = cols[i]!;
      if (c.disabled) continue;
      const s = f[i]!;
      this.fields.push(s);
      if (i === EXT) this.pending = s.length;
      else if (s.length > c.maxLen) c.maxLen = s.length;
      this.account(s.length);
    }
    this.fields.push('\n');
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

  /** Lay out and write everything buffered (ss's render()). */
  render(): void {
    if (!this.started) return;
    this.calcWidths();
    const cols = this.columns;
    let out = '';
    let f = 0;
    while (f < COLS && (cols[f]!.disabled || !cols[f]!.width)) f++;
    let lineStarted = false;
    const fields = this.fields;
    for (let k = 0; k < fields.length; k++) {
      const s = fields[k]!;
      if (s === '\n' && f >= COLS) {
        out += '\n';
        lineStarted = false;
        f = 0;
        while (f < COLS && cols[f]!.disabled) f++;
        if (out.length > 65536) {
          this.write(out);
          out = '';
        }
        continue;
      }
      const c = cols[f]!;
      let printed = 0;
      if (lineStarted) {
        out += c.ldelim;
        printed = c.ldelim.length;
      }
      lineStarted = true;
      if (c.width && c.align === Align.Right) {
        const sp = c.width - s.length - printed;
        if (sp > 0) {
          out += ' '.repeat(sp);
          printed += sp;
        }
      }
      out += s;
      printed += s.length;
      if (c.width && c.align === Align.Left) {
        const sp = c.width - printed;
        if (sp > 0) out += ' '.repeat(sp);
      }
      f++;
      while (f < COLS && cols[f]!.disabled) f++;
    }
    if (out) this.write(out);
    this.fields = [];
    this.chunks = 0;
    this.started = false;
    this.pending = -1;
  }
}
