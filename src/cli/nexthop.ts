/**
 * `nlkit nexthop`: `show` (`list`, `ls`; `id N`, `groups`, `dev D`, `fdb`) in ip 6.1's text and JSON, and `add`,
 * `replace`, `del` with ip's keywords (`id`, `via`, `dev`, `blackhole`, `onlink`, `fdb`, `proto`,
 * `group ID[,WEIGHT]/…`, `type resilient buckets N idle_timer S unbalanced_timer S`).
 */
import type { RouteNetlink } from '../api/route-netlink.js';
import type { Nexthop, NexthopFilter, NexthopInput } from '../api/nexthops.js';
import { familyColor, paint } from './color.js';
import { ipJson } from './json.js';
import { UsageError } from './usage.js';

export interface NexthopOptions {
  json: boolean;
  pretty: boolean;
  oneline?: boolean;
  details?: boolean;
  family: 'inet' | 'inet6' | undefined;
}

/** RTNH_F_* in the order ip prints them. */
const flagOrder = ['dead', 'onlink', 'pervasive', 'offload', 'trap', 'linkdown', 'unresolved'];

/** The fields of a nexthop in ip's order, as [text, json key, json value] triples; `details` as ip -d. */
function fields(n: Nexthop, name: (ifindex: number) => string, details: boolean): [string, string, unknown][] {
  const f: [string, string, unknown][] = [[`id ${n.id}`, 'id', n.id]];
  if (n.group) {
    f.push([
      `group ${n.group.map((m) => (m.weight > 1 ? `${m.id},${m.weight}` : String(m.id))).join('/')}`,
      'group',
      n.group.map((m) => (m.weight > 1 ? { id: m.id, weight: m.weight } : { id: m.id })),
    ]);
    if (n.groupType === 'resilient') {
      const r = n.resilient ?? {};
      const args = { buckets: r.buckets ?? 0, idle_timer: r.idleTimer ?? 0, unbalanced_timer: r.unbalancedTimer ?? 0, unbalanced_time: r.unbalancedTime ?? 0 };
      f.push(['type resilient', 'type', 'resilient']);
      f.push([Object.entries(args).map(([k, v]) => `${k} ${v}`).join(' '), 'resilient_args', args]);
    }
  }
  // ip colours a value with the space after it; the trailing space is dropped from these texts below.
  if (n.gateway) f.push([`via ${paint(familyColor(n.gateway.includes(':') ? 'inet6' : 'inet'), `${n.gateway} `)}`, 'gateway', n.gateway]);
  if (n.oif !== undefined) f.push([`dev ${paint('ifname', `${name(n.oif)} `)}`, 'dev', name(n.oif)]);
  const universe = n.scope === 'universe' || n.scope === 0;
  if (!universe || details) f.push([`scope ${universe ? 'global' : n.scope}`, 'scope', universe ? 'global' : String(n.scope)]);
  if (n.blackhole) f.push(['blackhole', 'blackhole', null]);
  const unspec = n.protocol === 'unspec' || n.protocol === 0;
  if (!unspec || details) f.push([`proto ${unspec ? 'unspec' : n.protocol}`, 'protocol', unspec ? 'unspec' : String(n.protocol)]);
  const flags = flagOrder.filter((w) => n.flags.includes(w));
  for (const w of flags) f.push([w, '', undefined]);
  f.push(['', 'flags', flags]);
  if (n.fdb) f.push(['fdb', 'fdb', null]);
  return f;
}

/** ip's text line for a nexthop. */
export function nexthopText(n: Nexthop, name: (ifindex: number) => string, details = false): string {
  // ip ends every field with a space except fdb, the last one (a coloured value has its space inside the colour).
  return fields(n, name, details).map(([t]) => t).filter(Boolean).map((t) => (t === 'fdb' || t.endsWith(' ') || t.endsWith(' \x1b[0m') ? t : `${t} `)).join('');
}

/** ip -j's object for a nexthop, keys in ip's order. */
export function nexthopJson(n: Nexthop, name: (ifindex: number) => string, details = false): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [, k, v] of fields(n, name, details)) if (k) o[k] = v;
  return o;
}

function number(word: string, text: string | undefined): number {
  const n = Number(text);
  if (text === undefined || text === '' || !Number.isInteger(n) || n < 0) throw new UsageError(`"${text ?? ''}" is not a valid ${word}`);
  return n;
}

/** ip's nexthop arguments → a NexthopInput (`id` 0 when none is given: the kernel picks one). */
export function parseNexthop(args: string[]): NexthopInput {
  const input: NexthopInput = { id: 0 };
  for (let i = 0; i < args.length; i++) {
    const w = args[i]!;
    const value = (): string => {
      const v = args[++i];
      if (v === undefined) throw new UsageError(`"${w}" needs a value`);
      return v;
    };
    if (w === 'id') input.id = number(w, value());
    else if (w === 'via') input.gateway = value();
    else if (w === 'dev') input.dev = value();
    else if (w === 'blackhole') input.blackhole = true;
    else if (w === 'onlink') input.onlink = true;
    else if (w === 'fdb') input.fdb = true;
    else if (w === 'proto' || w === 'protocol') input.protocol = value();
    else if (w === 'group') {
      const g = value();
      if (!/^\d+(,\d+)?(\/\d+(,\d+)?)*$/.test(g)) throw new UsageError(`"${g}" is not a nexthop group (ID[,WEIGHT]/…)`);
      input.group = g.split('/').map((m) => {
        const [id, weight] = m.split(',');
        return weight === undefined ? { id: Number(id) } : { id: Number(id), weight: Number(weight) };
      });
    } else if (w === 'type') {
      const t = value();
      if (t !== 'mpath' && t !== 'resilient') throw new UsageError(`"${t}" is not a nexthop group type (mpath, resilient)`);
      input.groupType = t;
    } else if (w === 'buckets') input.buckets = number(w, value());
    else if (w === 'idle_timer') input.idleTimer = number(w, value());
    else if (w === 'unbalanced_timer') input.unbalancedTimer = number(w, value());
    else throw new UsageError(`"${w}" is garbage (unknown nexthop keyword)`);
  }
  return input;
}

export async function nexthop(rt: RouteNetlink, verb: string | undefined, args: string[], options: NexthopOptions, out: (line: string) => void): Promise<void> {
  const v = verb ?? 'show';
  if (v === 'get') {
    if (args[0] !== 'id' || args.length !== 2) throw new UsageError('"nlkit nexthop get" needs "id ID"');
    return nexthop(rt, 'show', args, options, out);
  }
  if (v === 'flush') {
    const filter: NexthopFilter = options.family ? { family: options.family } : {};
    for (let i = 0; i < args.length; i++) {
      const w = args[i]!;
      if (w === 'groups') filter.groups = true;
      else if (w === 'fdb') filter.fdb = true;
      else if (w === 'dev') filter.dev = args[++i];
      else throw new UsageError(`"${w}" is not a nexthop flush selector (dev, groups, fdb)`);
    }
    const list = await rt.nexthops.list(filter);
    // A nexthop that went with a group or device deleted before it is already flushed.
    const results = await rt.nexthops.deleteMany(list.map((n) => ({ id: n.id })));
    const failed = results.find((e) => e !== null && (e as { code?: string }).code !== 'ENOENT');
    if (failed) throw failed;
    out(list.length ? `Flushed ${list.length} nexthops` : 'Nothing to flush');
    return;
  }
  if ('show'.startsWith(v) || 'list'.startsWith(v) || v === 'ls') {
    const filter: NexthopFilter = options.family ? { family: options.family } : {};
    let id: number | undefined;
    for (let i = 0; i < args.length; i++) {
      const w = args[i]!;
      if (w === 'id') id = number(w, args[++i]);
      else if (w === 'groups') filter.groups = true;
      else if (w === 'fdb') filter.fdb = true;
      else if (w === 'dev') filter.dev = args[++i];
      else throw new UsageError(`"${w}" is not supported by nlkit nexthop show`);
    }
    const names = new Map<number, string>();
    for (const l of await rt.links.list()) names.set(l.ifindex, l.ifname);
    const name = (i: number) => names.get(i) ?? `if${i}`;
    const list = id === undefined ? await rt.nexthops.list(filter) : [await rt.nexthops.get({ id })];
    if (options.json) out(ipJson(list.map((n) => nexthopJson(n, name, options.details)), options.pretty));
    else for (const n of list) out(nexthopText(n, name, options.details));
    return;
  }
  const input = parseNexthop(args);
  if (options.family) input.family = options.family;
  if (v === 'add' || v === 'a') await rt.nexthops.add(input);
  else if (v === 'replace') await rt.nexthops.replace(input);
  else if (v.length >= 3 && 'delete'.startsWith(v)) await rt.nexthops.delete({ id: input.id });
  else throw new UsageError(`Command "${v}" is unknown, try "nlkit nexthop help".`);
}
