/** `bridge mdb show|add|del`, as iproute2 6.1's bridge/mdb.c reads and prints them. */
import { isIP } from 'node:net';
import type { MdbEntry, MdbInput, MdbRouter } from '../../api/bridge-mdb.js';
import { parseIPv4, parseIPv6 } from '../../schema/address-text.js';
import { familyColor, paint } from '../color.js';
import { matches } from '../args.js';
import { ipJson } from '../json.js';
import { Args, atoi, dumpFailure, exit255, failed, nodev, showSelector, type BridgeContext } from './common.js';

export const mdbUsage = `Usage: bridge mdb { add | del } dev DEV port PORT grp GROUP [src SOURCE] [permanent | temp] [vid VID]
       bridge mdb {show} [ dev DEV ] [ vid VID ]`;

/** rtnl_rtprot_n2a for the protocols an MDB entry has. */
const protocols: Record<number, string> = { 0: 'unspec', 1: 'redirect', 2: 'kernel', 3: 'boot', 4: 'static', 8: 'gated', 9: 'ra', 10: 'mrt', 11: 'zebra', 12: 'bird', 13: 'dnrouted', 14: 'xorp', 15: 'ntk', 16: 'dhcp', 17: 'mrouted', 18: 'keepalived', 42: 'babel', 99: 'openr', 186: 'bgp', 187: 'isis', 188: 'ospf', 189: 'rip', 192: 'eigrp' };

/** Ticks (hundredths) as format_timer writes them: `%4lu.%.2lu`. */
const timer = (t: number): string => `${String(Math.floor(t / 100)).padStart(4)}.${String(t % 100).padStart(2, '0')}`;

const flagWords: [string, string][] = [['offload', 'offload'], ['fastLeave', 'fast_leave'], ['starExcl', 'added_by_star_ex'], ['blocked', 'blocked']];

/** One membership as print_mdb_entry prints it. */
export function mdbRow(e: MdbEntry, names: Map<number, string>, o: { details: number; stats: number; json: boolean }): string | Record<string, unknown> {
  const name = (i: number) => names.get(i) ?? `if${i}`;
  const color = familyColor(isIP(e.group) === 4 ? 'inet' : isIP(e.group) === 6 ? 'inet6' : 'link');
  const j: Record<string, unknown> = { index: e.ifindex, dev: name(e.ifindex), port: name(e.port), grp: e.group };
  let s = `dev ${paint('ifname', name(e.ifindex))} port ${name(e.port)} grp ${paint(color, e.group)}`;
  if (e.source !== undefined) {
    j.src = e.source;
    s += ` src ${paint(color, e.source)}`;
  }
  j.state = e.state;
  s += ` ${e.state}`;
  if (o.details) {
    if (e.groupMode !== undefined) {
      j.filter_mode = e.groupMode;
      s += ` filter_mode ${e.groupMode}`;
    }
    if (e.sources !== undefined) {
      j.source_list = e.sources.map((x) => ({ address: x.address, timer: timer(x.timer ?? 0).trim() }));
      s += ` source_list ${e.sources.map((x) => `${x.address}/${timer(x.timer ?? 0).trim()}`).join(',')}`;
    }
    if (e.protocol !== undefined) {
      const p = protocols[e.protocol] ?? String(e.protocol);
      j.protocol = p;
      s += ` proto ${p} `;
    }
  }
  const flags = flagWords.filter(([k]) => e.flags.includes(k)).map(([, w]) => w);
  j.flags = flags;
  for (const f of flags) s += ` ${f}`;
  if (e.vid) {
    j.vid = e.vid;
    s += ` vid ${e.vid}`;
  }
  if (o.stats && e.timer !== undefined) {
    j.timer = timer(e.timer);
    s += ` ${timer(e.timer)}`;
  }
  return o.json ? j : s;
}

/** The router ports `bridge -d mdb show` prints, grouped by bridge. */
function routerLines(routers: MdbRouter[], names: Map<number, string>, o: { stats: number; json: boolean }, json: Record<string, unknown>, out: (line: string) => void): void {
  const name = (i: number) => names.get(i) ?? `if${i}`;
  const byBridge = new Map<number, MdbRouter[]>();
  for (const r of routers) byBridge.set(r.ifindex, [...(byBridge.get(r.ifindex) ?? []), r]);
  for (const [br, ports] of byBridge) {
    if (o.json) {
      json[name(br)] = ports.map((p) => ({
        port: name(p.port),
        ...(o.stats && p.timer !== undefined ? { timer: timer(p.timer), type: p.type === 1 || p.type === 3 ? 'temp' : 'permanent' } : {}),
      }));
    } else {
      for (const p of ports) {
        let s = `router port dev ${name(p.port)} master ${name(br)}`;
        if (o.stats && p.timer !== undefined) s += ` ${timer(p.timer)} ${p.type === 1 || p.type === 3 ? 'temp' : 'permanent'}`;
        out(s);
      }
    }
  }
}

/** show, a refused dump reported as bridge reports it. */
function show(ctx: BridgeContext, words: string[]): Promise<void> {
  return showUnguarded(ctx, words).catch((e: unknown) => {
    throw dumpFailure(e, 255);
  });
}

async function showUnguarded(ctx: BridgeContext, words: string[]): Promise<void> {
  const { want, vid } = await showSelector(ctx, words);
  const names = await ctx.names();
  const { entries, routers } = await ctx.rt.bridge.mdb.dump(want ? { dev: want } : {});
  const { o, out } = ctx;
  const rows = entries.filter((e) => !vid || (e.vid ?? 0) === vid).map((e) => mdbRow(e, names, o));
  const router: Record<string, unknown> = {};
  if (o.json) {
    if (o.details) routerLines(routers, names, o, router, out);
    out(ipJson([{ mdb: rows, router }], o.pretty));
    return;
  }
  for (const r of rows) out(r as string);
  if (o.details) routerLines(routers, names, o, router, out);
}

/**
 * mdb_parse_grp's last try, ll_addr_a2n: up to six fields split at ':' (each cut off where it ends, so the word
 * bridge prints afterwards is its first field), each a byte in hex; what it complains of on the way, and whether
 * there were six.
 */
function lladdr(grp: string): { mac: string | undefined; complaint: string; shown: string } {
  // A dotted word is tried as an IPv4 address of up to four parts (four bytes, never a MAC).
  if (grp.includes('.')) {
    const quiet = /^\d+(\.\d+){0,3}$/.test(grp) && grp.split('.').every((p) => Number(p) <= 255);
    return { mac: undefined, complaint: quiet ? '' : `"${grp}" is invalid lladdr.\n`, shown: grp };
  }
  const fields = grp.split(':');
  const bytes: string[] = [];
  for (const f of fields.slice(0, 6)) {
    const m = /^\s*([+-]?)(?:0[xX])?([0-9a-fA-F]+)/.exec(f);
    const n = m ? (m[1] === '-' ? -1 : 1) * parseInt(m[2]!, 16) : NaN;
    if (!(n >= 0 && n <= 255)) return { mac: undefined, complaint: `"${f}" is invalid lladdr.\n`, shown: fields[0]! };
    bytes.push(n.toString(16).padStart(2, '0'));
  }
  return { mac: fields.length === 6 ? bytes.join(':') : undefined, complaint: '', shown: fields[0]! };
}

async function modify(ctx: BridgeContext, words: string[], del: boolean): Promise<void> {
  let dev: string | undefined;
  let port: string | undefined;
  let grp: string | undefined;
  let src: string | undefined;
  let permanent = false;
  let vid = 0;
  for (const a = new Args(words); !a.done; a.i++) {
    const w = a.word;
    if (w === 'dev') dev = a.next();
    else if (w === 'grp') grp = a.next();
    else if (w === 'port') port = a.next();
    else if (w === 'permanent') permanent = !del;
    else if (w === 'temp') continue;
    else if (w === 'vid') vid = (atoi(a.next()) << 16) >> 16;
    else if (w === 'src') src = a.next();
    else if (matches(w, 'help')) throw exit255(mdbUsage);
  }
  if (dev === undefined || grp === undefined || port === undefined) throw failed('Device, group address and port name are required arguments.');
  const br = await ctx.index(dev);
  if (!br) throw nodev(dev);
  const p = await ctx.index(port);
  if (!p) throw nodev(port);
  let group = grp;
  if (!parseIPv4(grp) && !parseIPv6(grp)) {
    const l = lladdr(grp);
    if (l.mac === undefined) throw failed(`${l.complaint}Invalid address "${l.shown}"`);
    group = l.mac;
  }
  if (src !== undefined && !isIP(src)) throw failed(`Invalid source address "${src}"`);
  const input: MdbInput = { dev: br, port: p, group, state: permanent ? 'permanent' : 'temp', vid: vid & 0xffff };
  if (src !== undefined) input.source = src;
  if (del) await ctx.rt.bridge.mdb.delete(input);
  else await ctx.rt.bridge.mdb.add(input);
}

/** `bridge mdb …` */
export async function mdb(ctx: BridgeContext, words: string[]): Promise<void> {
  const [verb, ...rest] = words;
  if (verb === undefined) return show(ctx, []);
  if (matches(verb, 'add')) return modify(ctx, rest, false);
  if (matches(verb, 'delete')) return modify(ctx, rest, true);
  if (matches(verb, 'show') || matches(verb, 'lst') || matches(verb, 'list')) return show(ctx, rest);
  if (matches(verb, 'help')) throw exit255(mdbUsage);
  throw exit255(`Command "${verb}" is unknown, try "bridge mdb help".`);
}
