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
import { fail, matches, refuse, unknownCommand } from './args.js';
import { terminated } from './failure.js';
import { objectUsage } from './usage.js';
import { parseModify, parseShow, type ShownFilter } from './route-words.js';
import { address, flagWords, metricFields, multipathJson, multipathText, viaJson, viaText } from './route-fields.js';
import { routeGet } from './route-get.js';
import { encapJson, encapText, realmsJson, realmsText } from './route-encap-text.js';

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

const tableShown = (r: Route, v: RouteView) => !v.oneTable && (r.table !== 'main' || (v.details === true && v.allTables === true));
const scopeName = (r: Route) => (r.scope === 'universe' ? 'global' : r.scope);

/** ip's text form of a route, trailing space included for IPv4 as ip prints it. */
export function routeText(r: Route, name: (ifindex: number) => string, v: RouteView = {}): string {
  const hide = v.hide ?? {};
  let line = (r.type === 'unicast' && !v.details) || (hide.type !== undefined && typeCode(r.type) !== hide.type) ? '' : `${r.type} `;
  line += r.dst === 'default' ? 'default ' : paint(familyColor(r.family), `${r.dst} `);
  if (r.src !== undefined) line += `from ${paint(familyColor(r.family), `${r.src} `)}`;
  if (r.nhid !== undefined) line += `nhid ${r.nhid} `;
  if (r.newdst !== undefined) line += `as to ${address(r.newdst)}`;
  if (r.encap) line += encapText(r.encap, name);
  if (r.tos && !hide.tos) line += `tos 0x${r.tos.toString(16).padStart(2, '0')} `;
  if (r.gateway && !hide.gateway) line += `via ${address(r.gateway)}`;
  if (r.via) line += viaText(r.via);
  if (r.oif !== undefined && !hide.dev) line += `dev ${paint('ifname', `${name(r.oif)} `)}`;
  if (tableShown(r, v)) line += `table ${r.table} `;
  if ((r.protocol !== 'boot' || v.details) && !hide.protocol) line += `proto ${r.protocol} `;
  if ((r.scope !== 'universe' || v.details) && !hide.scope) line += `scope ${scopeName(r)} `;
  if (r.prefsrc && !hide.prefsrc) line += `src ${address(r.prefsrc)}`;
  if (r.priority !== undefined && !hide.metric) line += `metric ${r.priority} `;
  for (const f of flagWords(r.flags, true)) line += `${f} `;
  if (r.mark) line += r.mark >= 16 ? `mark 0x${r.mark.toString(16)} ` : `mark ${r.mark} `;
  if (r.realms !== undefined) line += realmsText(r.realms);
  if (r.family === 'inet6' && r.expires) line += `expires ${r.expires}sec `;
  if (r.metrics) for (const [t] of metricFields(r.metrics as Record<string, unknown>)) line += t;
  if (r.iif !== undefined && !hide.iif) line += `iif ${name(r.iif)} `;
  // IPv6 ends its first line with the preference, IPv4 with a space; -d's nexthop object, then a multipath
  // route's nexthops, follow.
  if (r.family === 'inet6') line = r.pref !== undefined ? `${line}pref ${r.pref}` : line.trimEnd();
  const nh = v.details && r.nhid !== undefined ? v.nexthops?.get(r.nhid) : undefined;
  if (nh) line += `\n\tnh_info ${nexthopText(nh, name, true)}`;
  return line + multipathText(r, name);
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
  if (r.newdst !== undefined) o.to = r.newdst;
  if (r.encap) encapJson(o, r.encap, name);
  if (r.tos && !hide.tos) o.tos = `0x${r.tos.toString(16).padStart(2, '0')}`;
  if (r.gateway && !hide.gateway) o.gateway = r.gateway;
  if (r.via) o.via = viaJson(r.via);
  if (r.oif !== undefined && !hide.dev) o.dev = name(r.oif);
  if (tableShown(r, v)) o.table = String(r.table);
  if ((r.protocol !== 'boot' || v.details) && !hide.protocol) o.protocol = r.protocol;
  if ((r.scope !== 'universe' || v.details) && !hide.scope) o.scope = scopeName(r);
  if (r.prefsrc && !hide.prefsrc) o.prefsrc = r.prefsrc;
  if (r.priority !== undefined && !hide.metric) o.metric = r.priority;
  o.flags = flagWords(r.flags, true);
  if (r.mark) o.mark = r.mark;
  if (r.realms !== undefined) o.flow = realmsJson(r.realms);
  if (r.family === 'inet6' && r.expires) o.expires = r.expires;
  if (r.metrics) o.metrics = [Object.fromEntries(metricFields(r.metrics as Record<string, unknown>).filter(([, k]) => k).map(([, k, val]) => [k, val]))];
  if (r.iif !== undefined && !hide.iif) o.iif = name(r.iif);
  // The preference before the nexthop object and a multipath route's nexthops, as print_route writes them.
  if (r.family === 'inet6' && r.pref !== undefined) o.pref = r.pref;
  const nh = v.details && r.nhid !== undefined ? v.nexthops?.get(r.nhid) : undefined;
  if (nh) o.nh_info = nexthopJson(nh, name, true);
  if (r.multipath) o.nexthops = multipathJson(r.multipath, name);
  return o;
}

/** ip's route arguments → a RouteInput (as `ip route add` reads them). */
export const parseRoute = (args: string[]): RouteInput => parseModify(args, undefined);

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
  if (matches(v, 'get')) return routeGet(rt, args, options, out);
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
