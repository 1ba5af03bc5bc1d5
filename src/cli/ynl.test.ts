import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { withNetns } from '../testing/netns.js';
import { sharedSpec, withSharedSpecs } from '../testing/shared.js';

const exec = promisify(execFile);
const main = fileURLToPath(new URL('./nlkit.js', import.meta.url));
/** Without $YNL_SPECS from the caller's environment, unless the test sets it. */
const run = (args: string[], env: Record<string, string> = {}) => {
  const { YNL_SPECS: _, ...rest } = process.env;
  return exec(process.execPath, [main, ...args], { env: { ...rest, ...env } });
};

test('nlkit ynl --family: list ops and attributes, do and dump with JSON in and out, in a namespace', async () => {
  const ops = (await run(['ynl', '--family', 'ethtool', '--list-ops'])).stdout;
  assert.match(ops, /^channelsGet \(do dump\)$/m);
  const attrs = (await run(['ynl', '--family', 'ethtool', '--list-attrs', 'channels-get'])).stdout;
  assert.match(attrs, /^rxMax$/m);
  // A notification lists what it carries: dev-add-ntf is dev-get's reply.
  assert.match((await run(['ynl', '--family', 'netdev', '--list-attrs', 'dev-add-ntf'])).stdout, /^ifindex\nxdpFeatures\n/);
  const ctrl = (await run(['ynl', '--family', 'nlctrl', '--do', 'getfamily', '--json', '{"family-name":"nlctrl"}'])).stdout;
  assert.equal((JSON.parse(ctrl) as { familyId: number }).familyId, 16);
  await withNetns(async (ns) => {
    await ns.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
    const out = (await run(['-n', ns.name, 'ynl', '--family', 'netdev', '--dump', 'dev-get'])).stdout;
    assert.deepEqual(out.trim().split('\n').map((l) => (JSON.parse(l) as { ifindex: number }).ifindex), [1, 2, 3]);
    const ch = (await run(['-n', ns.name, 'ynl', '--family', 'ethtool', '--do', 'channels-get', '--json', '{"header":{"dev-name":"v0"}}'])).stdout;
    assert.deepEqual((JSON.parse(ch) as { rxMax: number; header: { devName: string } }).header.devName, 'v0');
  });
  await assert.rejects(run(['ynl', '--family', 'ethtool', '--do', 'channels-get', '--json', '{"header":{"dev-name":"nope0"}}']),
    (e: { code: number; stderr: string }) => e.code === 2 && /^Error: ENODEV: no device matches name \(attribute header\.devName\)/.test(e.stderr));
  await assert.rejects(run(['ynl', '--family', 'ethtool', '--frobnicate']),
    (e: { code: number; stderr: string }) => e.code === 1 && /unknown option "--frobnicate"/.test(e.stderr));
});

test('nlkit ynl --subscribe: each notification a JSON line with its attributes', { timeout: 600_000 }, async () => {
  await withNetns(async (ns) => {
    const child = spawn(process.execPath, [main, '-n', ns.name, 'ynl', '--family', 'netdev', '--subscribe', 'mgmt'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const lines: string[] = [];
      createInterface({ input: child.stdout }).on('line', (l) => lines.push(l));
      // The command subscribes some time after it starts: make devices until one is announced.
      for (let i = 0; i < 20 && lines.length === 0; i++) {
        await ns.ip('link', 'add', `a${i}`, 'type', 'veth', 'peer', 'name', `b${i}`);
        for (let t = 0; t < 10 && lines.length === 0; t++) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const line = lines[0];
      assert.ok(line, 'a notification');
      const n = JSON.parse(line) as { op: string; ifindex: number; xdpFeatures: unknown };
      assert.equal(n.op, 'devAddNtf');
      const ifindexes = (JSON.parse(await ns.ip('-j', 'link', 'show')) as { ifindex: number; ifname: string }[]).filter((l) => l.ifname !== 'lo').map((l) => l.ifindex);
      assert.ok(ifindexes.includes(n.ifindex), line);
      assert.ok(Array.isArray(n.xdpFeatures), line);
    } finally {
      child.kill();
    }
  });
});

test('nlkit ynl: --spec FILE, --family from $YNL_SPECS, --list-families, and the words refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nlkit-specs-'));
  try {
    // A spec of the test's own: the controller's getfamily with a few attributes (numbers as linux/genetlink.h).
    writeFileSync(join(dir, 'ctrl-part.yaml'), `
name: nlctrl
doc: the controller, in part
protocol: genetlink-legacy
attribute-sets:
  - { name: ctrl-attrs, attributes: [ { name: family-id, type: u16, value: 1 }, { name: family-name, type: string } ] }
operations:
  enum-model: directional
  list:
    - { name: getfamily, doc: by name, attribute-set: ctrl-attrs, do: { request: { value: 3 }, reply: { value: 1 } } }
`);
    const want = { familyId: 16, familyName: 'nlctrl' };
    assert.deepEqual(JSON.parse((await run(['ynl', '--spec', join(dir, 'ctrl-part.yaml'), '--do', 'getfamily', '--json', '{"family-name":"nlctrl"}'])).stdout), want);
    const byName = await run(['ynl', '--family', 'ctrl-part', '--do', 'getfamily', '--json', '{"family-name":"nlctrl"}'], { YNL_SPECS: `/nonexistent:${dir}` });
    assert.deepEqual(JSON.parse(byName.stdout), want);
    const families = (await run(['ynl', '--list-families'], { YNL_SPECS: dir })).stdout.trim().split('\n');
    for (const n of ['ctrl-part', 'ethtool', 'netdev', 'nlctrl', 'rt-link']) assert.ok(families.includes(n), n);
    assert.deepEqual(families, [...families].sort());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  await assert.rejects(run(['ynl', '--family', 'nope', '--list-ops']),
    (e: { code: number; stderr: string }) => e.code === 1 && /^Error: nope: no spec for family nope in \/usr\/share\/ynl\/specs/.test(e.stderr));
  await assert.rejects(run(['ynl', '--family', 'netdev', '--spec', 'x.yaml', '--list-ops']),
    (e: { code: number; stderr: string }) => e.code === 1 && /--spec and --family cannot be given together/.test(e.stderr));
  await assert.rejects(run(['ynl', '--list-ops']),
    (e: { code: number; stderr: string }) => e.code === 1 && /one of --spec FILE, --family NAME, --list-families is required/.test(e.stderr));
});

test('nlkit ynl --spec with the kernel\'s own spec files', withSharedSpecs, async () => {
  const ops = (await run(['ynl', '--spec', sharedSpec('linux-6.12/specs/ethtool.yaml'), '--list-ops'])).stdout;
  assert.equal(ops, (await run(['ynl', '--family', 'ethtool', '--list-ops'])).stdout);
  const ctrl = (await run(['ynl', '--spec', sharedSpec('linux-6.12/specs/nlctrl.yaml'), '--do', 'getfamily', '--json', '{"family-name":"nlctrl"}'])).stdout;
  assert.equal((JSON.parse(ctrl) as { familyId: number }).familyId, 16);
});
