/**
 * `nlkit nexthop`: `show` (`list`, `ls`; `id N`, `groups`, `dev D`, `fdb`) in ip 6.1's text and JSON, and `add`,
 * `replace`, `del` with ip's keywords (`id`, `via`, `dev`, `blackhole`, `onlink`, `fdb`, `proto`, `encap TYPE …`,
 * `group ID[,WEIGHT]/…`, `type resilient buckets N idle_timer S unbalanced_timer S`).
 */
import type { RouteNetlink } from '../api/route-netlink.js';
import type { Link } from '../api/links.js';
import type { BucketFilter, GroupMember, Nexthop, NexthopBucket, NexthopFilter, NexthopInput } from '../api/nexthops.js';
import { incomplete, integer, invarg, matches, refuse, unknownCommand } from './args.js';
import { encapJson, encapText } from './route-encap-text.js';
import { parseEncap } from './route-encap-words.js';
import { address } from './inet-pton.js';
import { dsfield, routeProtocol, routeTable } from './route-words.js';
import { familyColor, paint } from './color.js';
import { ipJson } from './json.js';
import { objectUsage } from './usage.js';

export interface NexthopOptions {
  json: boolean;
  pretty: boolean;
  oneline?: boolean;
  details?: boolean;
  family: 'inet' | 'inet6' | undefined;
}

/** RTNH_F_* in the order ip prints them. */
const flagOrder = ['dead', 'onlink', 'pervasive', 'offload', 'trap', 'linkdown', 'unresolved'];

/**
 * The fields of a nexthop in ip's order, as [text, json key, json value] triples (no key: the value's members, if
 * any, are the object's, as the encapsulation's are); `details` as ip -d.
 */
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
  if (n.encap) {
    const o: Record<string, unknown> = {};
    encapJson(o, n.encap, name);
    f.push([encapText(n.encap, name), '', o]);
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
  // A key ip prints twice (an encapsulation's id or dst) keeps its last value, as JSON.parse reads ip's output.
  for (const [, k, v] of fields(n, name, details)) {
    if (k) o[k] = v;
    else if (v) Object.assign(o, v);
  }
  return o;
}

/** ip's ipnh_parse_id: an unsigned number, or `Error: argument "X" is wrong: invalid id value`. */
function id(word: string): number {
  const n = integer(word, { min: 0, max: 0xffffffff });
  if (n === undefined) throw invarg('invalid id value', word);
  return n;
}

/** A device that must exist (ll_name_to_index), or ip's refusal. */
function device(links: readonly Link[], name: string, msg = 'Device does not exist\n'): number {
  const l = links.find((x) => x.ifname === name || x.altnames.includes(name));
  if (!l) throw invarg(msg, name);
  return l.ifindex;
}

/** `ID[,WEIGHT]/…` as add_nh_group_attr reads it. */
function group(text: string): GroupMember[] {
  const members: GroupMember[] = [];
  for (const part of text.split('/')) {
    const [idText, weightText] = part.split(',');
    const member = integer(idText!, { min: 0, max: 0xffffffff });
    // ip cuts its own copy of the word at each '/' and ',' as it reads, so its message shows the first id only.
    if (member === undefined) throw invarg('"group" value is invalid\n', text.split('/')[0]!.split(',')[0]!);
    if (weightText === undefined) members.push({ id: member });
    else {
      const w = integer(weightText, { min: 1, max: 256 });
      if (w === undefined) throw invarg('"weight" is invalid\n', weightText);
      members.push({ id: member, weight: w });
    }
  }

  return members;
}

/**
 * `nexthop add|replace|del` arguments as ipnh_modify reads them → a NexthopInput. Like ip, the family is the
 * gateway's, IPv4 for a device or blackhole, none otherwise, and the protocol is unspec unless given.
 */
export function parseNexthop(args: string[], links: readonly Link[], family?: 'inet' | 'inet6'): NexthopInput {
  // Fields in the order of the words: the library sends the attributes in that order, as ip does.
  const input: Partial<NexthopInput> = {};
  let fam: 'inet' | 'inet6' | undefined = family;
  for (let i = 0; i < args.length; i++) {
    const w = args[i]!;
    const next = () => {
      if (i + 1 >= args.length) throw incomplete();
      return args[++i]!;
    };
    if (w === 'id') input.id = id(next());
    else if (w === 'dev') {
      const d = next();
      device(links, d);
      input.dev = d;
      fam ??= 'inet';
    } else if (w === 'via') {
      let v = next();
      const f = v === 'inet' ? 'inet' : v === 'inet6' ? 'inet6' : undefined;
      if (f) v = next();
      const gateway = address(v, f ?? fam);
      const af = gateway.includes(':') ? 'inet6' : 'inet';
      if (fam === undefined) fam = af;
      else if (fam !== af) throw invarg('address family mismatch\n', v);
      input.gateway = gateway;
    } else if (w === 'encap') {
      const { encap, last } = parseEncap(args, i, { address, dsfield, routeTable });
      input.encap = encap;
      i = last;
    }
    else if (w === 'blackhole') {
      input.blackhole = true;
      fam ??= 'inet';
    } else if (w === 'fdb') input.fdb = true;
    else if (w === 'onlink') input.onlink = true;
    else if (w === 'group') input.group = group(next());
    else if (w === 'type') {
      const t = next();
      if (t !== 'mpath' && t !== 'resilient') throw invarg('"type" value is invalid\n', t);
      input.groupType = t;
      if (t !== 'resilient') continue;
      while (i + 1 < args.length && ['buckets', 'idle_timer', 'unbalanced_timer'].includes(args[i + 1]!)) {
        const k = args[++i]!;
        const v = next();
        if (k === 'buckets') {
          const b = integer(v, { min: 0, max: 0xffff });
          if (b === undefined) throw invarg('invalid buckets value', v);
          input.buckets = b;
        } else {
          const n = integer(v, { min: 0, max: Math.floor(0xffffffff / 100) - 1 });
          if (n === undefined) throw invarg(k === 'idle_timer' ? 'invalid idle timer value' : 'invalid unbalanced timer value', v);
          if (k === 'idle_timer') input.idleTimer = n;
          else input.unbalancedTimer = n;
        }
      }
    } else if (matches(w, 'protocol')) {
      const v = next();
      const p = routeProtocol(v);
      if (p === undefined) throw invarg('"protocol" value is invalid\n', v);
      input.protocol = p;
    } else if (w === 'help') throw refuse(objectUsage.nexthop!.trimEnd());
    else throw invarg('', w);
  }
  return { ...input, id: input.id ?? 0, protocol: input.protocol ?? 'unspec', family: fam ?? 'unspec' };
}

/** `list`/`flush` selectors (ipnh_list_flush): the filter, an `id` (which ends the words), and `protocol`. */
function selectors(args: string[], links: readonly Link[], family: NexthopOptions['family']): { filter: NexthopFilter; id?: number; protocol?: number } {
  const filter: NexthopFilter = family ? { family } : {};
  let protocol: number | undefined;
  for (let i = 0; i < args.length; i++) {
    const w = args[i]!;
    const next = () => {
      if (i + 1 >= args.length) throw incomplete();
      return args[++i]!;
    };
    if (matches(w, 'dev')) filter.dev = device(links, next());
    else if (matches(w, 'groups')) filter.groups = true;
    else if (matches(w, 'master')) filter.master = device(links, next());
    else if (matches(w, 'vrf')) {
      const v = next();
      if (!links.some((l) => l.ifname === v && l.kind === 'vrf')) throw invarg('Invalid VRF\n', v);
      filter.master = device(links, v, 'VRF does not exist\n');
    } else if (w === 'id') return { filter, id: id(next()) };
    else if (matches(w, 'protocol')) {
      const v = next();
      protocol = integer(v, { min: 0, max: 0xffffffff });
      if (protocol === undefined) throw invarg('invalid protocol value', v);
    } else if (matches(w, 'fdb')) {
      // ip asks the kernel for fdb nexthops and prints whatever it answers (the kernel does not filter by it).
      filter.fdb = true;
      filter.asKernelAnswers = true;
    }
    else if (matches(w, 'help')) throw refuse(objectUsage.nexthop!.trimEnd());
    else throw invarg('', w);
  }
  return { filter, ...(protocol !== undefined ? { protocol } : {}) };
}

const protocolNumber = (p: string | number) => (typeof p === 'number' ? p : (routeProtocol(p) ?? -1));

/** A bucket as print_nexthop_bucket prints it; idle time in seconds as %g. */
export function bucketText(b: NexthopBucket): string {
  const flags = flagOrder.filter((f) => ((b.raw.flags as (string | number)[] | undefined) ?? []).includes(f));
  return `id ${b.id} index ${b.index} idle_time ${Number(b.idleTime.toPrecision(6))} nhid ${b.nhid} ${flags.map((f) => `${f} `).join('')}`;
}

function bucketJson(b: NexthopBucket): Record<string, unknown> {
  const flags = flagOrder.filter((f) => ((b.raw.flags as (string | number)[] | undefined) ?? []).includes(f));
  return { id: b.id, bucket: { index: b.index, idle_time: Number(b.idleTime.toPrecision(6)), nhid: b.nhid }, flags };
}

async function bucket(rt: RouteNetlink, args: string[], options: NexthopOptions, out: (line: string) => void): Promise<void> {
  const [v, ...rest] = args;
  const usage = () => refuse(objectUsage.nexthop!.trimEnd());
  const print = (list: NexthopBucket[]) => {
    if (options.json) out(ipJson(list.map(bucketJson), options.pretty));
    else for (const b of list) out(bucketText(b));
  };
  if (v === undefined || matches(v, 'list') || matches(v, 'show') || matches(v, 'lst')) {
    const links = await rt.links.list();
    const filter: BucketFilter = {};
    for (let i = 0; i < rest.length; i++) {
      const w = rest[i]!;
      const next = () => {
        if (i + 1 >= rest.length) throw incomplete();
        return rest[++i]!;
      };
      if (matches(w, 'dev')) filter.dev = device(links, next());
      else if (matches(w, 'master')) filter.master = device(links, next());
      else if (matches(w, 'vrf')) {
        const n = next();
        if (!links.some((l) => l.ifname === n && l.kind === 'vrf')) throw invarg('Invalid VRF\n', n);
        filter.master = device(links, n, 'VRF does not exist\n');
      } else if (w === 'id') filter.id = id(next());
      else if (w === 'nhid') filter.nhid = id(next());
      else if (matches(w, 'help')) throw usage();
      else throw invarg('', w);
    }
    return print(await rt.nexthops.buckets(filter));
  }
  if (matches(v, 'get')) {
    let group: number | undefined;
    let index: number | undefined;
    for (let i = 0; i < rest.length; i++) {
      const w = rest[i]!;
      const next = () => {
        if (i + 1 >= rest.length) throw incomplete();
        return rest[++i]!;
      };
      if (w === 'id') group = id(next());
      else if (w === 'index') {
        const n = next();
        index = integer(n, { min: 0, max: 0xffff });
        if (index === undefined) throw invarg('invalid bucket index value', n);
      } else throw usage();
    }
    if (!group || index === undefined) throw usage();
    return print([await rt.nexthops.bucket(group, index)]);
  }
  if (matches(v, 'help')) throw usage();
  throw unknownCommand(v, 'nexthop');
}

export async function nexthop(rt: RouteNetlink, verb: string | undefined, args: string[], options: NexthopOptions, out: (line: string) => void): Promise<void> {
  const v = verb ?? 'show';
  const write = matches(v, 'add') ? 'add' : matches(v, 'replace') ? 'replace' : matches(v, 'delete') ? 'delete' : undefined;
  if (write) {
    const input = parseNexthop(args, await rt.links.list(), options.family);
    if (write === 'add') await rt.nexthops.add(input);
    else if (write === 'replace') await rt.nexthops.replace(input);
    else await rt.nexthops.delete({ id: input.id });
    return;
  }
  const list = matches(v, 'list') || matches(v, 'show') || matches(v, 'lst');
  if (list || matches(v, 'flush')) {
    const links = await rt.links.list();
    const names = new Map(links.map((l) => [l.ifindex, l.ifname]));
    const name = (i: number) => names.get(i) ?? `if${i}`;
    const sel = selectors(args, links, options.family);
    const shown = (n: Nexthop) => sel.protocol === undefined || protocolNumber(n.protocol) === sel.protocol;
    if (!list) {
      if (sel.id !== undefined) return rt.nexthops.delete({ id: sel.id });
      // As ip: everything (groups first, as deleting a member would change them) or what the selectors match.
      const all = args.length === 0;
      let flushed = 0;
      for (const pass of all ? [{ ...sel.filter, groups: true }, sel.filter] : [sel.filter]) {
        const found = (await rt.nexthops.list(pass)).filter(shown);
        const results = await rt.nexthops.deleteMany(found.map((n) => ({ id: n.id })));
        // A nexthop that went with a group or device deleted before it is already flushed.
        const failed = results.find((e) => e !== null && (e as { code?: string }).code !== 'ENOENT');
        if (failed) throw failed;
        flushed += results.filter((e) => e === null).length;
      }
      out(flushed ? `Flushed ${flushed} nexthops` : 'Nothing to flush');
      return;
    }
    const found = sel.id !== undefined ? [await rt.nexthops.get({ id: sel.id })] : (await rt.nexthops.list(sel.filter)).filter(shown);
    if (options.json) out(ipJson(found.map((n) => nexthopJson(n, name, options.details)), options.pretty));
    else for (const n of found) out(nexthopText(n, name, options.details));
    return;
  }
  if (matches(v, 'get')) {
    let nh: number | undefined;
    for (let i = 0; i < args.length; i++) {
      if (args[i] !== 'id') throw refuse(objectUsage.nexthop!.trimEnd());
      if (i + 1 >= args.length) throw incomplete();
      nh = id(args[++i]!);
    }
    if (!nh) throw refuse(objectUsage.nexthop!.trimEnd());
    return nexthop(rt, 'show', ['id', String(nh)], options, out);
  }
  if (matches(v, 'bucket')) return bucket(rt, args, options, out);
  if (matches(v, 'help')) throw refuse(objectUsage.nexthop!.trimEnd());
  throw unknownCommand(v, 'nexthop');
}
