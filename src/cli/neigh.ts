/** `nlkit neigh`: `show` in ip's text and JSON, and `add`, `del`, `replace`, `change` with ip's keywords. */
import type { Neighbour, NeighbourInput, NeighbourState } from '../api/neighbours.js';
import type { RouteNetlink } from '../api/route-netlink.js';
import { familyColor, paint } from './color.js';
import { ipJson } from './json.js';
import { UsageError } from './usage.js';

export interface NeighOptions {
  json: boolean;
  pretty: boolean;
  brief?: boolean;
  stats?: number;
  family: 'inet' | 'inet6' | undefined;
}

/** NTF_* words in the order ip prints them. */
const flagWords: [string, string][] = [['router', 'router'], ['proxy', 'proxy'], ['extLearned', 'extern_learn'], ['offloaded', 'offload']];
const states = new Set(['incomplete', 'reachable', 'stale', 'delay', 'probe', 'failed', 'noarp', 'permanent']);

function parse(args: string[]): NeighbourInput {
  let dst: string | undefined;
  let dev: string | undefined;
  const input: Partial<NeighbourInput> = {};
  const value = (i: number): string => {
    const v = args[i + 1];
    if (v === undefined) throw new UsageError(`"${args[i]}" needs a value`);
    return v;
  };
  for (let i = 0; i < args.length; i++) {
    const w = args[i]!;
    if (w === 'dev') dev = value(i++);
    else if (w === 'lladdr') input.lladdr = value(i++);
    else if (w === 'nud') {
      const s = value(i++);
      if (!states.has(s)) throw new UsageError(`nud state "${s}" is invalid`);
      input.state = s as NeighbourState;
    } else if (w === 'router') (input.flags ??= []).push('router');
    else if (w === 'proxy') input.proxy = true;
    else if (w === 'to') dst = value(i++);
    else if (dst === undefined) dst = w;
    else throw new UsageError(`"${w}" is garbage (unknown neighbour keyword)`);
  }
  if (dev === undefined) throw new UsageError('Device and destination are required arguments.');
  return { ...input, dst, dev };
}

/** Neighbours of `dev` in the states asked for (`nud all`, `nud STATE`), or, as ip flushes, all but permanent and NOARP ones. */
async function flush(rt: RouteNetlink, args: string[], options: NeighOptions): Promise<void> {
  if (args.length === 0) throw new UsageError('Flush requires arguments.');
  let dev: string | undefined;
  let nud: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const w = args[i]!;
    if (w === 'dev') dev = args[++i];
    else if (w === 'nud') nud = args[++i];
    else throw new UsageError(`"${w}" is not a neigh flush selector (dev, nud)`);
  }
  if (nud !== undefined && nud !== 'all' && !states.has(nud)) throw new UsageError(`nud state "${nud}" is unknown`);
  const wanted = (n: Neighbour) => nud === 'all' || (nud === undefined ? !n.state.includes('permanent') && !n.state.includes('noarp') : n.state.includes(nud as NeighbourState));
  const list = (await rt.neighbours.list({ ...(options.family ? { family: options.family } : {}), ...(dev ? { dev } : {}) }))
    .filter((n) => n.family !== 'bridge' && wanted(n));
  const results = await rt.neighbours.deleteMany(list.map((n) => ({ dst: n.dst, dev: n.ifindex, family: n.family })));
  const failed = results.find((e) => e !== null && (e as { code?: string }).code !== 'ENOENT');
  if (failed) throw failed;
}

export async function neigh(rt: RouteNetlink, verb: string | undefined, args: string[], options: NeighOptions, out: (line: string) => void): Promise<void> {
  const v = verb ?? 'show';
  if (v === 'flush' || v === 'f') return flush(rt, args, options);
  if (v === 'get') {
    const key = parse(args);
    if (key.dst === undefined) throw new UsageError('"nlkit neigh get" needs an ADDRESS');
    const n = await rt.neighbours.get(key);
    const names = new Map((await rt.links.list()).map((l) => [l.ifindex, l.ifname]));
    return print([n], names, false, undefined, options, out);
  }
  if (v === 'add' || v === 'a') return rt.neighbours.add(parse(args));
  if (v === 'replace' || v === 'change') return rt.neighbours[v](parse(args));
  if ('delete'.startsWith(v) && v.length >= 3) return rt.neighbours.delete(parse(args));
  if (!('show'.startsWith(v) || 'list'.startsWith(v) || v === 'ls')) throw new UsageError(`Command "${v}" is unknown, try "nlkit neigh help".`);
  let dev: string | undefined;
  let proxy = false;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === 'dev') dev = args[++i];
    else if (args[i] === 'proxy') proxy = true;
    else throw new UsageError(`"${args[i]}" is not supported by nlkit neigh show`);
  }
  const names = new Map((await rt.links.list()).map((l) => [l.ifindex, l.ifname]));
  const shown = (await rt.neighbours.list({ ...(options.family ? { family: options.family } : {}), ...(dev ? { dev } : {}), ...(proxy ? { proxy } : {}) }))
    // Like ip: NOARP and state-less entries are left out unless proxies are asked for.
    .filter((n: Neighbour) => n.family !== 'bridge' && (proxy || (n.state.length > 0 && !n.state.includes('noarp'))));
  print(shown, names, proxy, dev, options, out);
}

/** -s: `ref`, `used/confirmed/updated` (seconds; the kernel counts in USER_HZ ticks) and `probes`, in ip's order. */
function statistics(n: Neighbour): [string, string, number][] {
  const out: [string, string, number][] = [];
  const ci = n.raw.cacheinfo as { refcnt?: number; used?: number; confirmed?: number; updated?: number } | undefined;
  if (ci) {
    if (ci.refcnt) out.push(['refcnt', ` ref ${ci.refcnt}`, ci.refcnt]);
    const s = (t: number | undefined) => Math.floor((t ?? 0) / 100);
    out.push(['used', ` used ${s(ci.used)}`, s(ci.used)], ['confirmed', `/${s(ci.confirmed)}`, s(ci.confirmed)], ['updated', `/${s(ci.updated)}`, s(ci.updated)]);
  }
  if (n.probes !== undefined) out.push(['probes', `probes ${n.probes} `, n.probes]);
  return out;
}

function print(list: Neighbour[], names: Map<number, string>, proxy: boolean, dev: string | undefined, options: NeighOptions, out: (line: string) => void): void {
  if (options.json) {
    const rows = list.map((n) => {
      const o: Record<string, unknown> = { dst: n.dst };
      if (!dev) o.dev = names.get(n.ifindex) ?? n.ifindex;
      if (n.lladdr !== undefined) o.lladdr = n.lladdr;
      if (options.brief) return o;
      for (const [flag, word] of flagWords) if (n.flags.includes(flag)) o[word] = null;
      if (options.stats) for (const [key, , value] of statistics(n)) o[key] = value;
      if (!proxy) o.state = n.state.map((s) => String(s).toUpperCase());
      return o;
    });
    out(ipJson(rows, options.pretty));
    return;
  }
  for (const n of list) {
    const color = familyColor(n.family);
    if (options.brief) {
      let line = paint(color, `${String(n.dst).padEnd(39)} `);
      if (!dev) line += paint('ifname', `${String(names.get(n.ifindex) ?? n.ifindex).padEnd(16)} `);
      out(n.lladdr === undefined ? line : line + paint('mac', n.lladdr));
      continue;
    }
    // ip colours each value with the space after it.
    let line = paint(color, `${n.dst} `);
    if (!dev) line += `dev ${paint('ifname', `${names.get(n.ifindex) ?? n.ifindex} `)}`;
    if (n.lladdr !== undefined) line += `lladdr ${paint('mac', `${n.lladdr} `)}`;
    for (const [flag, word] of flagWords) if (n.flags.includes(flag)) line += `${word} `;
    if (options.stats) for (const [, text] of statistics(n)) line += text;
    if (!proxy) line += `${n.state.map((s) => String(s).toUpperCase()).join(',')} `;
    out(line);
  }
}
