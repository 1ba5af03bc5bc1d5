/**
 * Values as people write them, and back: address families by name, prefixes as `'192.0.2.0/24'`, routing
 * tables by name. Numbers stay accepted everywhere, so the raw kernel form is always one step away.
 */
import { BlockList } from 'node:net';
import { formatIPv4, formatIPv6, parseIP } from '../schema/address-text.js';
import { SchemaError } from '../schema/codec.js';

/** AF_* numbers (linux/socket.h) of the families netlink route objects use. */
const families = { unspec: 0, inet: 2, bridge: 7, inet6: 10, mpls: 28 } as const;

/** An address family by name: `inet`, `inet6`, …. */
export type FamilyName = keyof typeof families;
/** An address family by name or AF_* number. */
export type Family = FamilyName | number;

const familyNames = new Map<number, FamilyName>(Object.entries(families).map(([k, v]) => [v, k as FamilyName]));

export function familyNumber(family: Family | undefined, path = 'family'): number {
  if (family === undefined) return 0;
  if (typeof family === 'number') return family;
  const n = (families as Record<string, number | undefined>)[family];
  if (n === undefined) throw new SchemaError(path, `unknown address family "${family}" (expected one of ${Object.keys(families).join(', ')})`);
  return n;
}

export function familyName(n: number): Family {
  if (n === 2) return 'inet';
  if (n === 10) return 'inet6';
  return familyNames.get(n) ?? n;
}

/** RT_TABLE_* (linux/rtnetlink.h). */
const tables = { unspec: 0, compat: 252, default: 253, main: 254, local: 255 } as const;
const tableNames = new Map<number, string>(Object.entries(tables).map(([k, v]) => [v, k]));

/** A routing table by name (`main`, `local`, `default`) or number. */
export type Table = keyof typeof tables | number;

export function tableNumber(table: Table | string, path = 'table'): number {
  if (typeof table === 'number') return table;
  const n = (tables as Record<string, number | undefined>)[table];
  if (n !== undefined) return n;
  if (/^\d+$/.test(table)) return Number(table);
  throw new SchemaError(path, `unknown routing table "${table}" (a number, or one of ${Object.keys(tables).join(', ')})`);
}

export function tableName(n: number): Table {
  if (n === 254) return 'main';
  return (tableNames.get(n) as Table | undefined) ?? n;
}

/** An address and prefix length, parsed from `'10.0.0.0/24'`. */
export interface Prefix {
  address: string;
  length: number;
  family: 'inet' | 'inet6';
}

/** `'10.0.0.0/8'`, `'2001:db8::/32'`, a bare address (a host prefix), or `'default'` (with a family). */
export function parsePrefix(text: string, path: string, family?: Family): Prefix {
  if (text === 'default' || text === 'any' || text === 'all') {
    const f = family === undefined ? 'inet' : familyName(familyNumber(family, path));
    if (f !== 'inet' && f !== 'inet6') throw new SchemaError(path, `"${text}" needs the family inet or inet6`);
    return { address: f === 'inet' ? '0.0.0.0' : '::', length: 0, family: f };
  }
  const slash = text.indexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  const f = addressFamily(address);
  if (!f) throw new SchemaError(path, `"${text}" is not an IPv4 or IPv6 prefix`);
  const max = f === 'inet' ? 32 : 128;
  let length = max;
  if (slash >= 0) {
    length = 0;
    const end = text.length;
    for (let i = slash + 1; i < end; i++) {
      const c = text.charCodeAt(i);
      length = c >= 48 && c <= 57 && i - slash <= 3 ? length * 10 + (c - 48) : NaN;
    }
    if (!(length <= max) || end === slash + 1) throw new SchemaError(path, `prefix length "${text.slice(slash + 1)}" in "${text}" is not 0 to ${max}`);
  }
  return { address, length, family: f };
}

export function formatPrefix(address: string | undefined, length: number, family: number): string {
  if (address === undefined) return length === 0 ? 'default' : family === 10 ? `::/${length}` : `0.0.0.0/${length}`;
  const full = family === 10 ? 128 : 32;
  return length === full ? address : `${address}/${length}`;
}

/** 'inet' for dotted quads, 'inet6' for anything with a colon, else undefined. */
export function addressFamily(address: string): 'inet' | 'inet6' | undefined {
  if (address.includes(':')) return 'inet6';
  const c = address.charCodeAt(0);
  // The encoder checks the full form; a leading digit is enough to tell the family.
  return c >= 48 && c <= 57 && address.includes('.') ? 'inet' : undefined;
}

/**
 * Whether `address` lies inside `prefix` ('192.0.2.0/24'; without a length, the address itself), same family.
 * `default` (`any`, `all`) is the /0 of `family`, IPv4 when none is given, as `ip … to default` reads it.
 */
export function prefixContains(prefix: string, address: string, path = 'to', family?: Family): boolean {
  const p = parsePrefix(prefix, path, family === 'inet6' || family === 10 ? 'inet6' : undefined);
  const type = p.family === 'inet6' ? 'ipv6' : 'ipv4';
  if ((address.includes(':') ? 'ipv6' : 'ipv4') !== type) return false;
  const list = new BlockList();
  list.addSubnet(p.address, p.length, type);
  return list.check(address, type);
}

/** An address as the kernel's replies are formatted (`'2001:DB8:0::1'` → `'2001:db8::1'`), to compare with them. */
export function canonicalAddress(address: string): string {
  const b = parseIP(address);
  if (!b) return address;
  return b.length === 4 ? formatIPv4(b) : formatIPv6(b);
}
