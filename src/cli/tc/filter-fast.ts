/**
 * `tc filter show`'s plain listing read straight from the dump's bytes: at ten thousand u32 filters, a typed object
 * per filter (with its selector's keys and handle strings) costs more than everything else the command does. A
 * message this module does not render byte for byte (a kind other than u32, an option it does not print the way
 * printFilter does) goes through the typed path instead; filter-fast.test.ts holds both to the same text.
 */
import type { DumpChunk } from '../../socket/dump.js';
import { filterFromMessage, protocolNames } from '../../api/tc.js';
import { formatHandle } from '../../api/tc-handle.js';
import { tcSchema } from '../../families/route/index.js';
import type { TcRun } from './common.js';

/** What a show command named, which its lines then leave out. */
export interface ShownWords {
  parent?: number;
  protocol?: number;
  prio?: number;
}

const RTM_NEWTFILTER = 44;
const NLMSG_HDRLEN = 16;
/**
 * Where tcmsg's attributes start, and the readers of a filter's attributes and of u32's options (one each, reused
 * for every filter).
 */
const TCMSG_LEN = tcSchema.attributesAt('newtfilter');
const filterAttrs = tcSchema.reader('tc-attrs');
const u32Attrs = tcSchema.reader('tc-u32-attrs');
const T = filterAttrs.id;
const U = u32Attrs.id;
/** The u32 options printFilter prints; any other one (police, act, indev, mark) goes the typed way. */
const printed = u32Attrs.mask([U.classid, U.hash, U.link, U.divisor, U.sel, U.pcnt, U.flags, U.pad]);
/**
 * sizeof(struct tc_u32_sel) before its keys (the declaration's tcU32Sel has no pad after nkeys, so its offsets past
 * nkeys are not the kernel's), its flags and nkeys, and one struct tc_u32_key.
 */
const U32_SEL_HDRLEN = 16;
const SEL_FLAGS = 0;
const SEL_NKEYS = 2;
const U32_KEYLEN = tcSchema.struct('tcU32Key').size;
const TC_H_ROOT = 0xffffffff;
const INGRESS = 0xfffffff1;
const EGRESS = 0xfffffff3;

/**
 * The lines of a datagram, written as bytes (every character of a u32 filter's line is ASCII): at ten thousand
 * filters, a string per line part is most of what the command allocates. text() is one string for them all.
 */
class Lines {
  buf = Buffer.allocUnsafe(1 << 16);
  n = 0;
  private room(k: number): void {
    if (this.n + k <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.n + k));
    this.buf.copy(bigger, 0, 0, this.n);
    this.buf = bigger;
  }
  /** ASCII text, a byte per character (short words: a loop costs less than a call into the runtime). */
  str(s: string): void {
    this.room(s.length);
    const b = this.buf;
    let n = this.n;
    for (let i = 0; i < s.length; i++) b[n++] = s.charCodeAt(i);
    this.n = n;
  }
  /** An unsigned number in hex, at least `width` digits. */
  hex(v: number, width = 1): void {
    v >>>= 0;
    let digits = 1;
    while (digits < 8 && v >>> (4 * digits) !== 0) digits++;
    if (digits < width) digits = width;
    this.room(digits);
    for (let i = digits - 1; i >= 0; i--) {
      this.buf[this.n + i] = HEX[v & 15]!;
      v >>>= 4;
    }
    this.n += digits;
  }
  /** An unsigned number in decimal. */
  dec(v: number): void {
    let digits = 1;
    for (let x = v; x >= 10; x = Math.floor(x / 10)) digits++;
    this.room(digits);
    for (let i = digits - 1; i >= 0; i--) {
      this.buf[this.n + i] = 0x30 + (v % 10);
      v = Math.floor(v / 10);
    }
    this.n += digits;
  }
  byte(c: number): void {
    this.room(1);
    this.buf[this.n++] = c;
  }
  /** The text so far without its last newline, and empty again. */
  take(): string {
    const t = this.buf.toString('latin1', 0, this.n > 0 && this.buf[this.n - 1] === NL ? this.n - 1 : this.n);
    this.n = 0;
    return t;
  }
}

const HEX = Buffer.from('0123456789abcdef');
const NL = 0x0a;
const COLON = 0x3a;
const KIND_U32 = Buffer.from('u32\0');

/** formatHandle (`1:10`, `1:`, `:10`…) of a parent or classid. */
function handle(o: Lines, h: number): void {
  o.str(formatHandle(h));
}

/** formatU32Handle: `htid:hash:node`, each part in hex, left out where zero as tc leaves it out. */
function u32Handle(o: Lines, h: number): void {
  const htid = h >>> 20;
  const hash = (h >>> 12) & 0xff;
  const node = h & 0xfff;
  if (htid) {
    o.hex(htid);
    o.byte(COLON);
  }
  if (hash) o.hex(hash);
  if (node) {
    o.byte(COLON);
    o.hex(node);
  }
}

/**
 * Writes a filter message's lines, or returns false where the typed path must print it (printFilter); the shown
 * words filter by protocol and prio as show does.
 */
function render(buf: Buffer, view: DataView, at: number, end: number, w: ShownWords, o: Lines): boolean {
  const handleValue = view.getUint32(at + 8, true);
  const parent = view.getUint32(at + 12, true);
  const info = view.getUint32(at + 16, true);
  const r = filterAttrs;
  if (!r.walk(buf, view, at + TCMSG_LEN, end)) return false;
  const kindAt = r.offset(T.kind);
  if (kindAt < 0 || r.length(T.kind) < 4 || buf.compare(KIND_U32, 0, 4, kindAt, kindAt + 4) !== 0) return false;
  const chain = r.u32(T.chain);
  o.str('filter ');
  if (w.parent === undefined || w.parent !== parent) {
    if (parent === TC_H_ROOT) o.str('root ');
    else if (parent === INGRESS) o.str('ingress ');
    else if (parent === EGRESS) o.str('egress ');
    else {
      o.str('parent ');
      handle(o, parent);
      o.byte(0x20);
    }
  }
  if (info) {
    const proto = ((info & 0xff) << 8) | ((info >>> 8) & 0xff);
    if (w.protocol === undefined) {
      o.str('protocol ');
      const name = protocolNames.get(proto);
      if (name !== undefined) o.str(name);
      else {
        o.str('0x');
        o.hex(proto, 4);
      }
      o.byte(0x20);
    }
    if (w.prio === undefined) {
      o.str('pref ');
      o.dec(info >>> 16);
      o.byte(0x20);
    }
  }
  o.str('u32 ');
  if (chain !== undefined) {
    o.str('chain ');
    o.dec(chain);
    o.byte(0x20);
  }
  const opts = r.offset(T.options);
  if (opts < 0) {
    o.byte(NL);
    return true;
  }
  const u = u32Attrs;
  if (!u.walk(buf, view, opts, opts + r.length(T.options)) || !u.only(printed)) return false;
  const classid = u.u32(U.classid);
  const hash = u.u32(U.hash);
  const link = u.u32(U.link);
  const divisor = u.u32(U.divisor);
  const flags = u.u32(U.flags);
  const sel = u.offset(U.sel);
  let nkeys = 0;
  if (sel >= 0) {
    const selLen = u.length(U.sel);
    if (selLen < U32_SEL_HDRLEN) return false;
    nkeys = buf[sel + SEL_NKEYS]!;
    if (selLen < U32_SEL_HDRLEN + U32_KEYLEN * nkeys) return false;
  }
  if (handleValue) {
    o.str('fh ');
    u32Handle(o, handleValue);
    o.byte(0x20);
  }
  if (handleValue & 0xfff) {
    o.str('order ');
    o.dec(handleValue & 0xfff);
    o.byte(0x20);
  }
  if (divisor !== undefined) {
    o.str('ht divisor ');
    o.dec(divisor);
    o.byte(0x20);
  } else if (hash !== undefined) {
    o.str('key ht ');
    o.hex(hash >>> 20);
    o.str(' bkt ');
    o.hex((hash >>> 12) & 0xff);
    o.byte(0x20);
  }
  const terminal = sel >= 0 && (buf[sel + SEL_FLAGS]! & 1) !== 0;
  if (classid !== undefined) {
    o.str(terminal ? '*flowid ' : 'flowid ');
    handle(o, classid);
    o.byte(0x20);
  } else if (terminal) o.str('terminal flowid ');
  if (link !== undefined) {
    o.str('link ');
    u32Handle(o, link);
    o.byte(0x20);
  }
  if (flags !== undefined) {
    if (flags & 1) o.str('skip_hw ');
    if (flags & 2) o.str('skip_sw ');
    o.str(flags & 4 ? 'in_hw ' : 'not_in_hw ');
  }
  o.byte(NL);
  for (let i = 0; i < nkeys; i++) {
    const k = sel + U32_SEL_HDRLEN + U32_KEYLEN * i;
    o.str('  match ');
    o.hex(view.getUint32(k + 4, false), 8);
    o.byte(0x2f);
    o.hex(view.getUint32(k, false), 8);
    o.str(view.getInt32(k + 12, true) ? ' at nexthdr+' : ' at ');
    const off = view.getInt32(k + 8, true);
    if (off < 0) o.byte(0x2d);
    o.dec(Math.abs(off));
    o.byte(NL);
  }
  return true;
}

const out = new Lines();

/**
 * Prints a dump datagram's filters: rendered from bytes where it can, else by `typed` (printFilter). The lines go to
 * run.out as one text (lines joined by newlines) per datagram.
 */
export function showChunk(run: TcRun, chunk: DumpChunk, w: ShownWords, typed: (f: ReturnType<typeof filterFromMessage>) => void): void {
  const { buf, view, end } = chunk;
  const o = out;
  const flush = () => {
    if (o.n) run.out(o.take());
  };
  for (let at = chunk.start; at < end; ) {
    const length = view.getUint32(at, true);
    if (view.getUint16(at + 4, true) === RTM_NEWTFILTER) {
      const body = at + NLMSG_HDRLEN;
      const info = view.getUint32(body + 16, true);
      const skip = (w.prio !== undefined && info >>> 16 !== w.prio) || (w.protocol !== undefined && (info & 0xffff) !== (((w.protocol & 0xff) << 8) | (w.protocol >> 8)));
      if (!skip) {
        const before = o.n;
        if (!render(buf, view, body, at + length, w, o)) {
          o.n = before;
          flush();
          typed(filterFromMessage(tcSchema.decodeBody('newtfilter', buf, body, at + length, view)));
        }
      }
    }
    at += (length + 3) & ~3;
  }
  flush();
}
