/**
 * `ss -r`: host names for addresses, as ss finds them with gethostbyaddr — through the C library's resolver, so
 * /etc/hosts first and then DNS as nsswitch.conf says (getnameinfo, behind dns.lookupService, asks the same). ss
 * switched into a namespace (-N) resolves from there: its DNS queries leave through that namespace's routes. A
 * lookup from this process would leave through the machine's, so in a namespace a child process started there
 * answers them. Each address is looked up once, as ss caches its answers, failures included.
 */
import type { ChildProcess } from 'node:child_process';
import { promises as dns } from 'node:dns';
import { createInterface } from 'node:readline';
import { spawnInNetns } from '../../api/netns.js';

// A line is an address to name, or '?4 NAME' / '?6 NAME': a host name's addresses in that family, space-separated.
const childScript = `
const { promises: dns } = require('node:dns');
require('node:readline').createInterface({ input: process.stdin }).on('line', (line) => {
  const m = /^\\?([46]) (.*)$/.exec(line);
  const answer = m
    ? dns.lookup(m[2], { family: Number(m[1]), all: true }).then((r) => r.map((a) => a.address).join(' '), () => '')
    : dns.lookupService(line, 0).then((r) => r.hostname, () => '');
  answer.then((v) => process.stdout.write(JSON.stringify([line, v]) + '\\n'));
});
`;

/** An IPv4-mapped IPv6 address, which ss looks up as the IPv4 address it holds. */
const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;

export class HostResolver {
  private readonly names = new Map<string, string | undefined>();
  private readonly waiting = new Map<string, ((name: string) => void)[]>();
  private child: ChildProcess | undefined;

  constructor(private readonly netns: string | undefined) {}

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
    if (this.netns === undefined) return dns.lookup(name, { family, all: true }).then((r) => r.map((a) => a.address), () => []);
    return (await this.ask(line)).split(' ').filter(Boolean);
  }

  private ask(addr: string): Promise<string> {
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
    const child = spawnInNetns(netns, process.execPath, ['-e', childScript], { stdio: ['pipe', 'pipe', 'inherit'] });
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
