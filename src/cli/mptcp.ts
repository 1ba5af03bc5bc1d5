/** `nlkit mptcp { endpoint | limits }` as iproute2 6.1's ipmptcp.c: its words, text, JSON, refusals, statuses. */
import { Mptcp, endpointFlagBits, type EndpointFlag, type MptcpEndpoint, type MptcpEvent, type MptcpLimits } from '../api/mptcp.js';
import type { RouteNetlink } from '../api/route-netlink.js';
import { parseIP } from '../schema/address-text.js';
import { incomplete, integer, invarg, matches, missarg, refuse } from './args.js';
import { inetNtop6 } from './inet-ntop.js';
import { ipJson } from './json.js';
import { nowMicros, stamp } from './monitor.js';
import { UsageError } from './usage.js';

export interface MptcpOptions {
  json: boolean;
  pretty: boolean;
  netns: string | undefined;
  /** -t / -ts: a timestamp before each event, as ip monitor's. */
  timestamp?: 'none' | 'long' | 'short';
}

const usage = `Usage:	nlkit mptcp endpoint add ADDRESS [ dev NAME ] [ id ID ]
				      [ port NR ] [ FLAG-LIST ]
	nlkit mptcp endpoint delete id ID [ ADDRESS ]
	nlkit mptcp endpoint change [ id ID ] [ ADDRESS ] [ port NR ] CHANGE-OPT
	nlkit mptcp endpoint show [ id ID ]
	nlkit mptcp endpoint flush
	nlkit mptcp limits set [ subflows NR ] [ add_addr_accepted NR ]
	nlkit mptcp limits show
	nlkit mptcp monitor
FLAG-LIST := [ FLAG-LIST ] FLAG
FLAG  := [ signal | subflow | backup | fullmesh ]
CHANGE-OPT := [ backup | nobackup | fullmesh | nofullmesh ]`;

const unknown = (word: string) => new UsageError(`Command "${word}" is unknown, try "nlkit mptcp help".`, { status: 255, bare: true });
/** The flag words, `nobackup` and `nofullmesh` setting nothing (ip's MPTCP_PM_ADDR_FLAG_NONE). */
const flagWords: Record<string, number> = { ...endpointFlagBits, nobackup: 0, nofullmesh: 0 };

interface Parsed {
  id?: number;
  flags: number;
  dev?: number;
  port?: number;
  address?: string;
}

/** mptcp_parse_opt: flags, id, dev, port and an address, each refused in ip's words. */
async function parse(rt: RouteNetlink, args: string[], cmd: 'add' | 'change' | 'delete' | 'show'): Promise<Parsed> {
  const p: Parsed = { flags: 0 };
  for (let i = 0; i < args.length; i++) {
    const w = args[i]!;
    const next = () => {
      if (++i >= args.length) throw incomplete();
      return args[i]!;
    };
    if (Object.hasOwn(flagWords, w)) {
      p.flags |= flagWords[w]!;
      if (cmd === 'add' && (p.flags & 9) === 9) throw invarg("flags mustn't have both signal and fullmesh", w);
      if (cmd === 'change' && p.flags & ~12) throw invarg('invalid flags, backup and fullmesh only', w);
    } else if (matches(w, 'id')) {
      const v = next();
      p.id = integer(v, { min: 0, max: 255 });
      if (p.id === undefined) throw invarg('invalid ID\n', v);
    } else if (matches(w, 'dev')) {
      const v = next();
      if (!v || v.length >= 16 || /[/\s]/.test(v)) throw invarg('invalid interface name\n', v);
      const link = (await rt.links.list()).find((l) => l.ifname === v || l.altnames.includes(v));
      if (!link) throw invarg('device does not exist\n', v);
      p.dev = link.ifindex;
    } else if (matches(w, 'port')) {
      const v = next();
      p.port = integer(v, { min: 0, max: 0xffff });
      if (p.port === undefined) throw invarg('expected port', v);
    } else {
      // get_addr: anything else must be an address; it exits 1 when it is not.
      if (!parseIP(w)) throw new UsageError(`any valid address is expected rather than "${w}".`, { status: 1, fatal: true });
      p.address = w;
    }
  }
  if (p.address === undefined && cmd === 'add') throw missarg('ADDRESS');
  if (cmd === 'delete') {
    if (p.id === undefined) throw missarg('ID');
    if (p.id && p.address !== undefined) throw invarg('invalid for non-zero id address\n', 'ADDRESS');
    if (!p.id && p.address === undefined) throw invarg('address is needed for deleting id 0 address\n', 'ID');
  }
  if (cmd === 'add' && p.port && !(p.flags & endpointFlagBits.signal)) throw invarg('flags must have signal when using port', 'port');
  if (cmd === 'change' && p.id !== undefined && p.port) throw invarg("port can't be used with id", 'port');
  return p;
}

function endpointLine(e: MptcpEndpoint, name: (i: number) => string | undefined): { text: string; json: Record<string, unknown> } {
  let s = '';
  const j: Record<string, unknown> = {};
  if (e.address !== undefined) {
    const a = e.address.includes(':') ? inetNtop6(e.address) : e.address;
    s += `${a} `;
    j.address = a;
  }
  if (e.port) {
    s += `port ${e.port} `;
    j.port = e.port;
  }
  s += `id ${e.id} `;
  j.id = e.id;
  for (const f of e.flags) {
    s += `${f} `;
    j[f] = true;
  }
  const unnamed = e.rawFlags & ~15;
  if (unnamed) {
    const raw = unnamed.toString(16).padStart(2, '0');
    s += `rawflags ${raw} `;
    j.rawflags = raw;
  }
  const dev = e.ifindex ? name(e.ifindex) : undefined;
  if (dev !== undefined) {
    s += `dev ${dev} `;
    j.dev = dev;
  }
  return { text: s, json: j };
}

async function endpoint(rt: RouteNetlink, pm: Mptcp, words: string[], o: MptcpOptions, out: (line: string) => void): Promise<void> {
  const [verb, ...args] = words;
  const show = async (list: MptcpEndpoint[]) => {
    const names = new Map((await rt.links.list()).map((l) => [l.ifindex, l.ifname]));
    const lines = list.map((e) => endpointLine(e, (i) => names.get(i)));
    if (o.json) out(ipJson(lines.map((l) => l.json), o.pretty));
    else for (const l of lines) out(l.text);
  };
  if (verb === undefined) return show(await pm.endpoints());
  if (matches(verb, 'add')) {
    const p = await parse(rt, args, 'add');
    const flags = (Object.keys(endpointFlagBits) as EndpointFlag[]).filter((f) => p.flags & endpointFlagBits[f]);
    return pm.addEndpoint({ address: p.address!, ...(p.id !== undefined ? { id: p.id } : {}), ...(p.port ? { port: p.port } : {}), ...(p.dev ? { dev: p.dev } : {}), flags });
  }
  if (matches(verb, 'change')) {
    const p = await parse(rt, args, 'change');
    return pm.changeEndpoint({
      ...(p.id !== undefined ? { id: p.id } : {}), ...(p.address !== undefined ? { address: p.address } : {}), ...(p.port ? { port: p.port } : {}),
      backup: (p.flags & endpointFlagBits.backup) !== 0, fullmesh: (p.flags & endpointFlagBits.fullmesh) !== 0,
    });
  }
  if (matches(verb, 'delete')) {
    const p = await parse(rt, args, 'delete');
    return pm.deleteEndpoint({ id: p.id!, ...(p.address !== undefined ? { address: p.address } : {}) });
  }
  if (matches(verb, 'show')) {
    if (!args.length) return show(await pm.endpoints());
    const p = await parse(rt, args, 'show');
    return show([await pm.endpoint(p.id ?? 0)]);
  }
  if (matches(verb, 'flush')) return pm.flushEndpoints();
  throw unknown(verb);
}

/** mptcp_parse_limit: subflows and add_addr_accepted, read for `show` as for `set`. */
function limitWords(args: string[]): MptcpLimits {
  const l: MptcpLimits = {};
  for (let i = 0; i < args.length; i++) {
    const w = args[i]!;
    const next = () => {
      if (++i >= args.length) throw incomplete();
      return args[i]!;
    };
    const key = matches(w, 'subflows') ? 'subflows' : matches(w, 'add_addr_accepted') ? 'add_addr_accepted' : undefined;
    if (!key) throw invarg('unknown limit', w);
    const v = next();
    const n = integer(v.replace(/^-0*$/, '0'), { min: 0, max: 0xffffffff });
    if (n === undefined) throw invarg(`invalid ${key}\n`, v);
    l[key === 'subflows' ? 'subflows' : 'addAddrAccepted'] = n;
  }
  return l;
}

async function limits(pm: Mptcp, set: boolean, args: string[], out: (line: string) => void): Promise<void> {
  const l = limitWords(args);
  if (set) return pm.setLimits(l);
  const now = await pm.limits();
  // ip prints the limits as text even under -j: it opens no JSON writer for them.
  let s = '';
  if (now.addAddrAccepted !== undefined) s += `add_addr_accepted ${now.addAddrAccepted} `;
  if (now.subflows !== undefined) s += `subflows ${now.subflows} `;
  out(s);
}

/** ip 6.1 names these event types; it prints others as `[UNKNOWN N]`, without their attributes. */
const eventWords: Partial<Record<number, string>> = { 1: 'CREATED', 2: 'ESTABLISHED', 3: 'CLOSED', 6: 'ANNOUNCED', 7: 'REMOVED', 10: 'SF_ESTABLISHED', 11: 'SF_CLOSED', 13: 'SF_PRIO' };

/** One event as ip's mptcp_monitor_msg prints it: the type right-aligned in 14 columns, then its attributes. */
export function eventLine(e: MptcpEvent): string {
  const word = eventWords[e.cmd];
  if (word === undefined) return `[UNKNOWN ${e.cmd}]`;
  let line = `[${word.padStart(14)}] token=${(e.token ?? 0).toString(16).padStart(8, '0')}`;
  if (e.remId !== undefined) line += ` remid=${e.remId}`;
  if (e.locId !== undefined) line += ` locid=${e.locId}`;
  if (e.saddr4 !== undefined) line += ` saddr4=${e.saddr4}`;
  if (e.daddr4 !== undefined) line += ` daddr4=${e.daddr4}`;
  if (e.saddr6 !== undefined) line += ` saddr6=${inetNtop6(e.saddr6)}`;
  if (e.daddr6 !== undefined) line += ` daddr6=${inetNtop6(e.daddr6)}`;
  if (e.sport !== undefined) line += ` sport=${e.sport}`;
  if (e.dport !== undefined) line += ` dport=${e.dport}`;
  if (e.backup !== undefined) line += ` backup=${e.backup}`;
  if (e.error !== undefined) line += ` error=${e.error}`;
  if (e.flags !== undefined) line += ` flags=${e.flags.toString(16)}`;
  if (e.timeout !== undefined) line += ` timeout=${e.timeout}`;
  if (e.ifIdx !== undefined) line += ` ifindex=${e.ifIdx}`;
  if (e.resetReason !== undefined) line += ` reset_reason=${e.resetReason}`;
  if (e.resetFlags !== undefined) line += ` reset_flags=0x${e.resetFlags.toString(16)}`;
  return line;
}

/** `mptcp monitor`: every path manager event until interrupted; with -j (ip has none), one JSON object each. */
async function monitor(pm: Mptcp, options: MptcpOptions, out: (line: string) => void): Promise<void> {
  for await (const e of pm.events()) {
    if (e.type === 'overrun') {
      process.stderr.write(`nlkit mptcp monitor: the kernel dropped events (receive queue overrun #${(e as { count: number }).count})\n`);
      continue;
    }
    const event = e as MptcpEvent;
    if (options.json) out(JSON.stringify(event));
    else out((options.timestamp && options.timestamp !== 'none' ? stamp(options.timestamp, nowMicros()) : '') + eventLine(event));
  }
}

export async function mptcp(rt: RouteNetlink, verb: string | undefined, args: string[], options: MptcpOptions, out: (line: string) => void): Promise<void> {
  if (verb === undefined || matches(verb, 'help')) throw refuse(usage);
  const pm = await Mptcp.open({ netns: options.netns });
  try {
    if (matches(verb, 'endpoint')) return await endpoint(rt, pm, args, options, out);
    let words = args;
    if (matches(verb, 'limits')) {
      if (!args.length) return await limits(pm, false, [], out);
      if (matches(args[0]!, 'set')) return await limits(pm, true, args.slice(1), out);
      if (matches(args[0]!, 'show')) return await limits(pm, false, args.slice(1), out);
    } else words = [verb, ...args];
    // As ip: after `limits`, the next word is tried as `monitor` too.
    if (matches(words[0]!, 'monitor')) {
      if (words.length > 1) throw unknown(words[1]!);
      return await monitor(pm, options, out);
    }
    throw unknown(words[0]!);
  } finally {
    pm.close();
  }
}
