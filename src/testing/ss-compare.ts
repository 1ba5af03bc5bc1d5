/**
 * For the `nlkit ss` tests: run ss and `nlkit ss` with the same arguments in a namespace and compare what they
 * print, past what differs by nature between two runs.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TestNetns } from './netns.js';

export const main = fileURLToPath(new URL('../cli/nlkit.js', import.meta.url));
const ssPath = ['/usr/bin/ss', '/bin/ss', '/usr/sbin/ss', '/sbin/ss'].find((p) => existsSync(p));
export const needsSs = ssPath ? {} : { skip: 'iproute2 ss is not installed' };

export interface Run { stdout: string; stderr: string; code: number }

export function run(cmd: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      resolve({ stdout, stderr, code: err ? (typeof err.code === 'number' ? err.code : 1) : 0 });
    });
  });
}

/**
 * What differs between two runs by nature, not by nlkit: each tool's own SOCK_DIAG socket (named `ss/PID` or
 * `node/PID`), and times that run on between the two (timers, last send/receive).
 */
function normalise(text: string, timing: boolean, netlinkOnly: boolean): string {
  // ss holds a route-netlink socket of its own in some runs (to name interfaces).
  text = text.replace(/^.* rtnl:ss\/\d+ .*\n/gm, '');
  // Each tool's own SOCK_DIAG socket sits where its port id hashes: drop it (python3's names set the widths).
  let t = text.replace(/^.*(tcpdiag:(?:ss|node)\/\d+|\s4:[1-9]\d*\s).*\n/gm, '');
  // The kernel walks netlink sockets in its hash table's order, which changes as sockets come and go.
  const lines = t.split('\n');
  const isNl = (l: string) => (netlinkOnly ? l !== '' && !l.startsWith('Recv-Q') : l.startsWith('nl '));
  for (let i = 0; i < lines.length; ) {
    let j = i;
    while (j < lines.length && isNl(lines[j]!)) j++;
    if (j > i) lines.splice(i, j - i, ...lines.slice(i, j).sort());
    i = j + 1;
  }
  t = lines.join('\n');
  if (timing) {
    t = t.replace(/(lastsnd|lastrcv|lastack|busy|rcv_rtt|rtt|ato|rto|minrtt|send|pacing_rate|delivery_rate|bw|mrtt|rwnd_limited|sndbuf_limited|backoff):[^\s,)]*/g, '$1:T')
      .replace(/(send|pacing_rate|delivery_rate) \S+/g, '$1 T')
      .replace(/timer:\(([a-z]+),[^,]*,/g, 'timer:($1,T,')
      .replace(/ +$/gm, '');
  }
  return t;
}

/** A tool's own SOCK_DIAG socket in a listing: `tcpdiag:ss/PID` (2 letters) or `tcpdiag:node/PID` (4). */
const ownSocket = /tcpdiag:(?:ss|node)\/\d+/;

/**
 * `text` normalised; when either listing held its tool's own socket, with runs of blanks as one. ss sizes its columns
 * to the longest entry, so `tcpdiag:node/PID`, two letters longer than ss's, widens nlkit's columns when it is the
 * longest (python3's sockets usually are, but not in every run): that listing's layout then says nothing.
 */
function comparable(text: string, other: string, timing: boolean, netlinkOnly: boolean): string {
  const t = normalise(text, timing, netlinkOnly);
  return ownSocket.test(text) || ownSocket.test(other) ? t.replace(/ {2,}/g, ' ') : t;
}

function same(a: string, b: string, timing: boolean, netlinkOnly: boolean): boolean {
  return comparable(a, b, timing, netlinkOnly) === comparable(b, a, timing, netlinkOnly);
}

/**
 * ss -r without -n asks rpcbind for the RPC services' ports (libtirpc, over a unix stream socket it never closes,
 * even when nothing answers): ss's own socket, unnamed and unconnected, shows in its unix listings.
 */
const rpcSocket = /^u_str +UNCONN +0 +0 +\* +\d+ +\* +0 *\n/m;

function resolvesServices(args: string[]): boolean {
  const short = args.filter((a) => /^-[^-]/.test(a)).join('');
  const resolve = args.includes('--resolve') || /r/.test(short);
  const numeric = args.includes('--numeric') || /n/.test(short);
  return resolve && !numeric;
}

export async function compare(ns: TestNetns, args: string[], timing = false): Promise<void> {
  const nl = args.includes('netlink');
  // One after the other: a run's own requests show in the other's netlink queues. Sockets live on meanwhile (a
  // TIME-WAIT ends, a queue drains): a difference must persist over three tries to count.
  let a: Run | undefined;
  let b: Run | undefined;
  const rpc = resolvesServices(args);
  for (let tries = 0; tries < 3; tries++) {
    a = await run('ss', ['-N', ns.name, ...args]);
    if (rpc) a.stdout = a.stdout.replace(rpcSocket, '');
    b = await run(process.execPath, [main, 'ss', '-N', ns.name, ...args]);
    if (same(a.stdout, b.stdout, timing, nl) && a.code === b.code) return;
  }
  assert.equal(comparable(b!.stdout, a!.stdout, timing, nl), comparable(a!.stdout, b!.stdout, timing, nl), `nlkit ss ${args.join(' ')}: stdout differs from ss's`);
  assert.equal(b!.code, a!.code, `nlkit ss ${args.join(' ')}: exit code`);
}

/**
 * A request's hex with the two padding bytes of each host condition zeroed: ss mallocs the bytecode and leaves
 * them as they were (seen: `02 00` in the IPv6 request under `-N`, `00 00` otherwise); the kernel never reads them.
 * The walk steps by each op's `yes`, which ss's compiler makes the op's own length.
 */
function withoutCondPadding(b: Uint8Array): string {
  const m = Buffer.from(b);
  const INET_DIAG_REQ_BYTECODE = 1, BC_S_COND = 7, BC_D_COND = 8;
  for (let at = 16 + 56; at + 4 <= m.length; at += (m.readUInt16LE(at) + 3) & ~3) {
    const len = m.readUInt16LE(at);
    if (len < 4) break;
    if (m.readUInt16LE(at + 2) !== INET_DIAG_REQ_BYTECODE) continue;
    for (let op = at + 4; op + 4 <= at + len; ) {
      if ((m[op] === BC_S_COND || m[op] === BC_D_COND) && op + 8 <= at + len) m.fill(0, op + 6, op + 8);
      const yes = m[op + 1]!;
      if (yes < 4) break;
      op += yes;
    }
  }
  return m.toString('hex');
}

/** The SOCK_DIAG_BY_FAMILY requests among `sent`, as hex, host conditions' padding zeroed. */
export function diagRequests(sent: Uint8Array[]): string[] {
  return sent.filter((b) => b[4] === 20 && b[5] === 0).map(withoutCondPadding);
}
