/**
 * `nlkit route`: `show` (`list`, `ls`) in ip's text and JSON, and `add`, `del`, `replace`, `change`, `append` with
 * ip's keywords (`via`, `dev`, `metric`, `table`, `proto`, `scope`, `src`, route types, `nexthop via … weight …`).
 */
import type { RouteNetlink } from '../api/route-netlink.js';
import type { Nexthop } from '../api/nexthops.js';
import type { Route, RouteInput, RouteType } from '../api/routes.js';
import { familyColor, paint } from './color.js';
import { ipJson } from './json.js';
import { nexthopJson, nexthopText } from './nexthop.js';
import { UsageError } from './usage.js';

export interface RouteOptions {
  json: boolean;
  pretty: boolean;
  family: 'inet' | 'inet6' | undefined;
  /** `-o`: each route on one line, a multipath route's line breaks shown as a backslash. */
  oneline?: boolean;
  details?: boolean;
}

const types = new Set(['unicast', 'local', 'broadcast', 'anycast', 'multicast', 'blackhole', 'unreachable', 'prohibit', 'throw', 'nat']);

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
}

const tableShown = (r: Route, v: RouteView) => !v.oneTable && (r.table !== 'main' || (v.details === true && v.allTables === true));
const scopeName = (r: Route) => (r.scope === 'universe' ? 'global' : r.scope);

/** ip's text form of a route, trailing space included for IPv4 as ip prints it. */
export function routeText(r: Route, name: (ifindex: number) => string, v: RouteView = {}): string {
  let line = r.type === 'unicast' && !v.details ? '' : `${r.type} `;
  line += r.dst === 'default' ? 'default ' : paint(familyColor(r.family), `${r.dst} `);
  if (r.nhid !== undefined) line += `nhid ${r.nhid} `;
  if (r.gateway) line += `via ${address(r.gateway)}`;
  if (r.oif !== undefined) line += `dev ${paint('ifname', `${name(r.oif)} `)}`;
  if (tableShown(r, v)) line += `table ${r.table} `;
  if (r.protocol !== 'boot' || v.details) line += `proto ${r.protocol} `;
  if (r.scope !== 'universe' || v.details) line += `scope ${scopeName(r)} `;
  if (r.prefsrc) line += `src ${address(r.prefsrc)}`;
  if (r.priority !== undefined) line += `metric ${r.priority} `;
  for (const f of flagWords(r.flags, true)) line += `${f} `;
  if (r.family === 'inet6' && r.expires) line += `expires ${r.expires}sec `;
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

/** ip -j's object for a route, keys in ip's order. */
export function routeJson(r: Route, name: (ifindex: number) => string, v: RouteView = {}): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  if (r.type !== 'unicast' || v.details) o.type = r.type;
  o.dst = r.dst;
  if (r.nhid !== undefined) o.nhid = r.nhid;
  if (r.gateway) o.gateway = r.gateway;
  if (r.oif !== undefined) o.dev = name(r.oif);
  if (tableShown(r, v)) o.table = String(r.table);
  if (r.protocol !== 'boot' || v.details) o.protocol = r.protocol;
  if (r.scope !== 'universe' || v.details) o.scope = scopeName(r);
  if (r.prefsrc) o.prefsrc = r.prefsrc;
  if (r.priority !== undefined) o.metric = r.priority;
  o.flags = flagWords(r.flags, true);
  if (r.family === 'inet6' && r.expires) o.expires = r.expires;
  const nh = v.details && r.nhid !== undefined ? v.nexthops?.get(r.nhid) : undefined;
  if (nh) o.nh_info = nexthopJson(nh, name, true);
  if (r.multipath) o.nexthops = r.multipath.map((hop) => ({ ...(hop.gateway ? { gateway: hop.gateway } : {}), dev: name(hop.ifindex), weight: hop.weight, flags: flagWords(hop.flags) }));
  if (r.family === 'inet6' && r.pref !== undefined) o.pref = r.pref;
  return o;
}

/** ip's route arguments → a RouteInput. */
export function parseRoute(args: string[]): RouteInput {
  const input: RouteInput = {};
  let i = 0;
  const value = (word: string): string => {
    const v = args[++i];
    if (v === undefined) throw new UsageError(`"${word}" needs a value`);
    return v;
  };
  for (; i < args.length; i++) {
    const w = args[i]!;
    if (w === 'via') input.gateway = value(w);
    else if (w === 'dev' || w === 'oif') input.dev = value(w);
    else if (w === 'metric' || w === 'priority' || w === 'preference') input.priority = Number(value(w));
    else if (w === 'table') input.table = value(w);
    else if (w === 'proto' || w === 'protocol') input.protocol = value(w);
    else if (w === 'scope') input.scope = value(w);
    else if (w === 'src') input.prefsrc = value(w);
    else if (w === 'nhid') input.nhid = Number(value(w));
    else if (w === 'onlink') input.onlink = true;
    else if (w === 'type') {
      const t = value(w);
      if (!types.has(t)) throw new UsageError(`"${t}" is not a route type`);
      input.type = t as RouteType;
    }
    else if (w === 'nexthop') {
      const nh: { gateway?: string; dev?: string; weight?: number } = {};
      for (i++; i < args.length && args[i] !== 'nexthop'; i++) {
        const k = args[i]!;
        if (k === 'via') nh.gateway = value(k);
        else if (k === 'dev') nh.dev = value(k);
        else if (k === 'weight') nh.weight = Number(value(k));
        else throw new UsageError(`"${k}" is not a nexthop keyword (via, dev, weight)`);
      }
      i--;
      (input.multipath ??= []).push(nh);
    } else if (types.has(w) && input.dst === undefined) input.type = w as RouteType;
    else if (w === 'to') input.dst = value(w);
    else if (input.dst === undefined) input.dst = w;
    else throw new UsageError(`"${w}" is garbage (unknown route keyword)`);
  }
  return input;
}

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
async function flush(rt: RouteNetlink, args: string[], options: RouteOptions): Promise<void> {
  if (args.length === 0) throw new UsageError('"nlkit route flush" requires arguments.');
  let table: string = 'main';
  let dev: string | undefined;
  let protocol: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const w = args[i]!;
    const value = () => {
      const v = args[++i];
      if (v === undefined) throw new UsageError(`"${w}" needs a value`);
      return v;
    };
    if (w === 'table') table = value();
    else if (w === 'dev' || w === 'oif') dev = value();
    else if (w === 'proto' || w === 'protocol') protocol = value();
    else if (w === 'cache') return;
    else throw new UsageError(`"${w}" is not a route flush selector (table, dev, proto)`);
  }
  const routes = await rt.routes.list({
    family: options.family ?? 'inet',
    ...(table === 'all' ? {} : { table: /^\d+$/.test(table) ? Number(table) : (table as 'main') }),
    ...(dev === undefined ? {} : { dev }),
    ...(protocol === undefined ? {} : { protocol: /^\d+$/.test(protocol) ? Number(protocol) : protocol }),
  });
  const results = await rt.routes.deleteMany(routes.map((r) => ({
    family: r.family, dst: r.dst, table: r.table, tos: r.tos, type: r.type, ...(r.priority !== undefined ? { priority: r.priority } : {}),
    ...(r.oif !== undefined ? { dev: r.oif } : {}),
  })));
  const failed = results.find((e) => e !== null && (e as { code?: string }).code !== 'ESRCH');
  if (failed) throw failed;
}

export async function route(rt: RouteNetlink, verb: string | undefined, args: string[], options: RouteOptions, out: (line: string) => void): Promise<void> {
  const v = verb ?? 'show';
  if (v === 'flush' || v === 'f') return flush(rt, args, options);
  if (v === 'get' || v === 'g') {
    const [dst, ...rest] = args[0] === 'to' ? args.slice(1) : args;
    if (dst === undefined) throw new UsageError('"nlkit route get" needs an ADDRESS');
    const lookup: Parameters<typeof rt.routes.lookup>[1] = {};
    for (let i = 0; i < rest.length; i++) {
      const w = rest[i]!;
      const value = rest[++i];
      if (value === undefined) throw new UsageError(`"${w}" needs a value`);
      if (w === 'from') lookup.from = value;
      else if (w === 'iif') lookup.iif = value;
      else if (w === 'oif' || w === 'dev') lookup.oif = value;
      else if (w === 'mark') lookup.mark = Number(value);
      else throw new UsageError(`"${w}" is not a route get keyword (from, iif, oif, mark)`);
    }
    const r = await rt.routes.lookup(dst, lookup);
    const names = new Map((await rt.links.list()).map((l) => [l.ifindex, l.ifname]));
    const name = (i: number) => names.get(i) ?? `if${i}`;
    out(options.json ? ipJson([routeGetJson(r, name)], options.pretty) : routeGetText(r, name));
    return;
  }
  if ('show'.startsWith(v) || 'list'.startsWith(v) || v === 'ls') {
    let table: string | number = 'main';
    for (let i = 0; i < args.length; i++) {
      if (args[i] === 'table') table = args[++i] ?? 'main';
      else throw new UsageError(`"${args[i]}" is not supported by nlkit route show`);
    }
    const names = new Map<number, string>();
    for (const l of await rt.links.list()) names.set(l.ifindex, l.ifname);
    const name = (i: number) => names.get(i) ?? `if${i}`;
    // ip lists IPv4 unless told otherwise, except for `table all`, which is every family.
    const family = options.family ?? (table === 'all' ? undefined : 'inet');
    const filter = { ...(family ? { family } : {}), ...(table === 'all' ? {} : { table: /^\d+$/.test(String(table)) ? Number(table) : (table as 'main') }) };
    const view: RouteView = {
      oneTable: table !== 'main' && table !== 'all',
      allTables: table === 'all',
      details: options.details,
      nexthops: options.details ? new Map((await rt.nexthops.list()).map((n) => [n.id, n])) : undefined,
    };
    if (options.json) {
      out(ipJson((await rt.routes.list(filter)).map((r) => routeJson(r, name, view)), options.pretty));
      return;
    }
    // Printed batch by batch as the dump arrives: a table of a million routes is never held whole.
    for await (const batch of rt.routes.batches(filter)) {
      // With -o, ip still breaks the line before nh_info.
      for (const r of batch) out(options.oneline ? routeText(r, name, view).replace(/\n(?!\tnh_info)/g, '\\') : routeText(r, name, view));
    }
    return;
  }
  const input = parseRoute(args);
  if (input.dst === undefined) throw new UsageError('a destination prefix is required');
  if (options.family) input.family = options.family;
  if (v === 'add' || v === 'a') await rt.routes.add(input);
  else if ('delete'.startsWith(v) && v.length >= 3) await rt.routes.delete(input);
  else if (v === 'replace') await rt.routes.replace(input);
  else if (v === 'change') await rt.routes.change(input);
  else if (v === 'append') await rt.routes.write(input, 'append');
  else throw new UsageError(`Command "${v}" is unknown, try "nlkit route help".`);
}
