/**
 * Pieces of a route line that `route show` and `route get` print alike (ip's print_route): an address in its
 * family's colour, the flag words, the metrics, and a multipath route's nexthops.
 */
import type { Route } from '../api/routes.js';
import { familyColor, paint } from './color.js';

/** RTNH_F_* (rtnetlink.h) in the order ip prints them. */
const nexthopFlags: [number, string][] = [[1, 'dead'], [4, 'onlink'], [2, 'pervasive'], [8, 'offload'], [64, 'trap'], [16, 'linkdown'], [32, 'unresolved']];
/** A route's rtm_flags in print_rt_flags' order: RTM_F_NOTIFY among the nexthop bits, then the offload flags. */
const routeFlags: [number, string][] = [
  ...nexthopFlags.slice(0, 5), [0x100, 'notify'], ...nexthopFlags.slice(5),
  [0x4000, 'rt_offload'], [0x8000, 'rt_trap'], [0x20000000, 'rt_offload_failed'],
];
const nexthopBit = new Map(nexthopFlags.map(([bit, name]) => [name, bit]));

/** The flag words ip prints for a route (rtm_flags) or, given names or bits, for one nexthop of a multipath route. */
export function flagWords(flags: number | (string | number)[], route = false): string[] {
  const bits = typeof flags === 'number' ? flags : flags.reduce<number>((a, f) => a | (typeof f === 'number' ? f : (nexthopBit.get(f) ?? 0)), 0);
  // Most routes have none: no arrays to build for them.
  if (bits === 0) return [];
  return (route ? routeFlags : nexthopFlags).filter(([bit]) => bits & bit).map(([, name]) => name);
}

/** An address in its family's colour, with the space after it (ip colours both). */
export const address = (a: string): string => paint(familyColor(a.includes(':') ? 'inet6' : 'inet'), `${a} `);

/** RTA_VIA as ip's print_rta_via writes it: the gateway's family, then its address. */
const viaFamily = (a: string) => (a.includes(':') ? 'inet6' : 'inet');
export const viaText = (a: string): string => `via ${viaFamily(a)} ${address(a)}`;
export const viaJson = (a: string): { family: string; host: string } => ({ family: viaFamily(a), host: a });

/** A multipath route's nexthops as print_rta_multipath writes them, a line each. */
export function multipathText(r: Route, name: (ifindex: number) => string): string {
  let s = '';
  for (const hop of r.multipath ?? []) {
    s += `\n\tnexthop ${hop.gateway ? `via ${address(hop.gateway)}` : ''}${hop.via ? viaText(hop.via) : ''}dev ${name(hop.ifindex)} weight ${hop.weight} ${flagWords(hop.flags).map((f) => `${f} `).join('')}`;
  }
  return s;
}

/** ip -j's `nexthops` of a multipath route. */
export function multipathJson(hops: NonNullable<Route['multipath']>, name: (ifindex: number) => string): Record<string, unknown>[] {
  return hops.map((hop) => ({ ...(hop.gateway ? { gateway: hop.gateway } : {}), ...(hop.via ? { via: viaJson(hop.via) } : {}), dev: name(hop.ifindex), weight: hop.weight, flags: flagWords(hop.flags) }));
}

/** RTAX_* names in ip's order (mx_names), with the metric's index for its lock bit. */
const metricNames: [string, number, string][] = [
  ['mtu', 2, 'mtu'], ['window', 3, 'window'], ['rtt', 4, 'rtt'], ['rttvar', 5, 'rttvar'], ['ssthresh', 6, 'ssthresh'], ['cwnd', 7, 'cwnd'],
  ['advmss', 8, 'advmss'], ['reordering', 9, 'reordering'], ['hoplimit', 10, 'hoplimit'], ['initcwnd', 11, 'initcwnd'],
  ['features', 12, 'features'], ['rtoMin', 13, 'rto_min'], ['initrwnd', 14, 'initrwnd'], ['quickack', 15, 'quickack'],
  ['ccAlgo', 16, 'congctl'], ['fastopenNoCookie', 17, 'fastopen_no_cookie'],
];

/** A route's metrics as print_rta_metrics prints them: [text, json key, json value] for each. */
export function metricFields(m: Record<string, unknown>): [string, string, unknown][] {
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

