/**
 * `nlkit route`: `show` (`list`, `ls`) in ip's text and JSON, and `add`, `del`, `replace`, `change`, `append` with
 * ip's keywords (`via`, `dev`, `metric`, `table`, `proto`, `scope`, `src`, route types, `nexthop via … weight …`).
 */
import type { RouteNetlink } from '../api/route-netlink.js';
import type { Nexthop } from '../api/nexthops.js';
import type { Route, RouteInput } from '../api/routes.js';
import { familyColor, paint } from './color.js';
import { ipJson } from './json.js';
import { nexthopJson, nexthopText } from './nexthop.js';
import { selectRoutes } from '../api/route-select.js';
import { fail, incomplete, integer, invarg, matches, refuse, unknownCommand } from './args.js';
import { terminated } from './failure.js';
import { objectUsage } from './usage.js';
import { parseModify, parseShow, prefix, type ShownFilter } from './route-words.js';

export interface RouteOptions {
  json: boolean;
  pretty: boolean;
  family: 'inet' | 'inet6' | undefined;
  /** `-o`: each route on one line, a multipath route's line breaks shown as a backslash. */
  oneline?: boolean;
  details?: boolean;
  /** `-s`: flush reports its rounds. */
  stats?: number;
}


/** RTNH_F_* (rtnetlink.h) in the order ip prints them, then the route's own RTM_F_* offload flags. */
const nexthopFlags: [number, string][] = [[1, 'dead'], [4, 'onlink'], [2, 'pervasive'], [8, 'offload'], [64, 'trap'], [16, 'linkdown'], [32, 'unresolved']];
const routeOnlyFlags: [number, string][] = [[0x4000, 'rt_offload'], [0x8000, 'rt_trap'], [0x20000000, 'rt_offload_failed']];
const nexthopBit = new Map(nexthopFlags.map(([bit, name]) => [name, bit]));

/** The flag words ip prints for a route (rtm_flags) or, given names or bits, for one nexthop of a multipath route. */
export function flagWords(flags: number | (string | number)[], route = false): string[] {
  const bits = typeof flags === 'number' ? flags : flags.reduce<number>((a, f) => a | (typeof f === 'number' ? f : (nexthopBit.get(f) ?? 0)), 0);
  // Most routes have none: no arrays to build for them.
  if (bits === 0) return [];
  return [...nexthopFlags, ...(route ? routeOnlyFlags : [])].filter(([bit]) => bits & bit).map(([, name]) => name);
}

/** An address in its family's colour, with the space after it (ip colours both). */
const address = (a: string) => paint(familyColor(a.includes(':') ? 'inet6' : 'inet'), `${a} `);

/** How a listing shows its routes: one table (never named), every table (main named only with -d), -d's details. */
export interface RouteView {
  oneTable?: boolean;
  allTables?: boolean;
  details?: boolean;
  /** Nexthop objects by id, for -d's `nh_info` of routes that use one. */
  nexthops?: ReadonlyMap<number, Nexthop>;
  /** What the show selectors fixed, which ip leaves out of each line. */
  hide?: ShownFilter;
}

/** RTAX_* names in ip's order (mx_names), with the metric's index for its lock bit. */
const metricNames: [string, number, string][] = [
  ['mtu', 2, 'mtu'], ['window', 3, 'window'], ['rtt', 4, 'rtt'], ['rttvar', 5, 'rttvar'], ['ssthresh', 6, 'ssthresh'], ['cwnd', 7, 'cwnd'],
  ['advmss', 8, 'advmss'], ['reordering', 9, 'reordering'], ['hoplimit', 10, 'hoplimit'], ['initcwnd', 11, 'initcwnd'],
  ['features', 12, 'features'], ['rtoMin', 13, 'rto_min'], ['initrwnd', 14, 'initrwnd'], ['quickack', 15, 'quickack'],
  ['ccAlgo', 16, 'congctl'], ['fastopenNoCookie', 17, 'fastopen_no_cookie'],
];

/** A route's metrics as print_rta_metrics prints them: [text, json key, json value] for each. */
function metricFields(m: Record<string, unknown>): [string, string, unknown][] {
  const lock = (m.lock as number | undefined) ?? 0;
  const out: [string, string, unknown][] = [];
  for (const [key, bit, word] of metricNames) {
    const raw = m[key];
    if (raw === undefined && !(lock & (1 << bit))) continue;
    let value = key === 'ccAlgo' ? 0 : ((raw as number | undefined) ?? 0);
    if (key === 'hoplimit' && (value | 0) === -1) continue;
    let text = `${word} ${lock & (1 << bit) ? 'lock ' : ''}`;
    if (key === 'features') {
      if (value & 1) out.push([`${text}ecn `, 'ecn', null]);
      if (value & ~1) out.push([value & 1 ? `0x${value.toString(16)} ` : `${text}0x${value.toString(16)} `, 'features', `0x${value.toString(16)}`]);
      if (!value) out.push([text, '', undefined]);
      continue;
    }
    if (key === 'ccAlgo') {
      out.push([`${text}${String(raw ?? '')} `, 'congestion', raw ?? '']);
      continue;
    }
    if (key === 'rtt' || key === 'rttvar' || key === 'rtoMin') {
      value = key === 'rtt' ? Math.floor(value / 8) : key === 'rttvar' ? Math.floor(value / 4) : value;
      text += value >= 1000 ? `${value / 1000}s ` : `${value}ms `;
    } else text += `${value >>> 0} `;
    out.push([text, word, value >>> 0]);
  }
  return out;
}

const tableShown = (r: Route, v: RouteView) => !v.oneTable && (r.table !== 'main' || (v.details === true && v.allTables === true));
const scopeName = (r: Route) => (r.scope === 'universe' ? 'global' : r.scope);

/** ip's text form of a route, trailing space included for IPv4 as ip prints it. */
export function routeText(r: Route, name: (ifindex: number) => string, v: RouteView = {}): string {
  const hide = v.hide ?? {};
  let line = (r.type === 'unicast' && !v.details) || (hide.type !== undefined && typeCode(r.type) !== hide.type) ? '' : `${r.type} `;
  line += r.dst === 'default' ? 'default ' : paint(familyColor(r.family), `${r.dst} `);
  if (r.src !== undefined) line += `from ${paint(familyColor(r.family), `${r.src} `)}`;
  if (r.nhid !== undefined) line += `nhid ${r.nhid} `;
  if (r.tos && !hide.tos) line += `tos 0x${r.tos.toString(16).padStart(2, '0')} `;
  if (r.gateway && !hide.gateway) line += `via ${address(r.gateway)}`;
  if (r.oif !== undefined && !hide.dev) line += `dev ${paint('ifname', `${name(r.oif)} `)}`;
  if (tableShown(r, v)) line += `table ${r.table} `;
  if ((r.protocol !== 'boot' || v.details) && !hide.protocol) line += `proto ${r.protocol} `;
  if ((r.scope !== 'universe' || v.details) && !hide.scope) line += `scope ${scopeName(r)} `;
  if (r.prefsrc && !hide.prefsrc) line += `src ${address(r.prefsrc)}`;
  if (r.priority !== undefined && !hide.metric) line += `metric ${r.priority} `;
  for (const f of flagWords(r.flags, true)) line += `${f} `;
  if (r.mark) line += r.mark >= 16 ? `mark 0x${r.mark.toString(16)} ` : `mark ${r.mark} `;
  if (r.family === 'inet6' && r.expires) line += `expires ${r.expires}sec `;
  if (r.metrics) for (const [t] of metricFields(r.metrics as Record<string, unknown>)) line += t;
  if (r.iif !== undefined && !hide.iif) line += `iif ${name(r.iif)} `;
  // IPv6 ends its first line with the preference, IPv4 with a space; -d's nexthop object, then a multipath
  // route's nexthops, follow.
  if (r.family === 'inet6') line = r.pref !== undefined ? `${line}pref ${r.pref}` : line.trimEnd();
  const nh = v.details && r.nhid !== undefined ? v.nexthops?.get(r.nhid) : undefined;
  if (nh) line += `\n\tnh_info ${nexthopText(nh, name, true)}`;
  for (const hop of r.multipath ?? []) {
    line += `\n\tnexthop ${hop.gateway ? `via ${address(hop.gateway)}` : ''}dev ${name(hop.ifindex)} weight ${hop.weight} ${flagWords(hop.flags).map((f) => `${f} `).join('')}`;
  }
  return line;
}

const typeCodes: Record<string, number> = {
  unspec: 0, unicast: 1, local: 2, broadcast: 3, anycast: 4, multicast: 5, blackhole: 6, unreachable: 7, prohibit: 8, throw: 9, nat: 10, xresolve: 11,
};
const typeCode = (t: string | number) => (typeof t === 'number' ? t : typeCodes[t]);

/** ip -j's object for a route, keys in ip's order. */
export function routeJson(r: Route, name: (ifindex: number) => string, v: RouteView = {}): Record<string, unknown> {
  const hide = v.hide ?? {};
  const o: Record<string, unknown> = {};
  if ((r.type !== 'unicast' || v.details) && (hide.type === undefined || typeCode(r.type) === hide.type)) o.type = r.type;
  o.dst = r.dst;
  if (r.src !== undefined) o.from = r.src;
  if (r.nhid !== undefined) o.nhid = r.nhid;
  if (r.tos && !hide.tos) o.tos = `0x${r.tos.toString(16).padStart(2, '0')}`;
  if (r.gateway && !hide.gateway) o.gateway = r.gateway;
  if (r.oif !== undefined && !hide.dev) o.dev = name(r.oif);
  if (tableShown(r, v)) o.table = String(r.table);
  if ((r.protocol !== 'boot' || v.details) && !hide.protocol) o.protocol = r.protocol;
  if ((r.scope !== 'universe' || v.details) && !hide.scope) o.scope = scopeName(r);
  if (r.prefsrc && !hide.prefsrc) o.prefsrc = r.prefsrc;
  if (r.priority !== undefined && !hide.metric) o.metric = r.priority;
  o.flags = flagWords(r.flags, true);
  if (r.mark) o.mark = r.mark;
  if (r.family === 'inet6' && r.expires) o.expires = r.expires;
  if (r.metrics) o.metrics = [Object.fromEntries(metricFields(r.metrics as Record<string, unknown>).filter(([, k]) => k).map(([, k, val]) => [k, val]))];
  if (r.iif !== undefined && !hide.iif) o.iif = name(r.iif);
  const nh = v.details && r.nhid !== undefined ? v.nexthops?.get(r.nhid) : undefined;
  if (nh) o.nh_info = nexthopJson(nh, name, true);
  if (r.multipath) o.nexthops = r.multipath.map((hop) => ({ ...(hop.gateway ? { gateway: hop.gateway } : {}), dev: name(hop.ifindex), weight: hop.weight, flags: flagWords(hop.flags) }));
  if (r.family === 'inet6' && r.pref !== undefined) o.pref = r.pref;
  return o;
}

/** ip's route arguments → a RouteInput (as `ip route add` reads them). */
export const parseRoute = (args: string[]): RouteInput => parseModify(args, undefined);

/** RTCF_* (linux/in_route.h) that ip prints in a cached route's `cache <…>`, in its order. */
const cacheFlags: [number, string][] = [
  [0x80000000, 'local'], [0x40000000, 'reject'], [0x20000000, 'mc'], [0x10000000, 'brd'], [0x08000000, 'dst-nat'],
  [0x00800000, 'src-nat'], [0x00400000, 'masq'], [0x00020000, 'dst-direct'], [0x04000000, 'src-direct'],
  [0x00040000, 'redirected'], [0x01000000, 'redirect'], [0x00010000, 'notify'],
];
const RTM_F_CLONED = 0x200;

/** `route get`'s answer as ip prints it: the route the kernel would use, then its cache line. */
function routeGetText(r: Route, name: (ifindex: number) => string): string {
  let line = r.type === 'unicast' ? '' : `${r.type} `;
  line += address(r.dst);
  if (r.src) line += `from ${address(r.src)}`;
  if (r.gateway) line += `via ${address(r.gateway)}`;
  if (r.oif !== undefined) line += `dev ${paint('ifname', `${name(r.oif)} `)}`;
  if (r.table !== 'main') line += `table ${r.table} `;
  // A cloned (cached) route has no protocol or scope of its own to show.
  if (!((r.flags >>> 0) & RTM_F_CLONED)) {
    if (r.protocol !== 'boot' && r.protocol !== 'unspec') line += `proto ${r.protocol} `;
    if (r.scope !== 'universe') line += `scope ${r.scope} `;
  }
  if (r.prefsrc) line += `src ${address(r.prefsrc)}`;
  if (r.priority !== undefined) line += `metric ${r.priority} `;
  if (r.mark !== undefined) line += `mark ${r.mark} `;
  if (r.raw.uid !== undefined) line += `uid ${r.raw.uid as number} `;
  if (r.family === 'inet6') return r.pref !== undefined ? `${line}pref ${r.pref}` : line.trimEnd();
  const cache = cacheFlags.filter(([bit]) => (r.flags >>> 0) & bit).map(([, w]) => w);
  return `${line}\n    cache ${cache.length ? `<${cache.join(',')}> ` : ''}`;
}

function routeGetJson(r: Route, name: (ifindex: number) => string): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  if (r.type !== 'unicast') o.type = r.type;
  o.dst = r.dst;
  if (r.src) o.from = r.src;
  if (r.gateway) o.gateway = r.gateway;
  if (r.oif !== undefined) o.dev = name(r.oif);
  if (r.table !== 'main') o.table = String(r.table);
  if (r.prefsrc) o.prefsrc = r.prefsrc;
  if (r.priority !== undefined) o.metric = r.priority;
  o.flags = flagWords(r.flags, true);
  if (r.mark !== undefined) o.mark = r.mark;
  if (r.raw.uid !== undefined) o.uid = r.raw.uid;
  if (r.family === 'inet') o.cache = cacheFlags.filter(([bit]) => (r.flags >>> 0) & bit).map(([, w]) => w);
  return o;
}

/** ip's route selectors for flush: `table` (default main, or all), `dev`, `proto`; `cache` is a no-op. */
async function flush(rt: RouteNetlink, args: string[], options: RouteOptions, out: (line: string) => void): Promise<void> {
  if (args.length === 0) throw fail('"nlkit route flush" requires arguments.');
  const { sel, dev, iif } = parseShow(args, options.family);
  const family = sel.family ?? (sel.table === 'all' ? undefined : 'inet');
  // The IPv4 cache is no table: ip empties it through /proc, which leaves nothing for a dump to find.
  if (sel.cloned && family !== 'inet6') {
    if (options.stats) out('*** IPv4 routing cache is flushed.');
    if (family === 'inet') return;
  }
  const links = await rt.links.list();
  const ifindex = (n: string) => {
    const l = links.find((x) => x.ifname === n || x.altnames.includes(n));
    if (!l) throw fail(`Cannot find device "${n}"`);
    return l.ifindex;
  };
  if (dev !== undefined) sel.dev = ifindex(dev);
  if (iif !== undefined) sel.iif = ifindex(iif);
  const { filter, matches: selected } = selectRoutes(sel);
  // As ip: dump, delete what matched, and again until a dump finds nothing (a deletion can take others with it).
  for (let round = 0; ; round++) {
    const routes = (await rt.routes.list(filter)).filter(selected);
    if (routes.length === 0) {
      if (options.stats) out(round === 0 && (!sel.cloned || family === 'inet6') ? 'Nothing to flush.' : `*** Flush is complete after ${round} round${round > 1 ? 's' : ''} ***`);
      return;
    }
    const results = await rt.routes.deleteMany(routes.map((r) => ({
      family: r.family, dst: r.dst, table: r.table, tos: r.tos, type: r.type, ...(r.priority !== undefined ? { priority: r.priority } : {}),
      ...(r.oif !== undefined ? { dev: r.oif } : {}), ...(r.src !== undefined ? { src: r.src } : {}),
    })));
    const failed = results.find((e) => e !== null && (e as { code?: string }).code !== 'ESRCH');
    if (failed) throw failed;
    if (options.stats) out(`\n*** Round ${round + 1}, deleting ${routes.length} entries ***`);
  }
}

export async function route(rt: RouteNetlink, verb: string | undefined, args: string[], options: RouteOptions, out: (line: string) => void): Promise<void> {
  const v = verb ?? 'show';
  if (matches(v, 'get')) {
    const lookup: Parameters<typeof rt.routes.lookup>[1] = {};
    let dst: string | undefined;
    let family = options.family;
    for (let i = 0; i < args.length; i++) {
      const w = args[i]!;
      const next = () => {
        if (i + 1 >= args.length) throw incomplete();
        return args[++i]!;
      };
      if (matches(w, 'from')) {
        const f = next();
        if (matches(f, 'help')) throw refuse(objectUsage.route!.trimEnd());
        lookup.from = prefix(f, family);
        family ??= lookup.from.includes(':') ? 'inet6' : 'inet';
      } else if (matches(w, 'iif')) lookup.iif = next();
      else if (matches(w, 'mark')) {
        const m = next();
        const n = integer(m, { min: 0, max: 0xffffffff });
        if (n === undefined) throw invarg('invalid mark value', m);
        lookup.mark = n;
      } else if (matches(w, 'oif') || w === 'dev') lookup.oif = next();
      else if (w === 'tos' || matches(w, 'dsfield') || ['notify', 'connected', 'vrf', 'uid', 'fibmatch', 'sport', 'dport', 'ipproto'].some((k) => matches(w, k)) || w === 'as') {
        throw refuse(`nlkit route get does not take "${w}"`);
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
    const r = await rt.routes.lookup(dst, lookup);
    const names = new Map((await rt.links.list()).map((l) => [l.ifindex, l.ifname]));
    const name = (i: number) => names.get(i) ?? `if${i}`;
    out(options.json ? ipJson([routeGetJson(r, name)], options.pretty) : routeGetText(r, name));
    return;
  }
  if (matches(v, 'flush')) return terminated('Flush terminated', () => flush(rt, args, options, out));
  if (matches(v, 'show') || matches(v, 'list') || matches(v, 'lst')) {
    const { sel, hide, dev, iif } = parseShow(args, options.family);
    const links = await rt.links.list();
    const names = new Map<number, string>();
    for (const l of links) names.set(l.ifindex, l.ifname);
    const name = (i: number) => names.get(i) ?? `if${i}`;
    const ifindex = (n: string) => {
      const l = links.find((x) => x.ifname === n || x.altnames.includes(n));
      if (!l) throw fail(`Cannot find device "${n}"`);
      return l.ifindex;
    };
    if (iif !== undefined) {
      sel.iif = ifindex(iif);
      hide.iif = true;
    }
    if (dev !== undefined) {
      sel.dev = ifindex(dev);
      hide.dev = true;
    }
    const { filter, matches: selected } = selectRoutes(sel);
    // Without selectors the dump is the answer: no predicate runs over a table of a million routes.
    const keep = args.length ? selected : undefined;
    const table = sel.table ?? 'main';
    const view: RouteView = {
      oneTable: table !== 'main' && table !== 'all',
      allTables: table === 'all',
      details: options.details,
      nexthops: options.details ? new Map((await rt.nexthops.list()).map((n) => [n.id, n])) : undefined,
      hide,
    };
    return terminated('Dump terminated', async () => {
      if (options.json) {
        const list = await rt.routes.list(filter);
        out(ipJson((keep ? list.filter(keep) : list).map((r) => routeJson(r, name, view)), options.pretty));
        return;
      }
      // Printed batch by batch as the dump arrives: a table of a million routes is never held whole.
      for await (const batch of rt.routes.batches(filter)) {
        // With -o, ip still breaks the line before nh_info.
        for (const r of batch) {
          if (keep && !keep(r)) continue;
          out(options.oneline ? routeText(r, name, view).replace(/\n(?!\tnh_info)/g, '\\') : routeText(r, name, view));
        }
      }
    });
  }
  // ip's verbs, tried in ip's order, each taking any abbreviation.
  const write = matches(v, 'add') ? 'add' : matches(v, 'change') || v === 'chg' ? 'change' : matches(v, 'replace') ? 'replace'
    : matches(v, 'prepend') ? 'prepend' : matches(v, 'append') ? 'append' : matches(v, 'test') ? 'test' : matches(v, 'delete') ? 'delete' : undefined;
  if (write === undefined) {
    if (matches(v, 'help')) throw refuse(objectUsage.route!.trimEnd());
    throw unknownCommand(v, 'route');
  }
  const input = parseModify(args, options.family);
  // ip resolves the devices after reading every word; a missing one fails the command (exit 1).
  const devs = [input.dev, ...(input.multipath ?? []).map((h) => h.dev)].filter((d): d is string => typeof d === 'string');
  if (devs.length) {
    const links = await rt.links.list();
    for (const d of devs) {
      if (links.some((l) => l.ifname === d || l.altnames.includes(d))) continue;
      if (d === input.dev) throw fail(`Cannot find device "${d}"`);
      throw refuse(`Cannot find device "${d}"\nError: cannot parse nexthop`);
    }
  }
  if (write === 'add') await rt.routes.add(input);
  else if (write === 'delete') await rt.routes.delete(input);
  else if (write === 'replace') await rt.routes.replace(input);
  else if (write === 'change') await rt.routes.change(input);
  else await rt.routes.write(input, write);
}
