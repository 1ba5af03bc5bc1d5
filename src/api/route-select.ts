/**
 * The selectors of `ip route show` as a predicate over routes: prefixes matched `root` (the route lies inside),
 * `match` (the route covers it) or `exact`, and the route's own fields. `routes.list(selection.filter)` narrows the
 * dump in the kernel where it can; `selection.matches` is the rest, as ip's filter applies it.
 */
import { rtProtocol, rtScope } from '../families/route/route.js';
import { rtRoute } from '../families/route/generated/route.js';
import { parseIP } from '../schema/address-text.js';
import type { Route, RouteFilter, RouteType } from './routes.js';
import { tableNumber, type Family, type Table } from './values.js';

/** A prefix selector: `root` routes inside it, `match` routes that cover it, `exact` the prefix itself. */
export interface PrefixSelector {
  /** An address, a prefix, `default` (0/0), or `all`/`any` (everything). */
  prefix: string;
  how: 'root' | 'match' | 'exact';
}

/** What `ip route show|flush` selects by: every selector word of ip's, as fields. */
export interface RouteSelector {
  family?: Family;
  /** A table, or `all`; default main. */
  table?: Table | 'all';
  /** Only the kernel's cached (cloned) routes. */
  cloned?: boolean;
  tos?: number;
  protocol?: string | number;
  scope?: string | number;
  type?: RouteType | number;
  dev?: string | number;
  /** The input interface's index. */
  iif?: number;
  mark?: number;
  metric?: number;
  /** Routes through this gateway (a prefix matches gateways inside it). */
  via?: string;
  /** Routes whose preferred source lies in this prefix. */
  prefsrc?: string;
  realms?: number;
  to?: PrefixSelector;
  from?: PrefixSelector;
}

interface Bits {
  bytes: Uint8Array | undefined;
  /** The prefix length; -1 for `all`, which matches everything. */
  length: number;
}

function bits(text: string): Bits {
  if (text === 'all' || text === 'any') return { bytes: undefined, length: -1 };
  if (text === 'default') return { bytes: undefined, length: 0 };
  const [address, len] = text.split('/');
  const bytes = parseIP(address!);
  if (!bytes) throw new Error(`"${text}" is not a prefix`);
  return { bytes, length: len === undefined ? bytes.length * 8 : Number(len) };
}

/** Whether the first `n` bits of `a` and `b` agree (an absent address is all zeros). */
function sameBits(a: Uint8Array | undefined, b: Uint8Array | undefined, n: number): boolean {
  for (let i = 0; i < n; i++) {
    const x = a ? (a[i >> 3]! >> (7 - (i & 7))) & 1 : 0;
    const y = b ? (b[i >> 3]! >> (7 - (i & 7))) & 1 : 0;
    if (x !== y) return false;
  }
  return true;
}

/** An enum value by number, whether given by name or number. */
function code(entries: Readonly<Record<string, number>>, v: string | number): number {
  return typeof v === 'number' ? v : (entries[v] ?? Number(v));
}

/** A prefix of one family selects only that family's routes (`default` is of every family). */
const sameFamily = (p: Bits, r: Route) => p.bytes === undefined || (p.bytes.length === 4) === (r.family === 'inet');

/** The route's prefix as bytes and length (`default` is 0/0). */
function routeBits(text: string | undefined, raw: unknown, len: number): Uint8Array | undefined {
  if (typeof raw === 'string') return parseIP(raw);
  return text === undefined || text === 'default' || len === 0 ? undefined : parseIP(text.split('/')[0]!);
}

/** The dump filter and the predicate for a selector. */
export function selectRoutes(sel: RouteSelector): {
  filter: RouteFilter;
  /** Whether a route the kernel's filtered dump returned is selected (the part the kernel cannot filter). */
  matches(route: Route): boolean;
} {
  const table = sel.table ?? 'main';
  const family = sel.family ?? (table === 'all' ? undefined : 'inet');
  const filter: RouteFilter = {};
  if (family !== undefined) filter.family = family;
  if (table !== 'all') filter.table = table;
  if (sel.cloned) filter.cloned = true;
  if (sel.dev !== undefined) filter.dev = sel.dev;
  const tests: ((r: Route) => boolean)[] = [];
  const tableText = table === 'all' ? undefined : String(typeof table === 'number' ? table : tableNumber(table));
  if (tableText !== undefined) tests.push((r) => String(typeof r.table === 'number' ? r.table : tableNumber(r.table)) === tableText);
  tests.push((r) => ((r.flags >>> 0) & 0x200) !== 0 === (sel.cloned === true));
  if (sel.tos !== undefined) tests.push((r) => r.tos === sel.tos);
  if (sel.protocol !== undefined) {
    const want = code(rtProtocol.entries, sel.protocol);
    tests.push((r) => code(rtProtocol.entries, r.protocol) === want);
  }
  if (sel.scope !== undefined) {
    const want = code(rtScope.entries, sel.scope);
    tests.push((r) => code(rtScope.entries, r.scope) === want);
  }
  if (sel.type !== undefined) {
    const want = code(rtRoute.enums.rtmType.entries, sel.type);
    tests.push((r) => code(rtRoute.enums.rtmType.entries, r.type) === want);
  }
  if (sel.iif !== undefined) tests.push((r) => (r.iif ?? 0) === sel.iif);
  if (sel.mark !== undefined) tests.push((r) => (r.mark ?? 0) === sel.mark);
  if (sel.metric !== undefined) tests.push((r) => (r.priority ?? 0) === sel.metric);
  if (sel.realms !== undefined) tests.push((r) => ((r.raw.flow as number | undefined) ?? 0) === sel.realms);
  const addressTest = (prefix: string, value: (r: Route) => string | undefined) => {
    const p = bits(prefix);
    return (r: Route) => p.length < 0 || (sameFamily(p, r) && sameBits(parseIP(value(r) ?? '') ?? undefined, p.bytes, p.length));
  };
  if (sel.via !== undefined) {
    // As ip: a gateway of the other family (RTA_VIA) is matched in its own family, not the route's.
    const p = bits(sel.via);
    const gateway = addressTest(sel.via, (r) => r.gateway);
    tests.push((r) => {
      if (r.via === undefined || p.bytes === undefined) return gateway(r);
      const v = parseIP(r.via);
      return v !== undefined && v.length === p.bytes.length && sameBits(v, p.bytes, p.length);
    });
  }
  if (sel.prefsrc !== undefined) tests.push(addressTest(sel.prefsrc, (r) => r.prefsrc));
  for (const [which, s] of [['dst', sel.to], ['src', sel.from]] as const) {
    if (!s) continue;
    const p = bits(s.prefix);
    if (p.length < 0) continue;
    tests.push((r) => {
      if (!sameFamily(p, r)) return false;
      const len = (r.raw[`${which}Len`] as number | undefined) ?? 0;
      if (s.how !== 'match' && len < p.length) return false;
      if (s.how !== 'root' && len > p.length) return false;
      return sameBits(routeBits(r[which], r.raw[which], len), p.bytes, Math.min(len, p.length));
    });
  }
  return { filter, matches: (r) => tests.every((t) => t(r)) };
}
