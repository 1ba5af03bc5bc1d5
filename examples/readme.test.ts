/** The README's library snippet runs as written, with only the namespace's name made unique to this test. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deleteNetns } from '../src/api/netns.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

test("the README's library snippet runs as written", async () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Using the library'));
  const snippet = /```ts\n([\s\S]*?)```/.exec(section)![1]!;
  const name = `nlkit-readme-${process.pid}`;
  // Inside the package, so that `import … from 'nlkit'` resolves to this build as it would for a user.
  const file = join(root, 'dist', `readme-snippet-${process.pid}.mjs`);
  writeFileSync(file, snippet.replaceAll("'blue'", `'${name}'`));
  try {
    const out = await new Promise<string>((resolve, reject) =>
      execFile('node', [file], { timeout: 60_000 }, (e, stdout, stderr) => (e ? reject(new Error(`${e.message}\n${stderr}`)) : resolve(stdout))),
    );
    assert.match(out, /^10\.0\.0\.0\/24 192\.0\.2\.2 \d+ 10$/m);
  } finally {
    rmSync(file, { force: true });
    try {
      deleteNetns(name);
    } catch {
      // not made: the snippet failed before addNetns
    }
  }
});
