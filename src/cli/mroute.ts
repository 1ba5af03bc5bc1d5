/** `nlkit mroute show` as iproute2 6.1's ipmroute.c: its words, text, JSON, -s and -d, and refusals. */
import { MulticastRoutes, type MulticastRoute } from '../api/mroutes.js';
import type { RouteNetlink } from '../api/route-netlink.js';
import { NetlinkError } from '../wire/errors.js';
import { paint } from './color.js';
import { fail, incomplete, invarg, matches, refuse, unknownCommand } from './args.js';
import { ipJson } from './json.js';
import { routeTable, tableValue } from './route-words.js';
import { UsageError } from './usage.js';
import { inetNtop6 } from './inet-ntop.js';

export interface MrouteOptions {
  json: boolean;
  pretty: boolean;
  family: 'inet' | 'inet6' | undefined;
  stats: number;
  details: number | boolean;
}

const usage = `Usage: nlkit mroute show [ [ to ] PREFIX ] [ from PREFIX ] [ iif DEVICE ]
                      [ table TABLE_ID ]
TABLE_ID := [ local | main | default | all | NUMBER ]`;

/**
 * ip 6.1 reads `to` and `from` with get_prefix in RTNL_FAMILY_IPMR/IP6MR, a family it has no addresses for: only
 * default, any and all (a zero-length prefix) get through; anything else ends the command with status 1.
 */
function prefix(word: string): string {
  if (word === 'default' || word === 'any' || word === 'all') return word;
  throw new UsageError(`??? prefix is expected rather than "${word}".`, { status: 1, fatal: true });
}

/** C's printf %g as ip's JSON writer prints a double: six significant digits. */
const g = (n: number): number => Number(n.toPrecision(6));

/** An entry as ip's print_mroute prints it (`ip mroute show`, `ip monitor mroute`). */
export function mrouteText(r: MulticastRoute, name: (i: number) => string, o: MrouteOptions, tableFiltered: boolean): string {
  const addr = (a: string | undefined) => (a === undefined ? 'unknown' : r.family === 'inet6' ? inetNtop6(a) : a);
  let line = `${`(${addr(r.src)},${addr(r.dst)})`.padEnd(32)} Iif: `;
  line += r.iif ? `${paint('ifname', name(r.iif).padEnd(10))} ` : 'unresolved ';
  r.oifs.forEach((oif, i) => {
    line += `${i === 0 ? 'Oifs: ' : ''}${paint('ifname', name(oif.ifindex))}${oif.ttl > 1 ? `(ttl ${oif.ttl}) ` : ' '}`;
  });
  line += ` State: ${r.unresolved ? 'unresolved' : 'resolved'}`;
  if (r.offload) line += ' offload';
  if (o.stats && r.packets !== undefined) {
    line += `\n  ${r.packets} packets, ${r.bytes} bytes`;
    if (r.wrongIf) line += `, ${r.wrongIf} arrived on wrong iif.`;
  }
  if (o.stats && r.age !== undefined) line += `, Age ${r.age.toFixed(2)}`;
  if (r.table && (r.table !== 254 || o.details) && !tableFiltered) line += ` Table: ${tableValue(r.table)}`;
  return line;
}

function json(r: MulticastRoute, name: (i: number) => string, o: MrouteOptions, tableFiltered: boolean): Record<string, unknown> {
  const addr = (a: string | undefined) => (a === undefined ? 'unknown' : r.family === 'inet6' ? inetNtop6(a) : a);
  const j: Record<string, unknown> = { src: addr(r.src), dst: addr(r.dst), iif: r.iif ? name(r.iif) : 'unresolved' };
  if (r.raw.multipath !== undefined) j.multipath = r.oifs.map((oif) => ({ oif: name(oif.ifindex), ...(oif.ttl > 1 ? { ttl: oif.ttl } : {}) }));
  j.state = r.unresolved ? 'unresolved' : 'resolved';
  if (r.offload) j.offload = null;
  if (o.stats && r.packets !== undefined) {
    j.packets = Number(r.packets);
    j.bytes = Number(r.bytes);
    if (r.wrongIf) j.wrong_if = Number(r.wrongIf);
  }
  if (o.stats && r.age !== undefined) j.expires = g(r.age);
  if (r.table && (r.table !== 254 || o.details) && !tableFiltered) j.table = String(tableValue(r.table));
  return j;
}

async function list(rt: RouteNetlink, args: string[], o: MrouteOptions, out: (line: string) => void): Promise<void> {
  const inet6 = o.family === 'inet6';
  // ip keeps to table 253 (RT_TABLE_DEFAULT, ipmr's own) for IPv4 unless told otherwise, for compatibility.
  let table: number | undefined = inet6 ? undefined : 253;
  let iif: string | undefined;
  let dst: string | undefined;
  let src: string | undefined;
  for (let i = 0; i < args.length; i++) {
    let w = args[i]!;
    const next = () => {
      if (++i >= args.length) throw incomplete();
      return args[i]!;
    };
    if (matches(w, 'table')) {
      const t = next();
      const n = routeTable(t);
      if (n !== undefined) table = n;
      else if (t === 'all') table = undefined;
      else if (t === 'help') throw refuse(usage);
      else throw invarg('table id value is invalid\n', t);
    } else if (w === 'iif') iif = next();
    else if (matches(w, 'from')) src = prefix(next());
    else {
      if (w === 'to') w = next();
      if (matches(w, 'help')) throw refuse(usage);
      dst = prefix(w);
    }
  }
  const links = await rt.links.list();
  const names = new Map(links.map((l) => [l.ifindex, l.ifname]));
  const name = (i: number) => names.get(i) ?? `if${i}`;
  let iifIndex: number | undefined;
  if (iif !== undefined) {
    iifIndex = links.find((l) => l.ifname === iif || l.altnames.includes(iif!))?.ifindex;
    if (iifIndex === undefined) throw fail(`Cannot find device "${iif}"`);
  }
  let routes: MulticastRoute[];
  try {
    routes = await new MulticastRoutes(rt.socket, rt.devices).list({
      family: inet6 ? 'inet6' : 'inet', ...(table !== undefined ? { table } : {}), ...(iifIndex !== undefined ? { iif: iifIndex } : {}),
      ...(dst !== undefined ? { dst } : {}), ...(src !== undefined ? { src } : {}),
    });
  } catch (e) {
    if (!(e instanceof NetlinkError)) throw e;
    // rtnl_dump_filter's words for a dump the kernel refused.
    const why = e.extack.message ? `Error: ${e.extack.message}.` : `RTNETLINK answers: ${e.message.slice(e.code.length + 2)}`;
    throw new UsageError(`${why}\nDump terminated`, { status: 1, bare: true, fatal: true });
  }
  const filtered = table !== undefined;
  if (o.json) out(ipJson(routes.map((r) => json(r, name, o, filtered)), o.pretty));
  else for (const r of routes) out(mrouteText(r, name, o, filtered));
}

export async function mroute(rt: RouteNetlink, verb: string | undefined, args: string[], options: MrouteOptions, out: (line: string) => void): Promise<void> {
  if (verb === undefined) return list(rt, [], options, out);
  if (matches(verb, 'list') || matches(verb, 'show') || matches(verb, 'lst')) return list(rt, args, options, out);
  if (matches(verb, 'help')) throw refuse(usage);
  throw unknownCommand(verb, 'mroute');
}
