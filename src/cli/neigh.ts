/** `nlkit neigh`: `show` in ip's text and JSON, and `add`, `del`, `replace`, `change` with ip's keywords. */
import type { Neighbour, NeighbourFilter, NeighbourInput, NeighbourState } from '../api/neighbours.js';
import type { RouteNetlink } from '../api/route-netlink.js';
import { familyColor, paint } from './color.js';
import { ipJson } from './json.js';
import { duparg, fail, integer, invarg, matches, refuse, unknownCommand, Words } from './args.js';
import { prefix } from './inet-pton.js';
import { parseNeigh } from './neigh-parse.js';
import { objectUsage, UsageError } from './usage.js';

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

/** `ip neigh get` arguments (ipneigh_get). */
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
  if (dev === undefined || dst === undefined) throw fail('Device and address are required arguments.');
  return { ...input, dst, dev };
}

/** NUD_* bits (linux/neighbour.h); ip stands 0x100 for "none", an entry without a state. */
const nudBits: Record<string, number> = { incomplete: 0x01, reachable: 0x02, stale: 0x04, delay: 0x08, probe: 0x10, failed: 0x20, noarp: 0x40, permanent: 0x80 };
const NUD_NONE = 0x100;

/** ip's nud_state_a2n: a state by name (some by abbreviation) or as one bit by number. */
function nudState(word: string): number | undefined {
  if (matches(word, 'permanent')) return nudBits.permanent;
  if (matches(word, 'reachable')) return nudBits.reachable;
  if (word === 'none') return 0;
  if (['noarp', 'stale', 'incomplete', 'delay', 'probe'].includes(word)) return nudBits[word];
  if (matches(word, 'failed')) return nudBits.failed;
  const n = integer(word, { min: 0, max: 0xffffffff });
  return n === undefined || n >= 0x100 || (n & (n - 1)) !== 0 ? undefined : n;
}

interface NeighSelectors {
  filter: NeighbourFilter;
  /** The NUD states shown or flushed, as ip's filter.state. */
  mask: number;
}

/** The selectors of `ip neigh show|flush` (do_show_or_flush in iproute2 6.1's ipneigh.c). */
async function selectors(rt: RouteNetlink, args: string[], forFlush: boolean, family: NeighOptions['family']): Promise<NeighSelectors> {
  const filter: NeighbourFilter = family ? { family } : {};
  let mask = forFlush ? ~(nudBits.permanent! | nudBits.noarp!) : 0xff & ~nudBits.noarp!;
  let given = false;
  let dev: string | undefined;
  const exists = async (name: string) => (await rt.links.byName(name).catch(() => undefined)) !== undefined;
  for (const w = new Words(args); !w.done; w.skip()) {
    const a = w.word!;
    if (a === 'dev') {
      const v = w.next();
      if (dev !== undefined) throw duparg('dev', v);
      dev = v;
    } else if (a === 'master' || a === 'vrf') {
      const v = w.next();
      const l = await rt.links.byName(v).catch(() => undefined);
      if (!l) throw invarg(a === 'master' ? 'Device does not exist\n' : 'Not a valid VRF name\n', v);
      if (a === 'vrf' && l.kind !== 'vrf') throw invarg('Not a valid VRF name\n', v);
      filter.master = v;
    } else if (a === 'nud') {
      const v = w.next();
      if (!given) {
        given = true;
        mask = 0;
      }
      let state = nudState(v);
      if (state === undefined) {
        if (v !== 'all') throw invarg('nud state is bad', v);
        state = forFlush ? ~0 & ~nudBits.noarp! : ~0;
      }
      mask |= state === 0 ? NUD_NONE : state;
    } else if (a === 'proxy') filter.proxy = true;
    else if (a === 'nomaster' || a === 'unused' || matches(a, 'protocol')) throw refuse(`"${a}" in neigh ${forFlush ? 'flush' : 'show'} is not supported by nlkit.`);
    else {
      const v = a === 'to' ? w.next() : a;
      if (matches(v, 'help')) throw refuse(objectUsage.neigh!.trimEnd());
      // get_prefix: all, any and default are the whole address space.
      const family = filter.family === 'inet' || filter.family === 'inet6' ? filter.family : undefined;
      const p = prefix(v, family);
      if (p !== 'all' && p !== 'any' && p !== 'default') {
        filter.to = p;
        filter.family ??= p.includes(':') ? 'inet6' : 'inet';
      }
    }
  }
  if (dev !== undefined) {
    if (!(await exists(dev))) throw fail(`Cannot find device "${dev}"`);
    filter.dev = dev;
  }
  return { filter, mask };
}

function stateBits(n: Neighbour): number {
  let bits = 0;
  for (const s of n.state) bits |= nudBits[String(s)] ?? 0;
  return bits;
}

/** ip's print_neigh filter: the states asked for; proxies, externally learned and bridge entries whatever theirs. */
function shownState(n: Neighbour, mask: number): boolean {
  const bits = stateBits(n);
  return (mask & bits) !== 0 || n.flags.includes('proxy') || n.flags.includes('extLearned') || (bits === 0 && (mask & NUD_NONE) !== 0) || n.family === 'bridge';
}

/** Every neighbour the selectors take but permanent and NOARP ones, unless named by `nud`. */
async function flush(rt: RouteNetlink, args: string[], options: NeighOptions): Promise<void> {
  if (args.length === 0) throw fail('Flush requires arguments.');
  const { filter, mask } = await selectors(rt, args, true, options.family);
  const list = (await rt.neighbours.list(filter)).filter((n) => {
    const bits = stateBits(n);
    return n.family !== 'bridge' && ((mask & bits) !== 0 || (bits === 0 && (mask & NUD_NONE) !== 0));
  });
  const results = await rt.neighbours.deleteMany(list.map((n) => ({ dst: n.dst, dev: n.ifindex, family: n.family })));
  const failed = results.find((e) => e !== null && (e as { code?: string }).code !== 'ENOENT');
  if (failed) throw failed;
}

export async function neigh(rt: RouteNetlink, verb: string | undefined, args: string[], options: NeighOptions, out: (line: string) => void): Promise<void> {
  const v = verb ?? 'show';
  if (matches(v, 'flush')) return flush(rt, args, options);
  if (matches(v, 'get')) {
    const key = parse(args);
    if (key.dst === undefined) throw new UsageError('"nlkit neigh get" needs an ADDRESS');
    const n = await rt.neighbours.get(key);
    const names = new Map((await rt.links.list()).map((l) => [l.ifindex, l.ifname]));
    return print([n], names, false, undefined, options, out);
  }
  // ip's verbs in ip's order, each by any abbreviation.
  const write = matches(v, 'add') ? 'add' : matches(v, 'change') || v === 'chg' ? 'change' : matches(v, 'replace') ? 'replace' : matches(v, 'delete') ? 'delete' : undefined;
  if (write) return rt.neighbours[write](parseNeigh(args, options.family));
  if (!(matches(v, 'show') || matches(v, 'lst') || matches(v, 'list'))) {
    if (matches(v, 'help')) throw refuse(objectUsage.neigh!.trimEnd());
    throw unknownCommand(v, 'neigh');
  }
  const { filter, mask } = await selectors(rt, args, false, options.family);
  const names = new Map((await rt.links.list()).map((l) => [l.ifindex, l.ifname]));
  const proxy = filter.proxy === true;
  const dev = filter.dev as string | undefined;
  const shown = (await rt.neighbours.list(filter)).filter((n: Neighbour) => n.family !== 'bridge' && shownState(n, mask));
  print(shown, names, proxy, dev, options, out);
}

/** -s: `ref`, `used/confirmed/updated` (seconds; the kernel counts in USER_HZ ticks) and `probes`, in ip's order. */
export function statistics(n: Neighbour): [string, string, number][] {
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
      if (!proxy && n.state.length) o.state = n.state.map((s) => String(s).toUpperCase());
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
    if (!proxy && n.state.length) line += `${n.state.map((s) => String(s).toUpperCase()).join(',')} `;
    out(line);
  }
}
