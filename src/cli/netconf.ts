/** `nlkit netconf show [dev DEV]`, and the netconf lines `monitor` prints, in ip 6.1's text and JSON. */
import type { RouteNetlink } from '../api/route-netlink.js';
import type { Value } from '../api/object.js';
import { familyName } from '../api/values.js';
import { paint } from './color.js';
import { ipJson } from './json.js';
import { fail, incomplete, matches, refuse, unknownCommand } from './args.js';
import { objectUsage } from './usage.js';

export interface NetconfOptions {
  json: boolean;
  pretty: boolean;
  family: 'inet' | 'inet6' | undefined;
}

const rpFilters = ['off', 'strict', 'loose'];
/** The on/off settings in ip's order after rp_filter's place. */
const onOff: [string, string][] = [['mcForwarding', 'mc_forwarding'], ['proxyNeigh', 'proxy_neigh'], ['ignoreRoutesWithLinkdown', 'ignore_routes_with_linkdown'], ['input', 'input']];

/** [text, json key, json value] for each attribute the message has, in ip's order. */
function fields(m: Value, name: (ifindex: number) => string): [string, string, unknown][] {
  const f: [string, string, unknown][] = [[`${familyName(m.family as number)} `, 'family', familyName(m.family as number)]];
  const i = m.ifindex as number | undefined;
  if (i !== undefined) {
    const dev = i === -1 ? 'all' : i === -2 ? 'default' : name(i);
    f.push([paint('ifname', `${dev} `), 'interface', dev]);
  }
  if (m.forwarding !== undefined) f.push([`forwarding ${m.forwarding ? 'on' : 'off'} `, 'forwarding', m.forwarding !== 0]);
  if (m.rpFilter !== undefined) {
    const rp = m.rpFilter as number;
    f.push([`rp_filter ${rpFilters[rp] ?? rp} `, 'rp_filter', rpFilters[rp] ?? rp]);
  }
  for (const [k, word] of onOff) if (m[k] !== undefined) f.push([`${word} ${m[k] ? 'on' : 'off'} `, word, m[k] !== 0]);
  return f;
}

/** ip's line for a netconf message (each value with the space after it). */
export function netconfText(m: Value, name: (ifindex: number) => string): string {
  return fields(m, name).map(([t]) => t).join('');
}

export function netconfJson(m: Value, name: (ifindex: number) => string): Record<string, unknown> {
  return Object.fromEntries(fields(m, name).map(([, k, v]) => [k, v]));
}

export async function netconf(rt: RouteNetlink, verb: string | undefined, args: string[], options: NetconfOptions, out: (line: string) => void): Promise<void> {
  const v = verb ?? 'show';
  const shows = matches(v, 'show') || matches(v, 'lst') || matches(v, 'list');
  if (!shows && matches(v, 'help')) throw refuse(objectUsage.netconf!.trimEnd());
  if (!shows) throw unknownCommand(v, 'netconf');
  // Like ip: words other than `dev NAME` are passed over.
  let dev: string | undefined;
  for (let i = 0; i < args.length; i++) {
    if (args[i] !== 'dev') continue;
    dev = args[++i];
    if (dev === undefined) throw incomplete();
  }
  const links = await rt.links.list();
  const names = new Map(links.map((l) => [l.ifindex, l.ifname]));
  const name = (i: number) => names.get(i) ?? `if${i}`;
  let ifindex: number | undefined;
  if (dev !== undefined) {
    ifindex = links.find((l) => l.ifname === dev || l.altnames.includes(dev!))?.ifindex;
    if (ifindex === undefined) throw fail(`Device "${dev}" does not exist.`);
  }
  const entries = ifindex !== undefined && options.family
    ? [await rt.netconf.get(options.family, ifindex)]
    : (await rt.netconf.list(options.family ? { family: options.family } : {})).filter((e) => ifindex === undefined || e.ifindex === ifindex);
  if (options.json) out(ipJson(entries.map((e) => netconfJson(e.raw, name)), options.pretty));
  else for (const e of entries) out(netconfText(e.raw, name));
}
