/**
 * ip route's words (iproute2 6.1): the names of tables, protocols, scopes, types and TOS values as ip reads them,
 * and `route show`'s selectors (iproute_list_flush_or_save), each refused with ip's message before anything is sent.
 */
import { readFileSync } from 'node:fs';
import type { PrefixSelector, RouteSelector } from '../api/route-select.js';
import type { RouteInput, RouteType } from '../api/routes.js';
import { address, prefix } from './inet-pton.js';
import { duparg2, incomplete, integer, invarg, matches, refuse } from './args.js';
import { objectUsage } from './usage.js';
import { parseEncap } from './route-encap-words.js';

/** A name table: ip's built-in names, then the lines of /etc/iproute2/FILE (`NUMBER NAME`). */
function names(builtin: Record<string, number>, file: string): Map<string, number> {
  const map = new Map(Object.entries(builtin));
  try {
    for (const line of readFileSync(`/etc/iproute2/${file}`, 'utf8').split('\n')) {
      const m = /^\s*(0x[0-9a-fA-F]+|\d+)\s+(\S+)/.exec(line);
      if (m && !line.trimStart().startsWith('#') && !map.has(m[2]!)) map.set(m[2]!, Number(m[1]));
    }
  } catch {
    // ip goes on with its built-in names when the file is missing.
  }
  return map;
}

const cache = new Map<string, Map<string, number>>();
function table(file: string, builtin: Record<string, number>): Map<string, number> {
  let t = cache.get(file);
  if (!t) cache.set(file, (t = names(builtin, file)));
  return t;
}

/** ip's rtnl_*_a2n: a name from the table, or a number (`base` 0: decimal, 0x, octal; 16 for dsfield). */
function a2n(word: string, file: string, builtin: Record<string, number>, max: number, base = 0): number | undefined {
  const named = table(file, builtin).get(word);
  if (named !== undefined) return named;
  const n = base === 16 ? (/^(0x)?[0-9a-fA-F]+$/.test(word) ? parseInt(word, 16) : undefined) : integer(word, { min: 0, max: 0xffffffff });
  return n === undefined || n > max ? undefined : n;
}

export const routeTable = (w: string) => a2n(w, 'rt_tables', { unspec: 0, default: 253, main: 254, local: 255 }, 0xffffffff);
export const routeProtocol = (w: string) => a2n(w, 'rt_protos', {
  unspec: 0, redirect: 1, kernel: 2, boot: 3, static: 4, gated: 8, ra: 9, mrt: 10, zebra: 11, bird: 12, dnrouted: 13, xorp: 14,
  ntk: 15, dhcp: 16, keepalived: 18, babel: 42, openr: 99, bgp: 186, isis: 187, ospf: 188, rip: 189, eigrp: 192,
}, 255);
export const routeScope = (w: string) => a2n(w, 'rt_scopes', { global: 0, nowhere: 255, host: 254, link: 253, site: 200 }, 255);
const types: Record<string, number> = {
  unicast: 1, local: 2, broadcast: 3, anycast: 4, multicast: 5, blackhole: 6, unreachable: 7, prohibit: 8, throw: 9, nat: 10, xresolve: 11,
};
/**
 * The type a word names as rtnl_rtntype_a2n reads it: `local`, `nat`, `brd` and `throw` whole, the others by any
 * abbreviation, tried in ip's order (so `u` is unreachable and `uni` unicast).
 */
export function routeTypeName(w: string): RouteType | undefined {
  if (w === 'local' || w === 'nat' || w === 'throw') return w;
  if (w === 'brd') return 'broadcast';
  const abbreviable = ['broadcast', 'anycast', 'multicast', 'prohibit', 'unreachable', 'blackhole', 'xresolve', 'unicast'] as const;
  return abbreviable.find((name) => matches(w, name));
}
/** rtnl_rtntype_a2n: a type name, or a number. */
export function routeType(w: string): number | undefined {
  const name = routeTypeName(w);
  if (name !== undefined) return types[name];
  const n = integer(w, { min: 0, max: 255 });
  return n;
}
export const dsfield = (w: string) => a2n(w, 'rt_dsfield', {}, 255, 16);

/** inet_proto_a2n: a name of /etc/protocols, or a number up to 255. */
export function ipProto(word: string): number | undefined {
  try {
    for (const line of readFileSync('/etc/protocols', 'utf8').split('\n')) {
      const [name, number, ...aliases] = line.replace(/#.*/, '').trim().split(/\s+/);
      if (name === word || aliases.includes(word)) return Number(number);
    }
  } catch {
    // No file: numbers only.
  }
  return integer(word, { min: 0, max: 255 });
}

/** rtnl_rtrealm_n2a: a realm's name (the file's over the built-in one), else its number. */
export function realmName(id: number): string {
  let name = String(id);
  for (const [n, v] of table('rt_realms', { unknown: 0 })) if (v === id) name = n;
  return name;
}

/** rtnl_rtrealm_a2n: a realm by name or number (0–255). */
export const routeRealm = (w: string) => a2n(w, 'rt_realms', { unknown: 0 }, 255);

/** get_rt_realms_or_raw: `[FROM/]TO` by realm name or number (FROM in the high 16 bits), else one 32-bit number. */
export function realms(word: string): number | undefined {
  const realm = routeRealm;
  const slash = word.indexOf('/');
  const from = slash < 0 ? 0 : realm(word.slice(0, slash));
  const toWord = slash < 0 ? word : word.slice(slash + 1);
  const to = toWord === '' ? 0 : realm(toWord);
  if (from !== undefined && to !== undefined) return ((from << 16) | to) >>> 0;
  return integer(word, { min: 0, max: 0xffffffff });
}

/** ip's `table` word names the table by number; these are the names the library knows. */
export function tableValue(n: number): 'main' | 'local' | 'default' | number {
  return n === 254 ? 'main' : n === 255 ? 'local' : n === 253 ? 'default' : n;
}

/** What `route show` leaves out of each line because the selector fixed it (ip's filter masks). */
export interface ShownFilter {
  dev?: boolean;
  iif?: boolean;
  protocol?: boolean;
  scope?: boolean;
  metric?: boolean;
  tos?: boolean;
  /** A host-length `via` or `src` selector: every line would repeat it. */
  gateway?: boolean;
  prefsrc?: boolean;
  /** The type selected (ip prints a type only when it is the one selected, or not unicast). */
  type?: number;
}

/** `route show` / `route flush` selectors → the library's selector, what ip leaves out, and the named devices. */
export function parseShow(args: string[], family: 'inet' | 'inet6' | undefined): { sel: RouteSelector; hide: ShownFilter; dev?: string; iif?: string } {
  const sel: RouteSelector = { table: 'main' };
  if (family) sel.family = family;
  const hide: ShownFilter = {};
  let dev: string | undefined;
  let iif: string | undefined;
  const host = (p: string) => !p.includes('/') && p !== 'default' && p !== 'all' && p !== 'any';
  for (let i = 0; i < args.length; i++) {
    const w = args[i]!;
    const next = () => {
      if (i + 1 >= args.length) throw incomplete();
      return args[++i]!;
    };
    if (matches(w, 'table')) {
      const v = next();
      const t = routeTable(v);
      if (t !== undefined) sel.table = tableValue(t);
      else if (v === 'all') sel.table = 'all';
      else if (v === 'cache') sel.cloned = true;
      else if (v === 'help') throw refuse(objectUsage.route!.trimEnd());
      else throw invarg('table id value is invalid\n', v);
    } else if (matches(w, 'vrf')) {
      throw invarg('Invalid VRF\n', next());
    } else if (matches(w, 'cached') || matches(w, 'cloned')) sel.cloned = true;
    else if (w === 'tos' || matches(w, 'dsfield')) {
      const v = next();
      const t = dsfield(v);
      if (t === undefined) throw invarg('TOS value is invalid\n', v);
      sel.tos = t;
      hide.tos = true;
    } else if (matches(w, 'protocol')) {
      const v = next();
      const p = routeProtocol(v);
      if (p === undefined && v !== 'all') throw invarg('invalid "protocol"\n', v);
      if (p !== undefined) {
        sel.protocol = p;
        hide.protocol = true;
      } else delete sel.protocol;
    } else if (matches(w, 'scope')) {
      const v = next();
      const s = routeScope(v);
      if (s === undefined && v !== 'all') throw invarg('invalid "scope"\n', v);
      if (s !== undefined) {
        sel.scope = s;
        hide.scope = true;
      } else delete sel.scope;
    } else if (matches(w, 'type')) {
      const v = next();
      const t = routeType(v);
      if (t === undefined) throw invarg('node type value is invalid\n', v);
      sel.type = t;
      hide.type = t;
    } else if (w === 'dev' || w === 'oif') dev = next();
    else if (w === 'iif') iif = next();
    else if (w === 'mark') {
      const v = next();
      const m = integer(v, { min: 0, max: 0xffffffff });
      if (m === undefined) throw invarg('invalid mark value', v);
      sel.mark = m;
    } else if (matches(w, 'metric') || matches(w, 'priority') || w === 'preference') {
      const v = next();
      const m = integer(v, { min: 0, max: 0xffffffff });
      if (m === undefined) throw invarg('"metric" value is invalid\n', v);
      sel.metric = m;
      hide.metric = true;
    } else if (w === 'via') {
      let v = next();
      const f = v === 'inet' ? 'inet' : v === 'inet6' ? 'inet6' : undefined;
      if (f) v = next();
      sel.via = prefix(v, f ?? family);
      if (host(v)) hide.gateway = true;
    } else if (w === 'src') {
      const v = next();
      sel.prefsrc = prefix(v, family);
      if (host(v)) hide.prefsrc = true;
    } else if (matches(w, 'realms')) {
      const v = next();
      const r = integer(v, { min: 0, max: 0xffffffff });
      if (r === undefined) throw invarg('invalid realms\n', v);
      sel.realms = r;
    } else if (matches(w, 'from')) {
      sel.from = prefixSelector(next, family);
    } else {
      const word = matches(w, 'to') ? next() : w;
      sel.to = prefixSelector(() => word, family, next);
    }
  }
  return { sel, hide, ...(dev !== undefined ? { dev } : {}), ...(iif !== undefined ? { iif } : {}) };
}

/** `root P`, `match P`, `exact P` or `P`, the first word given by `first`, any further by `next`. */
function prefixSelector(first: () => string, family: 'inet' | 'inet6' | undefined, next = first): PrefixSelector {
  const w = first();
  if (matches(w, 'root')) return { prefix: prefix(next(), family), how: 'root' };
  if (matches(w, 'match')) return { prefix: prefix(next(), family), how: 'match' };
  if (matches(w, 'exact')) return { prefix: prefix(next(), family), how: 'exact' };
  return { prefix: prefix(w, family), how: 'exact' };
}

/** ip's get_time_rtt: milliseconds with an `s`/`ms` suffix (`raw` when none: the kernel's own unit). */
function timeRtt(word: string): { ms: number; raw: boolean } | undefined {
  const m = /^(\d+(?:\.\d*)?|\.\d+|0x[0-9a-fA-F]+)(s|sec|secs|ms|msec|msecs)?$/i.exec(word);
  if (!m) return undefined;
  let t = m[1]!.startsWith('0x') ? parseInt(m[1]!, 16) : Number(m[1]);
  const unit = m[2]?.toLowerCase();
  if (unit === 's' || unit === 'sec' || unit === 'secs') t *= 1000;
  return { ms: Math.ceil(t), raw: unit === undefined };
}

/** RTAX_* numbers of the metrics that take `lock`. */
const lockBits: Record<string, number> = {
  mtu: 2, window: 3, rtt: 4, rttvar: 5, ssthresh: 6, cwnd: 7, advmss: 8, reordering: 9, hoplimit: 10, initcwnd: 11,
  rtoMin: 13, initrwnd: 14, ccAlgo: 16,
};

const familyOf = (a: string): 'inet' | 'inet6' => (a.includes(':') ? 'inet6' : 'inet');

/**
 * `route add|change|replace|prepend|append|test|del` arguments as iproute_modify reads them → the library's
 * RouteInput. Refusals (a second destination, `nexthop` with nothing after it, bad values) come before sending.
 */
export function parseModify(args: string[], family: 'inet' | 'inet6' | undefined): RouteInput {
  const input: RouteInput = {};
  const metrics: Record<string, number | string> = {};
  let lock = 0;
  let fam = family;
  let dstOk = false;
  let gwOk = false;
  // As ip's get_prefix: `default`, `all` and `any` belong to no family, so a later gateway or source decides it
  // (`route add default via 2001:db8::1` is an IPv6 route).
  const learn = (a: string) => {
    if (a !== 'default' && a !== 'all' && a !== 'any') fam ??= familyOf(a);
    return a;
  };
  let i = 0;
  const next = () => {
    if (i + 1 >= args.length) throw incomplete();
    return args[++i]!;
  };
  const unsigned = (word: string, msg: string, max = 0xffffffff) => {
    const n = integer(word, { min: 0, max });
    if (n === undefined) throw invarg(msg, word);
    return n;
  };
  /** A metric with an optional `lock` before its value. */
  const locked = (key: string) => {
    let v = next();
    if (v === 'lock') {
      lock |= 1 << lockBits[key]!;
      v = next();
    }
    return v;
  };
  for (; i < args.length; i++) {
    const w = args[i]!;
    if (w === 'src') input.prefsrc = learn(address(next(), fam));
    else if (w === 'as') {
      let v = next();
      if (v === 'to') v = next();
      input.newdst = learn(address(v, fam));
    }
    else if (w === 'via') {
      if (gwOk) throw invarg('use nexthop syntax to specify multiple via\n', w);
      gwOk = true;
      let v = next();
      const f = v === 'inet' ? 'inet' : v === 'inet6' ? 'inet6' : undefined;
      if (f) v = next();
      const a = address(v, f ?? fam);
      // As ip: a gateway of the route's other family goes as RTA_VIA.
      if (fam !== undefined && familyOf(a) !== fam) input.via = a;
      else input.gateway = learn(a);
    } else if (w === 'from') input.src = learn(prefix(next(), fam));
    else if (w === 'tos' || matches(w, 'dsfield')) {
      const v = next();
      const t = dsfield(v);
      if (t === undefined) throw invarg('"tos" value is invalid\n', v);
      input.tos = t;
    } else if (w === 'expires') input.expires = unsigned(next(), '"expires" value is invalid\n');
    else if (matches(w, 'metric') || matches(w, 'priority') || w === 'preference') input.priority = unsigned(next(), '"metric" value is invalid\n');
    else if (w === 'scope') {
      const v = next();
      const s = routeScope(v);
      if (s === undefined) throw invarg('invalid "scope" value\n', v);
      input.scope = s === 0 ? 'universe' : s;
    } else if (w === 'mtu') metrics.mtu = unsigned(locked('mtu'), '"mtu" value is invalid\n');
    else if (w === 'hoplimit') metrics.hoplimit = unsigned(locked('hoplimit'), '"hoplimit" value is invalid\n', 255);
    else if (w === 'advmss') metrics.advmss = unsigned(locked('advmss'), '"mss" value is invalid\n');
    else if (matches(w, 'reordering')) metrics.reordering = unsigned(locked('reordering'), '"reordering" value is invalid\n');
    else if (w === 'rtt' || matches(w, 'rttvar')) {
      const key = w === 'rtt' ? 'rtt' : 'rttvar';
      const v = locked(key);
      const t = timeRtt(v);
      if (!t) throw invarg(`"${key}" value is invalid\n`, v);
      metrics[key] = t.raw ? t.ms : t.ms * (key === 'rtt' ? 8 : 4);
    } else if (w === 'rto_min') {
      lock |= 1 << lockBits.rtoMin!;
      const v = next();
      const t = timeRtt(v);
      if (!t) throw invarg('"rto_min" value is invalid\n', v);
      metrics.rtoMin = t.ms;
    } else if (matches(w, 'window')) metrics.window = unsigned(locked('window'), '"window" value is invalid\n');
    else if (matches(w, 'cwnd')) metrics.cwnd = unsigned(locked('cwnd'), '"cwnd" value is invalid\n');
    else if (matches(w, 'initcwnd')) metrics.initcwnd = unsigned(locked('initcwnd'), '"initcwnd" value is invalid\n');
    else if (matches(w, 'initrwnd')) metrics.initrwnd = unsigned(locked('initrwnd'), '"initrwnd" value is invalid\n');
    else if (matches(w, 'features')) {
      const v = next();
      if (v !== 'ecn') throw invarg('"features" value not valid\n', v);
      metrics.features = 1;
    } else if (matches(w, 'quickack')) {
      const v = next();
      const q = unsigned(v, '"quickack" value is invalid\n');
      if (q > 1) throw invarg('"quickack" value should be 0 or 1\n', v);
      metrics.quickack = q;
    } else if (matches(w, 'congctl')) metrics.ccAlgo = locked('ccAlgo');
    else if (matches(w, 'ssthresh')) metrics.ssthresh = unsigned(locked('ssthresh'), '"ssthresh" value is invalid\n');
    else if (matches(w, 'realms')) {
      const v = next();
      const r = realms(v);
      if (r === undefined) throw invarg('"realm" value is invalid\n', v);
      input.realms = r;
    }
    else if (w === 'onlink') input.onlink = true;
    else if (w === 'nexthop') {
      input.multipath = parseNexthops(args.slice(i), () => fam, learn);
      break;
    } else if (w === 'nhid') input.nhid = unsigned(next(), '"id" value is invalid\n');
    else if (matches(w, 'protocol')) {
      const v = next();
      const p = routeProtocol(v);
      if (p === undefined) throw invarg('"protocol" value is invalid\n', v);
      input.protocol = p;
    } else if (matches(w, 'table')) {
      const v = next();
      const t = routeTable(v);
      if (t === undefined) throw invarg('"table" value is invalid\n', v);
      input.table = tableValue(t);
    } else if (matches(w, 'vrf')) throw invarg('Invalid VRF\n', next());
    else if (w === 'dev' || w === 'oif') input.dev = next();
    else if (matches(w, 'pref')) {
      const v = next();
      if (v === 'low' || v === 'medium' || v === 'high') input.pref = v;
      else throw invarg('"pref" value is invalid\n', v);
    } else if (w === 'encap') {
      const { encap, last } = parseEncap(args, i, { address, dsfield, routeTable });
      input.encap = encap;
      i = last;
    }
    else if (w === 'ttl-propagate') throw refuse('nlkit does not make MPLS routes ("ttl-propagate")');
    else if (matches(w, 'fastopen_no_cookie')) {
      const v = next();
      const f = unsigned(v, '"fastopen_no_cookie" value is invalid\n');
      if (f > 1) throw invarg('"fastopen_no_cookie" value should be 0 or 1\n', v);
      metrics.fastopenNoCookie = f;
    } else {
      let word = w === 'to' ? next() : w;
      const t = (word[0]! < '0' || word[0]! > '9') ? routeTypeName(word) : undefined;
      if (t !== undefined) {
        input.type = t;
        word = next();
      }
      if (matches(word, 'help')) throw refuse(objectUsage.route!.trimEnd());
      if (dstOk) throw duparg2('to', word);
      input.dst = learn(prefix(word, fam));
      dstOk = true;
    }
  }
  if (!dstOk) throw refuse(objectUsage.route!.trimEnd());
  // ip puts these types in the local table unless told otherwise (the kernel would take main).
  if (input.table === undefined && (input.type === 'local' || input.type === 'broadcast' || input.type === 'nat' || input.type === 'anycast')) input.table = 'local';
  if (Object.keys(metrics).length) input.metrics = { ...metrics, ...(lock ? { lock } : {}) } as RouteInput['metrics'];
  const decided = family ?? fam;
  if (decided) input.family = decided;
  return input;
}

/** `nexthop via A dev D weight W onlink …` groups (parse_nexthops), each led by the word `nexthop`. */
function parseNexthops(args: string[], family: () => 'inet' | 'inet6' | undefined, learn: (a: string) => string): NonNullable<RouteInput['multipath']> {
  const hops: NonNullable<RouteInput['multipath']> = [];
  let i = 0;
  while (i < args.length) {
    if (args[i] !== 'nexthop') throw refuse(`Error: "nexthop" or end of line is expected instead of "${args[i]}"`);
    if (i + 1 >= args.length) throw refuse('Error: unexpected end of line after "nexthop"');
    const hop: NonNullable<RouteInput['multipath']>[number] = {};
    for (i++; i < args.length; i++) {
      const w = args[i]!;
      const next = () => {
        if (i + 1 >= args.length) throw incomplete();
        return args[++i]!;
      };
      if (w === 'via') {
        let v = next();
        const f = v === 'inet' ? 'inet' : v === 'inet6' ? 'inet6' : undefined;
        if (f) v = next();
        const a = address(v, f ?? family());
        const fam = family();
        if (fam !== undefined && familyOf(a) !== fam) hop.via = a;
        else hop.gateway = learn(a);
      } else if (w === 'dev') hop.dev = next();
      else if (w === 'weight') {
        const v = next();
        const n = integer(v, { min: 1, max: 256 });
        if (n === undefined) throw invarg('"weight" is invalid\n', v);
        hop.weight = n;
      } else if (w === 'onlink') hop.onlink = true;
      else break;
    }
    hops.push(hop);
  }
  return hops;
}
