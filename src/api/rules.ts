/**
 * Policy routing rules (RTM_*RULE): IPv4/IPv6, priority, selectors (from, to, iif, oif, fwmark/mask, uid range,
 * ipproto, port ranges, dscp/tos) and actions (table, goto, blackhole, unreachable, prohibit, nop). Rules have no
 * replace in the kernel, so `replace` and `change` are refused rather than silently adding a duplicate.
 */
import { linkSchema, ruleFamily, ruleSchema } from '../families/route/index.js';
import { parseIP } from '../schema/address-text.js';
import { SchemaError } from '../schema/codec.js';
import type { BatchResult, NetlinkSocket } from '../socket/socket.js';
import { NetlinkError } from '../wire/errors.js';
import type { Devices } from './devices.js';
import { boolean, byType, enumOf, family, integer, oneOf, prefix, record, table as tableCheck, text, u16, u32, u64, u8 } from './input.js';
import { ObjectApi, type BulkOptions, type CallOptions, type ObjectKind, type Value, type WriteMode } from './object.js';
import { addressFamily, familyName, familyNumber, formatPrefix, parsePrefix, tableName, tableNumber, type Family, type Table } from './values.js';

/** What a rule does with a matching packet (FR_ACT_*), by name. */
export type RuleAction = 'table' | 'goto' | 'nop' | 'blackhole' | 'unreachable' | 'prohibit';

/** An inclusive range (ports, uids), as a rule matches it. */
export interface Range {
  start: number;
  end: number;
}

/** A policy routing rule to add or delete, as `ip rule` takes it. */
export interface RuleInput {
  family?: Family;
  priority?: number;
  from?: string;
  to?: string;
  /** A device name (it need not exist yet) or an ifindex. */
  iif?: string | number;
  oif?: string | number;
  fwmark?: number;
  fwmask?: number;
  uidRange?: Range;
  /** 'tcp', 'udp', … or a protocol number. */
  ipProto?: IpProto | number;
  sport?: Range | number;
  dport?: Range | number;
  dscp?: number;
  tos?: number;
  /** Default action 'table' when a table is given. */
  action?: RuleAction;
  table?: Table;
  /** For action 'goto': the priority of the rule to go to. */
  goto?: number;
  suppressPrefixlength?: number;
  suppressIfgroup?: number;
  protocol?: string | number;
  /** Invert the selectors (`ip rule add not …`). */
  not?: boolean;
  /** FRA_FLOW: the route realms to match, source realm in the high 16 bits. */
  realms?: number;
  /** FRA_L3MDEV: look up the table of the packet's L3 master device (VRF) rather than a table. */
  l3mdev?: boolean;
}

/** A rule as the kernel reports it (RTM_NEWRULE). */
export interface Rule {
  family: Family;
  priority?: number;
  from?: string;
  to?: string;
  iif?: string;
  oif?: string;
  fwmark?: number;
  fwmask?: number;
  uidRange?: Range;
  ipProto?: IpProto | number;
  sport?: Range;
  dport?: Range;
  dscp?: number;
  tos: number;
  action: RuleAction | number;
  table?: Table;
  goto?: number;
  suppressPrefixlength?: number;
  suppressIfgroup?: number;
  protocol?: string | number;
  not: boolean;
  /** FRA_FLOW: the realms matched, source realm in the high 16 bits. */
  realms?: number;
  /** FRA_L3MDEV: the rule looks up the L3 master device's table. */
  l3mdev?: boolean;
  raw: Value;
}

/** What list, stream and watch narrow rules by: the selectors of `ip rule show`, each as ip compares it. */
export interface RuleFilter {
  family?: Family;
  table?: Table;
  /** The rule's priority (0 for the rule that has none). */
  priority?: number;
  /** The TOS (DS field) byte a rule matches, as `ip rule show tos|dsfield` selects. */
  tos?: number;
  /** Only inverted (`not`) rules. */
  not?: boolean;
  /** Rules of the prefix's family whose source is inside it: as long or longer, the prefix's bits first. */
  from?: string;
  /** The same for the destination. */
  to?: string;
  /** The mark the rule matches (0 when it has none). */
  fwmark?: number;
  /** The mark's mask (0 when the rule has none). */
  fwmask?: number;
  iif?: string;
  oif?: string;
  /** Only rules that look up the L3 master device's table. */
  l3mdev?: boolean;
  uidRange?: Range;
  /** The IP protocol the rule matches (0 when it matches any). */
  ipProto?: IpProto | number;
  sport?: Range;
  dport?: Range;
  /** FRA_TUN_ID, the tunnel id the rule matches. */
  tunId?: bigint;
}

/** IPPROTO_* (linux/in.h) of the protocols rules match ports or types of. */
const ipProtos = { icmp: 1, tcp: 6, udp: 17, dccp: 33, gre: 47, esp: 50, ah: 51, 'ipv6-icmp': 58, sctp: 132, udplite: 136 } as const;
/** An IP protocol a rule can match, by name (`ipproto tcp`); numbers are accepted too. */
export type IpProto = keyof typeof ipProtos;
const ipProtoNames = new Map<number, IpProto>(Object.entries(ipProtos).map(([k, v]) => [v, k as IpProto]));

function ipProtoNumber(p: IpProto | number): number {
  if (typeof p === 'number') return p;
  const n = (ipProtos as Record<string, number | undefined>)[p];
  if (n === undefined) throw new SchemaError('ipProto', `unknown IP protocol "${p}" (a number, or one of ${Object.keys(ipProtos).join(', ')})`);
  return n;
}

function ifname(dev: string | number, path: string): string {
  if (typeof dev === 'string') return dev;
  throw new SchemaError(path, `no device with ifindex ${dev}`);
}

const FIB_RULE_INVERT = 2;
const ENOENT = 2;
const actionToKernel: Record<RuleAction, string> = { table: 'toTbl', goto: 'goto', nop: 'nop', blackhole: 'blackhole', unreachable: 'unreachable', prohibit: 'prohibit' };
const actionFromKernel = new Map<string, RuleAction>(Object.entries(actionToKernel).map(([k, v]) => [v, k as RuleAction]));

const rangeOf = (n: typeof u16) => record({ start: n, end: n }, ['start', 'end']);
const ports = byType({ number: u16, object: rangeOf(u16) }, 'a port or a { start, end } range');
const ruleInput = record({
  family: family(['inet', 'inet6']), priority: u32, from: prefix, to: prefix,
  // FRA_IIFNAME/OIFNAME: a name of at most IFNAMSIZ - 1 bytes (it need not exist yet), or an ifindex.
  iif: byType({ string: text(15, 1), number: integer(1, 0x7fffffff) }, 'a device name or ifindex'),
  oif: byType({ string: text(15, 1), number: integer(1, 0x7fffffff) }, 'a device name or ifindex'),
  fwmark: u32, fwmask: u32, uidRange: rangeOf(u32), ipProto: oneOf(Object.keys(ipProtos), [0, 255]), sport: ports, dport: ports,
  dscp: integer(0, 63), tos: u8, action: oneOf(Object.keys(actionToKernel)), table: tableCheck, goto: u32,
  suppressPrefixlength: integer(0, 128), suppressIfgroup: u32, protocol: enumOf(ruleFamily.enums.rtProtocol, [0, 255]), not: boolean,
  realms: u32, l3mdev: boolean,
});
const ruleFilter = record({
  family: family(['unspec', 'inet', 'inet6']), table: tableCheck, priority: u32, tos: u8, not: boolean, from: prefix, to: prefix,
  fwmark: u32, fwmask: u32, iif: text(15, 1), oif: text(15, 1), l3mdev: boolean, uidRange: rangeOf(u32),
  ipProto: oneOf(Object.keys(ipProtos), [0, 255]), sport: rangeOf(u16), dport: rangeOf(u16), tunId: u64,
});

/** iprule.c's filter_nlmsg for a source or destination: inet_addr_match_rta over the prefix's bits. */
function inside(selector: string, address: unknown, length: number, family: number): boolean {
  // The whole address space (ip reads these words as a prefix of length 0 in the family it dumps).
  if (selector === 'default' || selector === 'all' || selector === 'any') return true;
  const [a, l] = selector.split('/');
  const want = parseIP(a!);
  if (!want || (want.length === 16) !== (family === 10)) return false;
  const bits = l === undefined ? want.length * 8 : Number(l);
  if (bits > length) return false;
  // ip takes a rule without the attribute (or a selector of length 0) as matching.
  const have = typeof address === 'string' ? parseIP(address) : undefined;
  if (!have || bits === 0) return true;
  for (let i = 0; i < bits; i++) if (((want[i >> 3]! ^ have[i >> 3]!) >> (7 - (i & 7))) & 1) return false;
  return true;
}

const sameRange = (want: Range | undefined, have: Range | undefined) =>
  want === undefined || (have !== undefined && have.start === want.start && have.end === want.end);

/** FRA_TUN_ID is big-endian on the wire; the declaration reads it as a host u64. */
function tunnelId(v: unknown): bigint | undefined {
  if (typeof v !== 'bigint') return undefined;
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(v);
  return b.readBigUInt64BE();
}

function ruleMatches(r: Rule, f: RuleFilter): boolean {
  const m = r.raw;
  const fam = m.family as number;
  return (f.table === undefined || r.table === tableName(tableNumber(f.table))) && (f.priority === undefined || (r.priority ?? 0) === f.priority) &&
    (f.tos === undefined || r.tos === f.tos) && (!f.not || r.not) &&
    (f.from === undefined || inside(f.from, m.src, m.srcLen as number, fam)) && (f.to === undefined || inside(f.to, m.dst, m.dstLen as number, fam)) &&
    (f.fwmark === undefined || (r.fwmark ?? 0) === f.fwmark) && (f.fwmask === undefined || (r.fwmask ?? 0) === f.fwmask) &&
    (f.iif === undefined || r.iif === f.iif) && (f.oif === undefined || r.oif === f.oif) && (!f.l3mdev || r.l3mdev === true) &&
    sameRange(f.uidRange, r.uidRange) && (f.ipProto === undefined || ipProtoNumber(r.ipProto ?? 0) === ipProtoNumber(f.ipProto)) &&
    sameRange(f.sport, r.sport) && sameRange(f.dport, r.dport) && (f.tunId === undefined || tunnelId(m.tunId) === f.tunId);
}

const range = (r: Range | number): Range => (typeof r === 'number' ? { start: r, end: r } : r);

/**
 * The kernel finds the rule to delete by the fields a request sets, so a delete names an action only when the
 * caller implies one: `delete({ priority: 100 })` removes the rule at 100 whatever it does.
 */
function ruleMessage(input: RuleInput, del = false): Value {
  const family = input.family ?? [input.from, input.to].map((a) => (a ? addressFamily(a.split('/')[0]!) : undefined)).find((f) => f) ?? 'inet';
  // As `ip rule add`: a rule that names no action looks up a table, main unless told.
  const action = input.action ?? (input.goto !== undefined ? 'goto' : input.table !== undefined || !del ? 'table' : undefined);
  const table = input.table ?? (action === 'table' && !del && !input.l3mdev ? 'main' : undefined);
  const v: Value = {
    family: familyNumber(family),
    dstLen: 0,
    srcLen: 0,
    tos: input.tos ?? 0,
    frhTable: 0,
    action: action === undefined ? 'unspec' : actionToKernel[action],
    flags: input.not ? FIB_RULE_INVERT : 0,
  };
  if (input.from !== undefined) {
    const p = parsePrefix(input.from, 'from', family);
    v.srcLen = p.length;
    if (p.length) v.src = p.address;
  }
  if (input.to !== undefined) {
    const p = parsePrefix(input.to, 'to', family);
    v.dstLen = p.length;
    if (p.length) v.dst = p.address;
  }
  if (table !== undefined) {
    const t = tableNumber(table);
    if (t < 256) v.frhTable = t;
    v.table = t;
  }
  if (input.priority !== undefined) v.priority = input.priority;
  if (input.iif !== undefined) v.iifname = ifname(input.iif, 'iif');
  if (input.oif !== undefined) v.oifname = ifname(input.oif, 'oif');
  if (input.fwmark !== undefined) v.fwmark = input.fwmark;
  if (input.fwmask !== undefined) v.fwmask = input.fwmask;
  if (input.uidRange !== undefined) v.uidRange = input.uidRange;
  if (input.ipProto !== undefined) v.ipProto = ipProtoNumber(input.ipProto);
  if (input.sport !== undefined) v.sportRange = range(input.sport);
  if (input.dport !== undefined) v.dportRange = range(input.dport);
  if (input.dscp !== undefined) v.dscp = input.dscp;
  if (input.goto !== undefined) v.goto = input.goto;
  if (input.suppressPrefixlength !== undefined) v.suppressPrefixlen = input.suppressPrefixlength;
  if (input.suppressIfgroup !== undefined) v.suppressIfgroup = input.suppressIfgroup;
  if (input.protocol !== undefined) v.protocol = input.protocol;
  if (input.realms !== undefined) v.flow = input.realms;
  if (input.l3mdev) v.l3mdev = 1;
  return v;
}

export function ruleFromMessage(m: Value): Rule {
  const family = m.family as number;
  const r: Rule = {
    family: familyName(family),
    tos: m.tos as number,
    action: actionFromKernel.get(m.action as string) ?? (m.action as number),
    not: ((m.flags as number) & FIB_RULE_INVERT) !== 0,
    raw: m,
  };
  if (m.priority !== undefined) r.priority = m.priority as number;
  if ((m.srcLen as number) > 0) r.from = formatPrefix(m.src as string, m.srcLen as number, family);
  if ((m.dstLen as number) > 0) r.to = formatPrefix(m.dst as string, m.dstLen as number, family);
  if (m.iifname !== undefined) r.iif = m.iifname as string;
  if (m.oifname !== undefined) r.oif = m.oifname as string;
  if (m.fwmark !== undefined) r.fwmark = m.fwmark as number;
  if (m.fwmask !== undefined) r.fwmask = m.fwmask as number;
  if (m.uidRange !== undefined) r.uidRange = m.uidRange as Range;
  if (m.ipProto !== undefined) r.ipProto = ipProtoNames.get(m.ipProto as number) ?? (m.ipProto as number);
  if (m.sportRange !== undefined) r.sport = m.sportRange as Range;
  if (m.dportRange !== undefined) r.dport = m.dportRange as Range;
  if (m.dscp !== undefined) r.dscp = m.dscp as number;
  const table = (m.table as number | undefined) ?? (m.frhTable as number);
  if (table) r.table = tableName(table);
  if (m.goto !== undefined) r.goto = m.goto as number;
  if (m.suppressPrefixlen !== undefined) r.suppressPrefixlength = m.suppressPrefixlen as number;
  if (m.suppressIfgroup !== undefined) r.suppressIfgroup = m.suppressIfgroup as number;
  if (m.protocol !== undefined) r.protocol = m.protocol as string | number;
  if (m.flow !== undefined) r.realms = m.flow as number;
  if (m.l3mdev) r.l3mdev = true;
  return r;
}

export const ruleKind: ObjectKind<Rule, RuleInput, RuleFilter> = {
  name: 'rule',
  schema: ruleSchema,
  messages: { new: 'newrule', del: 'delrule', get: 'getrule' },
  input: ruleInput,
  filter: ruleFilter,
  toMessage: (input) => ruleMessage(input),
  toDeleteMessage: (input) => ruleMessage(input, true),
  fromMessage: ruleFromMessage,
  dumpRequest: (filter) => ({ family: familyNumber(filter.family), dstLen: 0, srcLen: 0, tos: 0, frhTable: 0, action: 'unspec', flags: 0 }),
  matches: ruleMatches,
};

/** The kernel has no replace for rules: NLM_F_REPLACE is ignored and a second, identical rule is added. */
function refuseReplace(mode: WriteMode | undefined): void {
  if (mode === 'replace' || mode === 'change') {
    throw new SchemaError('mode', `rules cannot be replaced or changed in place (the kernel would add a duplicate); delete the rule and add it again`);
  }
}

/** Policy routing rules (RTM_*RULE): `rt.rules`. The kernel has no replace or change for rules, nor get. */
export class Rules extends ObjectApi<Rule, RuleInput, RuleFilter> {
  constructor(socket: NetlinkSocket, devices: Devices) {
    super(ruleKind, socket, devices);
  }

  /** Add a rule (mode `add` or `append`; `replace` and `change` are refused, as the kernel has none). */
  override async write(input: RuleInput, mode: WriteMode, options: CallOptions = {}, extraFlags?: number): Promise<void> {
    this.checkInput(input, options);
    refuseReplace(mode);
    const [named] = await this.named([input], options);
    return super.write(named!, mode, options, extraFlags);
  }

  /**
   * The first rule (in priority order) that has every field the key gives: the kernel has no get for rules, so
   * this reads the key's family. Rejects with ENOENT if none matches.
   */
  override async get(key: RuleInput, options: CallOptions = {}): Promise<Rule> {
    this.checkInput(key, options);
    const [named] = await this.named([key], options);
    const k = named!;
    const want = ruleFromMessage(ruleMessage(k, true));
    const same = (a: unknown, b: unknown) =>
      a === b || (typeof a === 'object' && typeof b === 'object' && (a as Range).start === (b as Range).start && (a as Range).end === (b as Range).end);
    const fields = (['priority', 'from', 'to', 'iif', 'oif', 'fwmark', 'fwmask', 'uidRange', 'ipProto', 'sport', 'dport', 'dscp', 'table', 'goto', 'suppressPrefixlength', 'suppressIfgroup', 'protocol'] as const)
      .filter((f) => want[f] !== undefined);
    const explicitAction = k.action !== undefined || k.goto !== undefined || k.table !== undefined;
    for await (const batch of this.batches({ family: want.family }, options)) {
      for (const r of batch) {
        if (fields.every((f) => same(r[f], want[f])) && (!explicitAction || r.action === want.action) && (!k.not || r.not) && (!k.tos || r.tos === k.tos)) return r;
      }
    }
    throw new NetlinkError(ENOENT, { message: 'no rule has every field of the key' }, 'rule');
  }

  /** Delete the first rule that matches the key, as `ip rule del` does. */
  override async delete(key: RuleInput, options: CallOptions = {}): Promise<void> {
    this.checkInput(key, options);
    const [named] = await this.named([key], options);
    return super.delete(named!, options);
  }

  override async addMany(inputs: readonly RuleInput[], options: BulkOptions & { mode?: WriteMode } = {}): Promise<(BatchResult | SchemaError)[]> {
    refuseReplace(options.mode);
    return super.addMany(await this.named(inputs, options), options);
  }

  /** delete for many rules at once, one result per item. */
  override async deleteMany(inputs: readonly RuleInput[], options: BulkOptions = {}): Promise<(BatchResult | SchemaError)[]> {
    return super.deleteMany(await this.named(inputs, options), options);
  }

  /** Rules carry device names (FRA_IIFNAME/OIFNAME), so an ifindex is looked up first: one get each, or one dump. */
  private async named(inputs: readonly RuleInput[], options: CallOptions = {}): Promise<readonly RuleInput[]> {
    const indexes = new Set<number>();
    // Items are checked one by one later (one result per bulk item): skip what is not even an object here.
    const items = inputs.filter((i) => typeof i === 'object' && i !== null);
    for (const i of items) for (const d of [i.iif, i.oif]) if (typeof d === 'number') indexes.add(d);
    if (indexes.size === 0) return inputs;
    const names = new Map<number, string>();
    if (indexes.size > 8) {
      for (const [name, index] of await this.devices.all(options)) names.set(index, name);
    } else {
      await Promise.all([...indexes].map(async (index) => {
        const name = await this.ifnameOf(index, options);
        if (name !== undefined) names.set(index, name);
      }));
    }
    // An index with no device stays a number, so encoding fails for that item alone (one result per bulk item).
    const name = (dev: string | number): string | number => (typeof dev === 'number' ? (names.get(dev) ?? dev) : dev);
    return inputs.map((i) => {
      if (typeof i !== 'object' || i === null) return i;
      const out: RuleInput = { ...i };
      if (i.iif !== undefined) out.iif = name(i.iif);
      if (i.oif !== undefined) out.oif = name(i.oif);
      return out;
    });
  }

  private async ifnameOf(index: number, options: CallOptions): Promise<string | undefined> {
    const { bytes } = linkSchema.encodeMessage('getlink', { index, extMask: 0 });
    try {
      const [reply] = await this.socket.request(bytes, options);
      return reply ? (linkSchema.decodeBody('getlinkReply', reply.buf, reply.payload, reply.offset + reply.length, reply.view).ifname as string) : undefined;
    } catch (e) {
      if (e instanceof NetlinkError && e.code === 'ENODEV') return undefined;
      throw e;
    }
  }
}
