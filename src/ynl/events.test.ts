/**
 * Subscriptions to a genetlink family's events on real MPTCP connections (python3 makes them: Node cannot open an
 * IPPROTO_MPTCP socket): the shipped mptcp_pm declaration names each event, and the 6.12 spec as written (which
 * declares no event operations, so an event reads as the request of the same number) yields `undecodable` items
 * without ending the stream.
 */
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { mptcpPm } from '../families/generic/generated/mptcp_pm.js';
import { mptcpPmFamily } from '../families/generic/mptcp-pm.js';
import type { FamilyDecl } from '../schema/declaration.js';
import { withNetns, type TestNetns } from '../testing/netns.js';
import { YnlFamily } from './family.js';

const run = promisify(execFile);
const python = spawnSync('python3', ['-c', 'import socket; socket.socket(socket.AF_INET, socket.SOCK_STREAM, 262).close()']).status === 0;
const skip = python ? false : 'python3 with MPTCP sockets is not available';

/** One MPTCP connection over loopback in `ns`, opened, used and closed. */
const connect = (ns: TestNetns, port: number) => run('ip', ['netns', 'exec', ns.name, 'python3', '-c', `
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 262); s.bind(('127.0.0.1', ${port})); s.listen()
c = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 262); c.connect(('127.0.0.1', ${port})); a, _ = s.accept()
c.send(b'x'); a.recv(1); c.close(); a.close(); s.close()
`], { timeout: 10_000 });

/** What a subscription to mptcp_pm_events yields while one connection comes and goes, until `enough` (or 10 s after it). */
async function events(decl: FamilyDecl, ns: TestNetns, port: number, enough: (seen: Record<string, unknown>[]) => boolean): Promise<Record<string, unknown>[]> {
  const session = await new YnlFamily<FamilyDecl>(decl).open({ netns: ns.name });
  const seen: Record<string, unknown>[] = [];
  const ac = new AbortController();
  const signal = ac.signal;
  let timer: NodeJS.Timeout | undefined;
  try {
    const it = session.subscribe('mptcp_pm_events', { signal });
    const first = it.next();
    await connect(ns, port);
    // The clock starts once the connection is done, so that a slow machine does not end the wait before it began.
    timer = setTimeout(() => ac.abort(), 10_000);
    try {
      for (let r = await first; !r.done; r = await it.next()) {
        seen.push(r.value);
        if (enough(seen)) break;
      }
    } catch (e) {
      if (!signal.aborted) throw e;
    }
  } finally {
    clearTimeout(timer);
    session.close();
  }
  return seen;
}

test('mptcp_pm events by name: a connection is created, established and closed on both sides', { skip }, async () => {
  await withNetns(async (ns) => {
    const seen = await events(mptcpPmFamily, ns, 5601, (s) => s.filter((e) => e.op === 'closed').length === 2);
    const ops = (op: string) => seen.filter((e) => e.op === op);
    assert.deepEqual(ops('listenerCreated').map((e) => [e.sport, e.saddr4]), [[5601, '127.0.0.1']], JSON.stringify(seen));
    const created = ops('created');
    assert.equal(created.length, 2, JSON.stringify(seen));
    // The server's side has server-side set and its port first; each token is established and closed once.
    assert.deepEqual(created.map((e) => e.serverSide === 1 ? e.sport : e.dport).sort(), [5601, 5601]);
    const tokens = created.map((e) => e.token).sort();
    assert.deepEqual(ops('established').map((e) => e.token).sort(), tokens);
    assert.deepEqual(ops('closed').map((e) => e.token).sort(), tokens);
  });
});

test('a spec that misdescribes an event: undecodable items, and the stream goes on', { skip }, async () => {
  await withNetns(async (ns) => {
    // In the 6.12 spec, command 1 is add-addr (attribute 1 a nest), but event 1 is created (attribute 1 the token).
    const seen = await events(mptcpPm, ns, 5602, (s) => s.filter((e) => e.op === 'undecodable').length >= 2);
    const bad = seen.filter((e) => e.op === 'undecodable');
    assert.ok(bad.length >= 2, JSON.stringify(seen));
    assert.equal(bad[0]!.type, 1);
    assert.match(String(bad[0]!.error), /^addAddr: /);
  });
});
