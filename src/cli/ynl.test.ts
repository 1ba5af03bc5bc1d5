import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { withNetns } from '../testing/netns.js';

const run = promisify(execFile);
const main = fileURLToPath(new URL('./nlkit.js', import.meta.url));
const specs = join(fileURLToPath(new URL('../../../', import.meta.url)), '..', 'shared', 'ynl-specs', 'linux-6.12', 'specs');

test('nlkit ynl: list ops and attributes, do and dump with JSON in and out, in a namespace', async () => {
  const ops = (await run(process.execPath, [main, 'ynl', '--spec', join(specs, 'ethtool.yaml'), '--list-ops'])).stdout;
  assert.match(ops, /^channelsGet \(do dump\)$/m);
  const attrs = (await run(process.execPath, [main, 'ynl', '--spec', join(specs, 'ethtool.yaml'), '--list-attrs', 'channels-get'])).stdout;
  assert.match(attrs, /^rxMax$/m);
  const ctrl = (await run(process.execPath, [main, 'ynl', '--spec', join(specs, 'nlctrl.yaml'), '--do', 'getfamily', '--json', '{"family-name":"nlctrl"}'])).stdout;
  assert.equal((JSON.parse(ctrl) as { familyId: number }).familyId, 16);
  await withNetns(async (ns) => {
    await ns.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
    const out = (await run(process.execPath, [main, '-n', ns.name, 'ynl', '--spec', join(specs, 'netdev.yaml'), '--dump', 'dev-get'])).stdout;
    assert.deepEqual(out.trim().split('\n').map((l) => (JSON.parse(l) as { ifindex: number }).ifindex), [1, 2, 3]);
    const ch = (await run(process.execPath, [main, '-n', ns.name, 'ynl', '--spec', join(specs, 'ethtool.yaml'), '--do', 'channels-get', '--json', '{"header":{"dev-name":"v0"}}'])).stdout;
    assert.deepEqual((JSON.parse(ch) as { rxMax: number; header: { devName: string } }).header.devName, 'v0');
  });
  await assert.rejects(run(process.execPath, [main, 'ynl', '--spec', join(specs, 'ethtool.yaml'), '--do', 'channels-get', '--json', '{"header":{"dev-name":"nope0"}}']),
    (e: { code: number; stderr: string }) => e.code === 2 && /^Error: ENODEV: no device matches name \(attribute header\.devName\)/.test(e.stderr));
  await assert.rejects(run(process.execPath, [main, 'ynl', '--spec', join(specs, 'ethtool.yaml'), '--frobnicate']),
    (e: { code: number; stderr: string }) => e.code === 1 && /unknown option "--frobnicate"/.test(e.stderr));
});
