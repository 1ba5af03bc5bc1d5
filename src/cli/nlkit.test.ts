import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('.', import.meta.url));
const root = join(cli, '..', '..', '..');

/** A copy of the package's CLI in a directory of its own, so the test owns its code cache. */
function withCopy(fn: (dir: string, run: (...args: string[]) => string) => void): void {
  const top = mkdtempSync(join(tmpdir(), 'nlkit-launch-'));
  try {
    const dir = join(top, 'dist', 'src', 'cli');
    mkdirSync(dir, { recursive: true });
    for (const f of ['nlkit.js', 'nlkit.cjs']) copyFileSync(join(cli, f), join(dir, f));
    copyFileSync(join(root, 'package.json'), join(top, 'package.json'));
    symlinkSync(join(root, 'build'), join(top, 'build'));
    fn(dir, (...args) => execFileSync(process.execPath, [...args.filter((a) => a.startsWith('--')), join(dir, 'nlkit.js'), ...args.filter((a) => !a.startsWith('--'))], { encoding: 'utf8' }));
  } finally {
    rmSync(top, { recursive: true, force: true });
  }
}

const version = `nlkit utility, nlkit-${(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version}\n`;

test('the launcher writes its code cache when it has none, then runs from it without writing again', () =>
  withCopy((dir, run) => {
    const cache = join(dir, 'nlkit.cache');
    assert.equal(run('-V'), version);
    assert.match(readFileSync(cache, 'latin1').slice(0, 128), /^nlkit code cache; node v\d+\.\d+\.\d+ \w+; bundle \d+ [\d.]+\n +$/);
    const made = statSync(cache);
    assert.equal(run('-V'), version);
    assert.deepEqual([statSync(cache).ino, statSync(cache).mtimeMs], [made.ino, made.mtimeMs]);
  }));

test('a cache of another bundle (same length, other mtime) or of garbage is not used, and is replaced', () =>
  withCopy((dir, run) => {
    const cache = join(dir, 'nlkit.cache');
    run('-V');
    // The same bytes with another mtime stand for a rebuilt bundle of the same length: its cache is another's.
    const later = new Date(statSync(join(dir, 'nlkit.cjs')).mtimeMs + 5000);
    utimesSync(join(dir, 'nlkit.cjs'), later, later);
    const before = statSync(cache).ino;
    assert.equal(run('-V'), version);
    assert.notEqual(statSync(cache).ino, before);
    // A header that matches over bytes V8 does not recognise: V8 refuses them and the run goes on without.
    writeFileSync(cache, Buffer.concat([readFileSync(cache).subarray(0, 128), Buffer.alloc(4096, 0x5a)]));
    assert.equal(run('-V'), version);
  }));

test('a cache V8 refuses for other flags is kept for the runs without them', () =>
  withCopy((dir, run) => {
    const cache = join(dir, 'nlkit.cache');
    run('-V');
    const made = statSync(cache);
    assert.equal(run('--no-opt', '-V'), version);
    assert.equal(statSync(cache).ino, made.ino);
  }));

test('a cache it cannot write: the run goes on, and leaves no temporary file behind', () =>
  withCopy((dir, run) => {
    mkdirSync(join(dir, 'nlkit.cache'));
    assert.equal(run('-V'), version);
    assert.deepEqual(readdirSync(dir).sort(), ['nlkit.cache', 'nlkit.cjs', 'nlkit.js']);
  }));
