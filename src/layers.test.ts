/**
 * The layer order of docs/architecture.md, enforced: a module may import only from its own layer or one below.
 * Tests may import any layer (they check how layers meet) and `src/testing`; nothing else may import `testing`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Bottom to top. `native` (the addon's loader) reads errno names from `wire`, which depends on nothing. */
const LAYERS = ['wire', 'native', 'socket', 'schema', 'families', 'ynl', 'api', 'cli'] as const;

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The top folder under src/ a path belongs to ('' for src/index.ts and other files at the top). */
function layerOf(path: string): string {
  const parts = relative(root, path).split(sep);
  return parts.length > 1 ? parts[0]! : '';
}

/** Relative specifiers of every static and dynamic import and re-export in a module. */
function importsOf(text: string): string[] {
  const found: string[] = [];
  const pattern = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)'(\.{1,2}\/[^']+)'/g;
  for (const m of text.matchAll(pattern)) found.push(m[1]!);
  return found;
}

function violations(): string[] {
  const bad: string[] = [];
  for (const file of sources(root)) {
    const from = layerOf(file);
    const isTest = file.endsWith('.test.ts');
    for (const spec of importsOf(readFileSync(file, 'utf8'))) {
      const to = layerOf(resolve(dirname(file), spec));
      if (to === from || from === '') continue;
      const where = `${relative(root, file)} imports ${spec}`;
      if (to === 'testing') {
        if (!isTest) bad.push(`${where}: only tests may use src/testing`);
        continue;
      }
      if (isTest || from === 'testing') continue;
      const a = LAYERS.indexOf(from as (typeof LAYERS)[number]);
      const b = LAYERS.indexOf(to as (typeof LAYERS)[number]);
      if (a < 0 || b < 0) bad.push(`${where}: folder not named in the layer order`);
      else if (b > a) bad.push(`${where}: ${from} may not import ${to} (above it)`);
    }
  }
  return bad;
}

test('every module imports only from its own layer or below (docs/architecture.md)', () => {
  assert.deepEqual(violations(), []);
});

test('the layer check sees an upward import', () => {
  assert.deepEqual(importsOf(`import { a } from '../api/x.js';\nexport * from './y.js';\nawait import('../cli/z.js');`), [
    '../api/x.js',
    './y.js',
    '../cli/z.js',
  ]);
  assert.equal(layerOf(join(root, 'schema', 'codec.ts')), 'schema');
});
