/** `nlkit ntable { show | change }` as iproute2 6.1's ipntable.c: its words, text (-s, -o), JSON and refusals. */
import { NeighbourTables, type NeighbourTable, type NeighbourTableChange } from '../api/ntables.js';
import type { RouteNetlink } from '../api/route-netlink.js';
import type { Value } from '../api/object.js';
import { paint } from './color.js';
import { duparg, fail, incomplete, integer, invarg, missarg, refuse, unknownCommand, matches } from './args.js';
import { ipJson } from './json.js';

export interface NtableOptions {
  json: boolean;
  pretty: boolean;
  family: 'inet' | 'inet6' | undefined;
  stats: number;
  oneline: boolean;
}

const usage = `Usage: nlkit ntable change name NAME [ dev DEV ]
        [ thresh1 VAL ] [ thresh2 VAL ] [ thresh3 VAL ] [ gc_int MSEC ]
        [ PARMS ]
Usage: nlkit ntable show [ dev DEV ] [ name NAME ]
PARMS := [ base_reachable MSEC ] [ retrans MSEC ] [ gc_stale MSEC ]
         [ delay_probe MSEC ] [ queue LEN ]
         [ app_probes VAL ] [ ucast_probes VAL ] [ mcast_probes VAL ]
         [ anycast_delay MSEC ] [ proxy_delay MSEC ] [ proxy_queue LEN ]
         [ locktime MSEC ]`;

/** ip's get_u64 (strtoull, base 0): a minus sign wraps around, as strtoull's does. */
function u64(word: string): bigint | undefined {
  const m = /^\s*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(word);
  if (!m) return undefined;
  const d = m[2]!;
  const n = BigInt(/^0[0-7]+$/.test(d) ? `0o${d.slice(1)}` : d);
  if (n > 0xffffffffffffffffn) return undefined;
  return m[1] === '-' ? (0x10000000000000000n - n) % 0x10000000000000000n : n;
}

/** ip's print_* calls in miniature: text and JSON of one entry side by side; `nl` is _SL_ (`\` under -o). */
class Entry {
  text = '';
  readonly json: Record<string, unknown> = {};
  constructor(private readonly oneline: boolean) {}
  fp(s: string): void {
    this.text += s;
  }
  nl(): void {
    this.text += this.oneline ? '\\' : '\n';
  }
  /** `words` printed before the value, a space after it. */
  any(words: string, key: string, value: unknown, shown = String(value)): void {
    this.text += `${words}${shown} `;
    this.json[key] = typeof value === 'bigint' ? Number(value) : value;
  }
}

/** ntable_strtime_delta: the local time `msec` ago, or "(error)" for 0. */
function ago(msec: number): string {
  if (!msec) return '(error)';
  const t = new Date((Math.floor(Date.now() / 1000) - Math.floor(msec / 1000)) * 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${t.getFullYear()}-${p(t.getMonth() + 1)}-${p(t.getDate())} ${p(t.getHours())}:${p(t.getMinutes())}:${p(t.getSeconds())}`;
}

/** NDTPA_* as ip prints them: [attribute, word and JSON key], in lines. */
const parmLines: [string, string][][] = [
  [['refcnt', 'refcnt'], ['reachableTime', 'reachable'], ['baseReachableTime', 'base_reachable'], ['retransTime', 'retrans']],
  [['gcStaletime', 'gc_stale'], ['delayProbeTime', 'delay_probe'], ['queueLen', 'queue']],
  [['appProbes', 'app_probes'], ['ucastProbes', 'ucast_probes'], ['mcastProbes', 'mcast_probes']],
  [['anycastDelay', 'anycast_delay'], ['proxyDelay', 'proxy_delay'], ['proxyQlen', 'proxy_queue'], ['locktime', 'locktime']],
];
const statLines: [string, string][][] = [
  [['allocs', 'allocs'], ['destroys', 'destroys'], ['hashGrows', 'hash_grows']],
  [['resFailed', 'res_failed'], ['lookups', 'lookups'], ['hits', 'hits']],
  [['rcvProbesMcast', 'rcv_probes_mcast'], ['rcvProbesUcast', 'rcv_probes_ucast']],
  [['periodicGcRuns', 'periodic_gc_runs'], ['forcedGcRuns', 'forced_gc_runs']],
  [['tableFulls', 'table_fulls']],
];

function entry(t: NeighbourTable, name: (i: number) => string, o: NtableOptions): Entry {
  const m = t.raw;
  const e = new Entry(o.oneline);
  e.any('', 'family', t.family);
  if (m.name !== undefined) e.any('', 'name', t.name);
  e.nl();
  const thresholds = (['thresh1', 'thresh2', 'thresh3', 'gcInterval'] as const).filter((k) => m[k] !== undefined);
  if (thresholds.length) e.fp('    ');
  for (const k of thresholds) e.any(k === 'gcInterval' ? 'gc_int ' : `${k} `, k === 'gcInterval' ? 'gc_interval' : k, m[k]);
  if (thresholds.length) e.nl();
  const c = m.config as Value | undefined;
  if (c && o.stats) {
    e.any('    config key_len ', 'key_length', c.keyLen);
    e.any('entry_size ', 'entry_size', c.entrySize);
    e.any('entries ', 'entries', c.entries);
    e.nl();
    e.any('        last_flush ', 'last_flush', ago(c.lastFlush as number));
    e.any('last_rand ', 'last_rand', ago(c.lastRand as number));
    e.nl();
    e.any('        hash_rnd ', 'hash_rnd', c.hashRnd);
    const mask = c.hashMask as number;
    e.any('hash_mask ', 'hash_mask', `0x${mask.toString(16)}`, mask.toString(16).padStart(8, '0'));
    e.any('hash_chain_gc ', 'hash_chain_gc', c.hashChainGc);
    e.any('proxy_qlen ', 'proxy_qlen', c.proxyQlen);
    e.nl();
  }
  const p = m.parms as Value | undefined;
  if (p) {
    if (p.ifindex !== undefined) {
      e.fp('    dev ');
      const dev = name(p.ifindex as number);
      e.any('', 'dev', dev, paint('ifname', dev));
      e.nl();
    }
    parmLines.forEach((line, i) => {
      if (i) e.nl();
      e.fp('    ');
      for (const [k, word] of line) if (p[k] !== undefined) e.any(`${word} `, word, p[k]);
    });
    e.nl();
  }
  const s = m.stats as Value | undefined;
  if (s && o.stats) {
    e.fp('    stats ');
    statLines.forEach((line, i) => {
      if (i) {
        e.nl();
        e.fp('    ');
      }
      for (const [k, word] of line) e.any(`${word} `, word, s[k]);
    });
    e.nl();
  }
  return e;
}

async function show(rt: RouteNetlink, args: string[], o: NtableOptions, out: (line: string) => void): Promise<void> {
  let dev: number | 'none' | undefined;
  let name: string | undefined;
  const links = await rt.links.list();
  for (let i = 0; i < args.length; i++) {
    const w = args[i]!;
    const next = () => {
      if (++i >= args.length) throw incomplete();
      return args[i]!;
    };
    if (w === 'dev') {
      const d = next();
      dev = d === 'none' ? 'none' : links.find((l) => l.ifname === d || l.altnames.includes(d))?.ifindex;
      if (dev === undefined) throw invarg('"DEV" is invalid', d);
    } else if (w === 'name') name = next();
    else throw invarg('unknown', w);
  }
  const names = new Map(links.map((l) => [l.ifindex, l.ifname]));
  const tables = await new NeighbourTables(rt.socket, rt.devices).list({
    ...(o.family ? { family: o.family } : {}), ...(name !== undefined ? { name } : {}), ...(dev !== undefined ? { dev } : {}),
  });
  const entries = tables.map((t) => entry(t, (i) => names.get(i) ?? `if${i}`, o));
  if (o.json) out(ipJson(entries.map((e) => e.json), o.pretty));
  else for (const e of entries) out(e.text);
}

/** The change words: the library's field, and whether the value is a u64 (else a u32). */
const changeWords: Record<string, [keyof NeighbourTableChange, boolean]> = {
  thresh1: ['thresh1', false], thresh2: ['thresh2', false], thresh3: ['thresh3', false], gc_int: ['gcInterval', true],
  base_reachable: ['baseReachableTime', true], retrans: ['retransTime', true], gc_stale: ['gcStaletime', true],
  delay_probe: ['delayProbeTime', true], queue: ['queueLen', false], app_probes: ['appProbes', false],
  ucast_probes: ['ucastProbes', false], mcast_probes: ['mcastProbes', false], anycast_delay: ['anycastDelay', true],
  proxy_delay: ['proxyDelay', true], proxy_queue: ['proxyQlen', false], locktime: ['locktime', true],
};

async function change(rt: RouteNetlink, args: string[], o: NtableOptions): Promise<void> {
  const c: Partial<NeighbourTableChange> = o.family ? { family: o.family } : {};
  let changes = false;
  for (let i = 0; i < args.length; i++) {
    const w = args[i]!;
    const next = () => {
      if (++i >= args.length) throw incomplete();
      return args[i]!;
    };
    if (w === 'name') {
      const n = next();
      if (c.name !== undefined) throw duparg('NAME', n);
      c.name = n;
    } else if (w === 'dev') {
      const d = next();
      const link = (await rt.links.list()).find((l) => l.ifname === d || l.altnames.includes(d));
      if (!link) throw fail(`Cannot find device "${d}"`);
      c.dev = link.ifindex;
    } else if (Object.hasOwn(changeWords, w)) {
      const [field, wide] = changeWords[w]!;
      const v = next();
      const n = wide ? u64(v) : integer(v.replace(/^-0*$/, '0'), { min: 0, max: 0xffffffff });
      if (n === undefined) throw invarg(`"${w}" value is invalid`, v);
      (c as Record<string, unknown>)[field] = n;
      changes = true;
    } else throw invarg('unknown', w);
  }
  if (c.name === undefined) throw missarg('NAME');
  if (!changes) throw refuse('Not enough information: changeable attributes required.');
  await new NeighbourTables(rt.socket, rt.devices).change(c as NeighbourTableChange);
}

export async function ntable(rt: RouteNetlink, verb: string | undefined, args: string[], options: NtableOptions, out: (line: string) => void): Promise<void> {
  if (verb === undefined) return show(rt, [], options, out);
  if (matches(verb, 'change') || matches(verb, 'chg')) return change(rt, args, options);
  if (matches(verb, 'show') || matches(verb, 'lst') || matches(verb, 'list')) return show(rt, args, options, out);
  if (matches(verb, 'help')) throw refuse(usage);
  throw unknownCommand(verb, 'ntable');
}
