/** `bridge fdb show|add|append|replace|del|get|flush`, as iproute2 6.1's bridge/fdb.c reads and prints them. */
import { isIP } from 'node:net';
import type { FdbEntry, FdbFilter, FdbFlushInput, FdbInput } from '../../api/bridge-fdb.js';
import { familyColor, paint } from '../color.js';
import { integer, matches } from '../args.js';
import { ipJson } from '../json.js';
import { UsageError } from '../usage.js';
import { Args, atoi, dumpFailure, duparg, duparg2, exit255, failed, invarg, kernelFailure, nodev, type BridgeContext } from './common.js';

export const fdbUsage = `Usage: bridge fdb { add | append | del | replace } ADDR dev DEV
              [ self ] [ master ] [ use ] [ router ] [ extern_learn ]
              [ sticky ] [ local | static | dynamic ] [ vlan VID ]
              { [ dst IPADDR ] [ port PORT] [ vni VNI ] | [ nhid NHID ] }
	       [ via DEV ] [ src_vni VNI ]
       bridge fdb [ show [ br BRDEV ] [ brport DEV ] [ vlan VID ]
              [ state STATE ] [ dynamic ] ]
       bridge fdb get [ to ] LLADDR [ br BRDEV ] { brport | dev } DEV
              [ vlan VID ] [ vni VNI ] [ self ] [ master ] [ dynamic ]
       bridge fdb flush dev DEV [ brport DEV ] [ vlan VID ]
              [ self ] [ master ] [ [no]permanent | [no]static | [no]dynamic ]
              [ [no]added_by_user ] [ [no]extern_learn ] [ [no]sticky ]
              [ [no]offloaded ]`;

const NUD_REACHABLE = 0x02;
const NUD_STALE = 0x04;
const NUD_NOARP = 0x40;
const NUD_PERMANENT = 0x80;

const nudBits = (e: FdbEntry): number => e.stateBits;

/** atoi: leading digits (after blanks and a sign), else 0. */

/** strtoul(s, &end, 0) that must use the whole word; undefined otherwise. */
function strtoul(s: string): number | undefined {
  const n = integer(s, { min: 0, max: Number.MAX_SAFE_INTEGER });
  return n;
}

/** state_a2n of fdb.c: a state by (abbreviated) name, `all`, or a number. */
function stateA2n(arg: string): number | undefined {
  if (matches(arg, 'permanent')) return NUD_PERMANENT;
  if (matches(arg, 'static') || matches(arg, 'temp')) return NUD_NOARP;
  if (matches(arg, 'stale')) return NUD_STALE;
  if (matches(arg, 'reachable') || matches(arg, 'dynamic')) return NUD_REACHABLE;
  if (arg === 'all') return 0xffffffff;
  return integer(arg, { min: 0, max: 0xffffffff });
}

function stateN2a(bits: number, json: boolean): string {
  if (bits & NUD_PERMANENT) return 'permanent';
  if (bits & NUD_NOARP) return 'static';
  if (bits & NUD_STALE) return 'stale';
  if (bits & NUD_REACHABLE) return '';
  const hex = bits ? `0x${bits.toString(16)}` : '0';
  return json ? hex : `state=${hex}`;
}

const nameOf = (names: Map<number, string>, i: number) => names.get(i) ?? `if${i}`;

/** One entry as print_fdb prints it: a text line, or the JSON object. */
export function fdbRow(e: FdbEntry, names: Map<number, string>, showDev: boolean, stats: boolean, json: boolean, deleted = false): string | Record<string, unknown> {
  const bits = nudBits(e);
  if (json) {
    const o: Record<string, unknown> = {};
    if (deleted) o.deleted = true;
    o.mac = e.mac;
    if (showDev && e.ifindex) o.ifname = nameOf(names, e.ifindex);
    if (e.dst !== undefined) o.dst = e.dst;
    if (e.vlan) o.vlan = e.vlan;
    if (e.port !== undefined) o.port = e.port;
    if (e.vni !== undefined) o.vni = e.vni;
    if (e.srcVni !== undefined) o.src_vni = e.srcVni;
    if (e.via !== undefined) {
      if (e.linkNetnsid !== undefined) o.viaIfIndex = e.via;
      else o.viaIf = nameOf(names, e.via);
    }
    if (e.nhid !== undefined) o.nhid = e.nhid;
    if (e.linkNetnsid !== undefined) o.linkNetNsId = e.linkNetnsid >>> 0;
    if (stats && e.used !== undefined) {
      o.used = Math.floor(e.used / 100);
      o.updated = Math.floor(e.updated! / 100);
    }
    o.flags = e.flags;
    if (e.master !== undefined) o.master = nameOf(names, e.master);
    o.state = stateN2a(bits, true);
    return o;
  }
  let s = deleted ? 'Deleted ' : '';
  s += paint('mac', `${e.mac} `);
  if (showDev && e.ifindex) s += `dev ${paint('ifname', `${nameOf(names, e.ifindex)} `)}`;
  if (e.dst !== undefined) s += `dst ${paint(familyColor(isIP(e.dst) === 6 ? 'inet6' : 'inet'), `${e.dst} `)}`;
  if (e.vlan) s += `vlan ${e.vlan} `;
  if (e.port !== undefined) s += `port ${e.port} `;
  if (e.vni !== undefined) s += `vni ${e.vni} `;
  if (e.srcVni !== undefined) s += `src_vni ${e.srcVni} `;
  if (e.via !== undefined) s += e.linkNetnsid !== undefined ? `via ifindex ${e.via} ` : `via ${nameOf(names, e.via)} `;
  if (e.nhid !== undefined) s += `nhid ${e.nhid} `;
  if (e.linkNetnsid !== undefined) s += `link-netnsid ${e.linkNetnsid} `;
  if (stats && e.used !== undefined) s += `used ${Math.trunc(e.used / 100)}/${Math.trunc(e.updated! / 100)} `;
  for (const f of e.flags) s += `${f} `;
  if (e.master !== undefined) s += `master ${nameOf(names, e.master)} `;
  return s + stateN2a(bits, false);
}

/** show, a refused dump reported as bridge reports it. */
function show(ctx: BridgeContext, words: string[]): Promise<void> {
  return showUnguarded(ctx, words).catch((e: unknown) => {
    throw dumpFailure(e);
  });
}

async function showUnguarded(ctx: BridgeContext, words: string[]): Promise<void> {
  let dev: string | undefined;
  let br: string | undefined;
  let vlan = 0;
  let state = 0;
  let dynamic = false;
  for (const a = new Args(words); !a.done; a.i++) {
    const w = a.word;
    if (w === 'brport' || w === 'dev') dev = a.next();
    else if (w === 'br') br = a.next();
    else if (w === 'vlan') {
      const v = a.next();
      if (vlan) throw duparg('vlan', v);
      vlan = atoi(v) & 0xffffffff;
    } else if (w === 'state') {
      const v = a.next();
      const s = stateA2n(v);
      if (s === undefined) throw invarg('invalid state', v);
      state |= s;
    } else if (w === 'dynamic') dynamic = true;
    else if (matches(w, 'help')) throw exit255(fdbUsage);
  }
  const filter: FdbFilter = {};
  if (br !== undefined) {
    const i = await ctx.index(br);
    if (!i) throw failed(`Cannot find bridge device "${br}"`);
    filter.br = i;
  }
  if (dev !== undefined) {
    const i = await ctx.index(dev);
    if (!i) throw nodev(dev);
    filter.brport = i;
  }
  const { o, out } = ctx;
  const names = await ctx.names();
  const showDev = filter.brport === undefined;
  const rows: Record<string, unknown>[] = [];
  for await (const batch of ctx.rt.bridge.fdb.batches(filter)) {
    for (const e of batch) {
      if (state && !(nudBits(e) & state)) continue;
      if (vlan && vlan !== (e.vlan ?? 0)) continue;
      if (dynamic && nudBits(e) & NUD_PERMANENT) continue;
      const row = fdbRow(e, names, showDev, o.stats > 0, o.json);
      if (typeof row === 'string') out(row);
      else rows.push(row);
    }
  }
  if (o.json) out(ipJson(rows, o.pretty));
}

/** sscanf(addr, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx") == 6: each field a hex number (its low byte), trailing text ignored. */
function scanMac(addr: string): string | undefined {
  const m = /^(?:\s*[+-]?(?:0[xX])?[0-9a-fA-F]+:){5}\s*[+-]?(?:0[xX])?[0-9a-fA-F]+/.exec(addr);
  if (!m) return undefined;
  return m[0].split(':').map((f) => {
    const t = f.trim();
    const neg = t.startsWith('-');
    let n = parseInt(t.replace(/^[+-]/, '').replace(/^0[xX]/, ''), 16) & 0xff;
    if (neg) n = (256 - n) & 0xff;
    return n.toString(16).padStart(2, '0');
  }).join(':');
}

async function modify(ctx: BridgeContext, words: string[], mode: 'add' | 'append' | 'replace' | 'del'): Promise<void> {
  let dev: string | undefined;
  let addr: string | undefined;
  let dst: string | undefined;
  let state = NUD_NOARP;
  let vid = -1;
  let port = 0;
  let vni: number | undefined;
  let srcVni: number | undefined;
  let via = 0;
  let nhid = 0;
  const input: Partial<FdbInput> = {};
  for (const a = new Args(words); !a.done; a.i++) {
    const w = a.word;
    if (w === 'dev') dev = a.next();
    else if (w === 'dst') {
      const v = a.next();
      if (dst !== undefined) throw duparg2('dst', v);
      const family = ctx.o.family;
      const version = isIP(v);
      if (!version || (family === 'inet' && version !== 4) || (family === 'inet6' && version !== 6)) {
        throw new UsageError(`Error: ${family ?? 'any valid'} address is expected rather than "${v}".`, { status: 1, bare: true, fatal: true });
      }
      dst = v;
    } else if (w === 'nhid') {
      const v = a.next();
      const n = integer(v, { min: 0, max: 0xffffffff });
      if (n === undefined) throw invarg('"id" value is invalid\n', v);
      nhid = n;
    } else if (w === 'port') {
      const v = a.next();
      const n = strtoul(v);
      if (n === undefined) {
        const service = ({ vxlan: 4789 } as Record<string, number>)[v];
        if (service === undefined) throw invarg('invalid port\n', v);
        port = service;
      } else if (n > 0xffff) throw invarg('invalid port\n', v);
      else port = n;
    } else if (w === 'vni' || w === 'src_vni') {
      const v = a.next();
      const n = strtoul(v);
      if (n === undefined || n >= 1 << 24) throw invarg(w === 'vni' ? 'invalid VNI\n' : 'invalid src VNI\n', v);
      if (w === 'vni') vni = n;
      else srcVni = n;
    } else if (w === 'via') {
      const v = a.next();
      via = await ctx.index(v);
      if (!via) throw new UsageError(`Cannot find device "${v}"`, { status: 255, bare: true, fatal: true });
    } else if (w === 'self') input.self = true;
    else if (matches(w, 'master')) input.master = true;
    else if (matches(w, 'router')) input.router = true;
    else if (matches(w, 'local') || matches(w, 'permanent')) state |= NUD_PERMANENT;
    else if (matches(w, 'temp') || matches(w, 'static')) state |= NUD_REACHABLE;
    else if (matches(w, 'dynamic')) state = (state | NUD_REACHABLE) & ~NUD_NOARP;
    else if (matches(w, 'vlan')) {
      if (vid >= 0) throw duparg2('vlan', w);
      // `short vid = atoi(…)`: the low 16 bits, signed.
      vid = (atoi(a.next()) << 16) >> 16;
    } else if (matches(w, 'use')) input.use = true;
    else if (matches(w, 'extern_learn')) input.externLearn = true;
    else if (matches(w, 'sticky')) input.sticky = true;
    else {
      const v = w === 'to' ? a.next() : w;
      if (matches(v, 'help')) throw exit255(fdbUsage);
      if (addr !== undefined) throw duparg2('to', v);
      addr = v;
    }
  }
  if (dev === undefined || addr === undefined) throw failed('Device and address are required arguments.');
  if (nhid && (dst !== undefined || port || vni !== undefined)) throw failed('dst, port, vni are mutually exclusive with nhid');
  if (!(state & (NUD_PERMANENT | NUD_REACHABLE))) state |= NUD_PERMANENT;
  const mac = scanMac(addr);
  if (mac === undefined) throw failed(`Invalid mac address ${addr}`);
  const ifindex = await ctx.index(dev);
  if (!ifindex) throw nodev(dev);
  const full: FdbInput = { ...input, mac, dev: ifindex, state };
  if (dst !== undefined) full.dst = dst;
  if (vid >= 0) full.vlan = vid;
  if (nhid) full.nhid = nhid;
  if (port) full.port = port;
  if (vni !== undefined) full.vni = vni;
  if (srcVni !== undefined) full.srcVni = srcVni;
  if (via) full.via = via;
  const fdb = ctx.rt.bridge.fdb;
  if (mode === 'del') await fdb.delete(full);
  else await fdb.write(full, mode);
}

async function get(ctx: BridgeContext, words: string[]): Promise<number | void> {
  let dev: string | undefined;
  let br: string | undefined;
  let addr: string | undefined;
  let vlan = -1;
  let vni: number | undefined;
  let dynamic = false;
  const key: { self?: boolean; master?: boolean } = {};
  for (const a = new Args(words); !a.done; a.i++) {
    const w = a.word;
    if (w === 'brport' || w === 'dev') dev = a.next();
    else if (w === 'br') br = a.next();
    else if (w === 'vni') {
      const v = a.next();
      const n = strtoul(v);
      if (n === undefined || n >= 1 << 24) throw invarg('invalid VNI\n', v);
      vni = n;
    } else if (w === 'self') key.self = true;
    else if (matches(w, 'master')) key.master = true;
    else if (matches(w, 'vlan')) {
      if (vlan >= 0) throw duparg2('vlan', w);
      vlan = (atoi(a.next()) << 16) >> 16;
    } else if (matches(w, 'dynamic')) dynamic = true;
    else {
      const v = w === 'to' ? a.next() : w;
      if (matches(v, 'help')) throw exit255(fdbUsage);
      if (addr !== undefined) throw duparg2('to', v);
      addr = v;
    }
  }
  if ((dev === undefined && br === undefined) || addr === undefined) throw failed('Device or master and address are required arguments.');
  const mac = scanMac(addr);
  if (mac === undefined) throw failed(`Invalid mac address ${addr}`);
  let ifindex = 0;
  if (dev !== undefined) {
    ifindex = await ctx.index(dev);
    if (!ifindex) throw failed(`Cannot find device "${dev}"`);
  }
  let brIndex: number | undefined;
  if (br !== undefined) {
    brIndex = await ctx.index(br);
    if (!brIndex) throw failed(`Cannot find bridge device "${br}"`);
  }
  let e: FdbEntry;
  try {
    e = await ctx.rt.bridge.fdb.get({ ...key, mac, ...(ifindex ? { dev: ifindex } : {}), ...(vlan >= 0 ? { vlan } : {}), ...(vni !== undefined ? { vni } : {}), ...(brIndex ? { br: brIndex } : {}) });
  } catch (err) {
    throw kernelFailure(err, 254);
  }
  const names = await ctx.names();
  if (dynamic && nudBits(e) & NUD_PERMANENT) {
    if (ctx.o.json) ctx.out(ipJson([], ctx.o.pretty));
    return;
  }
  const row = fdbRow(e, names, true, ctx.o.stats > 0, ctx.o.json);
  ctx.out(typeof row === 'string' ? row : ipJson([row], ctx.o.pretty));
}

async function flush(ctx: BridgeContext, words: string[]): Promise<void> {
  let dev: string | undefined;
  let port: string | undefined;
  let vid = -1;
  const input: Partial<FdbFlushInput> = {};
  const words2: Record<string, keyof FdbFlushInput> = {
    permanent: 'permanent', static: 'static', dynamic: 'dynamic', added_by_user: 'addedByUser', extern_learn: 'externLearn', sticky: 'sticky', offloaded: 'offloaded',
  };
  for (const a = new Args(words); !a.done; a.i++) {
    const w = a.word;
    if (w === 'dev') dev = a.next();
    else if (w === 'master') input.master = true;
    else if (w === 'self') input.self = true;
    else if (words2[w]) (input as Record<string, boolean>)[words2[w]!] = true;
    else if (w.startsWith('no') && words2[w.slice(2)]) (input as Record<string, boolean>)[words2[w.slice(2)]!] = false;
    else if (w === 'brport') {
      if (port !== undefined) throw duparg2('brport', w);
      port = a.next();
    } else if (w === 'vlan') {
      if (vid >= 0) throw duparg2('vlan', w);
      vid = (atoi(a.next()) << 16) >> 16;
    } else if (w === 'help') a.next();
  }
  if (dev === undefined) throw failed('Device is a required argument.');
  const ifindex = await ctx.index(dev);
  if (!ifindex) throw failed(`Cannot find bridge device "${dev}"`);
  let portIndex = 0;
  if (port !== undefined) {
    portIndex = await ctx.index(port);
    if (!portIndex) throw failed(`Cannot find bridge port device "${port}"`);
  }
  if (vid >= 4096) throw failed(`Invalid VLAN ID "${vid}"`);
  await ctx.rt.bridge.fdb.flush({ ...input, dev: ifindex, ...(portIndex ? { brport: portIndex } : {}), ...(vid >= 0 ? { vlan: vid } : {}) });
}

/** `bridge fdb …` */
export async function fdb(ctx: BridgeContext, words: string[]): Promise<number | void> {
  const [verb, ...rest] = words;
  if (verb === undefined) return show(ctx, []);
  if (matches(verb, 'add')) return modify(ctx, rest, 'add');
  if (matches(verb, 'append')) return modify(ctx, rest, 'append');
  if (matches(verb, 'replace')) return modify(ctx, rest, 'replace');
  if (matches(verb, 'delete')) return modify(ctx, rest, 'del');
  if (matches(verb, 'get')) return get(ctx, rest);
  if (matches(verb, 'show') || matches(verb, 'lst') || matches(verb, 'list')) return show(ctx, rest);
  if (verb === 'flush') return flush(ctx, rest);
  if (matches(verb, 'help')) throw exit255(fdbUsage);
  throw exit255(`Command "${verb}" is unknown, try "bridge fdb help".`);
}
