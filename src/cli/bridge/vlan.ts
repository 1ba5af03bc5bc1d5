/** `bridge vlan show|tunnelshow|add|del|set`, as iproute2 6.1's bridge/vlan.c reads and prints them. */
import type { VlanInput, VlanOptionsInput } from '../../api/bridge-vlans.js';
import type { Value } from '../../api/object.js';
import { integer, matches } from '../args.js';
import { paint } from '../color.js';
import { ipJson } from '../json.js';
import { Args, atoi, exit255, failed, invarg, jsonDumpFailure, showSelector, type BridgeContext } from './common.js';
import { VlanDbPrinter } from './vlan-db.js';
import { optionVids, vlanGlobal, vlanStatsShow } from './vlan-global.js';

export const vlanUsage = `Usage: bridge vlan { add | del } vid VLAN_ID dev DEV [ tunnel_info id TUNNEL_ID ]
                                                     [ pvid ] [ untagged ]
                                                     [ self ] [ master ]
       bridge vlan { set } vid VLAN_ID dev DEV [ state STP_STATE ]
                                               [ mcast_router MULTICAST_ROUTER ]
       bridge vlan { show } [ dev DEV ] [ vid VLAN_ID ]
       bridge vlan { tunnelshow } [ dev DEV ] [ vid VLAN_ID ]
       bridge vlan global { set } vid VLAN_ID dev DEV
                      [ mcast_snooping MULTICAST_SNOOPING ]
                      [ mcast_querier MULTICAST_QUERIER ]
                      [ mcast_igmp_version IGMP_VERSION ]
                      [ mcast_mld_version MLD_VERSION ]
                      [ mcast_last_member_count LAST_MEMBER_COUNT ]
                      [ mcast_last_member_interval LAST_MEMBER_INTERVAL ]
                      [ mcast_startup_query_count STARTUP_QUERY_COUNT ]
                      [ mcast_startup_query_interval STARTUP_QUERY_INTERVAL ]
                      [ mcast_membership_interval MEMBERSHIP_INTERVAL ]
                      [ mcast_querier_interval QUERIER_INTERVAL ]
                      [ mcast_query_interval QUERY_INTERVAL ]
                      [ mcast_query_response_interval QUERY_RESPONSE_INTERVAL ]
       bridge vlan global { show } [ dev DEV ] [ vid VLAN_ID ]`;

const RANGE_BEGIN = 'rangeBegin';
const RANGE_END = 'rangeEnd';
const states = ['disabled', 'listening', 'learning', 'forwarding', 'blocking'];

/** A C short from atoi. */
const short = (s: string): number => (atoi(s) << 16) >> 16;

const pad = (s: string, n: number) => s.padEnd(n);
const range = (start: number, end: number) => (start === end ? `${start}` : `${start}-${end}`);

/** filter_vlan_check: -1 stop, 0 skip, 1 print. */
function filterCheck(filter: number, vid: number, flags: (string | number)[]): number {
  if (filter && vid > filter && !flags.includes(RANGE_END)) return -1;
  if (flags.includes(RANGE_BEGIN) || vid < filter) return 0;
  return 1;
}

function vlanFlags(flags: (string | number)[]): string[] {
  return [...(flags.includes('pvid') ? ['PVID'] : []), ...(flags.includes('untagged') ? ['Egress Untagged'] : [])];
}

/** show, a refused dump reported as bridge reports it. */
function show(ctx: BridgeContext, words: string[], tunnels: boolean): Promise<void> {
  return showUnguarded(ctx, words, tunnels).catch((e: unknown) => {
    throw jsonDumpFailure(ctx.o, e);
  });
}

async function showUnguarded(ctx: BridgeContext, words: string[], tunnels: boolean): Promise<void> {
  const { want, vid } = await showSelector(ctx, words);
  const { o, out } = ctx;
  if (o.stats && !(o.details && !tunnels)) return vlanStatsShow(ctx, want, vid);
  const names = await ctx.names();
  const name = (i: number) => names.get(i) ?? `if${i}`;
  const json: Record<string, unknown>[] = [];
  if (!o.json) out(`${pad('port', 16)}  ${pad('vlan-id', 9)}${tunnels ? '  tunnel-id' : ''}`);
  if (o.details && !tunnels) {
    const printer = new VlanDbPrinter(names, o, out, 'entry', vid);
    for (const e of await ctx.rt.bridge.vlans.list(want ? { dev: want, stats: o.stats > 0 } : { stats: o.stats > 0 })) printer.message({ ifindex: e.ifindex, entry: [e.raw] });
    printer.end();
    return;
  }
  const ports = await ctx.rt.bridge.ports.list({ vlans: true, compress: o.compressVlans });
  for (const p of ports) {
    if (want && p.ifindex !== want) continue;
    const af = p.raw.afSpec as Value | undefined;
    if (!af) continue;
    const list = (tunnels ? af.vlanTunnelInfo : af.vlanInfo) as Value[] | undefined;
    const rows: Record<string, unknown>[] = [];
    let lastVid = 0;
    let lastId = 0;
    for (const v of list ?? []) {
      const flags = ((v.flags as (string | number)[] | undefined) ?? []);
      const id = v.vid as number;
      if (!flags.includes(RANGE_END)) {
        lastVid = id;
        lastId = (v.id as number | undefined) ?? 0;
      }
      const check = filterCheck(vid, id, flags);
      if (check < 0) break;
      if (check === 0) continue;
      const head = rows.length === 0 ? `${paint('ifname', pad(name(p.ifindex), 16))}  ` : `${pad('', 16)}  `;
      if (tunnels) {
        const tid = v.id as number;
        rows.push({ vlan: lastVid, ...(lastVid !== id ? { vlanEnd: id } : {}), tunid: lastId, ...(lastId !== tid ? { tunidEnd: tid } : {}) });
        const r = range(lastVid, id);
        if (!o.json) out(`${head}${r}${pad('', 9 - r.length)}  ${range(lastId, tid)}`);
      } else {
        const f = vlanFlags(flags);
        rows.push({ vlan: lastVid, ...(lastVid !== id ? { vlanEnd: id } : {}), ...(f.length ? { flags: f } : {}) });
        if (!o.json) out(`${head}${range(lastVid, id)}${f.map((w) => ` ${w}`).join('')}`);
      }
    }
    if (rows.length) json.push({ ifname: name(p.ifindex), [tunnels ? 'tunnels' : 'vlans']: rows });
  }
  if (o.json) out(ipJson(json, o.pretty));
}

/** `vid N` or `vid N-M` as vlan_modify reads it. */
function vids(word: string): { vid: number; end: number; range: boolean } {
  const dash = word.indexOf('-');
  if (dash < 0) return { vid: short(word), end: -1, range: false };
  return { vid: short(word.slice(0, dash)), end: short(word.slice(dash + 1)), range: true };
}

function tunnelIds(a: Args): { start: number; end: number } {
  const w = a.next();
  if (!matches(w, 'id')) throw invarg('tunnel id expected', w);
  const v = a.next();
  const dash = v.indexOf('-');
  const id = (s: string) => {
    const n = integer(s, { min: 0, max: 0xffffffff });
    if (n === undefined || n >= 1 << 24) throw invarg('invalid tun id', dash < 0 ? v : v.slice(0, dash));
    return n;
  };
  if (dash < 0) return { start: id(v), end: 0 };
  return { start: id(v.slice(0, dash)), end: id(v.slice(dash + 1)) };
}

async function modify(ctx: BridgeContext, words: string[], del: boolean): Promise<void> {
  let dev: string | undefined;
  let v: { vid: number; end: number; range: boolean } | undefined;
  const input: Partial<VlanInput> = {};
  let tunnel: { start: number; end: number } | undefined;
  for (const a = new Args(words); !a.done; a.i++) {
    const w = a.word;
    if (w === 'dev') dev = a.next();
    else if (w === 'vid') v = vids(a.next());
    else if (w === 'self') input.self = true;
    else if (w === 'master') input.master = true;
    else if (w === 'pvid') input.pvid = true;
    else if (w === 'untagged') input.untagged = true;
    else if (w === 'tunnel_info') tunnel = tunnelIds(a);
    else if (matches(w, 'help')) a.next();
  }
  if (dev === undefined || v === undefined || v.vid === -1) throw failed('Device and VLAN ID are required arguments.');
  const ifindex = await ctx.index(dev);
  if (!ifindex) throw failed(`Cannot find bridge device "${dev}"`);
  const u16 = (n: number) => n & 0xffff;
  if (v.vid >= 4096 || v.vid < 0) throw failed(`Invalid VLAN ID "${u16(v.vid)}"`);
  if (v.range) {
    if (v.end === -1 || v.end >= 4096 || v.vid >= v.end) throw failed(`Invalid VLAN range "${u16(v.vid)}-${u16(v.end)}"`);
    if (input.pvid) throw failed('pvid cannot be configured for a vlan range');
  }
  const full: VlanInput = { ...input, dev: ifindex, vid: v.vid };
  if (v.range && (!tunnel || v.end - v.vid > 0)) full.vidEnd = v.end;
  if (tunnel) {
    full.tunnelId = tunnel.start;
    if (full.vidEnd !== undefined) full.tunnelIdEnd = tunnel.end;
  }
  if (del) await ctx.rt.bridge.vlans.delete(full);
  else await ctx.rt.bridge.vlans.add(full);
}

async function set(ctx: BridgeContext, words: string[]): Promise<void> {
  let dev: number | undefined;
  let vid: number | undefined;
  let end: number | undefined;
  const input: Partial<VlanOptionsInput> = {};
  for (const a = new Args(words); !a.done; a.i++) {
    const w = a.word;
    if (w === 'dev') {
      const d = a.next();
      dev = await ctx.index(d);
      if (!dev) throw failed(`Cannot find network device "${d}"`);
    } else if (w === 'vid') {
      const r = optionVids(a.next());
      vid = r.vid;
      end = r.end !== -1 ? r.end : undefined;
    } else if (w === 'state') {
      const s = a.next();
      const n = /^[+-]?\d+$/.test(s) ? Number(s) : states.indexOf(s);
      if (n === -1) throw failed('Error: invalid STP state');
      input.state = n & 0xff;
    } else if (w === 'mcast_router') {
      const s = a.next();
      const n = integer(s, { min: 0, max: 255 });
      if (n === undefined) throw invarg('invalid mcast_router', s);
      input.mcastRouter = n;
    } else if (matches(w, 'help')) a.next();
  }
  if (dev === undefined || vid === undefined || vid === -1) throw failed('Device and VLAN ID are required arguments.');
  await ctx.rt.bridge.vlans.set({ ...input, dev, vid, ...(end !== undefined ? { vidEnd: end } : {}) });
}

/** `bridge vlan …` */
export async function vlan(ctx: BridgeContext, words: string[]): Promise<void> {
  const [verb, ...rest] = words;
  if (verb === undefined) return show(ctx, [], false);
  if (matches(verb, 'add')) return modify(ctx, rest, false);
  if (matches(verb, 'delete')) return modify(ctx, rest, true);
  if (matches(verb, 'show') || matches(verb, 'lst') || matches(verb, 'list')) return show(ctx, rest, false);
  if (matches(verb, 'tunnelshow')) return show(ctx, rest, true);
  if (matches(verb, 'set')) return set(ctx, rest);
  if (verb === 'global') return vlanGlobal(ctx, rest, vlanUsage);
  if (matches(verb, 'help')) throw exit255(vlanUsage);
  throw exit255(`Command "${verb}" is unknown, try "bridge vlan help".`);
}
