/**
 * The VLAN database printed as bridge 6.1 prints it. This kernel has no VLAN filtering (it refuses every
 * RTM_GETVLAN and RTM_NEWVLAN), so there is no live reply to record: the messages are built from the uapi layouts
 * (linux/if_bridge.h) and bridge's own printer is the reference — `bridge monitor file F` prints a file of netlink
 * messages with print_vlan_rtm, the function `bridge -d vlan show` and `bridge vlan global show` print with.
 * Then `bridge vlan global set` and `vlan set`: the requests held against the bytes bridge sends (strace), and
 * the answers of this kernel held against bridge's.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Value } from '../../api/object.js';
import { bridgeSchema } from '../../families/route/index.js';
import { withNetns } from '../../testing/netns.js';
import { captureRequests, haveStrace, type SentRequest } from '../../testing/strace.js';
import { cUnsigned } from './vlan-global.js';
import { VlanDbPrinter } from './vlan-db.js';

const main = fileURLToPath(new URL('../nlkit.js', import.meta.url));

function run(file: string, args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: 30_000 }, (err, stdout, stderr) => resolve({ status: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
  });
}

const router = (ports: { ifindex: number; timer?: number; type?: number }[]): Value => ({ router: { port: ports } });

/** Messages as the kernel builds them (br_vlan_fill_vids, br_vlan_global_opts_fill), with every option it sends. */
const messages: [name: 'newvlan' | 'delvlan', value: Value][] = [
  ['newvlan', { family: 7, ifindex: 3, entry: [
    { info: { flags: ['pvid', 'untagged'], vid: 1 }, state: 'forwarding', mcastRouter: 1 },
    { info: { flags: [], vid: 10 }, range: 20, state: 'blocking', mcastRouter: 2, stats: { rxBytes: 1234n, rxPackets: 5n, txBytes: 99n, txPackets: 1n } },
    { info: { flags: ['untagged'], vid: 30 }, state: 7 },
  ] }],
  ['newvlan', { family: 7, ifindex: 4, entry: [{ info: { flags: ['master', 'brentry'], vid: 5 }, range: 6, state: 'learning' }] }],
  ['delvlan', { family: 7, ifindex: 3, entry: [{ info: { flags: [], vid: 10 }, range: 20 }] }],
  ['newvlan', { family: 7, ifindex: 2, globalOptions: [
    {
      id: 1, mcastSnooping: 1, mcastQuerier: 0, mcastIgmpVersion: 2, mcastMldVersion: 1, mcastLastMemberCnt: 2, mcastStartupQueryCnt: 2,
      mcastLastMemberIntvl: 100n, mcastMembershipIntvl: 26000n, mcastQuerierIntvl: 25500n, mcastQueryIntvl: 12500n,
      mcastQueryResponseIntvl: 1000n, mcastStartupQueryIntvl: 3124n, mcastRouterPorts: router([{ ifindex: 3, timer: 12345, type: 1 }, { ifindex: 4, timer: 0, type: 2 }]),
    },
    { id: 100, range: 200, mcastSnooping: 0, mcastQuerier: 1, mcastIgmpVersion: 3, mcastMldVersion: 2, mcastLastMemberCnt: 7, mcastStartupQueryCnt: 9, mcastLastMemberIntvl: 18446744073709551615n, mcastRouterPorts: router([]) },
    { id: 300, mcastSnooping: 1 },
  ] }],
];

function file(dir: string): string {
  const path = join(dir, 'vlan.nl');
  writeFileSync(path, Buffer.concat(messages.map(([name, v]) => Buffer.from(bridgeSchema.encodeMessage(name, v).bytes))));
  return path;
}

/** What nlkit prints for the same messages, read back from their bytes as the monitor reads them. */
function ours(stats: number): string {
  let text = '';
  for (const [name, v] of messages) {
    const bytes = bridgeSchema.encodeMessage(name, v).bytes;
    const decoded = bridgeSchema.decodeBody('newvlan', bytes, 16, bytes.length);
    const printer = new VlanDbPrinter(new Map(), { json: false, pretty: false, stats, oneline: false }, (l) => (text += `${l}\n`), undefined);
    printer.message(decoded, name === 'delvlan', true);
  }
  return text;
}

test('VLAN entries and global options print as bridge prints them (bridge monitor file as the reference)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nlkit-vlandb-'));
  try {
    const f = file(dir);
    // bridge names the ifindexes by the links of its namespace: in a new one there are none but lo, so `ifN`.
    for (const stats of [0, 1]) {
      const theirs = await withNetns((ns) => run('bridge', ['-n', ns.name, ...(stats ? ['-s'] : []), 'monitor', 'file', f]), 'brvfile');
      assert.equal(theirs.status, 0, theirs.stderr);
      assert.ok(theirs.stdout.includes('mcast_query_response_interval 1000'), theirs.stdout);
      assert.equal(ours(stats), theirs.stdout, `bridge ${stats ? '-s ' : ''}monitor file`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('cUnsigned reads numbers as get_u8, get_u32 and get_u64 do', () => {
  assert.equal(cUnsigned('300', 8), undefined);
  assert.equal(cUnsigned('255', 8), 255n);
  assert.equal(cUnsigned('0x10', 8), 16n);
  assert.equal(cUnsigned('010', 8), 8n);
  assert.equal(cUnsigned('08', 8), undefined);
  assert.equal(cUnsigned('-1', 32), undefined);
  assert.equal(cUnsigned('-0', 8), 0n);
  assert.equal(cUnsigned('-1', 64), 18446744073709551615n);
  assert.equal(cUnsigned('18446744073709551616', 64), undefined);
  assert.equal(cUnsigned('5x', 32), undefined);
});

const SET_LINES = [
  'vlan global set vid 10 dev br0 mcast_snooping 1', 'vlan global set vid 10-20 dev br0 mcast_querier 1 mcast_igmp_version 3 mcast_mld_version 2',
  'vlan global set vid 10 dev br0 mcast_last_member_count 3 mcast_startup_query_count 4 mcast_last_member_interval 100',
  'vlan global set vid 10 dev br0 mcast_membership_interval 26000 mcast_querier_interval 25500 mcast_query_interval 0x30d4',
  'vlan global set vid 10 dev br0 mcast_query_response_interval 1000 mcast_startup_query_interval 3125',
  'vlan global set dev br0 vid 7 mcast_query_interval -1', 'vlan set vid 10 dev d0 state forwarding', 'vlan set vid 10-12 dev d0 state 2 mcast_router 1',
];

/** The last RTM_NEWVLAN a command sent: its decoded value and its bytes. */
function lastNewVlan(sent: SentRequest[]): { value: Value; bytes: string } | undefined {
  const m = sent.filter((r) => r.type === 112).pop();
  return m && { value: bridgeSchema.decodeBody('newvlan', Buffer.from(m.body), 0, m.body.length), bytes: Buffer.from(m.body).toString('hex') };
}

test('bridge vlan global set and vlan set send the bytes bridge sends, and fail as bridge fails here', { timeout: 600_000 }, async (t) => {
  if (!(await haveStrace())) return t.skip('strace is not installed (apt-get install strace)');
  await withNetns(async (ns) => {
    await ns.ip('link', 'add', 'br0', 'type', 'bridge');
    await ns.ip('link', 'add', 'd0', 'type', 'veth', 'peer', 'name', 'd1');
    await ns.ip('link', 'set', 'd0', 'master', 'br0');
    const failures: string[] = [];
    for (const line of SET_LINES) {
      const args = ['-n', ns.name, ...line.split(' ')];
      const theirs = lastNewVlan(await captureRequests('bridge', args));
      const mine = lastNewVlan(await captureRequests(process.execPath, [main, 'bridge', ...args]));
      assert.ok(theirs, `bridge ${line} sent its request`);
      try {
        assert.deepEqual(mine?.value, theirs.value);
        // bridge writes the options in the order of its command line; these lines give them in the kernel's order.
        assert.equal(mine?.bytes, theirs.bytes);
      } catch {
        failures.push(`${line}\n  bridge: ${theirs.bytes}\n  nlkit:  ${mine?.bytes}`);
      }
      const [a, b] = await Promise.all([run('bridge', args), run(process.execPath, [main, 'bridge', ...args])]);
      assert.deepEqual(b, a, line);
    }
    assert.deepEqual(failures, []);
  }, 'brvglob');
});
