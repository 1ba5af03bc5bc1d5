/** `nlkit address show` in ip's text (`-br` too) and JSON: each link, then its addresses. */
import type { Address } from '../api/addresses.js';
import type { RouteNetlink } from '../api/route-netlink.js';
import { statsJson, statsText } from './link-details.js';
import { familyColor, paint, stateColor } from './color.js';
import { fail, matches, refuse, unknownCommand } from './args.js';
import { parseAddress } from './address-parse.js';
import { briefJson, briefName, briefState, lookup, operstate, linkJson, linkRows, linkText, type LinkRow } from './link.js';
import { parseShowSelectors } from './show-filter.js';
import { ipJson } from './json.js';
import { objectUsage } from './usage.js';

export interface AddressOptions {
  json: boolean;
  pretty: boolean;
  brief: boolean;
  /** `-o`: one line per address, led by the link's index and name. */
  oneline?: boolean;
  details?: boolean;
  stats?: number;
  family: 'inet' | 'inet6' | undefined;
}

const scopes: Record<string, string> = { universe: 'global', site: 'site', link: 'link', host: 'host', nowhere: 'nowhere' };

/** ip's address flags in ip's order: `dynamic` stands for the absence of permanent; secondary is temporary in IPv6. */
const flagOrder = ['secondary', 'nodad', 'optimistic', 'dadfailed', 'homeaddress', 'deprecated', 'tentative', 'permanent', 'managetempaddr', 'noprefixroute', 'mcautojoin', 'stablePrivacy'];
const flagWords: Record<string, string> = {
  homeaddress: 'home', managetempaddr: 'mngtmpaddr', mcautojoin: 'autojoin', stablePrivacy: 'stable-privacy',
};

function flags(a: Address): string[] {
  const words: string[] = [];
  for (const f of flagOrder) {
    const set = a.flags.includes(f);
    if (f === 'permanent') {
      if (!set) words.push('dynamic');
    } else if (set) words.push(f === 'secondary' && a.family === 'inet6' ? 'temporary' : (flagWords[f] ?? f));
  }
  return words;
}

const lifetime = (s: number | undefined): string => (s === undefined || s === 0xffffffff ? 'forever' : `${s}sec`);

export function addressText(a: Address): string {
  const color = familyColor(a.family);
  let line = `    ${a.family} ${paint(color, a.local ?? a.address.split('/')[0]!)}`;
  line += a.peer !== undefined ? ` peer ${paint(color, a.peer)}/${a.prefixlen}` : `/${a.prefixlen}`;
  if (a.metric !== undefined) line += ` metric ${a.metric}`;
  if (a.broadcast !== undefined) line += ` brd ${a.broadcast}`;
  line += ` scope ${scopes[String(a.scope)] ?? a.scope} `;
  for (const f of flags(a)) line += `${f} `;
  if (a.family === 'inet' && a.label !== undefined) line = `${line}${a.label}`;
  return `${line}\n       valid_lft ${lifetime(a.validLifetime)} preferred_lft ${lifetime(a.preferredLifetime)}`;
}

function addressJson(a: Address): Record<string, unknown> {
  const o: Record<string, unknown> = { family: a.family, local: a.local ?? a.address.split('/')[0] };
  if (a.peer !== undefined) o.address = a.peer;
  o.prefixlen = a.prefixlen;
  if (a.metric !== undefined) o.metric = a.metric;
  if (a.broadcast !== undefined) o.broadcast = a.broadcast;
  o.scope = scopes[String(a.scope)] ?? a.scope;
  for (const f of flags(a)) o[f] = true;
  if (a.family === 'inet' && a.label !== undefined) o.label = a.label;
  o.valid_life_time = a.validLifetime ?? 0xffffffff;
  o.preferred_life_time = a.preferredLifetime ?? 0xffffffff;
  return o;
}

function shortHeader({ l, at, flags }: LinkRow): string {
  // iproute2 6.1 leaves the master out of this header.
  let line = `${l.ifindex}: ${paint('ifname', `${l.ifname}${at}: `)}<${flags.join(',')}> mtu ${l.mtu} `;
  const state = operstate(l);
  line += `state ${paint(stateColor(state), `${state} `)}`;
  if (l.txqlen !== undefined) line += `qlen ${l.txqlen}`;
  return line;
}

/** ip -j -br's entry for an address: local, the peer as `address` when there is one, and the prefix length. */
function briefAddressJson(a: Address): Record<string, unknown> {
  return { local: a.local ?? a.address.split('/')[0], ...(a.peer !== undefined ? { address: a.peer } : {}), prefixlen: a.prefixlen };
}

/** `address flush` with show's selectors (ip reads both with one parser): what they select is deleted. */
async function flush(rt: RouteNetlink, args: string[], options: AddressOptions): Promise<void> {
  if (args.length === 0) throw fail('Flush requires arguments.');
  const { dev, link, address: filter } = await parseShowSelectors(args, lookup(rt), false, options.family);
  const { rows } = await linkRows(rt, dev, link);
  const links = new Set(rows.map((r) => r.l.ifindex));
  const family = options.family ? { family: options.family } : {};
  // Deleting a primary IPv4 address takes its secondaries with it: list again until nothing matches.
  for (let round = 0; round < 16; round++) {
    const list = (await rt.addresses.list({ ...family, ...filter })).filter((a) => links.has(a.ifindex));
    if (list.length === 0) return;
    const results = await rt.addresses.deleteMany(list.map((a) => (a.peer !== undefined && a.local !== undefined ? { address: `${a.local}/${a.prefixlen}`, peer: a.peer, dev: a.ifindex } : { address: a.address, dev: a.ifindex })));
    const failed = results.find((e) => e !== null && (e as { code?: string }).code !== 'EADDRNOTAVAIL');
    if (failed) throw failed;
  }
}

export async function address(rt: RouteNetlink, verb: string | undefined, args: string[], given: AddressOptions, out: (line: string) => void): Promise<void> {
  let options = given;
  const v = verb ?? 'show';
  // ip's verbs in ip's order, each by any abbreviation.
  const write = matches(v, 'add') ? 'add' : matches(v, 'change') || v === 'chg' ? 'change' : matches(v, 'replace') ? 'replace' : matches(v, 'delete') ? 'delete' : undefined;
  if (write) return rt.addresses[write](parseAddress(args, write === 'delete', options.family, (line) => process.stderr.write(`${line}\n`)));
  if (matches(v, 'flush')) return flush(rt, args, options);
  if (!(matches(v, 'list') || matches(v, 'show') || matches(v, 'lst'))) {
    if (matches(v, 'help')) throw refuse(objectUsage.address!.trimEnd());
    throw unknownCommand(v, 'address');
  }
  const { dev, link: linkFilter, address: filter } = await parseShowSelectors(args, lookup(rt), false, options.family);
  const { rows: linked, byIndex, netnsNames } = await linkRows(rt, dev, linkFilter);
  // `to PREFIX` without -4 or -6 shows that prefix's family, as if it had been given.
  if (!options.family && filter.to !== undefined) options = { ...options, family: filter.to.includes(':') ? 'inet6' : 'inet' };
  // ip -6 lists links with an IPv6 dump, whose messages carry no qdisc, master or group; for one device it asks
  // for the whole link.
  const ipv6Header = options.family === 'inet6' && dev === undefined;
  const family = options.family ? { family: options.family } : {};
  const everyAddress = await rt.addresses.list(family);
  const filtered = Object.keys(filter).length > 0;
  const addresses = filtered ? await rt.addresses.list({ ...family, ...filter }) : everyAddress;
  const of = (ifindex: number) => addresses.filter((a) => a.ifindex === ifindex);
  // ip -j opens an object for each address of the family and fills it only if the selectors take the address.
  const key = (a: Address) => `${a.ifindex} ${a.address} ${a.peer ?? ''}`;
  const selected = new Set(addresses.map(key));
  const jsonOf = (ifindex: number, json: (a: Address) => Record<string, unknown>) =>
    everyAddress.filter((a) => a.ifindex === ifindex).map((a) => (selected.has(key(a)) ? json(a) : {}));
  // As ip's ipaddr_filter: a selector keeps the links with an address it selects, and those with no address at all.
  const rows = filtered ? linked.filter((r) => of(r.l.ifindex).length > 0 || (!options.family && !everyAddress.some((a) => a.ifindex === r.l.ifindex))) : linked;
  if (filter.label !== undefined) {
    // ip prints no link header when selecting by label: only the addresses.
    if (options.json || options.brief || options.oneline) throw refuse('"label" with -j, -br or -o is not supported by nlkit.');
    for (const row of rows) for (const a of of(row.l.ifindex)) out(addressText(a));
    return;
  }
  if (options.json) {
    const list = rows
      .filter((r) => !options.family || of(r.l.ifindex).length > 0)
      .map((r) => {
        if (options.brief) return { ...briefJson(r), addr_info: jsonOf(r.l.ifindex, briefAddressJson) };
        const o = linkJson(r, byIndex, { link: false, details: options.details });
        if (options.family) for (const k of ['link_type', 'address', 'broadcast']) delete o[k];
        if (ipv6Header) for (const k of ['qdisc', 'master', 'group']) delete o[k];
        const stats = options.stats && r.l.stats64 ? { stats64: statsJson(r.l.stats64, options.stats, r.raw.carrierChanges) } : {};
        return { ...o, addr_info: jsonOf(r.l.ifindex, addressJson), ...stats };
      });
    out(ipJson(list, options.pretty, options.details));
    return;
  }
  for (const row of rows) {
    const mine = of(row.l.ifindex);
    // With -4 or -6, ip shows only links with such addresses, under a short header.
    if (options.family && mine.length === 0) continue;
    if (options.brief) {
      const shown = (a: Address) => {
        const color = familyColor(a.family);
        return a.peer !== undefined ? `${paint(color, a.local ?? '')} peer ${paint(color, a.peer)}/${a.prefixlen} ` : `${paint(color, a.address.split('/')[0]!)}/${a.prefixlen} `;
      };
      out(`${briefName(row)}${briefState(row)}${mine.map(shown).join('')}`);
      continue;
    }
    if (options.oneline) {
      for (const a of mine) out(`${row.l.ifindex}: ${row.l.ifname}${addressText(a).replaceAll('\n', '\\')}`);
      continue;
    }
    // iproute2 6.1: with -4 the header keeps qdisc and group but loses the link/ line; with -6 it is shorter still.
    const header = ipv6Header
      ? shortHeader(row)
      : options.family ? linkText(row, byIndex, netnsNames, { link: false, details: options.details }).split('\n')[0]! : linkText(row, byIndex, netnsNames, { link: false, details: options.details });
    // ip -s puts a link's counters after its addresses.
    const stats = options.stats && row.l.stats64 ? [statsText(row.l.stats64, options.stats, row.raw.carrierChanges)] : [];
    out([header, ...mine.map(addressText), ...stats].join('\n'));
  }
}
