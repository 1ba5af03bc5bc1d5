/**
 * `bridge vlan global show|set` and `bridge -s vlan show` (the per-VLAN counters of link xstats), as iproute2
 * 6.1's bridge/vlan.c reads and prints them.
 */
import type { VlanGlobalInput } from '../../api/bridge-vlans.js';
import type { Value } from '../../api/object.js';
import { paint } from '../color.js';
import { ipJson } from '../json.js';
import { Args, atoi, dumpFailure, exit255, failed, invarg, jsonDumpFailure, showSelector, type BridgeContext } from './common.js';
import { VlanDbPrinter } from './vlan-db.js';

const MASTER = 1;
const BRENTRY = 32;

/** The keywords of `bridge vlan global set`: [keyword, field, bits of get_u8/get_u32/get_u64]. */
const globalKeywords: [string, keyof VlanGlobalInput, 8 | 32 | 64][] = [
  ['mcast_snooping', 'mcastSnooping', 8], ['mcast_querier', 'mcastQuerier', 8], ['mcast_igmp_version', 'mcastIgmpVersion', 8],
  ['mcast_mld_version', 'mcastMldVersion', 8], ['mcast_last_member_count', 'mcastLastMemberCnt', 32],
  ['mcast_startup_query_count', 'mcastStartupQueryCnt', 32], ['mcast_last_member_interval', 'mcastLastMemberIntvl', 64],
  ['mcast_membership_interval', 'mcastMembershipIntvl', 64], ['mcast_querier_interval', 'mcastQuerierIntvl', 64],
  ['mcast_query_interval', 'mcastQueryIntvl', 64], ['mcast_query_response_interval', 'mcastQueryResponseIntvl', 64],
  ['mcast_startup_query_interval', 'mcastStartupQueryIntvl', 64],
];

/**
 * get_u8, get_u32 and get_u64: strtoul(l) in base 0 over the whole word. A minus sign wraps as strtoul's does, so
 * `-1` is too large for a u8 or u32 (an unsigned long is 64 bits) and is 2^64 - 1 for a u64.
 */
export function cUnsigned(word: string, bits: 8 | 32 | 64): bigint | undefined {
  const m = /^\s*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(word);
  if (!m) return undefined;
  const d = m[2]!;
  let n = /^0[xX]/.test(d) ? BigInt(d) : d.length > 1 && d[0] === '0' ? BigInt(`0o${d.slice(1)}`) : BigInt(d);
  if (n >= 1n << 64n) return undefined;
  if (m[1] === '-') n = (1n << 64n) - n & ((1n << 64n) - 1n);
  return n < 1n << BigInt(bits) ? n : undefined;
}

/** `vid N` or `vid N-M` as vlan_global_option_set and vlan_option_set read it: C shorts from atoi. */
export function optionVids(word: string): { vid: number; end: number } {
  const short = (s: string) => (atoi(s) << 16) >> 16;
  const dash = word.indexOf('-');
  if (dash < 0) {
    const vid = short(word);
    if (vid >= 4096) throw failed(`Invalid VLAN ID "${vid & 0xffff}"`);
    return { vid, end: -1 };
  }
  const vid = short(word.slice(0, dash));
  const end = short(word.slice(dash + 1));
  if (vid >= end || end >= 4096) throw failed(`Invalid VLAN range "${vid & 0xffff}-${end & 0xffff}"`);
  if (vid >= 4096) throw failed(`Invalid VLAN ID "${vid & 0xffff}"`);
  return { vid, end };
}

async function globalSet(ctx: BridgeContext, words: string[]): Promise<void> {
  let dev: number | undefined;
  let vids: { vid: number; end: number } | undefined;
  const input: Record<string, number | bigint> = {};
  for (const a = new Args(words); !a.done; a.i++) {
    const w = a.word;
    const k = globalKeywords.find(([word]) => word === w);
    if (w === 'dev') {
      const d = a.next();
      dev = await ctx.index(d);
      if (!dev) throw failed(`Cannot find network device "${d}"`);
    } else if (w === 'vid') vids = optionVids(a.next());
    else if (k) {
      const v = a.next();
      const n = cUnsigned(v, k[2]);
      if (n === undefined) throw invarg(`invalid ${k[0]}`, v);
      input[k[1]] = k[2] === 64 ? n : Number(n);
    } else if (w === 'help') a.next();
  }
  if (dev === undefined || vids === undefined || vids.vid === -1) throw failed('Device and VLAN ID are required arguments.');
  await ctx.rt.bridge.vlans.setGlobal({ ...(input as Partial<VlanGlobalInput>), dev, vid: vids.vid, ...(vids.end !== -1 ? { vidEnd: vids.end } : {}) });
}

async function globalShow(ctx: BridgeContext, words: string[]): Promise<void> {
  const { want, vid } = await showSelector(ctx, words);
  if (!ctx.o.json) ctx.out(`${'port'.padEnd(16)}  ${'vlan-id'.padEnd(9)}`);
  const printer = new VlanDbPrinter(await ctx.names(), ctx.o, ctx.out, 'global', vid);
  try {
    for (const g of await ctx.rt.bridge.vlans.globalOptions(want ? { dev: want } : {})) printer.message({ ifindex: g.ifindex, globalOptions: [g.raw] });
  } catch (e) {
    throw jsonDumpFailure(ctx.o, e);
  }
  printer.end();
}

/** `bridge vlan global …` */
export function vlanGlobal(ctx: BridgeContext, words: string[], usage: string): Promise<void> {
  const [verb, ...rest] = words;
  if (verb === undefined) return globalShow(ctx, []);
  if (verb === 'show' || verb === 'lst' || verb === 'list') return globalShow(ctx, rest);
  if (verb === 'set') return globalSet(ctx, rest);
  throw exit255(usage);
}

/** `bridge -s vlan show`: the VLAN counters of the bridges' (LINK_XSTATS) and then of the ports' (…_SLAVE) link xstats. */
export async function vlanStatsShow(ctx: BridgeContext, want: number, filterVid: number): Promise<void> {
  const { o, out } = ctx;
  const names = await ctx.names();
  const name = (i: number) => names.get(i) ?? `if${i}`;
  const json: Record<string, unknown>[] = [];
  if (!o.json) out(`${'port'.padEnd(16)}  vlan-id`);
  for (const group of ['linkXstats', 'linkXstatsSlave'] as const) {
    let all;
    try {
      all = await ctx.rt.stats.list({ groups: [group] });
    } catch (e) {
      throw dumpFailure(e);
    }
    for (const s of all) {
      if (want && s.ifindex !== want) continue;
      const vlans = ((s[group] as Value | undefined)?.bridge as Value | undefined)?.vlan as Value[] | undefined;
      const rows: Record<string, unknown>[] = [];
      let text = '';
      for (const v of vlans ?? []) {
        const flags = v.flags as number;
        if (filterVid && filterVid !== v.vid) continue;
        // Pure port entries: the ports' own dump has them.
        if (flags & MASTER && !(flags & BRENTRY)) continue;
        text += rows.length === 0 ? `${paint('ifname', name(s.ifindex).padEnd(16))}  ` : `${''.padEnd(16)}  `;
        const words = [...(flags & 2 ? ['PVID'] : []), ...(flags & 4 ? ['Egress Untagged'] : [])];
        const c = (k: string) => v[k] as bigint;
        const big = (k: string) => (c(k) <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(c(k)) : c(k));
        rows.push({ vid: v.vid, ...(flags ? { flags: words } : {}), rx_bytes: big('rxBytes'), rx_packets: big('rxPackets'), tx_bytes: big('txBytes'), tx_packets: big('txPackets') });
        text += `${v.vid as number}${words.map((w) => ` ${w}`).join('')}${o.oneline ? '\\' : '\n'}`;
        text += `${''.padEnd(16)}    RX: ${c('rxBytes')} bytes ${c('rxPackets')} packets\n${''.padEnd(16)}    TX: ${c('txBytes')} bytes ${c('txPackets')} packets\n`;
      }
      if (!rows.length) continue;
      json.push({ ifname: name(s.ifindex), vlans: rows });
      if (!o.json) out(text.slice(0, -1));
    }
  }
  if (o.json) out(ipJson(json, o.pretty));
}
