/**
 * `nlkit bridge` where the differential harness cannot look: the VLAN requests (this kernel has no VLAN filtering
 * and refuses them) held against the bytes `bridge` sends, caught with strace; `monitor` printing what `bridge
 * monitor` prints for the same changes; and `-batch` with `-force`.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { bridgeSchema } from '../../families/route/index.js';
import { withNetns, type TestNetns } from '../../testing/netns.js';
import { captureRequests, haveStrace, type SentRequest } from '../../testing/strace.js';

const main = fileURLToPath(new URL('../nlkit.js', import.meta.url));

function run(file: string, args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: 20_000 }, (err, stdout, stderr) => resolve({ status: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
  });
}

async function build(ns: TestNetns): Promise<void> {
  await ns.ip('link', 'add', 'br0', 'type', 'bridge');
  await ns.ip('link', 'add', 'd0', 'type', 'veth', 'peer', 'name', 'd1');
  await ns.ip('link', 'add', 'vx0', 'type', 'vxlan', 'id', '42', 'dstport', '4789', 'local', '192.0.2.1', 'nolearning');
  await ns.ip('link', 'set', 'd0', 'master', 'br0');
  await ns.ip('link', 'set', 'vx0', 'master', 'br0');
  for (const d of ['br0', 'd0', 'd1', 'vx0']) await ns.ip('link', 'set', d, 'up');
}

const VLAN_LINES = [
  'vlan add vid 10 dev d0', 'vlan add vid 10-20 dev d0 untagged', 'vlan add vid 5 dev d0 pvid untagged master', 'vlan add vid 7 dev br0 self',
  'vlan del vid 10-20 dev d0', 'vlan add vid 100-102 dev vx0 tunnel_info id 1000-1002', 'vlan add vid 100 dev vx0 tunnel_info id 1000',
  'vlan del vid 100 dev vx0 tunnel_info id 1000', 'vlan set vid 10 dev d0 state 3', 'vlan set vid 10-12 dev d0 mcast_router 2',
];

/** The last RTM_SETLINK, RTM_DELLINK or RTM_NEWVLAN a command sent, decoded (which reads past NLA_F_NESTED). */
function lastVlanRequest(sent: SentRequest[]): { type: number; flags: string; value: unknown } | undefined {
  const m = sent.filter((r) => r.type === 19 || r.type === 17 || r.type === 112).pop();
  if (!m) return undefined;
  const name = m.type === 19 ? 'setlink' : m.type === 17 ? 'dellink' : 'newvlan';
  return { type: m.type, flags: m.flags, value: bridgeSchema.decodeBody(name, Buffer.from(m.body), 0, m.body.length) };
}

test('bridge vlan add|del|set send the request bridge sends', { timeout: 600_000 }, async (t) => {
  if (!(await haveStrace())) return t.skip('strace is not installed (apt-get install strace)');
  await withNetns(async (ns) => {
    await build(ns);
    const failures: string[] = [];
    for (const line of VLAN_LINES) {
      const args = ['-n', ns.name, ...line.split(' ')];
      const theirs = lastVlanRequest(await captureRequests('bridge', args));
      const ours = lastVlanRequest(await captureRequests(process.execPath, [main, 'bridge', ...args]));
      assert.ok(theirs, `bridge ${line} sent its request`);
      try {
        assert.deepEqual(ours, theirs);
      } catch {
        failures.push(`${line}\n  bridge: ${JSON.stringify(theirs)}\n  nlkit:  ${JSON.stringify(ours)}`);
      }
    }
    assert.deepEqual(failures, []);
  }, 'brvlanb');
});

/** `cmd args` running until it is stopped; what it has printed so far. */
function start(cmd: string, args: string[]): { readonly out: string; stop(): Promise<string> } {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  // 'close', not 'exit': the pipes can still hold the last lines when the process has exited.
  const closed = once(child, 'close');
  return {
    get out() {
      return out;
    },
    async stop() {
      child.kill('SIGTERM');
      await closed;
      return out;
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('bridge monitor fdb|mdb|link prints what bridge monitor prints', { timeout: 600_000 }, async () => {
  await withNetns(async (ns) => {
    await build(ns);
    const b = (...a: string[]) => run('bridge', ['-n', ns.name, ...a]);
    // A change each monitor prints, with a mark of its own: once both printed the same one, both are listening.
    const probes: Record<string, (i: number) => Promise<unknown>> = {
      fdb: (i) => b('fdb', 'add', `02:00:00:00:ff:${(i % 256).toString(16).padStart(2, '0')}`, 'dev', 'd0', 'master', 'static'),
      mdb: (i) => b('mdb', 'add', 'dev', 'br0', 'port', 'd0', 'grp', `239.2.2.${i % 256}`, 'permanent'),
      link: (i) => b('link', 'set', 'dev', 'd0', 'cost', String(1000 + i)),
    };
    const marks: Record<string, (i: number) => string> = {
      fdb: (i) => `02:00:00:00:ff:${(i % 256).toString(16).padStart(2, '0')} `,
      mdb: (i) => ` grp 239.2.2.${i % 256} `,
      link: (i) => ` cost ${1000 + i} `,
    };
    for (const what of ['fdb', 'mdb', 'link']) {
      // bridge flushes its output after some events only: line-buffered, nothing is lost when it is stopped.
      const theirs = start('stdbuf', ['-oL', 'bridge', '-n', ns.name, 'monitor', what]);
      const ours = start(process.execPath, [main, 'bridge', '-n', ns.name, 'monitor', what]);
      let i = 0;
      const after = (text: string) => {
        const at = text.lastIndexOf(marks[what]!(i));
        return at < 0 ? undefined : text.slice(text.indexOf('\n', at) + 1);
      };
      for (;; i++) {
        assert.ok(i < 100, `monitor ${what} never started listening`);
        await probes[what]!(i);
        await sleep(300);
        if (after(theirs.out) !== undefined && after(ours.out) !== undefined) break;
      }
      await sleep(300);
      const [a0, o0] = [theirs.out.length, ours.out.length];
      if (what === 'fdb') {
        await b('fdb', 'add', '02:00:00:00:00:31', 'dev', 'd0', 'master', 'static');
        await b('fdb', 'add', '02:00:00:00:00:32', 'dev', 'vx0', 'dst', '192.0.2.7', 'vni', '7');
        await b('fdb', 'del', '02:00:00:00:00:31', 'dev', 'd0', 'master');
      } else if (what === 'mdb') {
        await b('mdb', 'add', 'dev', 'br0', 'port', 'd0', 'grp', '239.1.1.9', 'permanent');
        await b('mdb', 'del', 'dev', 'br0', 'port', 'd0', 'grp', '239.1.1.9');
      } else {
        await b('link', 'set', 'dev', 'd0', 'cost', '9');
        await ns.ip('link', 'set', 'd1', 'down');
      }
      // Each monitor prints in its own time (a loaded machine may lag one by seconds): wait, within bounds, until
      // ours printed as much as bridge did, then a little longer for anything past that.
      for (let k = 0; k < 100 && (theirs.out.length === a0 || ours.out.length - o0 < theirs.out.length - a0); k++) await sleep(100);
      await sleep(300);
      const [a, o] = await Promise.all([theirs.stop(), ours.stop()]);
      assert.ok(a.length > a0, `bridge monitor ${what} printed the changes`);
      assert.equal(o.slice(o0), a.slice(a0), `monitor ${what}`);
    }
  }, 'brmon');
});

test('nlkit bridge -batch, with and without -force, as bridge runs it', { timeout: 600_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nlkit-brbatch-'));
  try {
    const file = join(dir, 'batch');
    writeFileSync(file, 'fdb add 02:00:00:00:00:41 dev d0 master\nfdb add zz dev d0\nfdb add 02:00:00:00:00:41 dev d0 master\nlink set dev d0 cost 11\nfdb show brport d0 state permanent\n');
    for (const force of [[], ['-force']]) {
      const outcomes = [];
      for (const tool of ['bridge', 'nlkit']) {
        outcomes.push(await withNetns(async (ns) => {
          await build(ns);
          const args = ['-n', ns.name, ...force, '-batch', file];
          const r = tool === 'bridge' ? await run('bridge', args) : await run(process.execPath, [main, 'bridge', ...args]);
          const state = await run('bridge', ['-n', ns.name, '-j', 'link', 'show', 'dev', 'd0']);
          // The devices' own entries have the random MACs of each namespace's links.
          return { ...r, stdout: r.stdout.split('\n').filter((l) => l.startsWith('02:00:00:00:00:4')), state: JSON.parse(state.stdout) as unknown };
        }, 'brbatch'));
      }
      assert.deepEqual(outcomes[1], outcomes[0], `-batch ${force.join(' ')}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
