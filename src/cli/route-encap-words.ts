/**
 * `encap TYPE …` of `ip route add` as iproute2 6.1's lwt_parse_encap reads it: each type's words in any order, a
 * type's options ending at the first word it does not know (xfrm's at none: it reads every word left), each
 * refusal in ip's words and with its status. Fields are set in the order the words came: the library writes the
 * attributes in that order, as ip does.
 */
import type { RouteEncap, Seg6Mode } from '../api/route-encap.js';
import { seg6Actions } from '../api/route-encap.js';
import { duparg2, incomplete, invarg, missarg, refuse } from './args.js';
import { UsageError } from './usage.js';

// By LWTUNNEL_ENCAP_* number, the order ip's usage lists them in.
const types = ['mpls', 'ip', 'ila', 'ip6', 'seg6', 'bpf', 'seg6local', 'rpl', 'ioam6', 'xfrm'];
const typeUsage = `Usage: nlkit route ... encap TYPE [ OPTIONS ] [...]\n${types.map((t, i) => `${t} ${i === 0 ? 'TYPE := ' : '      '}`).join('\n')}`;
const seg6Modes = ['inline', 'encap', 'l2encap', 'encap.red', 'l2encap.red'];

/** glibc strtoul/strtoull with base 0, the whole word: ip's get_u8/get_u32/get_u64. */
function unsigned(word: string, max: bigint): bigint | undefined {
  const m = /^\s*\+?(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9]\d*)$/.exec(word);
  if (!m) return undefined;
  const t = m[1]!;
  const n = /^0[xX]/.test(t) ? BigInt(t) : t.startsWith('0') && t.length > 1 ? BigInt(`0o${t.slice(1)}`) : BigInt(t);
  return n > max ? undefined : n;
}

/** mpls_pton: labels joined by '/', each at most 2^20 - 1. */
function labels(word: string): number[] | undefined {
  const out: number[] = [];
  for (const part of word.split('/')) {
    const n = unsigned(part, 0xfffffn);
    if (n === undefined) return undefined;
    out.push(Number(n));
  }
  return out;
}

/** ip's readers of an address, a dsfield and a table name that route-words.ts has (and passes, as it imports this). */
export interface EncapWords {
  address(word: string, family: 'inet' | 'inet6'): string;
  dsfield(word: string): number | undefined;
  routeTable(word: string): number | undefined;
}

/**
 * The encapsulation of `args[at]` (`encap`) onwards, and the index of its last word (the caller's loop steps
 * past it).
 */
export function parseEncap(args: string[], at: number, words: EncapWords): { encap: RouteEncap; last: number } {
  const { address, dsfield, routeTable } = words;
  let i = at;
  const next = (): string => {
    if (i + 1 >= args.length) throw incomplete();
    return args[++i]!;
  };
  const type = next();
  if (type === 'help') throw refuse(typeUsage);
  if (!types.includes(type)) throw invarg('"encap type" value is invalid\n', type);
  next();
  if (i === args.length - 1) throw refuse('Error: unexpected end of line after "encap"');
  const seen = new Set<string>();
  const once = (key: string, v: string, name = key) => {
    if (seen.has(key)) throw duparg2(name, v);
    seen.add(key);
  };
  const u8 = (key: string, v: string) => {
    const n = unsigned(v, 255n);
    if (n === undefined) throw invarg(`"${key}" value is invalid\n`, v);
    return Number(n);
  };
  // Each type's loop leaves `i` on the first word it does not take; the last word taken is the one before.
  if (type === 'ila') {
    const locator = addr64(args[i]!);
    if (locator === undefined) throw new UsageError(`Bad locator: ${args[i]!}`, { status: 1, bare: true, fatal: true });
    const e: Record<string, unknown> = { type: 'ila', locator };
    for (i++; i < args.length; i++) {
      const key = ilaWords[args[i]!];
      if (!key) break;
      const v = next();
      if (!ilaValues[key]!.includes(v)) throw invarg(`"${args[i - 1]!}" value is invalid\n`, v);
      // ip sends one attribute per word (the kernel keeps the last); the library's encapsulation holds one.
      if (e[key] !== undefined) throw refuse(`A second "${args[i - 1]!}" is not supported by nlkit.`);
      e[key] = v;
    }
    return { encap: e as unknown as RouteEncap, last: i - 1 };
  }
  if (type === 'bpf') {
    let headroom: number | undefined;
    for (; i < args.length; i++) {
      const w = args[i]!;
      if (w === 'headroom') {
        const v = next();
        const n = Number(unsigned(v, 0xffffffffn) ?? 0);
        if (!n) throw invarg('headroom is invalid\n', v);
        // ip sends the first headroom and passes over the others.
        headroom ??= n;
      } else if (w === 'in' || w === 'out' || w === 'xmit') throw refuse(`BPF programs of "encap bpf ${w}" are not supported by nlkit.`);
      else if (w === 'help') throw refuse(bpfUsage);
      else break;
    }
    return { encap: headroom === undefined ? { type: 'bpf' } : { type: 'bpf', headroom }, last: i - 1 };
  }
  if (type === 'ioam6') return ioam6(args, i, words);
  if (type === 'mpls') {
    const l = labels(args[i]!);
    if (!l) throw new UsageError(`Error: mpls address is expected rather than "${args[i]!}".`, { status: 1, bare: true, fatal: true });
    const e: RouteEncap = { type: 'mpls', labels: l };
    for (i++; i < args.length && args[i] === 'ttl'; i++) {
      const v = next();
      once('ttl', v);
      e.ttl = u8('ttl', v);
    }
    return { encap: e, last: i - 1 };
  }
  if (type === 'ip' || type === 'ip6') {
    const v6 = type === 'ip6';
    const e: RouteEncap = { type };
    const o = e as unknown as Record<string, unknown>;
    const flags: Record<string, boolean> = {};
    for (; i < args.length; i++) {
      const w = args[i]!;
      if (w === 'id') {
        const v = next();
        once('id', v);
        const n = unsigned(v, 0xffffffffffffffffn);
        if (n === undefined) throw invarg('"id" value is invalid\n', v);
        o.id = n;
      } else if (w === 'dst' || w === 'src') {
        const v = next();
        once(w, v);
        o[w] = address(v, v6 ? 'inet6' : 'inet');
      } else if (w === (v6 ? 'tc' : 'tos')) {
        const v = next();
        once('tos', v, w);
        const t = dsfield(v);
        if (t === undefined) throw invarg(`"${w}" value is invalid\n`, v);
        o[w] = t;
      } else if (w === (v6 ? 'hoplimit' : 'ttl')) {
        const v = next();
        once('ttl', v, w);
        o[w] = u8(w, v);
      } else if (w === 'key' || w === 'csum' || w === 'seq') {
        once(w, w);
        flags[w] = true;
      } else if (w === 'geneve_opts' || w === 'vxlan_opts' || w === 'erspan_opts') throw refuse(`nlkit does not set "${w}"`);
      else break;
    }
    Object.assign(e, flags);
    return { encap: e, last: i - 1 };
  }
  if (type === 'seg6') {
    let mode: string | undefined;
    let segs: string[] = [];
    let hmac: number | undefined;
    for (; i < args.length; i++) {
      const w = args[i]!;
      if (w === 'mode') {
        const v = next();
        once('mode', v);
        if (!seg6Modes.includes(v)) throw invarg('"mode" value is invalid\n', v);
        mode = v;
      } else if (w === 'segs') {
        const v = next();
        once('segs', v);
        if (mode === undefined) throw invarg('"segs" provided before "mode"\n', v);
        segs = v.split(',').filter((s) => s !== '').map((s) => address(s, 'inet6'));
      } else if (w === 'hmac') {
        const v = next();
        once('hmac', v);
        // ip's get_u32 here: its failure is not looked at, and leaves 0 (no HMAC).
        hmac = Number(unsigned(v, 0xffffffffn) ?? 0) || undefined;
      } else break;
    }
    return { encap: { type: 'seg6', mode: (mode ?? 'encap') as Seg6Mode, segs, ...(hmac ? { hmac } : {}) }, last: i - 1 };
  }
  if (type === 'seg6local') {
    const e: Record<string, unknown> = { type: 'seg6local' };
    let srh: { segs: string[]; hmac?: number } | undefined;
    for (; i < args.length; i++) {
      const w = args[i]!;
      if (w === 'action') {
        const v = next();
        once('action', v);
        if (!(seg6Actions as readonly string[]).includes(v) || v === '') throw invarg('"action" value is invalid\n', v);
        e.action = v;
      } else if (w === 'table' || w === 'vrftable') {
        const v = next();
        once(w, v);
        const t = routeTable(v);
        if (t === undefined) throw invarg(w === 'table' ? 'invalid table id\n' : 'invalid vrf table id\n', v);
        e[w] = t;
      } else if (w === 'nh4' || w === 'nh6') {
        const v = next();
        once(w, v);
        e[w] = address(v, w === 'nh4' ? 'inet' : 'inet6');
      } else if (w === 'iif' || w === 'oif') {
        const v = next();
        once(w, v);
        e[w] = v;
      } else if (w === 'srh') {
        const v = next();
        once('srh', v);
        if (v !== 'segs') throw invarg('missing "segs" attribute for srh\n', v);
        const segs = next();
        once('segs', segs);
        srh = { segs: segs.split(',').filter((s) => s !== '').map((s) => address(s, 'inet6')) };
        if (i + 1 >= args.length) break;
        if (args[i + 1] === 'hmac') {
          i++;
          const h = next();
          once('hmac', h);
          const n = Number(unsigned(h, 0xffffffffn) ?? 0);
          if (n) srh.hmac = n;
        }
      } else if (w === 'count' || w === 'flavors' || w === 'endpoint') throw refuse(`nlkit does not set seg6local "${w}"`);
      else break;
    }
    if (e.action === undefined) throw refuse('Missing action type');
    if (srh) e.srh = srh;
    return { encap: e as RouteEncap, last: Math.min(i, args.length) - 1 };
  }
  if (type === 'rpl') {
    let segs: string[] = [];
    for (; i < args.length && args[i] === 'segs'; i++) {
      const v = next();
      once('segs', v);
      segs = v.split(',').filter((s) => s !== '').map((s) => address(s, 'inet6'));
    }
    return { encap: { type: 'rpl', segs }, last: i - 1 };
  }
  // xfrm: every word left is read, the ones it does not know passed over.
  const xfrmUsage = 'Usage: nlkit route ... encap xfrm if_id IF_ID [ link_dev LINK ]';
  const e: Record<string, unknown> = { type: 'xfrm' };
  for (; i < args.length; i++) {
    const w = args[i]!;
    if (w === 'if_id') {
      const v = next();
      once('if_id', v);
      const n = unsigned(v, 0xffffffffn);
      if (!n) throw invarg('"if_id" value is invalid\n', v);
      e.ifId = Number(n);
    } else if (w === 'link_dev') {
      const v = next();
      once('link_dev', v);
      e.linkDev = v;
    } else if (w === 'help') throw refuse(xfrmUsage);
  }
  if (e.ifId === undefined) throw refuse(xfrmUsage);
  return { encap: e as RouteEncap, last: i - 1 };
}

const bpfUsage = 'Usage: nlkit route ... encap bpf [ in BPF ] [ out BPF ] [ xmit BPF ] [...]\nBPF := obj FILE [ section NAME ] [ verbose ]';
const ilaWords: Record<string, string> = { 'csum-mode': 'csumMode', 'ident-type': 'identType', 'hook-type': 'hookType' };
const ilaValues: Record<string, string[]> = {
  csumMode: ['adj-transport', 'neutral-map', 'neutral-map-auto', 'no-action'], identType: ['luid', 'use-format'], hookType: ['output', 'input'],
};

/**
 * ip's get_addr64: up to four groups of strtoul(…, 16), each at most ffff, joined by ':'. ip leaves the groups of a
 * shorter word unset (whatever its stack held); nlkit sends them as zero.
 */
function addr64(word: string): string | undefined {
  const groups: string[] = [];
  let rest = word;
  for (let g = 0; g < 4; g++) {
    const m = /^[ \t\n\v\f\r]*([+-]?)(?:0[xX](?=[0-9a-fA-F]))?([0-9a-fA-F]+)/.exec(rest);
    if (!m) return undefined;
    const n = parseInt(m[2]!, 16);
    if ((m[1] === '-' && n !== 0) || n > 0xffff) return undefined;
    groups.push(n.toString(16));
    rest = rest.slice(m[0].length);
    if (rest === '') break;
    if (g === 3 || rest[0] !== ':') return undefined;
    rest = rest.slice(1);
  }
  while (groups.length < 4) groups.push('0');
  return groups.join(':');
}

/** get_u32 and get_u16 in base 10 (the frequency) or 0. */
function decimal(word: string): number | undefined {
  return /^\s*\+?\d+$/.test(word) && Number(word) <= 0xffffffff ? Number(word) : undefined;
}

/**
 * parse_encap_ioam6: `[ freq K/N ] [ mode MODE ] [ tundst ADDR ] trace prealloc type T ns N size S`, in that order.
 * Its last word ends the encapsulation one word early when the line ends with it: ip's caller reads that word again.
 */
function ioam6(args: string[], at: number, words: EncapWords): { encap: RouteEncap; last: number } {
  let i = at;
  const next = (): string => {
    if (i + 1 >= args.length) throw incomplete();
    return args[++i]!;
  };
  const e: Record<string, unknown> = { type: 'ioam6' };
  if (args[i] === 'freq') {
    const v = next();
    if (v.length > 15) throw invarg('Invalid frequency (too long)', v);
    const parts = v.split('/');
    const [k, n] = parts.filter((p) => p !== '').map(decimal);
    if (parts.length !== 2 || k === undefined || n === undefined) throw invarg('Invalid frequency (malformed)', v);
    if (k < 1 || k > 1000000) throw invarg('Out of bound "k" frequency', v);
    if (n < 1 || n > 1000000) throw invarg('Out of bound "n" frequency', v);
    if (k > n) throw invarg('Frequency with k > n is forbidden', v);
    Object.assign(e, { freqK: k, freqN: n });
    next();
  }
  let mode = 'inline';
  if (args[i] === 'mode') {
    const v = next();
    if (!['inline', 'encap', 'auto'].includes(v)) throw invarg('Invalid mode', v);
    mode = e.mode = v;
    next();
  }
  if (args[i] !== 'tundst') {
    if (mode !== 'inline') throw missarg('tundst');
  } else {
    if (mode === 'inline') throw invarg('Inline mode does not need tundst', args[i]!);
    e.tundst = words.address(next(), 'inet6');
    next();
  }
  if (args[i] !== 'trace') throw missarg('trace');
  if (next() !== 'prealloc') throw missarg('prealloc');
  let type = 0;
  let ns: number | undefined;
  let size = 0;
  let last = i;
  for (;;) {
    if (i + 1 >= args.length) {
      last = i - 1;
      break;
    }
    const w = args[++i]!;
    if (w === 'type') {
      const v = next();
      if (type) throw duparg2('type', v);
      type = Number(unsigned(v, 0xffffffffn) ?? 0);
      if (!type) throw invarg('Invalid trace type', v);
    } else if (w === 'ns') {
      const v = next();
      if (ns !== undefined) throw duparg2('ns', v);
      const n = unsigned(v, 0xffffn);
      if (n === undefined) throw invarg('Invalid namespace ID', v);
      ns = Number(n);
    } else if (w === 'size') {
      const v = next();
      if (size) throw duparg2('size', v);
      size = Number(unsigned(v, 0xffffn) ?? 0);
      if (!size) throw invarg('Invalid trace size', v);
      if (size % 4) throw invarg('Trace size must be a 4-octet multiple', v);
      if (size > 244) throw invarg('Trace size is too big', v);
    } else {
      last = i - 1;
      break;
    }
  }
  if (!type) throw missarg('type');
  if (ns === undefined) throw missarg('ns');
  if (!size) throw missarg('size');
  // ip shifts the type into the header's top 24 bits: its highest byte falls off.
  e.trace = { type: type & 0xffffff, ns, size };
  return { encap: e as unknown as RouteEncap, last };
}
