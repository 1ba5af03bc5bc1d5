/**
 * The API reference is generated from doc comments (`npm run docs`, typedoc.json), so every name the package
 * exports must have one: a class, function, interface, type, variable or method without one fails this test, named.
 * TypeDoc is a devDependency: without it (a production install) there is nothing to check with, and the test says so.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const typedoc = join(root, 'node_modules', 'typedoc', 'bin', 'typedoc');

test('every exported name has a doc comment (typedoc validation)', { timeout: 600_000 }, async (t) => {
  if (!existsSync(typedoc)) {
    t.skip('typedoc is not installed (a production install): the doc-comment check needs the devDependencies');
    return;
  }
  // Type-checks the public modules once (about 15 s of CPU; a minute on a loaded machine), emits nothing.
  const { code, output } = await new Promise<{ code: number | null; output: string }>((done) => {
    execFile(process.execPath, [typedoc, '--emit', 'none'], { cwd: root, timeout: 170_000, maxBuffer: 1 << 24, env: { ...process.env, NO_COLOR: '1' } }, (e, stdout, stderr) => {
      done({ code: e ? (typeof e.code === 'number' ? e.code : null) : 0, output: `${stdout}${stderr}`.replace(/\x1b\[[0-9;]*m/g, '') });
    });
  });
  const undocumented = output.split('\n').filter((l) => l.includes('does not have any documentation'));
  assert.deepEqual(undocumented, [], 'names exported without a doc comment');
  assert.equal(code, 0, `typedoc failed:\n${output}`);
});
