import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { withNetns } from '../testing/netns.js';

const run = promisify(execFile);
const main = fileURLToPath(new URL('./nlkit.js', import.meta.url));

test('nlkit -batch: one command per line; a failure stops the batch unless -force, naming FILE:LINE', async () => {
  await withNetns(async (ns) => {
    const file = join(tmpdir(), `nlkit-batch-${process.pid}`);
    try {
      writeFileSync(file, [
        '# a comment line',
        'link add v0 type veth peer name v1',
        'link set v0 up',
        'address add 192.0.2.1/24 dev v0',
        'route add 10.0.0.0/24 via 192.0.2.2',
        'route add 10.0.0.0/24 via 192.0.2.2',
        'route add 10.0.1.0/24 via 192.0.2.2',
        '',
      ].join('\n'));
      await assert.rejects(run(process.execPath, [main, '-n', ns.name, '-batch', file]), (e: { code: number; stderr: string }) =>
        e.code === 1 && e.stderr === `Error: EEXIST: File exists\nCommand failed ${file}:6\n`);
      assert.doesNotMatch(await ns.ip('route', 'show'), /10\.0\.1\.0/, 'nothing after the failing line ran');

      writeFileSync(file, ['route add 10.0.0.0/24 via 192.0.2.2', 'route add 10.0.2.0/24 via 192.0.2.2', 'route add 10.0.3.0/24 via 192.0.2.2', 'bogus word'].join('\n'));
      await assert.rejects(run(process.execPath, [main, '-n', ns.name, '-force', '-batch', file]), (e: { code: number; stderr: string }) =>
        e.code === 1 && /Command failed .*:1\n/.test(e.stderr) && /Object "bogus" is unknown[^]*Command failed .*:4\n/.test(e.stderr));
      assert.match(await ns.ip('route', 'show'), /10\.0\.2\.0\/24[^]*10\.0\.3\.0\/24/);
    } finally {
      rmSync(file, { force: true });
    }
  });
});
