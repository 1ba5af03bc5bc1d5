/**
 * Multicast addresses of a namespace's devices (`ip maddress`): the link-layer addresses a device listens on, and
 * the IPv4 and IPv6 groups it has joined. The kernel has no netlink dump of these with their users, so they are read
 * as ip reads them, from /proc/net/dev_mcast, igmp and igmp6 as that namespace sees them; a link-layer address is
 * added or removed with the SIOCADDMULTI / SIOCDELMULTI ioctl, as ip does.
 */
import { closeSync, openSync, readFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { addon } from '../native/addon.js';
import { formatIPv4, formatIPv6, formatMac, parseMac } from '../schema/address-text.js';
import type { NetnsRef } from '../socket/socket.js';
import { check, mac, netns, oneOf, record, text } from './input.js';

/** Which list an address comes from: a link-layer address (dev_mcast), an IPv4 (igmp) or IPv6 (igmp6) group. */
export type MulticastFamily = 'link' | 'inet' | 'inet6';

/** One multicast address of a device. */
export interface MulticastAddress {
  ifindex: number;
  ifname: string;
  family: MulticastFamily;
  /** A MAC for `link`, else the group address. */
  address: string;
  /** How many holders the address has on the device. */
  users: number;
  /** A link-layer address added by hand (SIOCADDMULTI, `ip maddress add`), not by a joined group. */
  static: boolean;
}

/** What MulticastAddresses.list takes. */
export interface MulticastFilter {
  /** A device name, compared as the kernel's lists spell it (no device is looked up). */
  dev?: string;
  family?: MulticastFamily;
}

const multicastFilter = record({ dev: text(127, 1), family: oneOf(['link', 'inet', 'inet6']) });
const where = record({ netns });
const SIOCADDMULTI = 0x8931;
const SIOCDELMULTI = 0x8932;
const AF_INET = 2;
const IFNAMSIZ = 16;

/** Bytes of pairs of hex digits, or undefined where ip's parse_hex gives up (an odd count, not hex). */
function hexBytes(hex: string): Uint8Array | undefined {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) return undefined;
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

/** The files' lines become entries in ip's order: by ifindex, then link, inet, inet6, each in the kernel's order. */
function parse(files: { link?: string; inet?: string; inet6?: string }, dev: string | undefined): MulticastAddress[] {
  const out: MulticastAddress[] = [];
  const keep = (name: string): boolean => dev === undefined || dev === name;
  for (const line of files.link?.split('\n') ?? []) {
    const [index, name, users, global, hex] = line.trim().split(/\s+/);
    const bytes = hexBytes(hex ?? '');
    if (name === undefined || !keep(name) || !bytes) continue;
    out.push({ ifindex: Number(index), ifname: name, family: 'link', address: formatMac(bytes), users: Number(users), static: Number(global) !== 0 });
  }
  // igmp: a device's line, then one tab-led line per group; the group is a 32-bit word in the CPU's byte order.
  let index = 0;
  let name = '';
  for (const line of files.inet?.split('\n').slice(1) ?? []) {
    if (line === '') continue;
    if (!line.startsWith('\t')) {
      const [i, n] = line.trim().split(/\s+/);
      index = Number(i);
      name = (n ?? '').replace(/:$/, '');
      continue;
    }
    const [group, users] = line.trim().split(/\s+/);
    if (!keep(name)) continue;
    const word = Buffer.alloc(4);
    if (endianness() === 'LE') word.writeUInt32LE(parseInt(group ?? '0', 16) >>> 0);
    else word.writeUInt32BE(parseInt(group ?? '0', 16) >>> 0);
    out.push({ ifindex: index, ifname: name, family: 'inet', address: formatIPv4(word), users: Number(users), static: false });
  }
  for (const line of files.inet6?.split('\n') ?? []) {
    const [i, n, hex, users] = line.trim().split(/\s+/);
    const bytes = hexBytes(hex ?? '');
    if (n === undefined || !keep(n) || bytes?.length !== 16) continue;
    out.push({ ifindex: Number(i), ifname: n, family: 'inet6', address: formatIPv6(bytes), users: Number(users), static: false });
  }
  // Stable: equal indexes keep the order read.
  return out.sort((a, b) => a.ifindex - b.ifindex);
}

/** The fd of the namespace a NetnsRef names, and whether it was opened here (and is to be closed). */
function openNetns(ref: NetnsRef): { fd: number; own: boolean } {
  if (typeof ref === 'object' && 'fd' in ref) return { fd: ref.fd, own: false };
  const path = typeof ref === 'string' ? (ref.includes('/') ? ref : `/run/netns/${ref}`) : 'pid' in ref ? `/proc/${ref.pid}/ns/net` : ref.path;
  return { fd: openSync(path, 'r'), own: true };
}

function inNetns<T>(ref: NetnsRef | undefined, run: (nsFd: number | null) => T): T {
  if (ref === undefined) return run(null);
  const ns = openNetns(ref);
  try {
    return run(ns.fd);
  } finally {
    if (ns.own) closeSync(ns.fd);
  }
}

/** A /proc/net file as the namespace sees it; undefined when there is none (no IPv6, say), which ip passes over. */
function readNetFile(nsFd: number | null, name: string): string | undefined {
  try {
    if (nsFd === null) return readFileSync(`/proc/self/net/${name}`, 'latin1');
    const fd = addon.openInNetns(nsFd, `/proc/thread-self/net/${name}`);
    try {
      return readFileSync(fd, 'latin1');
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') return undefined;
    throw e;
  }
}

/**
 * The multicast addresses of one namespace (the process's own by default):
 *
 *   const m = new MulticastAddresses({ netns: 'blue' });
 *   await m.add('eth0', '01:00:5e:01:02:03');
 *   for (const a of await m.list({ dev: 'eth0' })) console.log(a.family, a.address, a.users);
 */
export class MulticastAddresses {
  private readonly netns: NetnsRef | undefined;

  constructor(options: { netns?: NetnsRef } = {}) {
    check(where, options);
    this.netns = options.netns;
  }

  /** Every device's addresses (or one device's, or one family's), ordered by ifindex, then link, inet, inet6. */
  async list(filter: MulticastFilter = {}): Promise<MulticastAddress[]> {
    check(multicastFilter, filter);
    const want = (f: MulticastFamily): boolean => filter.family === undefined || filter.family === f;
    return inNetns(this.netns, (ns) => parse({
      link: want('link') ? readNetFile(ns, 'dev_mcast') : undefined,
      inet: want('inet') ? readNetFile(ns, 'igmp') : undefined,
      inet6: want('inet6') ? readNetFile(ns, 'igmp6') : undefined,
    }, filter.dev));
  }

  /** Make the device listen on a link-layer multicast address (it is then `static`); adding it again does nothing. */
  async add(dev: string, address: string): Promise<void> {
    this.modify(SIOCADDMULTI, dev, address);
  }

  /** Stop listening on a link-layer address added with `add`. */
  async delete(dev: string, address: string): Promise<void> {
    this.modify(SIOCDELMULTI, dev, address);
  }

  private modify(request: number, dev: string, address: string): void {
    // Any name the ioctl can look up: a name no device has fails there (ENODEV), as for ip.
    check(text(IFNAMSIZ - 1, 1), dev, 'dev');
    check(mac, address, 'address');
    // struct ifreq: the name, then ifr_hwaddr, a sockaddr whose family stays AF_UNSPEC (the kernel insists).
    const ifr = new Uint8Array(40);
    ifr.set(Buffer.from(dev).subarray(0, IFNAMSIZ - 1), 0);
    ifr.set(parseMac(address)!, IFNAMSIZ + 2);
    inNetns(this.netns, (ns) => addon.ifreqIoctl(ns, AF_INET, request, ifr));
  }
}
