/**
 * Conntrack entries and events as text: the lines libnetfilter_conntrack's default format (1.0.9, Debian 12)
 * prints for `conntrack -L` and `-E`, field for field in its order, and `-o json`'s objects.
 */
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { describeErrno } from '../wire/errors.js';
import type { ConntrackEntry } from '../api/conntrack.js';
import { PORTED, PROTOCOLS, type Tuple } from '../api/conntrack-tuple.js';
import type { ConntrackEventType } from '../api/conntrack-events.js';
import { strtoul } from './args.js';
import { tcpStates, type OutputWord } from './conntrack-args.js';

const osErrno = constants.errno;

const tcpStateWord = new Map(Object.entries(tcpStates).map(([w, s]) => [s as string, w]));

/** A tuple's layer-4 part as libnetfilter_conntrack prints it: ports, ICMP's fields, or GRE's keys in hex. */
export function l4Text(t: Tuple): string {
  if (t.sport !== undefined) return `sport=${t.sport} dport=${t.dport} `;
  if (t.icmpType !== undefined) return `type=${t.icmpType} code=${t.icmpCode} id=${t.icmpId} `;
  if (t.srcKey !== undefined) return `srckey=0x${t.srcKey.toString(16)} dstkey=0x${(t.dstKey ?? 0).toString(16)} `;
  return '';
}

/** An entry's tuple: a protocol with ports prints them even when the kernel sent none (DCCP without its module). */
function tupleText(t: Tuple): string {
  const ported = PORTED.has(typeof t.proto === 'number' ? t.proto : PROTOCOLS[t.proto] ?? -1) && t.sport === undefined;
  return `src=${t.src} dst=${t.dst} ${ported ? `sport=0 dport=0 ` : l4Text(t)}`;
}

/** libnetfilter_conntrack's words for SCTP's and DCCP's states. */
const dccpStateWords = ['NONE', 'REQUEST', 'RESPOND', 'PARTOPEN', 'OPEN', 'CLOSEREQ', 'CLOSING', 'TIMEWAIT', 'IGNORE', 'INVALID'];
const sctpStateWord = (state: string | number): string | undefined => (typeof state === 'string' ? state.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase() : undefined);

const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');

/** ctime(3) without its newline: local time, as libnetfilter_conntrack prints the kernel's timestamps. */
function ctime(ns: bigint): string {
  const d = new Date(Number(ns / 1_000_000_000n) * 1000);
  return `${days[d.getDay()]} ${months[d.getMonth()]} ${String(d.getDate()).padStart(2)} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())} ${d.getFullYear()}`;
}

/** isspace in the POSIX locale, but for the newline (a line's end). */
const blank = (c: string | undefined): boolean => c === ' ' || c === '\f' || c === '\r' || c === '\t' || c === '\v';

/**
 * The connlabel.conf names by bit, read as libnetfilter_conntrack reads the file: per line (a `#` first skips it) a
 * number strtoul reads (0x hex, 0 octal; below 1024) and the rest of the line trimmed as the name — letters, digits,
 * spaces and `-` only; a bit or a name seen before is skipped. null, after conntrack's complaint (perror's), when
 * the file cannot be read or names nothing.
 */
export function labelMap(complain: (line: string) => void, path = '/etc/xtables/connlabel.conf'): Map<number, string> | null {
  let text = '';
  try {
    text = readFileSync(path, 'latin1');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    // A directory opens, and reads as no lines.
    if (code !== 'EISDIR') {
      complain(`nfct_labelmap_new: ${describeErrno(osErrno[code as keyof typeof osErrno] ?? 0)}`);
      return null;
    }
  }
  const map = new Map<number, string>();
  const names = new Set<string>();
  for (const line of text.split(/(?<=\n)/)) {
    if (line.startsWith('#')) continue;
    const { value: bit, rest } = strtoul(line, 64);
    if (rest === line || bit >= 1024 || map.has(bit)) continue;
    let name = rest.replace(/\n[^]*$/, '');
    let a = 0;
    let b = name.length;
    while (a < b && blank(name[a])) a++;
    while (b > a && blank(name[b - 1])) b--;
    name = name.slice(a, b);
    if (name === '' || !/^[A-Za-z0-9 -]+$/.test(name) || names.has(name)) continue;
    names.add(name);
    map.set(bit, name);
  }
  if (map.size === 0) {
    complain('nfct_labelmap_new: Success');
    return null;
  }
  return map;
}

/** What a line shows beside the entry: -o words, the label names, the time now (for an open entry's age). */
export interface LineOptions {
  output?: ReadonlySet<OutputWord>;
  labels?: Map<number, string> | null;
}

/** One entry as libnetfilter_conntrack's default format prints it. */
export function entryLine(e: ConntrackEntry, options: LineOptions = {}): string {
  const output = options.output ?? new Set();
  const num = typeof e.proto === 'number' ? e.proto : PROTOCOLS[e.proto]!;
  let s = '';
  if (output.has('extended')) s += `${(e.family === 'inet6' ? 'ipv6' : 'ipv4').padEnd(8)} ${e.family === 'inet6' ? 10 : 2} `;
  s += `${String(typeof e.proto === 'number' ? 'unknown' : e.proto).padEnd(8)} ${num} `;
  if (e.timeout !== undefined) s += `${e.timeout} `;
  if (e.tcp?.state !== undefined) s += `${tcpStateWord.get(String(e.tcp.state)) ?? 'NONE'} `;
  const sctp = e.sctp?.state === undefined ? undefined : sctpStateWord(e.sctp.state);
  if (sctp !== undefined) s += `${sctp} `;
  const dccp = e.dccp?.state === undefined ? undefined : dccpStateWords[e.dccp.state];
  if (dccp !== undefined) s += `${dccp} `;
  s += tupleText(e.original);
  if (e.original.zone !== undefined) s += `zone-orig=${e.original.zone} `;
  const c = e.counters;
  if (c?.original) s += `packets=${c.original.packets} bytes=${c.original.bytes} `;
  if (!e.status.includes('seenReply')) s += '[UNREPLIED] ';
  s += tupleText(e.reply);
  if (e.reply.zone !== undefined) s += `zone-reply=${e.reply.zone} `;
  if (c?.reply) s += `packets=${c.reply.packets} bytes=${c.reply.bytes} `;
  if (e.status.includes('assured')) s += '[ASSURED] ';
  if (e.mark !== undefined) s += `mark=${e.mark} `;
  if (e.secmark) s += `secmark=${e.secmark} `;
  if (e.secctx !== undefined) s += `secctx=${e.secctx} `;
  if (e.zone !== undefined) s += `zone=${e.zone} `;
  const ts = e.timestamp;
  if (ts?.start !== undefined) {
    // An entry still open is as old as the time now says.
    const stop = ts.stop ? Number(ts.stop / 1_000_000_000n) : Math.floor(Date.now() / 1000);
    s += `delta-time=${stop - Number(ts.start / 1_000_000_000n)} `;
  }
  if (output.has('ktimestamp')) {
    if (ts?.start !== undefined) s += `[start=${ctime(ts.start)}] `;
    if (ts?.stop !== undefined) s += `[stop=${ctime(ts.stop)}] `;
  }
  if (e.helper !== undefined) s += `helper=${e.helper} `;
  if (e.use !== undefined) s += `use=${e.use} `;
  if (output.has('id') && e.id !== undefined) s += `id=${e.id} `;
  if (options.labels && e.labels) s += labelsText(e.labels, options.labels);
  return s.trimEnd();
}

/** labels=a,b : the names of the bits set that connlabel.conf names (its quirk kept: none named leaves `labels`). */
function labelsText(bits: Uint8Array, names: Map<number, string>): string {
  const set: string[] = [];
  for (let i = 0; i < bits.length * 8; i++) {
    const name = (bits[i >> 3]! >> (i & 7)) & 1 ? names.get(i) : undefined;
    if (name) set.push(name);
  }
  return set.length ? `labels=${set.join(',')} ` : 'labels ';
}

const eventWords: Record<ConntrackEventType, string> = { new: '[NEW]', update: '[UPDATE]', destroy: '[DESTROY]' };

/** An event as `conntrack -E` prints it, without conntrack's own additions (the time, the sender). */
export function eventLine(type: ConntrackEventType, e: ConntrackEntry, options: LineOptions = {}): string {
  return `${eventWords[type].padStart(9)} ${entryLine(e, options)}`;
}

/** One entry (or event) as a JSON line, with the library's field names. */
export function jsonLine(value: object): string {
  return JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? Number(v) : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v));
}
