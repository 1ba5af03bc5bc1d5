import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Mptcp, type MptcpEvent } from '../api/mptcp.js';
import { withNetns, type TestNetns } from '../testing/netns.js';
import { eventLine } from './mptcp.js';

const main = fileURLToPath(new URL('./nlkit.js', import.meta.url));
const python = spawnSync('python3', ['-c', 'import socket; socket.IPPROTO_TCP'], { stdio: 'ignore' }).status === 0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * MPTCP connections over IPv4 and IPv6 on loopback addresses of the namespace: a listener on every address, an
 * endpoint the server announces (ANNOUNCED, then a subflow: SF_ESTABLISHED), data both ways, and the close.
 */
const traffic = `
import socket, time
def run(family, server, port):
    s = socket.socket(family, socket.SOCK_STREAM, 262)
    s.settimeout(10)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("::" if family == socket.AF_INET6 else "0.0.0.0", port))
    s.listen()
    c = socket.socket(family, socket.SOCK_STREAM, 262)
    c.settimeout(10)
    c.connect((server, port))
    a, _ = s.accept()
    c.sendall(b"ping"); a.recv(16); a.sendall(b"pong"); c.recv(16)
    time.sleep(1.5)
    c.close(); a.close(); s.close()
    time.sleep(0.5)
run(socket.AF_INET, "10.1.0.1", 5000)
run(socket.AF_INET6, "2001:db8:1::1", 5001)
`;

/** A listener opened and closed: an event each monitor prints (ip 6.1 as `[UNKNOWN 15]`) once it listens. */
const marker = 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 262); s.bind(("127.0.0.1", 0)); s.listen(); s.close()';

function start(args: string[], cmd: string): { child: ChildProcess; out: () => string } {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return { child, out: () => out };
}

async function setUp(ns: TestNetns): Promise<void> {
  await ns.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
  for (const dev of ['v0', 'v1']) await ns.ip('link', 'set', dev, 'up');
  for (const a of ['10.1.0.1/24', '10.2.0.1/24']) await ns.ip('addr', 'add', a, 'dev', 'v0');
  for (const a of ['2001:db8:1::1/64', '2001:db8:2::1/64']) await ns.ip('addr', 'add', a, 'dev', 'v0', 'nodad');
  await ns.ip('mptcp', 'limits', 'set', 'subflows', '2', 'add_addr_accepted', '2');
  await ns.ip('mptcp', 'endpoint', 'add', '10.2.0.1', 'dev', 'v0', 'signal');
  await ns.ip('mptcp', 'endpoint', 'add', '2001:db8:2::1', 'dev', 'v0', 'signal');
}

/** The events after the markers: from the first connection's CREATED on. */
const events = (text: string) => text.slice(Math.max(0, text.indexOf('[       CREATED]'))).split('\n').filter(Boolean);

test('nlkit mptcp monitor prints what ip mptcp monitor prints for real MPTCP connections', { timeout: 300_000, skip: python ? false : 'python3 is not installed' }, async () => {
  await withNetns(async (ns) => {
    await setUp(ns);
    const ip = start(['-n', ns.name, 'mptcp', 'monitor'], 'ip');
    const nl = start([main, '-n', ns.name, 'mptcp', 'monitor'], process.execPath);
    try {
      for (let i = 0; i < 40 && !(ip.out().includes('[UNKNOWN 15]') && nl.out().includes('[UNKNOWN 15]')); i++) {
        await ns.exec('python3', ['-c', marker]);
        await sleep(250);
      }
      assert.ok(ip.out().includes('[UNKNOWN 15]') && nl.out().includes('[UNKNOWN 15]'), `both monitors listen: ip ${JSON.stringify(ip.out())}, nlkit ${JSON.stringify(nl.out())}`);
      await ns.exec('python3', ['-c', traffic]);
      // Both heard the last connection's close, or the deadline passed and the comparison says what each saw.
      const done = (t: string) => events(t).filter((l) => l.startsWith('[        CLOSED]')).length >= 4;
      for (let i = 0; i < 100 && !(done(ip.out()) && done(nl.out())); i++) await sleep(100);
      const seen = events(ip.out());
      for (const word of ['CREATED', 'ESTABLISHED', 'ANNOUNCED', 'SF_ESTABLISHED', 'CLOSED']) assert.ok(seen.some((l) => l.startsWith(`[${word.padStart(14)}]`)), `ip printed ${word}: ${seen.join('\n')}`);
      assert.ok(seen.some((l) => l.includes(' saddr6=2001:db8:1::1 ')), `ip printed an IPv6 connection: ${seen.join('\n')}`);
      assert.deepEqual(events(nl.out()), seen);
    } finally {
      ip.child.kill('SIGTERM');
      nl.child.kill('SIGTERM');
    }
  }, 'mptcpmon');
});

test('Mptcp.events yields typed events, ends with its signal, and refuses a bad signal before subscribing', { timeout: 300_000, skip: python ? false : 'python3 is not installed' }, async () => {
  await withNetns(async (ns) => {
    await setUp(ns);
    const pm = await Mptcp.open({ netns: ns.name });
    try {
      await assert.rejects(pm.events({ signal: 'x' as unknown as AbortSignal }).next(), { code: 'ERR_NETLINK_SCHEMA' });
      const ac = new AbortController();
      const got: MptcpEvent[] = [];
      // Settled as soon as it ends, so its rejection is handled while the connections run.
      const ended = (async () => {
        for await (const e of pm.events({ signal: AbortSignal.any([ac.signal, AbortSignal.timeout(60_000)]) })) {
          if (e.type !== 'overrun') got.push(e as MptcpEvent);
          if (got.some((g) => g.type === 'subEstablished')) ac.abort();
        }
      })().then(() => undefined, (e: unknown) => e);
      for (let i = 0; i < 40 && got.length === 0; i++) {
        await ns.exec('python3', ['-c', marker]);
        await sleep(250);
      }
      await ns.exec('python3', ['-c', traffic]);
      const end = await ended;
      assert.equal((end as Error | undefined)?.name, 'AbortError', `the events end with the signal: ${String(end)}`);
      assert.ok(ac.signal.aborted, `a subflow was established: ${JSON.stringify(got)}`);
      const created = got.find((e) => e.type === 'created');
      assert.ok(created && created.cmd === 1 && typeof created.token === 'number' && created.saddr4 === '10.1.0.1' && created.dport === 5000, JSON.stringify(got));
      assert.ok(got.some((e) => e.type === 'listenerCreated'), JSON.stringify(got));
      assert.equal(eventLine({ type: 'listenerClosed', cmd: 16 }), '[UNKNOWN 16]');
    } finally {
      pm.close();
    }
  }, 'mptcpmon');
});
