import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { processEvents, type ProcessEvent, type ProcessNotification } from './processes.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Spawn `cmd` and resolve with its pid once it has exited. */
function run(cmd: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', () => resolve(child.pid!));
  });
}

async function until(it: AsyncIterator<ProcessNotification>, seen: ProcessEvent[], done: (e: ProcessEvent) => boolean): Promise<void> {
  for (;;) {
    const r = await it.next();
    assert.ok(!r.done, 'the stream goes on');
    if (r.value.kind === 'overrun') continue;
    seen.push(r.value);
    if (done(r.value)) return;
  }
}

// Read-only: it listens in the initial namespace (where the connector lives) and changes nothing on the machine.
test('the fork, comm change, exec and exit of a child, with its exit status', { timeout: 600_000 }, async () => {
  const ac = new AbortController();
  const it = processEvents({ signal: ac.signal })[Symbol.asyncIterator]();
  const first = it.next();
  await sleep(100);
  // The shell renames itself (a comm event), then execs sh again, which exits 3.
  const pid = await run('/bin/sh', ['-c', 'printf nlkitcomm > /proc/self/comm; exec /bin/sh -c "exit 3"']);
  const seen: ProcessEvent[] = [];
  const head = (await first).value as ProcessNotification;
  if (head.kind !== 'overrun') seen.push(head);
  if (!(head.kind === 'exit' && head.processPid === pid)) await until(it, seen, (e) => e.kind === 'exit' && e.processPid === pid);
  const mine = seen.filter((e) => ('childTgid' in e ? e.childTgid : 'processTgid' in e ? e.processTgid : 0) === pid);
  const fork = mine.find((e) => e.kind === 'fork');
  assert.ok(fork?.kind === 'fork', `a fork of ${pid} among ${JSON.stringify(mine, (_k, v) => (typeof v === 'bigint' ? String(v) : v))}`);
  assert.equal(fork.parentTgid, process.pid);
  assert.equal(fork.childPid, pid);
  const comm = mine.find((e) => e.kind === 'comm');
  assert.ok(comm?.kind === 'comm' && comm.comm === 'nlkitcomm');
  assert.ok(mine.some((e) => e.kind === 'exec' && e.processPid === pid));
  const exit = mine.find((e) => e.kind === 'exit');
  assert.ok(exit?.kind === 'exit');
  assert.deepEqual([exit.exitCode, exit.exitStatus, exit.termSignal, exit.exitSignal, exit.parentTgid], [3 << 8, 3, undefined, 17, process.pid]);
  const order = mine.map((e) => e.kind);
  // fork, exec of sh, its comm change, its exec of sh again, exit.
  assert.deepEqual(order.filter((k) => k !== 'uid' && k !== 'gid' && k !== 'sid'), ['fork', 'exec', 'comm', 'exec', 'exit']);
  assert.ok(typeof exit.timestampNs === 'bigint' && exit.timestampNs >= fork.timestampNs);
  ac.abort();
  await assert.rejects(it.next(), { code: 'ABORT_ERR' });
});

test('only the kinds asked for: exits with a non-zero status, and uid changes', { timeout: 600_000 }, async (t) => {
  const it = processEvents({ events: ['nonzeroExit', 'uid'] })[Symbol.asyncIterator]();
  const first = it.next();
  await sleep(100);
  const ok = await run('/bin/sh', ['-c', 'exit 0']);
  const failed = await run('/bin/sh', ['-c', 'kill -9 $$']);
  const seen: ProcessEvent[] = [];
  const head = (await first).value as ProcessNotification;
  if (head.kind !== 'overrun') seen.push(head);
  if (!(head.kind === 'exit' && head.processPid === failed)) await until(it, seen, (e) => e.kind === 'exit' && e.processPid === failed);
  assert.ok(seen.every((e) => e.kind === 'exit' || e.kind === 'uid'), seen.map((e) => e.kind).join(' '));
  assert.ok(!seen.some((e) => e.kind === 'exit' && e.processPid === ok), 'an exit with status 0 is not among them');
  const killed = seen.find((e) => e.kind === 'exit' && e.processPid === failed);
  assert.ok(killed?.kind === 'exit' && killed.termSignal === 9 && killed.exitStatus === undefined);
  if (!existsSync('/usr/bin/setpriv')) t.diagnostic('setpriv (util-linux) is missing: the uid change is not checked');
  else {
    const nobody = await run('/usr/bin/setpriv', ['--reuid=65534', '/bin/true']);
    await until(it, seen, (e) => e.kind === 'uid' && e.processPid === nobody);
    const uid = seen.at(-1)!;
    assert.ok(uid.kind === 'uid' && uid.ruid === 65534 && uid.euid === 65534);
  }
  await it.return?.(undefined);
});

test('processEvents refuses a kind it does not know before opening anything', async () => {
  await assert.rejects(processEvents({ events: ['fork', 'forks' as 'fork'] }).next(), { code: 'ERR_NETLINK_SCHEMA', message: /^events\[1\]: unknown process event "forks"/ });
});
