/** `bridge link show|set`, as iproute2 6.1's bridge/link.c reads and prints them. */
import type { BridgePort, BridgePortOptions } from '../../api/bridge-ports.js';
import { paint } from '../color.js';
import { matches } from '../args.js';
import { ipJson } from '../json.js';
import { flagWords } from '../link.js';
import { UsageError } from '../usage.js';
import { Args, atoi, dumpFailure, exit255, failed, nodev, type BridgeContext } from './common.js';

export const linkUsage = `Usage: bridge link set dev DEV [ cost COST ] [ priority PRIO ] [ state STATE ]
                               [ guard {on | off} ]
                               [ hairpin {on | off} ]
                               [ fastleave {on | off} ]
                               [ root_block {on | off} ]
                               [ learning {on | off} ]
                               [ learning_sync {on | off} ]
                               [ flood {on | off} ]
                               [ mcast_router MULTICAST_ROUTER ]
                               [ mcast_flood {on | off} ]
                               [ bcast_flood {on | off} ]
                               [ mcast_to_unicast {on | off} ]
                               [ neigh_suppress {on | off} ]
                               [ vlan_tunnel {on | off} ]
                               [ isolated {on | off} ]
                               [ locked {on | off} ]
                               [ hwmode {vepa | veb} ]
                               [ backup_port DEVICE ] [ nobackup_port ]
                               [ self ] [ master ]
       bridge link show [dev DEV]`;

const states = ['disabled', 'listening', 'learning', 'forwarding', 'blocking'];

/** The on/off options `bridge -d link` prints, in its order: its word and the IFLA_BRPORT_* name. */
const details: [string, string][] = [
  ['hairpin', 'mode'], ['guard', 'guard'], ['root_block', 'protect'], ['fastleave', 'fastLeave'], ['learning', 'learning'],
  ['learning_sync', 'learningSync'], ['flood', 'unicastFlood'], ['mcast_flood', 'mcastFlood'], ['bcast_flood', 'bcastFlood'],
  ['mcast_router', 'multicastRouter'], ['mcast_to_unicast', 'mcastToUcast'], ['neigh_suppress', 'neighSuppress'],
  ['vlan_tunnel', 'vlanTunnel'], ['backup_port', 'backupPort'], ['isolated', 'isolated'], ['locked', 'locked'],
];

/** One port as print_linkinfo prints it. */
export function linkRow(p: BridgePort, names: Map<number, string>, up: Set<number>, o: { details: number; json: boolean; oneline: boolean }, deleted = false): string | Record<string, unknown> {
  const name = (i: number) => names.get(i) ?? `if${i}`;
  let at = '';
  let mdown = false;
  const j: Record<string, unknown> = {};
  if (deleted) j.deleted = true;
  j.ifindex = p.ifindex;
  if (p.link !== undefined) {
    if (p.link === 0) {
      if (o.json) j.link = null;
      else at = '@NONE';
    } else if (p.linkNetnsid !== undefined) {
      if (o.json) j.link_index = p.link;
      else at = `@if${p.link}`;
    } else {
      if (o.json) j.link = name(p.link);
      else at = `@${name(p.link)}`;
      mdown = !up.has(p.link);
    }
  }
  j.ifname = p.ifname;
  const flags = flagWords(p, mdown);
  j.flags = flags;
  const words: string[] = [];
  if (p.mtu !== undefined) {
    j.mtu = p.mtu;
    words.push(`mtu ${p.mtu}`);
  }
  if (p.master !== undefined) {
    j.master = name(p.master);
    words.push(`master ${name(p.master)}`);
  }
  const opts = p.options;
  let more = '';
  if (p.raw.protinfo !== undefined) {
    if (typeof p.state === 'string') {
      j.state = p.state;
      words.push(`state ${p.state}`);
    } else if (p.state !== undefined) {
      j.state = p.state;
      words.push(`state (${p.state})`);
    }
    if (p.priority !== undefined) {
      j.priority = p.priority;
      words.push(`priority ${p.priority}`);
    }
    if (p.cost !== undefined) {
      j.cost = p.cost;
      words.push(`cost ${p.cost}`);
    }
    if (o.details) {
      const d: string[] = [];
      for (const [word, key] of details) {
        const v = opts[key];
        if (v === undefined) continue;
        if (key === 'multicastRouter') {
          j[word] = v;
          d.push(`${word} ${v as number}`);
        } else if (key === 'backupPort') {
          j[word] = name(v as number);
          d.push(`${word} ${name(v as number)}`);
        } else {
          j[word] = v !== 0;
          d.push(`${word} ${v ? 'on' : 'off'}`);
        }
      }
      more = `${o.oneline ? '\\' : '\n'}    ${d.map((w) => `${w} `).join('')}`;
    }
  }
  if (p.hwmode !== undefined) {
    const mode = p.hwmode < 2 ? ['VEB', 'VEPA'][p.hwmode]! : `0x${p.hwmode.toString(16)}`;
    j.hwmode = mode;
    words.push(`hwmode ${mode}`);
  }
  if (o.json) return j;
  const head = `${deleted ? 'Deleted ' : ''}${p.ifindex}: ${paint('ifname', `${p.ifname}${at}: `)}<${flags.join(',')}> `;
  const pre = words.slice(0, p.hwmode !== undefined ? -1 : undefined).map((w) => `${w} `).join('');
  return head + pre + more + (p.hwmode !== undefined ? `${words[words.length - 1]} ` : '');
}

/** show, a refused dump reported as bridge reports it. */
function show(ctx: BridgeContext, words: string[]): Promise<void> {
  return showUnguarded(ctx, words).catch((e: unknown) => {
    throw dumpFailure(e);
  });
}

async function showUnguarded(ctx: BridgeContext, words: string[]): Promise<void> {
  let dev: string | undefined;
  for (const a = new Args(words); !a.done; a.i++) {
    if (a.word === 'dev') {
      const v = a.next();
      if (dev !== undefined) throw exit255(`Error: duplicate "dev": "${v}" is the second value.`);
      dev = v;
    }
  }
  let want = 0;
  if (dev !== undefined) {
    want = await ctx.index(dev);
    if (!want) throw nodev(dev);
  }
  const [ports, names, up] = await Promise.all([ctx.rt.bridge.ports.list(), ctx.names(), ctx.up()]);
  const rows = ports.filter((p) => !want || p.ifindex === want).map((p) => linkRow(p, names, up, { details: ctx.o.details, json: ctx.o.json, oneline: ctx.o.oneline }));
  if (ctx.o.json) ctx.out(ipJson(rows, ctx.o.pretty));
  else for (const r of rows) ctx.out(r as string);
}

/** parse_on_off: `off` or `on` by abbreviation; else the message and -EINVAL (exit status 234). */
function onOff(option: string, value: string): boolean {
  if (matches(value, 'off')) return false;
  if (matches(value, 'on')) return true;
  throw new UsageError(`Error: argument of "${option}" must be one of "off", "on", not "${value}"`, { status: 234, bare: true, fatal: false });
}

const onOffWords: Record<string, keyof BridgePortOptions> = {
  guard: 'guard', hairpin: 'mode', fastleave: 'fastLeave', root_block: 'protect', learning: 'learning', learning_sync: 'learningSync',
  flood: 'unicastFlood', mcast_flood: 'mcastFlood', bcast_flood: 'bcastFlood', mcast_to_unicast: 'mcastToUcast',
  neigh_suppress: 'neighSuppress', vlan_tunnel: 'vlanTunnel', isolated: 'isolated', locked: 'locked',
};

async function set(ctx: BridgeContext, words: string[]): Promise<void> {
  let dev: string | undefined;
  const opts: BridgePortOptions = {};
  for (const a = new Args(words); !a.done; a.i++) {
    const w = a.word;
    if (w === 'dev') dev = a.next();
    else if (onOffWords[w]) (opts as Record<string, unknown>)[onOffWords[w]!] = onOff(w, a.next());
    else if (w === 'mcast_router') {
      const n = atoi(a.next()) & 0xff;
      // A __s8: 128 and more read as negative, which bridge does not send.
      if (n < 128) opts.multicastRouter = n;
    } else if (w === 'cost') {
      const n = atoi(a.next()) >>> 0;
      if (n > 0) opts.cost = n;
    } else if (w === 'priority') {
      const n = (atoi(a.next()) << 16) >> 16;
      if (n >= 0) opts.priority = n;
    } else if (w === 'state') {
      const v = a.next();
      const n = /^[+-]?\d+$/.test(v) ? (Number(v) << 24) >> 24 : states.indexOf(v);
      if (!/^[+-]?\d+$/.test(v) && n < 0) throw failed('Error: invalid STP port state');
      if (n >= 0) opts.state = n;
    } else if (w === 'hwmode') {
      const v = a.next();
      opts.self = true;
      if (v === 'vepa' || v === 'veb') opts.hwmode = v;
      else throw failed('Mode argument must be "vepa" or "veb".');
    } else if (w === 'self') opts.self = true;
    else if (w === 'master') opts.master = true;
    else if (w === 'backup_port') {
      const v = a.next();
      const i = await ctx.index(v);
      if (!i) throw failed(`Error: device ${v} does not exist`);
      opts.backupPort = i;
    } else if (w === 'nobackup_port') opts.backupPort = null;
    else throw exit255(linkUsage);
  }
  if (dev === undefined) throw failed('Device is a required argument.');
  const ifindex = await ctx.index(dev);
  if (!ifindex) throw failed(`Cannot find bridge device "${dev}"`);
  await ctx.rt.bridge.ports.set(ifindex, opts);
}

/** `bridge link …` */
export async function link(ctx: BridgeContext, words: string[]): Promise<void> {
  const [verb, ...rest] = words;
  if (verb === undefined) return show(ctx, []);
  if (matches(verb, 'set') || matches(verb, 'change')) return set(ctx, rest);
  if (matches(verb, 'show') || matches(verb, 'lst') || matches(verb, 'list')) return show(ctx, rest);
  if (matches(verb, 'help')) throw exit255(linkUsage);
  throw exit255(`Command "${verb}" is unknown, try "bridge link help".`);
}
