/**
 * No import cycles inside src/: a module that imports one which imports it back sees that module half-loaded
 * (its `const`s not yet set), which the schema once worked around by building tables on first use. Read from the
 * compiled modules beside this test, what Node loads; and from the TypeScript sources, where a type-only import
 * back is a cycle too: it ties two modules' designs together even though Node never sees it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));

function sources(dir: string, suffix = '.js'): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path, suffix);
    return name.endsWith(suffix) && !name.endsWith(`.test${suffix}`) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The TypeScript sources of src/, beside dist/ (the compiled tests run from dist/src). */
const sourceRoot = resolve(root, '..', '..', 'src');

/** The modules a compiled module imports or re-exports, statically or dynamically, as absolute paths. */
function importsOf(file: string, text: string): string[] {
  const found: string[] = [];
  const pattern = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)'(\.{1,2}\/[^']+)'/g;
  const ts = file.endsWith('.ts');
  for (const m of text.matchAll(pattern)) found.push(resolve(dirname(file), ts ? m[1]!.replace(/\.js$/, '.ts') : m[1]!));
  return found;
}

/** Every cycle's modules, each cycle once, found by a depth-first walk (tests left out: nothing imports them). */
function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') found.push(stack.slice(stack.indexOf(next)).map((f) => relative(root, f)));
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return found;
}

function graphOf(files: Map<string, string>): Map<string, string[]> {
  return new Map([...files].map(([file, text]) => [file, importsOf(file, text)]));
}

test('no module inside src/ imports itself back through others', () => {
  const files = new Map(sources(root).map((f) => [f, readFileSync(f, 'utf8')]));
  assert.deepEqual(cycles(graphOf(files)), []);
});

test('no module inside src/ imports itself back, counting type-only imports', () => {
  const files = new Map(sources(sourceRoot, '.ts').map((f) => [f, readFileSync(f, 'utf8')]));
  assert.ok(files.size > 100, `the sources are at ${sourceRoot}`);
  assert.deepEqual(cycles(graphOf(files)).map((c) => c.map((f) => relative(sourceRoot, resolve(root, f)))), []);
});

test('the cycle check sees a cycle through imports, re-exports and dynamic imports', () => {
  const a = join(root, 'x', 'a.js'), b = join(root, 'x', 'b.js'), c = join(root, 'x', 'c.js');
  const files = new Map([
    [a, `import { b } from './b.js';`],
    [b, `export const b = await import('./c.js');`],
    [c, `export { a } from './a.js';`],
  ]);
  assert.deepEqual(cycles(graphOf(files)), [['x/a.js', 'x/b.js', 'x/c.js']]);
  assert.deepEqual(cycles(graphOf(new Map([[a, `import { b } from './b.js';`], [b, 'export const b = 1;']]))), []);
});
