/**
 * `nlkit rule`: `show` (`list`, `ls`, with ip's selectors) in ip 6.1's text and JSON, and `add` / `del` with ip's
 * keywords (`from`, `to`, `iif`, `oif`, `fwmark M[/MASK]`, `tos`, `uidrange A-B`, `ipproto`, `sport`, `dport`,
 * `lookup`/`table`, `goto`, `suppress_prefixlength`, `pref`, `proto`, `not`, and the actions).
 */
import { readFileSync } from 'node:fs';
import type { RouteNetlink } from '../api/route-netlink.js';
import type { Rule } from '../api/rules.js';
import { parseRule, parseRuleShow } from './rule-parse.js';
import { familyColor, paint } from './color.js';
import { ipJson } from './json.js';
import { fail, matches, refuse, unknownCommand } from './args.js';
import { objectUsage } from './usage.js';

export interface RuleOptions {
  json: boolean;
  pretty: boolean;
  family: 'inet' | 'inet6' | undefined;
  details?: boolean;
}

/** fib_rules.h flags ip marks a rule with. */
const FIB_RULE_IIF_DETACHED = 8;
const FIB_RULE_OIF_DETACHED = 16;
const FIB_RULE_UNRESOLVED = 4;
const ALL_ONES = 0xffffffff;

const hex = (n: number) => `0x${n.toString(16)}`;

/** rtnl_group_n2a: the name /etc/iproute2/group gives a device group (0 is `default`), else the number. */
function groupName(n: number): string {
  try {
    for (const line of readFileSync('/etc/iproute2/group', 'utf8').split('\n')) {
      const m = /^\s*(\d+)\s+(\S+)/.exec(line);
      if (m && Number(m[1]) === n) return m[2]!;
    }
  } catch {
    // No file: ip prints the number.
  }
  return n === 0 ? 'default' : String(n);
}

/** ip shows a host prefix without its length. */
function prefix(p: string, family: Rule['family']): { addr: string; len?: number } {
  const [addr, len] = p.split('/');
  const host = family === 'inet6' ? 128 : 32;
  return len === undefined || Number(len) === host ? { addr: addr! } : { addr: addr!, len: Number(len) };
}

const flags = (r: Rule) => (r.raw.flags as number | undefined) ?? 0;
/** The protocol a rule was made by; ip leaves out the kernel's own and the unset one, unless with -d. */
function shownProtocol(r: Rule, details: boolean): string | undefined {
  const p = r.protocol ?? 0;
  const name = p === 0 ? 'unspec' : p === 2 ? 'kernel' : String(p);
  return details || (name !== 'unspec' && name !== 'kernel') ? name : undefined;
}

/** The fields of a rule in ip's order, as [text, json key, json value] triples; `details` as ip -d. */
function fields(r: Rule, details: boolean): [string, string, unknown][] {
  const f: [string, string, unknown][] = [];
  const color = familyColor(r.family);
  if (r.not) f.push(['not', 'not', null]);
  if (r.from) {
    const p = prefix(r.from, r.family);
    f.push([`from ${paint(color, p.addr)}${p.len === undefined ? '' : `/${p.len}`}`, 'src', p.addr]);
    if (p.len !== undefined) f.push(['', 'srclen', p.len]);
  } else f.push(['from all', 'src', 'all']);
  if (r.to) {
    const p = prefix(r.to, r.family);
    f.push([`to ${paint(color, p.addr)}${p.len === undefined ? '' : `/${p.len}`}`, 'dst', p.addr]);
    if (p.len !== undefined) f.push(['', 'dstlen', p.len]);
  }
  // rtnl_dsfield_n2a: two hex digits (a name from /etc/iproute2/rt_dsfield is not looked up here).
  const tos = `0x${(r.tos ?? 0).toString(16).padStart(2, '0')}`;
  if (r.tos) f.push([`tos ${tos}`, 'tos', tos]);
  if (r.fwmark !== undefined || r.fwmask !== undefined) {
    const mark = r.fwmark ?? 0;
    const mask = r.fwmask ?? ALL_ONES;
    if (mask === ALL_ONES) f.push([`fwmark ${hex(mark)}`, 'fwmark', hex(mark)]);
    else f.push([`fwmark ${hex(mark)}/${hex(mask)}`, 'fwmark', hex(mark)], ['', 'fwmask', hex(mask)]);
  }
  if (r.iif !== undefined) {
    f.push([`iif ${paint('ifname', String(r.iif))}`, 'iif', r.iif]);
    if (flags(r) & FIB_RULE_IIF_DETACHED) f.push(['[detached]', 'iif_detached', null]);
  }
  if (r.oif !== undefined) {
    f.push([`oif ${paint('ifname', String(r.oif))}`, 'oif', r.oif]);
    if (flags(r) & FIB_RULE_OIF_DETACHED) f.push(['[detached]', 'oif_detached', null]);
  }
  if (r.l3mdev) f.push(['lookup [l3mdev-table]', 'l3mdev', null]);
  if (r.uidRange) f.push([`uidrange ${r.uidRange.start}-${r.uidRange.end}`, 'uid_start', r.uidRange.start], ['', 'uid_end', r.uidRange.end]);
  if (r.ipProto !== undefined) f.push([`ipproto ${r.ipProto}`, 'ipproto', String(r.ipProto)]);
  for (const [name, range] of [['sport', r.sport], ['dport', r.dport]] as const) {
    if (!range) continue;
    if (range.start === range.end) f.push([`${name} ${range.start}`, name, range.start]);
    else f.push([`${name} ${range.start}-${range.end}`, `${name}_start`, range.start], ['', `${name}_end`, range.end]);
  }
  if (r.table !== undefined && r.action === 'table') {
    f.push([`lookup ${r.table}`, 'table', String(r.table)]);
    if (r.suppressPrefixlength !== undefined && r.suppressPrefixlength !== ALL_ONES && r.suppressPrefixlength !== -1) {
      f.push([`suppress_prefixlength ${r.suppressPrefixlength}`, 'suppress_prefixlen', r.suppressPrefixlength]);
    }
    if (r.suppressIfgroup !== undefined && r.suppressIfgroup !== ALL_ONES && r.suppressIfgroup !== -1) {
      const group = groupName(r.suppressIfgroup);
      f.push([`suppress_ifgroup ${group}`, 'suppress_ifgroup', group]);
    }
  }
  if (r.realms !== undefined) {
    const from = r.realms >>> 16;
    const to = String(r.realms & 0xffff);
    if (from) f.push([`realms ${from}/${to}`, 'flow_from', String(from)], ['', 'flow_to', to]);
    else f.push([`realms ${to}`, 'flow_to', to]);
  }
  if (r.action === 'goto') {
    f.push([`goto ${r.goto ?? 'none'}`, 'goto', r.goto ?? 'none']);
    if (flags(r) & FIB_RULE_UNRESOLVED) f.push(['[unresolved]', 'unresolved', null]);
  } else if (r.action === 'nop') f.push(['nop', 'nop', null]);
  else if (r.action !== 'table') f.push([String(r.action), 'action', String(r.action)]);
  const proto = shownProtocol(r, details);
  if (proto !== undefined) f.push([`proto ${proto}`, 'protocol', proto]);
  return f;
}

/** ip's text line for a rule: `PRIO:\tSELECTORS ACTION`. */
export function ruleText(r: Rule, details = false): string {
  return `${r.priority ?? 0}:\t${fields(r, details).map(([t]) => t).filter(Boolean).join(' ')}`;
}

/** ip -j's object for a rule, keys in ip's order. */
export function ruleJson(r: Rule, details = false): Record<string, unknown> {
  const o: Record<string, unknown> = { priority: r.priority ?? 0 };
  for (const [, k, v] of fields(r, details)) o[k] = v;
  return o;
}

export async function rule(rt: RouteNetlink, verb: string | undefined, args: string[], options: RuleOptions, out: (line: string) => void): Promise<void> {
  const v = verb ?? 'show';
  if (matches(v, 'list') || matches(v, 'lst') || matches(v, 'show')) {
    const family = options.family ?? 'inet';
    const rules = await rt.rules.list({ ...parseRuleShow(args, family), family });
    if (options.json) out(ipJson(rules.map((r) => ruleJson(r, options.details)), options.pretty));
    else for (const r of rules) out(ruleText(r, options.details));
    return;
  }
  if (matches(v, 'save') || matches(v, 'restore')) throw refuse(`"ip rule ${v}" is not supported by nlkit.`);
  const add = matches(v, 'add');
  if (!add && !matches(v, 'delete')) {
    if (matches(v, 'flush')) return flush(rt, args, options);
    if (matches(v, 'help')) throw refuse(objectUsage.rule!.trimEnd());
    throw unknownCommand(v, 'rule');
  }
  if (args.length === 0) throw fail(`"ip rule ${add ? 'add' : 'del'}" requires arguments.`);
  const input = parseRule(args, add, options.family);
  if (options.family) input.family = options.family;
  if (add) await rt.rules.add(input);
  else await rt.rules.delete(input);
}

async function flush(rt: RouteNetlink, args: string[], options: RuleOptions): Promise<void> {
  if (args.length) throw refuse(`"${args[0]}" is not supported by nlkit rule flush.`);
  // As ip does: every rule but priority 0 (lookup local) goes, main and default included.
  const rules = (await rt.rules.list({ family: options.family ?? 'inet' })).filter((r) => (r.priority ?? 0) !== 0);
  const results = await rt.rules.deleteMany(rules.map((r) => ({ family: r.family, priority: r.priority })));
  const failed = results.find((e) => e !== null && (e as { code?: string }).code !== 'ENOENT');
  if (failed) throw failed;
}
