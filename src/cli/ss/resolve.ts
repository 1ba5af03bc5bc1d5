/**
 * `ss -r`: host names for addresses, as ss finds them with gethostbyaddr — through the C library's resolver, so
 * /etc/hosts first and then DNS as nsswitch.conf says (getnameinfo, behind dns.lookupService, asks the same). ss
 * switched into a namespace (-N) resolves from there: its DNS queries leave through that namespace's routes. A
 * lookup from this process would leave through the machine's, so in a namespace a child process started there
 * answers them. Each address is looked up once, as ss caches its answers, failures included.
 * Where /etc/netns/NAME holds a hosts file, ss (its /etc bind-mounted as `ip netns exec` does) reads that one: nlkit
 * reads it as the C library's `files` source does, and asks the child's DNS only for what it does not name, with
 * the servers of the namespace's resolv.conf where it has one.
 */
import type { ChildProcess } from 'node:child_process';
import { promises as dns } from 'node:dns';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { spawnInNetns } from '../../api/netns.js';
import { formatIPv6, parseIP } from '../../schema/address-text.js';

// A line is an address to name, or '?4 NAME' / '?6 NAME': a host name's addresses in that family, space-separated.
// Started with a DNS-only argument (its servers, comma-separated, or '-' for resolv.conf's), it asks DNS alone.
const childScript = `
const { promises: dns } = require('node:dns');
const only = process.argv[1];
if (only && only !== '-') dns.setServers(only.split(','));
require('node:readline').createInterface({ input: process.stdin }).on('line', (line) => {
  const m = /^\\?([46]) (.*)$/.exec(line);
  const answer = only
    ? (m ? (m[1] === '4' ? dns.resolve4(m[2]) : dns.resolve6(m[2])).then((r) => r.join(' '), () => '') : dns.reverse(line).then((r) => r[0] ?? '', () => ''))
    : m
    ? dns.lookup(m[2], { family: Number(m[1]), all: true }).then((r) => r.map((a) => a.address).join(' '), () => '')
    : dns.lookupService(line, 0).then((r) => r.hostname, () => '');
  answer.then((v) => process.stdout.write(JSON.stringify([line, v]) + '\\n'));
});
`;

/** A hosts file as the C library's files source reads it: address, canonical name, aliases; `#` starts a comment. */
function readHosts(path: string): { addr: string; names: string[] }[] {
  let text = '';
  try {
    text = readFileSync(path, 'latin1');
  } catch {
    return [];
  }
  const out: { addr: string; names: string[] }[] = [];
  for (const line of text.split('\n')) {
    const t = line.replace(/#.*/, '').trim().split(/\s+/);
    const bytes = t.length >= 2 ? parseIP(t[0]!) : undefined;
    if (bytes) out.push({ addr: Buffer.from(bytes).toString('hex'), names: t.slice(1) });
  }
  return out;
}

/** The nameservers of a resolv.conf, comma-separated, or '-' (the child's own) when it names none. */
function nameservers(path: string): string {
  try {
    const list = readFileSync(path, 'latin1').split('\n').map((l) => /^\s*nameserver\s+(\S+)/.exec(l)?.[1]).filter((x): x is string => x !== undefined);
    return list.length ? list.join(',') : '-';
  } catch {
    return '-';
  }
}

/** Where a process switched into the namespace reads its hosts and resolv.conf (netns-etc.ts). */
export interface HostFiles {
  hosts: string;
  resolvConf: string;
}

/** An IPv4-mapped IPv6 address, which ss looks up as the IPv4 address it holds. */
const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;

export class HostResolver {
  private readonly names = new Map<string, string | undefined>();
  private readonly waiting = new Map<string, ((name: string) => void)[]>();
  private child: ChildProcess | undefined;

  /** The namespace's own hosts file, read: set only where it has one. */
  private readonly table: { addr: string; names: string[] }[] | undefined;

  constructor(private readonly netns: string | undefined, files?: HostFiles) {
    if (netns !== undefined && files !== undefined && files.hosts !== '/etc/hosts') {
      this.table = readHosts(files.hosts);
      this.dnsOnly = files.resolvConf !== '/etc/resolv.conf' ? nameservers(files.resolvConf) : '-';
    }
  }

  private readonly dnsOnly: string | undefined;

  /** The name of `addr`, once `prepare` has looked it up; undefined when it has none. */
  name(addr: string): string | undefined {
    const m = mapped.exec(addr);
    return this.names.get(m ? m[1]! : addr);
  }

  /** Look up whichever of `addrs` has not been looked up yet. */
  async prepare(addrs: readonly string[]): Promise<void> {
    for (const a of addrs) {
      const m = mapped.exec(a);
      const addr = m ? m[1]! : a;
      if (this.names.has(addr)) continue;
      const name = await this.ask(addr);
      this.names.set(addr, name || undefined);
    }
  }

  /**
   * A host name's addresses in one family (4 or 6), as a filter's `dst NAME` asks for them (ss: gethostbyname2,
   * through the same resolver as getaddrinfo); none when it has none.
   */
  async addresses(name: string, family: 4 | 6): Promise<string[]> {
    const line = `?${family} ${name}`;
    if (this.table) {
      const size = family === 4 ? 8 : 32;
      const found = this.table.filter((e) => e.addr.length === size && e.names.includes(name)).map((e) => formatHex(e.addr));
      if (found.length) return found;
    }
    if (this.netns === undefined) return dns.lookup(name, { family, all: true }).then((r) => r.map((a) => a.address), () => []);
    return (await this.ask(line)).split(' ').filter(Boolean);
  }

  private ask(addr: string): Promise<string> {
    if (this.table && !addr.startsWith('?')) {
      const key = parseIP(addr);
      const hex = key ? Buffer.from(key).toString('hex') : undefined;
      const e = this.table.find((x) => x.addr === hex);
      if (e) return Promise.resolve(e.names[0]!);
    }
    if (this.netns === undefined) return dns.lookupService(addr, 0).then((r) => r.hostname, () => '');
    const child = (this.child ??= this.start(this.netns));
    return new Promise((resolve) => {
      const list = this.waiting.get(addr);
      if (list) list.push(resolve);
      else this.waiting.set(addr, [resolve]);
      child.stdin!.write(`${addr}\n`);
    });
  }

  private start(netns: string): ChildProcess {
    const args = ['-e', childScript];
    if (this.dnsOnly !== undefined) args.push(this.dnsOnly);
    const child = spawnInNetns(netns, process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const [addr, name] = JSON.parse(line) as [string, string];
      const list = this.waiting.get(addr);
      this.waiting.delete(addr);
      for (const r of list ?? []) r(name);
    });
    // A child that dies leaves every address it was asked about unresolved, as a failing lookup would.
    const fail = (): void => {
      for (const list of this.waiting.values()) for (const r of list) r('');
      this.waiting.clear();
    };
    child.on('exit', fail).on('error', fail);
    return child;
  }

  /** End the child, if one was started. */
  close(): void {
    this.child?.stdin!.end();
    this.child = undefined;
  }
}

/** An address from its bytes in hex, as text. */
function formatHex(hex: string): string {
  const b = Buffer.from(hex, 'hex');
  return b.length === 4 ? [...b].join('.') : formatIPv6(b);
}
