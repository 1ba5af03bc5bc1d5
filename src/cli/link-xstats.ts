/**
 * `nlkit link xstats` and `link afstats`: iproute2 6.1's iplink_ifla_xstats and iplink_afstats — a statistics dump
 * of one group, the bridge's (and its ports') multicast and STP counters printed as bridge_print_xstats prints them.
 */
import type { RouteNetlink } from '../api/route-netlink.js';
import type { LinkStats } from '../api/stats.js';
import { ipJson } from './json.js';
import { duparg2, fail, incomplete, invarg, matches, refuse } from './args.js';
import { knownKind } from './link-kind-parse.js';
import { linkUsage } from './link-parse.js';
import { bridgeMcast, bridgeStp, type Numbers, type Shown } from './stats.js';
import { UsageError } from './usage.js';

export interface XstatsOptions {
  json: boolean;
  pretty: boolean;
}

/** `link xstats type KIND [ARGS]`. */
export async function xstats(rt: RouteNetlink, args: string[], o: XstatsOptions, out: (line: string) => void): Promise<void> {
  if (args.length === 0) throw fail('xstats: missing argument');
  const [first, kind] = args;
  if (matches(first!, 'help')) return out('Usage: ... xstats type TYPE [ ARGS ]');
  if (!matches(first!, 'type')) throw invarg('unknown argument', first!);
  if (kind === undefined) throw incomplete();
  if (!knownKind(kind)) throw invarg('invalid type', kind);
  // ip 6.1's bond printer overruns its own stack (it aborts): nlkit does not pretend to know what it prints.
  if (kind === 'bond' || kind === 'bond_slave') throw refuse(`"ip link xstats type ${kind}" is not supported by nlkit.`);
  if (kind !== 'bridge' && kind !== 'bridge_slave') throw fail(`xstats: link type ${kind} doesn't support xstats`);
  let only: 'mcast' | 'stp' | undefined;
  let dev: string | undefined;
  for (let i = 2; i < args.length; i++) {
    const w = args[i]!;
    if (w === 'igmp' || w === 'mcast') only = 'mcast';
    else if (w === 'stp') only = 'stp';
    else if (w === 'dev') {
      dev = args[++i];
      if (dev === undefined) throw incomplete();
    } else if (w === 'help') return out(`Usage: ... ${kind} [ igmp ] [ dev DEVICE ]`);
    else throw invarg('unknown attribute', w);
  }
  const links = await rt.links.list();
  const names = new Map(links.map((l) => [l.ifindex, l.ifname]));
  let ifindex: number | undefined;
  if (dev !== undefined) {
    ifindex = links.find((l) => l.ifname === dev || l.altnames.includes(dev!))?.ifindex;
    if (ifindex === undefined) throw fail(`Cannot find device "${dev}"`);
  }
  const group = kind === 'bridge' ? 'linkXstats' : 'linkXstatsSlave';
  const text: string[] = [];
  const json: Record<string, unknown>[] = [];
  for (const s of await rt.stats.list({ groups: [group] })) {
    if (ifindex !== undefined && s.ifindex !== ifindex) continue;
    const bridge = (s[group] as NonNullable<LinkStats['linkXstats']> | undefined)?.bridge;
    if (!bridge) continue;
    const name = names.get(s.ifindex) ?? `if${s.ifindex}`;
    // The kernel puts multicast before STP.
    const parts: Shown[] = [];
    if (bridge.mcast && only !== 'stp') parts.push(bridgeMcast(bridge.mcast as Numbers));
    if (bridge.stp && only !== 'mcast') parts.push(bridgeStp(bridge.stp as Numbers));
    text.push(`${name.padEnd(16)}\n${parts.map((p) => p.text.slice(1)).join('')}`);
    json.push(Object.assign({ ifname: name }, ...parts.map((p) => p.json)));
  }
  if (o.json) out(ipJson(json, o.pretty));
  else if (text.length) out(text.join('').replace(/\n$/, ''));
}

/** `link afstats [dev DEV]`: the per-family statistics; no family of this kernel has any but MPLS. */
export async function afstats(rt: RouteNetlink, args: string[], o: XstatsOptions, out: (line: string) => void): Promise<void> {
  let dev: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const w = args[i]!;
    if (w === 'dev') {
      const v = args[++i];
      if (v === undefined) throw incomplete();
      if (dev !== undefined) throw duparg2('dev', v);
      dev = v;
    } else if (matches(w, 'help')) throw refuse(linkUsage);
    else throw refuse(`Command "${w}" is unknown, try "nlkit link help".`);
  }
  let ifindex: number | undefined;
  if (dev !== undefined) {
    ifindex = (await rt.links.list()).find((l) => l.ifname === dev || l.altnames.includes(dev!))?.ifindex;
    // ip says so and exits 0 (it drops afstats' return value).
    if (ifindex === undefined) throw new UsageError(`Device "${dev}" does not exist.`, { status: 0, bare: true });
  }
  const withFamilies = (await rt.stats.list({ groups: ['afSpec'] })).filter((s) => (ifindex === undefined || s.ifindex === ifindex) && s.afSpec?.mpls);
  if (withFamilies.length) throw refuse('MPLS statistics ("ip link afstats") are not printed by nlkit.');
  if (o.json) out(ipJson([], o.pretty));
}
