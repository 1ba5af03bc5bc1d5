/**
 * `tc filter show`'s plain listing read straight from the dump's bytes: at ten thousand u32 filters, a typed object
 * per filter (with its selector's keys and handle strings) costs more than everything else the command does. A
 * message this module does not render byte for byte (a kind other than u32, an option it does not print the way
 * printFilter does) goes through the typed path instead; filter-fast.test.ts holds both to the same text.
 */
import type { DumpChunk } from '../../socket/dump.js';
import { filterFromMessage, protocolNames } from '../../api/tc.js';
import { formatHandle } from '../../api/tc-handle.js';
import { formatU32Handle } from '../../api/tc-u32.js';
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

const hex8 = (n: number): string => (n >>> 0).toString(16).padStart(8, '0');

/**
 * The lines of a filter message, or undefined where the typed path must print it. `typed` then decodes and prints
 * it (printFilter); the shown words filter by protocol and prio as show does.
 */
function render(buf: Buffer, view: DataView, at: number, end: number, w: ShownWords, lines: string[]): boolean {
  const handle = view.getUint32(at + 8, true);
  const parent = view.getUint32(at + 12, true);
  const info = view.getUint32(at + 16, true);
  const r = filterAttrs;
  if (!r.walk(buf, view, at + TCMSG_LEN, end) || r.string(T.kind) !== 'u32') return false;
  const chain = r.u32(T.chain);
  let line = 'filter ';
  if (w.parent === undefined || w.parent !== parent) {
    line += parent === TC_H_ROOT ? 'root ' : parent === INGRESS ? 'ingress ' : parent === EGRESS ? 'egress ' : `parent ${formatHandle(parent)} `;
  }
  if (info) {
    const proto = ((info & 0xff) << 8) | ((info >>> 8) & 0xff);
    if (w.protocol === undefined) line += `protocol ${protocolNames.get(proto) ?? `0x${proto.toString(16).padStart(4, '0')}`} `;
    if (w.prio === undefined) line += `pref ${info >>> 16} `;
  }
  line += 'u32 ';
  if (chain !== undefined) line += `chain ${chain} `;
  const opts = r.offset(T.options);
  if (opts < 0) {
    lines.push(line);
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
  if (handle) line += `fh ${formatU32Handle(handle)} `;
  if (handle & 0xfff) line += `order ${handle & 0xfff} `;
  if (divisor !== undefined) line += `ht divisor ${divisor} `;
  else if (hash !== undefined) line += `key ht ${(hash >>> 20).toString(16)} bkt ${((hash >>> 12) & 0xff).toString(16)} `;
  const terminal = sel >= 0 && (buf[sel + SEL_FLAGS]! & 1) !== 0;
  if (classid !== undefined) line += `${terminal ? '*' : ''}flowid ${formatHandle(classid)} `;
  else if (terminal) line += 'terminal flowid ';
  if (link !== undefined) line += `link ${formatU32Handle(link)} `;
  if (flags !== undefined) {
    if (flags & 1) line += 'skip_hw ';
    if (flags & 2) line += 'skip_sw ';
    line += flags & 4 ? 'in_hw ' : 'not_in_hw ';
  }
  lines.push(line);
  for (let i = 0; i < nkeys; i++) {
    const k = sel + U32_SEL_HDRLEN + U32_KEYLEN * i;
    const mask = view.getUint32(k, false);
    const val = view.getUint32(k + 4, false);
    const off = view.getInt32(k + 8, true);
    const offmask = view.getInt32(k + 12, true);
    lines.push(`  match ${hex8(val)}/${hex8(mask)} at ${offmask ? 'nexthdr+' : ''}${off}`);
  }
  return true;
}

/** Prints a dump datagram's filters: rendered from bytes where it can, else by `typed` (printFilter). */
export function showChunk(run: TcRun, chunk: DumpChunk, w: ShownWords, typed: (f: ReturnType<typeof filterFromMessage>) => void): void {
  const { buf, view, end } = chunk;
  const lines: string[] = [];
  for (let at = chunk.start; at < end; ) {
    const length = view.getUint32(at, true);
    if (view.getUint16(at + 4, true) === RTM_NEWTFILTER) {
      const body = at + NLMSG_HDRLEN;
      const info = view.getUint32(body + 16, true);
      const skip = (w.prio !== undefined && info >>> 16 !== w.prio) || (w.protocol !== undefined && (info & 0xffff) !== (((w.protocol & 0xff) << 8) | (w.protocol >> 8)));
      if (!skip) {
        const before = lines.length;
        if (!render(buf, view, body, at + length, w, lines)) {
          lines.length = before;
          for (const l of lines) run.out(l);
          lines.length = 0;
          typed(filterFromMessage(tcSchema.decodeBody('newtfilter', buf, body, at + length, view)));
        }
      }
    }
    at += (length + 3) & ~3;
  }
  for (const l of lines) run.out(l);
}
