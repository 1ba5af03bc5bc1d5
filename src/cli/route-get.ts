/**
 * `nlkit route get`: iproute2 6.1's iproute_get — its words (tos, from, iif, mark, oif/dev, notify, connected, vrf,
 * uid, fibmatch, as, sport, dport, ipproto, to) refused with ip's messages, and the answer printed by print_route's
 * rules for one route: the cache line of an IPv4 answer, proto and scope only of a FIB entry (`fibmatch`).
 */
import type { RouteNetlink } from '../api/route-netlink.js';
import type { LookupOptions, Route } from '../api/routes.js';
import { familyColor, paint } from './color.js';
import { ipJson } from './json.js';
import { fail, incomplete, integer, invarg, matches, notPrefix, refuse } from './args.js';
import { address, flagWords, metricFields, multipathJson, multipathText, viaJson, viaText } from './route-fields.js';
import { address as readAddress, prefix } from './inet-pton.js';
import { dsfield, ipProto } from './route-words.js';
import { objectUsage } from './usage.js';

/** What `route get` takes of the global options. */
export interface RouteGetOptions {
  json: boolean;
  pretty: boolean;
  family: 'inet' | 'inet6' | undefined;
  details?: boolean;
  stats?: number;
}

/** RTCF_* (linux/in_route.h) in print_cache_flags' order. */
const cacheFlags: [number, string][] = [
  [0x80000000, 'local'], [0x40000000, 'reject'], [0x20000000, 'mc'], [0x10000000, 'brd'], [0x08000000, 'dst-nat'],
  [0x00800000, 'src-nat'], [0x00400000, 'masq'], [0x00020000, 'dst-direct'], [0x04000000, 'src-direct'],
  [0x00040000, 'redirected'], [0x01000000, 'redirect'], [0x00200000, 'fastroute'], [0x00010000, 'notify'], [0x00080000, 'proxy'],
];
const RTM_F_CLONED = 0x200;
/** USER_HZ: rta_cacheinfo's times are clock_t. */
const USER_HZ = 100;

interface CacheInfo { clntref?: number; lastuse?: number; expires?: number; error?: number; used?: number }

/** One route as print_route prints it, [text, json key, json value] in its order. */
function fields(r: Route, name: (ifindex: number) => string, o: RouteGetOptions): [string, string, unknown][] {
  const f: [string, string, unknown][] = [];
  const color = familyColor(r.family);
  if (r.type !== 'unicast' || o.details) f.push([`${r.type} `, 'type', r.type]);
  f.push([r.dst === 'default' ? 'default ' : paint(color, `${r.dst} `), 'dst', r.dst]);
  if (r.src !== undefined) f.push([`from ${paint(color, `${r.src} `)}`, 'from', r.src]);
  if (r.nhid !== undefined) f.push([`nhid ${r.nhid} `, 'nhid', r.nhid]);
  const tos = `0x${r.tos.toString(16).padStart(2, '0')}`;
  if (r.tos) f.push([`tos ${tos} `, 'tos', tos]);
  if (r.gateway) f.push([`via ${address(r.gateway)}`, 'gateway', r.gateway]);
  if (r.via) f.push([viaText(r.via), 'via', viaJson(r.via)]);
  if (r.oif !== undefined) f.push([`dev ${paint('ifname', `${name(r.oif)} `)}`, 'dev', name(r.oif)]);
  // Table 0: an answer from no table (an output device given, no rule consulted).
  if (r.table !== 'unspec' && r.table !== 0 && (r.table !== 'main' || o.details)) f.push([`table ${r.table} `, 'table', String(r.table)]);
  const flags = r.flags >>> 0;
  // A cached route has no protocol or scope of its own to show.
  if (!(flags & RTM_F_CLONED)) {
    if (r.protocol !== 'boot' || o.details) f.push([`proto ${r.protocol} `, 'protocol', r.protocol]);
    const scope = r.scope === 'universe' ? 'global' : r.scope;
    if (r.scope !== 'universe' || o.details) f.push([`scope ${scope} `, 'scope', scope]);
  }
  if (r.prefsrc) f.push([`src ${address(r.prefsrc)}`, 'prefsrc', r.prefsrc]);
  if (r.priority !== undefined) f.push([`metric ${r.priority} `, 'metric', r.priority]);
  const words = flagWords(flags, true);
  f.push([words.map((w) => `${w} `).join(''), 'flags', words]);
  if (r.mark) f.push([r.mark >= 16 ? `mark 0x${r.mark.toString(16)} ` : `mark ${r.mark} `, 'mark', r.mark]);
  const uid = r.raw.uid as number | undefined;
  if (uid !== undefined) f.push([`uid ${uid} `, 'uid', uid]);
  if (r.family === 'inet' && flags & RTM_F_CLONED) {
    const named = cacheFlags.filter(([bit]) => flags & bit).map(([, w]) => w);
    const rest = (flags & ~0xffff & ~cacheFlags.reduce((a, [bit]) => a | bit, 0)) >>> 0;
    const inner = [...named, ...(rest ? [rest.toString(16)] : [])];
    f.push([`\n    cache ${inner.length ? `<${inner.join(',')}${rest ? '>' : '> '}` : ''}`, 'cache', named]);
  }
  const ci = r.raw.cacheinfo as CacheInfo | undefined;
  if (ci) {
    if (ci.expires) f.push([`expires ${Math.trunc((ci.expires | 0) / USER_HZ)}sec `, 'expires', Math.trunc((ci.expires | 0) / USER_HZ)]);
    if (ci.error) f.push([`error ${ci.error} `, 'error', ci.error]);
    if (o.stats) {
      if (ci.clntref) f.push([`users ${ci.clntref} `, 'users', ci.clntref]);
      if (ci.used) f.push([`used ${ci.used} `, 'used', ci.used]);
      if (ci.lastuse) f.push([`age ${Math.trunc(ci.lastuse / USER_HZ)}sec `, 'age', Math.trunc(ci.lastuse / USER_HZ)]);
    }
  }
  if (r.metrics) {
    const m = metricFields(r.metrics as Record<string, unknown>);
    f.push([m.map(([t]) => t).join(''), 'metrics', [Object.fromEntries(m.filter(([, k]) => k).map(([, k, v]) => [k, v]))]]);
  }
  if (r.iif !== undefined) f.push([`iif ${paint('ifname', `${name(r.iif)} `)}`, 'iif', name(r.iif)]);
  if (r.pref !== undefined) f.push([typeof r.pref === 'number' ? String(r.pref) : `pref ${r.pref}`, 'pref', r.pref]);
  // A multipath FIB entry (`fibmatch`): its nexthops, after the preference as print_route puts them.
  if (r.multipath) f.push([multipathText(r, name), 'nexthops', multipathJson(r.multipath, name)]);
  return f;
}

const text = (r: Route, name: (ifindex: number) => string, o: RouteGetOptions) => fields(r, name, o).map(([t]) => t).join('');
const json = (r: Route, name: (ifindex: number) => string, o: RouteGetOptions) =>
  Object.fromEntries(fields(r, name, o).map(([, k, v]) => [k, v]));

/** ip's route get arguments → the destination, the lookup, and whether `connected` asks for a second lookup. */
async function parseGet(rt: RouteNetlink, args: string[], family: 'inet' | 'inet6' | undefined): Promise<{ dst: string; lookup: LookupOptions; connected: boolean }> {
  const lookup: LookupOptions = {};
  let dst: string | undefined;
  let connected = false;
  const vrfs = async () => (await rt.links.list()).filter((l) => l.kind === 'vrf').flatMap((l) => [l.ifname, ...l.altnames]);
  for (let i = 0; i < args.length; i++) {
    const w = args[i]!;
    const next = () => {
      if (i + 1 >= args.length) throw incomplete();
      return args[++i]!;
    };
    if (w === 'tos' || matches(w, 'dsfield')) {
      const v = next();
      const t = dsfield(v);
      if (t === undefined) throw invarg('TOS value is invalid\n', v);
      lookup.tos = t;
    } else if (matches(w, 'from')) {
      const f = next();
      if (matches(f, 'help')) throw refuse(objectUsage.route!.trimEnd());
      lookup.from = prefix(f, family);
      family ??= lookup.from.includes(':') ? 'inet6' : 'inet';
    } else if (matches(w, 'iif')) lookup.iif = next();
    else if (matches(w, 'mark')) {
      const m = next();
      const n = integer(m, { min: 0, max: 0xffffffff });
      if (n === undefined) throw invarg('invalid mark value', m);
      // ip sends no mark of 0.
      if (n) lookup.mark = n;
      else delete lookup.mark;
    } else if (matches(w, 'oif') || w === 'dev') lookup.oif = next();
    else if (matches(w, 'notify')) lookup.notify = true;
    else if (matches(w, 'connected')) connected = true;
    else if (matches(w, 'vrf')) {
      const v = next();
      if (!(await vrfs()).includes(v)) throw invarg('Invalid VRF\n', v);
      lookup.oif = v;
    } else if (matches(w, 'uid')) {
      const v = next();
      const n = integer(v, { min: 0, max: 0xffffffff });
      if (n === undefined) throw invarg('invalid UID\n', v);
      lookup.uid = n;
    } else if (matches(w, 'fibmatch')) lookup.fibMatch = true;
    else if (w === 'as') {
      let v = next();
      if (v === 'to') v = next();
      if (v === 'default' || v === 'all' || v === 'any') throw notPrefix(family, v, 'address');
      lookup.newdst = readAddress(v, family);
      family ??= v.includes(':') ? 'inet6' : 'inet';
    } else if (matches(w, 'sport') || matches(w, 'dport')) {
      const v = next();
      const n = integer(v, { min: 0, max: 0xffff });
      const key = matches(w, 'sport') ? 'sport' : 'dport';
      if (n === undefined) throw invarg(`invalid ${key}\n`, v);
      lookup[key] = n;
    } else if (matches(w, 'ipproto')) {
      const v = next();
      const n = ipProto(v);
      if (n === undefined) throw invarg('Invalid "ipproto" value\n', v);
      lookup.ipProto = n;
    } else {
      const word = w === 'to' ? next() : w;
      if (matches(word, 'help')) throw refuse(objectUsage.route!.trimEnd());
      const p = prefix(word, family);
      family ??= p.includes(':') ? 'inet6' : 'inet';
      const [addr, len] = p.split('/');
      const host = family === 'inet6' ? 128 : 32;
      const bits = p === 'default' || p === 'all' || p === 'any' ? 0 : len === undefined ? host : Number(len);
      if (bits !== host) process.stderr.write(`Warning: /${bits} as prefix is invalid, only /${host} (or none) is supported.\n`);
      dst = p === 'default' || p === 'all' || p === 'any' ? (family === 'inet6' ? '::' : '0.0.0.0') : addr!;
    }
  }
  if (dst === undefined) throw fail('need at least a destination address');
  return { dst, lookup, connected };
}

/** `route get`: one lookup, printed; with `connected` (and no `from`) the lookup is made and printed twice, as ip does. */
export async function routeGet(rt: RouteNetlink, args: string[], o: RouteGetOptions, out: (line: string) => void): Promise<void> {
  const { dst, lookup, connected } = await parseGet(rt, args, o.family);
  const names = new Map((await rt.links.list()).map((l) => [l.ifindex, l.ifname]));
  const name = (i: number) => names.get(i) ?? `if${i}`;
  let r = await rt.routes.lookup(dst, lookup);
  let asJson = o.json;
  if (connected && lookup.from === undefined) {
    out(asJson ? ipJson([json(r, name, o)], o.pretty) : text(r, name, o));
    if (!r.prefsrc && r.src === undefined) throw fail('Failed to connect the route');
    // ip closes its JSON array after the first answer: the second is printed as text.
    asJson = false;
    r = await rt.routes.lookup(dst, lookup);
  }
  out(asJson ? ipJson([json(r, name, o)], o.pretty) : text(r, name, o));
}
