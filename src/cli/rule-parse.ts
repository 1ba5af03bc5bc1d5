/**
 * `ip rule add|del` arguments read as iproute2 6.1's iprule_modify reads them: the same keywords and abbreviations,
 * ip's number and name tables, and each refusal in ip's words and exit status, before anything is sent.
 */
import { readFileSync } from 'node:fs';
import type { RuleAction, RuleFilter, RuleInput } from '../api/rules.js';
import { incomplete, integer, integer64, invarg, matches, refuse } from './args.js';
import { badName } from './link-parse.js';
import { prefix } from './inet-pton.js';
import { dsfield, ipProto, realms, routeProtocol, routeTable, routeType, tableValue } from './route-words.js';
import { objectUsage, UsageError } from './usage.js';

/** rtnl_group_a2n: `default`, a name of /etc/iproute2/group, or a number. */
function group(word: string): number | undefined {
  if (word === 'default') return 0;
  try {
    for (const line of readFileSync('/etc/iproute2/group', 'utf8').split('\n')) {
      const m = /^\s*(\d+)\s+(\S+)/.exec(line);
      if (m && m[2] === word) return Number(m[1]);
    }
  } catch {
    // No file: numbers only, as ip.
  }
  return integer(word);
}

/** sscanf("%hu-%hu"): a port or a range; undefined where ip says the range is invalid. */
function portRange(word: string): { start: number; end: number } | undefined {
  const m = /^\s*\+?(\d+)(?:-\s*\+?(\d+))?/.exec(word);
  if (!m) return undefined;
  // %hu keeps the low 16 bits of what it read.
  const start = Number(m[1]) & 0xffff;
  return { start, end: m[2] === undefined ? start : Number(m[2]) & 0xffff };
}

/** sscanf("%u-%u"): a UID range; undefined where ip says it is invalid. */
function uidRange(word: string): { start: number; end: number } | undefined {
  const m = /^\s*\+?(\d+)-\s*\+?(\d+)/.exec(word);
  if (!m || Number(m[1]) > 0xffffffff || Number(m[2]) > 0xffffffff) return undefined;
  return { start: Number(m[1]), end: Number(m[2]) };
}

/** ip's get_u32 (base 0, the whole word). */
const u32 = (word: string) => integer(word, { min: 0, max: 0xffffffff });

/** FR_ACT_* by the RTN_* number ip's rule types are read as (rtnl_rtntype_a2n): the ones the kernel acts on. */
const actionsByType: Partial<Record<number, RuleAction>> = { 1: 'table', 3: 'nop', 6: 'blackhole', 7: 'unreachable', 8: 'prohibit' };

/** ip's rule arguments → a RuleInput (`add`: the table is main unless an action or table is named). */
export function parseRule(args: string[], add: boolean, family: 'inet' | 'inet6' | undefined): RuleInput {
  const input: RuleInput = {};
  let tableOk = false;
  let l3mdev = false;
  let tid = 0;
  for (let i = 0; i < args.length; i++) {
    const w = args[i]!;
    const next = (): string => {
      if (++i >= args.length) throw incomplete();
      return args[i]!;
    };
    if (w === 'not') input.not = true;
    else if (w === 'from' || w === 'to') {
      const v = next();
      const p = prefix(v, family);
      input[w] = p === 'default' || p === 'all' || p === 'any' ? `${family === 'inet6' ? '::' : '0.0.0.0'}/0` : p;
    } else if (matches(w, 'preference') || matches(w, 'order') || matches(w, 'priority')) {
      const v = next();
      const n = u32(v);
      if (n === undefined) throw invarg('preference value is invalid\n', v);
      input.priority = n;
    } else if (w === 'tos' || matches(w, 'dsfield')) {
      const v = next();
      const n = dsfield(v);
      if (n === undefined) throw invarg('TOS value is invalid\n', v);
      input.tos = n;
    } else if (w === 'fwmark') {
      const v = next();
      const [mark, mask] = [v.slice(0, v.includes('/') ? v.indexOf('/') : undefined), v.includes('/') ? v.slice(v.indexOf('/') + 1) : undefined];
      const m = u32(mark);
      if (m === undefined) throw invarg('fwmark value is invalid\n', mark);
      input.fwmark = m;
      if (mask !== undefined) {
        const k = u32(mask);
        if (k === undefined) throw invarg('fwmask value is invalid\n', mask);
        input.fwmask = k;
      }
    } else if (matches(w, 'realms')) {
      const v = next();
      const n = realms(v);
      if (n === undefined) throw invarg('invalid realms\n', v);
      input.realms = n;
    } else if (matches(w, 'protocol')) {
      const v = next();
      const n = routeProtocol(v);
      if (n === undefined) throw invarg('"protocol" value is invalid\n', v);
      input.protocol = n;
    } else if (matches(w, 'tun_id')) {
      next();
      throw refuse('nlkit rule does not set "tun_id".');
    } else if (matches(w, 'table') || w === 'lookup') {
      const v = next();
      const n = routeTable(v);
      if (n === undefined) throw invarg('invalid table ID\n', v);
      tid = n;
      input.table = tableValue(n);
      tableOk = true;
    } else if (matches(w, 'suppress_prefixlength') || w === 'sup_pl') {
      const v = next();
      const n = integer(v);
      if (n === undefined || n < 0) throw invarg('suppress_prefixlength value is invalid\n', v);
      input.suppressPrefixlength = n;
    } else if (matches(w, 'suppress_ifgroup') || w === 'sup_group') {
      const v = next();
      const n = group(v);
      if (n === undefined) throw invarg('Invalid "suppress_ifgroup" value\n', v);
      input.suppressIfgroup = n >>> 0;
    } else if (w === 'dev' || w === 'iif' || w === 'oif') {
      const v = next();
      if (v === '' || Buffer.byteLength(v) >= 16 || /[/\s]/.test(v)) throw invarg(w === 'oif' ? '"oif" not a valid ifname' : '"iif"/"dev" not a valid ifname', v);
      if (w === 'oif') input.oif = v;
      else input.iif = v;
    } else if (w === 'l3mdev') {
      input.l3mdev = true;
      tableOk = true;
      l3mdev = true;
    } else if (w === 'uidrange') {
      const v = next();
      const r = uidRange(v);
      if (!r) throw invarg('invalid UID range\n', v);
      input.uidRange = r;
    } else if (w === 'nat' || matches(w, 'map-to')) {
      next();
      throw refuse('nlkit rule does not make NAT rules (ip: "route NAT is deprecated").');
    } else if (w === 'ipproto') {
      const v = next();
      const n = ipProto(v);
      if (n === undefined) throw invarg('Invalid "ipproto" value\n', v);
      input.ipProto = n;
    } else if (w === 'sport' || w === 'dport') {
      const v = next();
      const r = portRange(v);
      if (!r) throw invarg(w === 'sport' ? 'invalid port range\n' : 'invalid dport range\n', v);
      input[w] = r;
    } else {
      const t = w === 'type' ? next() : w;
      if (matches(t, 'help')) throw refuse(objectUsage.rule!.trimEnd());
      if (matches(t, 'goto')) {
        const v = next();
        const n = u32(v);
        if (n === undefined) throw invarg('invalid target\n', v);
        input.action = 'goto';
        input.goto = n;
      } else if (matches(t, 'nop')) input.action = 'nop';
      else {
        const n = routeType(t);
        if (n === undefined) throw invarg('Failed to parse rule type', t);
        const action = actionsByType[n];
        if (action === undefined) throw refuse(`nlkit rule does not send rule action ${n} ("${t}").`);
        input.action = action;
      }
      tableOk = true;
    }
  }
  // ip returns -EINVAL here: its exit status is 22.
  if (l3mdev && tid !== 0) throw new UsageError('table can not be specified for l3mdev rules', { status: 22, bare: true });
  if (!tableOk && add) input.table = 'main';
  return input;
}

/**
 * `ip rule show|list` selectors as iprule_list_flush_or_save reads them, in its order (abbreviations mean what they
 * mean to ip), into the library's filter; `family` is the dump's (inet unless -6), the one prefixes are read in.
 * ip reads `protocol` but filters only a flush by it.
 */
export function parseRuleShow(args: string[], family: 'inet' | 'inet6'): RuleFilter {
  const filter: RuleFilter = {};
  for (let i = 0; i < args.length; i++) {
    const w = args[i]!;
    const next = (): string => {
      if (++i >= args.length) throw incomplete();
      return args[i]!;
    };
    if (matches(w, 'preference') || matches(w, 'order') || matches(w, 'priority')) {
      const v = next();
      const n = u32(v);
      if (n === undefined) throw invarg('preference value is invalid\n', v);
      filter.priority = n;
    } else if (w === 'not') filter.not = true;
    else if (w === 'tos' || w === 'dsfield') {
      const v = next();
      const n = dsfield(v);
      if (n === undefined) throw invarg('TOS value is invalid\n', v);
      filter.tos = n;
    } else if (w === 'fwmark') {
      const v = next();
      const slash = v.indexOf('/');
      const mark = slash < 0 ? v : v.slice(0, slash);
      const m = u32(mark);
      if (m === undefined) throw invarg('fwmark value is invalid\n', mark);
      // ip compares the mark and the mask only when they are not 0.
      if (m) filter.fwmark = m;
      if (slash >= 0) {
        const k = u32(v.slice(slash + 1));
        if (k === undefined) throw invarg('fwmask value is invalid\n', v.slice(slash + 1));
        if (k) filter.fwmask = k;
      }
    } else if (w === 'dev' || w === 'iif' || w === 'oif') {
      const v = next();
      if (badName(v, 16)) throw invarg(w === 'oif' ? '"oif" not a valid ifname' : '"iif"/"dev" not a valid ifname', v);
      filter[w === 'oif' ? 'oif' : 'iif'] = v;
    } else if (w === 'l3mdev') filter.l3mdev = true;
    else if (w === 'uidrange') {
      const v = next();
      const r = uidRange(v);
      if (!r) throw invarg('invalid UID range\n', v);
      filter.uidRange = r;
    } else if (matches(w, 'tun_id')) {
      const v = next();
      const n = integer64(v);
      if (n === undefined) throw invarg('"tun_id" value is invalid\n', v);
      if (n) filter.tunId = n;
    } else if (matches(w, 'lookup') || matches(w, 'table')) {
      const v = next();
      const n = routeTable(v);
      if (n === undefined) throw invarg('table id value is invalid\n', v);
      if (n) filter.table = tableValue(n);
    } else if (matches(w, 'from') || matches(w, 'src')) filter.from = prefix(next(), family);
    else if (matches(w, 'protocol')) {
      const v = next();
      if (routeProtocol(v) === undefined && v !== 'all') throw invarg('invalid "protocol"\n', v);
    } else if (w === 'ipproto') {
      const v = next();
      const n = ipProto(v);
      if (n === undefined) throw invarg('Invalid "ipproto" value\n', v);
      if (n) filter.ipProto = n;
    } else if (w === 'sport' || w === 'dport') {
      const v = next();
      const r = portRange(v);
      if (!r) throw invarg(w === 'sport' ? 'invalid port range\n' : 'invalid dport range\n', v);
      if (r.start) filter[w] = r;
    } else filter.to = prefix(matches(w, 'dst') || matches(w, 'to') ? next() : w, family);
  }
  return filter;
}
