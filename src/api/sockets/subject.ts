/**
 * What a filter expression is run against here, past the kernel's bytecode: a socket's family, addresses, ports,
 * interface, mark and cgroup as the filter reads them — one scratch object reused over a whole dump.
 */
import { parseIP } from '../../schema/address-text.js';
import { runFilter, type FilterNode, type FilterSubject } from './filter.js';
import type { InetSocket, SocketInfo } from './objects.js';

const AF_UNIX = 1, AF_INET = 2, AF_INET6 = 10, AF_NETLINK = 16, AF_PACKET = 17;

/** The local port range autobound tests against (ss's fallback when it cannot read it). */
export function ephemeralRange(): readonly [number, number] {
  try {
    // Read lazily: only autobound needs it; ss falls back to 1024-4999 when it cannot read the file.
    const { readFileSync } = process.getBuiltinModule('node:fs');
    const [a, b] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    return [a!, b!];
  } catch {
    return [1024, 4999];
  }
}

export function usesAutobound(f: FilterNode): boolean {
  switch (f.op) {
    case 'and': case 'or': return usesAutobound(f.left) || usesAutobound(f.right);
    case 'not': return usesAutobound(f.arg);
    default: return f.op === 'autobound';
  }
}

export function newSubject(): FilterSubject {
  return { family: 0, local: undefined, remote: undefined, lport: 0, rport: 0, ifindex: 0, mark: 0, cgroupId: 0n };
}

export function inetSubject(t: FilterSubject, s: InetSocket): FilterSubject {
  t.family = s.family === 'inet' ? AF_INET : AF_INET6;
  t.local = addressBytes(s.src, t.family);
  t.remote = addressBytes(s.dst, t.family);
  t.lport = s.sport;
  t.rport = s.dport;
  t.ifindex = s.ifindex;
  t.mark = s.mark ?? 0;
  t.cgroupId = s.cgroupId ?? 0n;
  return t;
}

export function otherSubject(t: FilterSubject, s: SocketInfo): FilterSubject {
  t.local = t.remote = undefined;
  t.lport = t.rport = t.ifindex = t.mark = 0;
  t.cgroupId = 0n;
  if (s.kind === 'unix') {
    t.family = AF_UNIX;
    t.local = s.path;
    t.lport = s.inode;
    t.rport = s.peer ?? 0;
  } else if (s.kind === 'netlink') {
    // ss's netlink and packet lines: the protocol as the local address's first word, a remote of zeros.
    t.family = AF_NETLINK;
    t.lport = s.portid;
    t.rport = -1;
    t.local = protocolWord(s.protocol);
    t.remote = noAddress;
  } else if (s.kind === 'packet') {
    t.family = AF_PACKET;
    t.lport = t.ifindex = s.info?.index ?? 0;
    t.local = protocolWord(s.protocol);
    t.remote = noAddress;
  }
  return t;
}

const noAddress = new Uint8Array(4);

/** A protocol number as ss holds it in an address's first u32 (host order, little-endian here). */
function protocolWord(p: number): Uint8Array {
  return Uint8Array.of(p & 255, (p >>> 8) & 255, (p >>> 16) & 255, p >>> 24);
}

function addressBytes(text: string, family: number): Uint8Array {
  return parseIP(text) ?? new Uint8Array(family === AF_INET ? 4 : 16);
}


/** A parsed filter as a predicate on inet sockets, run here as ss runs it. */
export function inetMatcher(filter: FilterNode): (s: InetSocket) => boolean {
  const ephemeral = usesAutobound(filter) ? ephemeralRange() : ([1024, 4999] as const);
  const subject = newSubject();
  return (s) => runFilter(filter, inetSubject(subject, s), ephemeral);
}
