/**
 * Addresses (RTM_*ADDR): IPv4 and IPv6 with peer, broadcast, label, scope, flags, lifetimes and metric. An
 * address is written as a prefix, `'192.0.2.1/24'`; a point-to-point address gives its `peer` too.
 */
import { addressFamily as addressDecl, addressSchema } from '../families/route/index.js';
import type { NetlinkSocket } from '../socket/socket.js';
import type { Devices } from './devices.js';
import { addressPrefix, arrayOf, device, enumOf, family, ipv4, object, oneOf, prefix, record, text, u32, u8 } from './input.js';
import { ObjectApi, type Context, type ObjectKind, type Value } from './object.js';
import { canonicalAddress, familyName, familyNumber, parsePrefix, prefixContains, type Family } from './values.js';

/** An address to add, change or delete, as `ip address` takes it: `{ address: '192.0.2.1/24', dev: 'v0' }`. */
export interface AddressInput {
  /** `'192.0.2.1/24'`, `'2001:db8::1/64'` (IFA_LOCAL, and IFA_ADDRESS unless there is a peer). */
  address: string;
  dev: string | number;
  peer?: string;
  broadcast?: string;
  label?: string;
  scope?: string | number;
  /** IFA_F_* by name: 'nodad', 'noprefixroute', 'managetempaddr', … */
  flags?: string[];
  /** Seconds; omitted means forever. */
  validLifetime?: number;
  preferredLifetime?: number;
  metric?: number;
  proto?: number;
}

/** An address as the kernel reports it (RTM_NEWADDR), with names for its flags and scope. */
export interface Address {
  family: Family;
  ifindex: number;
  /** The local address with its prefix length: `'192.0.2.1/24'`. */
  address: string;
  local?: string;
  peer?: string;
  prefixlen: number;
  broadcast?: string;
  label?: string;
  scope: string | number;
  flags: (string | number)[];
  /** Seconds; 0xffffffff means forever. */
  validLifetime?: number;
  preferredLifetime?: number;
  metric?: number;
  proto?: number;
  raw: Value;
}

/** What list, stream and watch narrow addresses by. */
export interface AddressFilter {
  family?: Family;
  dev?: string | number;
  /** The label, or a shell pattern for it (`'v0:*'`), as `ip address show label` takes it. */
  label?: string;
  scope?: string | number;
  /** Addresses inside this prefix (`ip address show to PREFIX`); an address without a length is matched whole. */
  to?: string;
  /** IFA_F_* flags that must be set (true) or clear (false): `{ permanent: false }` is ip's `dynamic`. */
  flags?: Partial<Record<string, boolean>>;
}

/** A shell pattern (fnmatch without flags: `*`, `?`, `[…]`) as a regular expression. */
function globPattern(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[' && glob.indexOf(']', i + 2) > 0) {
      const end = glob.indexOf(']', i + 2);
      const body = glob.slice(i + 1, end);
      re += `[${body[0] === '!' ? `^${body.slice(1)}` : body}]`.replace(/\\/g, '\\\\');
      i = end;
    } else re += c.replace(/[.+^${}()|\\\]\[]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's');
}

const patterns = new Map<string, RegExp>();
const labelMatches = (label: string | undefined, glob: string) => {
  let re = patterns.get(glob);
  if (!re) patterns.set(glob, (re = globPattern(glob)));
  return label !== undefined && re.test(label);
};

function addressMatches(a: Address, f: AddressFilter): boolean {
  if (f.label !== undefined && !labelMatches(a.label, f.label)) return false;
  if (f.scope !== undefined && a.scope !== f.scope) return false;
  if (f.to !== undefined && !prefixContains(f.to, a.local ?? a.address.slice(0, a.address.lastIndexOf('/')), 'to', f.family)) return false;
  if (f.flags) for (const [name, on] of Object.entries(f.flags)) if (on !== undefined && a.flags.includes(name) !== on) return false;
  return true;
}

const FOREVER = 0xffffffff;

const scope = enumOf(addressDecl.enums.rtScope, [0, 255]);
const addressInput = record({
  address: addressPrefix, dev: device, peer: addressPrefix, broadcast: ipv4, label: text(15, 1), scope,
  flags: arrayOf(oneOf(Object.keys(addressDecl.enums.ifaFlags.entries))), validLifetime: u32, preferredLifetime: u32, metric: u32, proto: u8,
}, ['address', 'dev']);
const addressFilter = record({ family: family(['unspec', 'inet', 'inet6']), dev: device, label: text(255, 1), scope, to: prefix, flags: object });

function addressMessage(input: AddressInput, ctx: Context): Value {
  const p = parsePrefix(input.address, 'address');
  const v: Value = { family: familyNumber(p.family), prefixlen: p.length, ifaFlags: 0, scope: input.scope ?? 'universe', index: ctx.ifindex(input.dev, 'dev') };
  v.local = p.address;
  v.address = input.peer !== undefined ? parsePrefix(input.peer, 'peer').address : p.address;
  if (input.broadcast !== undefined) v.broadcast = input.broadcast;
  if (input.label !== undefined) v.label = input.label;
  if (input.flags?.length) v.flags = input.flags;
  if (input.validLifetime !== undefined || input.preferredLifetime !== undefined) {
    const valid = input.validLifetime ?? FOREVER;
    v.cacheinfo = { ifaPrefered: input.preferredLifetime ?? valid, ifaValid: valid, cstamp: 0, tstamp: 0 };
  }
  if (input.metric !== undefined) v.rtPriority = input.metric;
  if (input.proto !== undefined) v.proto = input.proto;
  return v;
}

export function addressFromMessage(m: Value): Address {
  const local = (m.local ?? m.address) as string | undefined;
  const a: Address = {
    family: familyName(m.family as number),
    ifindex: m.index as number,
    address: `${local}/${m.prefixlen as number}`,
    prefixlen: m.prefixlen as number,
    scope: m.scope as string | number,
    flags: (m.flags as (string | number)[] | undefined) ?? [],
    raw: m,
  };
  if (m.local !== undefined) a.local = m.local as string;
  if (m.local !== undefined && m.address !== undefined && m.address !== m.local) a.peer = m.address as string;
  if (m.broadcast !== undefined) a.broadcast = m.broadcast as string;
  if (m.label !== undefined) a.label = m.label as string;
  const ci = m.cacheinfo as { ifaValid: number; ifaPrefered: number } | undefined;
  if (ci) {
    a.validLifetime = ci.ifaValid;
    a.preferredLifetime = ci.ifaPrefered;
  }
  if (m.rtPriority !== undefined) a.metric = m.rtPriority as number;
  if (m.proto !== undefined) a.proto = m.proto as number;
  return a;
}

export const addressKind: ObjectKind<Address, AddressInput, AddressFilter> = {
  name: 'address',
  schema: addressSchema,
  messages: { new: 'newaddr', del: 'deladdr', get: 'getaddr' },
  input: addressInput,
  filter: addressFilter,
  devices: (input) => [input.dev],
  toMessage: addressMessage,
  // As ip's `address del ADDR` without a length: an IPv4 address alone deletes it whatever its prefix length (the
  // kernel matches the prefix only when IFA_ADDRESS is sent).
  toDeleteMessage: (input, ctx) => {
    const v = addressMessage(input, ctx);
    if (!input.address.includes('/') && input.peer === undefined && v.family === 2) delete v.address;
    return v;
  },
  fromMessage: addressFromMessage,
  devicesOfFilter: (f) => [f.dev],
  dumpRequest(filter, ctx) {
    const v: Value = { family: familyNumber(filter.family) };
    if (filter.dev !== undefined) v.index = ctx.ifindex(filter.dev, 'dev');
    return v;
  },
  // IPv4 has no get request for addresses, and IPv6's needs the exact local address: both are found in a dump. A
  // key without a prefix length matches the address whatever its length.
  getFromDump(key, ctx) {
    const p = parsePrefix(key.address, 'address');
    const local = canonicalAddress(p.address);
    const anyLength = !key.address.includes('/');
    const peer = key.peer === undefined ? undefined : canonicalAddress(parsePrefix(key.peer, 'peer').address);
    const filter: AddressFilter = { family: p.family };
    if (key.dev !== undefined) filter.dev = ctx.ifindex(key.dev, 'dev');
    return { filter, matches: (a) => a.address.slice(0, a.address.lastIndexOf('/')) === local && (anyLength || a.prefixlen === p.length) && (peer === undefined || a.peer === peer) };
  },
  matches: addressMatches,
};

/** IPv4 and IPv6 addresses (RTM_*ADDR): `rt.addresses`. */
export class Addresses extends ObjectApi<Address, AddressInput, AddressFilter> {
  constructor(socket: NetlinkSocket, devices: Devices) {
    super(addressKind, socket, devices);
  }
}
