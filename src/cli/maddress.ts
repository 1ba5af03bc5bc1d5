/**
 * `nlkit maddress { show | add | del }` as iproute2 6.1's ipmaddr.c: the same words and abbreviations, its text,
 * `-o` and JSON, and its exits — add and del end the process (a batch too) as ip's exit() does, with 0 on success.
 */
import { MulticastAddresses, type MulticastAddress } from '../api/maddresses.js';
import type { NetnsRef } from '../socket/socket.js';
import { familyColor, paint } from './color.js';
import { duparg, duparg2, incomplete, invarg, matches, refuse, unknownCommand } from './args.js';
import { inetNtop6 } from './inet-ntop.js';
import { ipJson } from './json.js';
import { badName } from './link-parse.js';
import { UsageError } from './usage.js';

export interface MaddressOptions {
  json: boolean;
  pretty: boolean;
  oneline: boolean;
  family: 'inet' | 'inet6' | undefined;
  netns: NetnsRef | undefined;
}

const usage = `Usage: nlkit maddr [ add | del ] MULTIADDR dev STRING
       nlkit maddr show [ dev STRING ]`;

/** ip's exit(status) with `text` on standard error: the process ends there, in a batch too, even under -force. */
const exit = (status: number, text = ''): UsageError => new UsageError(text, { status, bare: true, fatal: true });

/** glibc's strtoul with base 0 at the start of `s`: the value and what is left, or undefined without digits. */
function strtoul(s: string): { n: number; rest: string } | undefined {
  const m = /^\s*[+-]?(?:0[xX]([0-9a-fA-F]+)|(0[0-7]*)|([1-9]\d*))/.exec(s);
  if (!m) return undefined;
  const n = m[1] !== undefined ? parseInt(m[1], 16) : m[2] !== undefined ? parseInt(m[2], 8) : Number(m[3]);
  return { n: m[0].trimStart().startsWith('-') ? -n : n, rest: s.slice(m[0].length) };
}

/** ip's get_addr_ipv4: up to four dot-separated numbers, each read by strtoul and at most 255. */
function dottedOk(s: string): boolean {
  if (s.includes(':')) return false;
  let rest = s;
  for (let i = 0; i < 4; i++) {
    const r = strtoul(rest);
    if (!r || r.n < 0 || r.n > 255) return false;
    if (r.rest === '') return true;
    if (i === 3 || !r.rest.startsWith('.')) return false;
    rest = r.rest.slice(1);
  }
  return true;
}

/**
 * ip's ll_addr_a2n into the 14 bytes of a sockaddr's data: its length (one more than fit, when more parts are
 * given: they are not read), the bytes, or ip's message for the part it could not read.
 */
function hwaddr(word: string): { len: number; bytes: number[] } | { bad: string } {
  if (word.includes('.')) return dottedOk(word) ? { len: 4, bytes: [] } : { bad: word };
  const parts = word.split(':');
  const bytes: number[] = [];
  for (const part of parts.slice(0, 14)) {
    const m = /^\s*([+-]?)(?:0[xX])?([0-9a-fA-F]+)/.exec(part);
    // sscanf %x into an int: a minus sign makes it negative unless the value is 0.
    const n = m ? parseInt(m[2]!, 16) * (m[1] === '-' ? -1 : 1) : NaN;
    if (!(n >= 0 && n <= 255)) return { bad: part };
    bytes.push(n);
  }
  return { len: parts.length > 14 ? 15 : parts.length, bytes };
}

const macText = (bytes: number[]): string => bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');

async function modify(m: MulticastAddresses, remove: boolean, args: string[]): Promise<never> {
  let dev: string | undefined;
  let bytes: number[] | undefined;
  for (let i = 0; i < args.length; i++) {
    let w = args[i]!;
    if (w === 'dev') {
      if (++i >= args.length) throw incomplete();
      const v = args[i]!;
      if (dev !== undefined) throw duparg('dev', v);
      if (badName(v, 16)) throw invarg('"dev" not a valid ifname', v);
      dev = v;
      continue;
    }
    if (matches(w, 'address')) {
      if (++i >= args.length) throw incomplete();
      w = args[i]!;
    }
    if (matches(w, 'help')) throw refuse(usage);
    // ip's test is the first byte so far: an address starting with 00 may be given again.
    if (bytes !== undefined && bytes[0] !== 0) throw duparg('address', w);
    const a = hwaddr(w);
    if ('bad' in a) throw exit(1, `"${a.bad}" is invalid lladdr.`);
    if (a.len !== 6) throw exit(1, `Error: Invalid address length ${a.len} - must be 6 bytes`);
    bytes = a.bytes;
  }
  if (dev === undefined) throw refuse('Not enough information: "dev" is required.');
  // No address at all is the zero address, as ip's zeroed ifreq is.
  const address = macText(bytes ?? [0, 0, 0, 0, 0, 0]);
  try {
    await (remove ? m.delete(dev, address) : m.add(dev, address));
  } catch (e) {
    if ((e as { syscall?: string }).syscall === 'ioctl') throw exit(1, (e as Error).message);
    throw e;
  }
  throw exit(0);
}

function maddrText(a: MulticastAddress): string {
  let s = a.family === 'link'
    ? `\tlink  ${paint('mac', a.address)}`
    : `\t${a.family.padEnd(5)} ${paint(familyColor(a.family), a.family === 'inet6' ? inetNtop6(a.address) : a.address)}`;
  if (a.users !== 1) s += ` users ${a.users}`;
  if (a.static) s += ' static';
  return s;
}

function maddrJson(a: MulticastAddress): Record<string, unknown> {
  const o: Record<string, unknown> = a.family === 'link' ? { link: a.address } : { family: a.family, address: a.family === 'inet6' ? inetNtop6(a.address) : a.address };
  if (a.users !== 1) o.users = a.users;
  if (a.static) o.features = 'static';
  return o;
}

async function list(m: MulticastAddresses, args: string[], options: MaddressOptions, out: (line: string) => void): Promise<void> {
  let dev: string | undefined;
  for (let i = 0; i < args.length; i++) {
    let w = args[i]!;
    if (w === 'dev') {
      if (++i >= args.length) throw incomplete();
      w = args[i]!;
    } else if (matches(w, 'help')) throw refuse(usage);
    if (dev !== undefined) throw duparg2('dev', w);
    dev = w;
  }
  const shown = await m.list({ dev, family: options.family });
  // A device's lines under one heading; with -o each line has its own.
  const groups: { head: MulticastAddress; items: MulticastAddress[] }[] = [];
  for (const a of shown) {
    const last = groups.at(-1);
    if (last && last.head.ifindex === a.ifindex && !options.oneline) last.items.push(a);
    else groups.push({ head: a, items: [a] });
  }
  if (options.json) {
    out(ipJson(groups.map((g) => ({ ifindex: g.head.ifindex, ifname: g.head.ifname, maddr: g.items.map(maddrJson) })), options.pretty));
    return;
  }
  const nl = options.oneline ? '\\' : '\n';
  let text = '';
  for (const g of groups) {
    text += `${g.head.ifindex}:${paint('ifname', `\t${g.head.ifname}`)}${nl}`;
    for (const a of g.items) text += `${maddrText(a)}\n`;
  }
  if (text) out(text.slice(0, -1));
}

export async function maddress(verb: string | undefined, args: string[], options: MaddressOptions, out: (line: string) => void): Promise<void> {
  const m = new MulticastAddresses({ netns: options.netns });
  if (verb === undefined) return list(m, [], options, out);
  if (matches(verb, 'add')) return modify(m, false, args);
  if (matches(verb, 'delete')) return modify(m, true, args);
  if (matches(verb, 'list') || matches(verb, 'show') || matches(verb, 'lst')) return list(m, args, options, out);
  if (matches(verb, 'help')) throw refuse(usage);
  throw unknownCommand(verb, 'maddr');
}
