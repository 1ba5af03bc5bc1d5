/**
 * The package as a user gets it: `npm pack`, installed into a new project in a temporary folder, imported as an
 * ES module and through `require`, and its CLI run. Also pins what the tarball holds and leaves out.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

/** The name a family's module exports its declaration under: kebab or snake case to camel case. */
function exportName(specifier: string): string {
  return specifier.slice('nlkit/families/'.length).replace(/[-_](.)/g, (_, c: string) => c.toUpperCase());
}

test('the packed tarball installs, imports (ESM and require) and runs its CLI', { timeout: 600_000 }, () => {
  const work = mkdtempSync(join(tmpdir(), 'nlkit-pack-'));
  try {
    // --ignore-scripts: `prepare` would rebuild dist/ under the other tests' feet; dist/ is already built.
    const packed = JSON.parse(
      execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: root, encoding: 'utf8' }),
    ) as { filename: string; files: { path: string }[] }[];
    const shipped = packed[0]!.files.map((f) => f.path);
    assert.ok(shipped.includes('LICENSE'), 'LICENSE is shipped');
    assert.ok(shipped.includes('dist/src/cli/nlkit.js'), 'the CLI bundle is shipped');
    assert.ok(shipped.includes('binding.gyp') && shipped.includes('native/socket.c'), 'the addon sources are shipped');
    assert.ok(shipped.includes('dist/ui/page.js') && shipped.includes('dist/ui/page.css'), "nlkit ui's page is shipped built");
    assert.deepEqual(
      shipped.filter((p) => /\.test\.|\/testing\/|(^|\/)bench|^dist\/(bench|tools)\//.test(p)),
      [],
      'no tests, test helpers or benchmarks',
    );
    assert.deepEqual(
      shipped.filter((p) => p.startsWith('dist/src/cli/') && !/\/((nlkit|ynl|decode|usage)\.js(\.map)?|nlkit\.cjs)$/.test(p)),
      [],
      'no unbundled copy of the CLI beside the bundle (ynl.js, decode.js and usage.js are loaded by it on demand)',
    );

    const project = join(work, 'app');
    execFileSync('mkdir', ['-p', project]);
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'app', version: '1.0.0', private: true, type: 'module', allowScripts: { nlkit: true } }),
    );
    execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', join(work, packed[0]!.filename)], {
      cwd: project,
      stdio: 'pipe',
    });
    const installed = join(project, 'node_modules', 'nlkit');
    assert.ok(existsSync(join(installed, 'build', 'Release', 'nlkit.node')), 'the install script built the addon');
    for (const map of files(join(installed, 'dist')).filter((p) => p.endsWith('.map'))) {
      const { sources } = JSON.parse(readFileSync(map, 'utf8')) as { sources: string[] };
      for (const s of sources) assert.ok(existsSync(resolve(dirname(map), s)), `${map} points at ${s}, which is shipped`);
    }

    const program = `
      import { NetlinkSocket, Protocol, GenlController, SchemaError, NetlinkError, SystemError, YnlFamily } from 'nlkit';
      import { nlctrl } from 'nlkit/families/nlctrl';
      const socket = NetlinkSocket.open(Protocol.GENERIC);
      const family = await new GenlController(socket).family('nlctrl');
      socket.close();
      const session = await new YnlFamily(nlctrl).open();
      const [reply] = await session.do('getfamily', { familyName: 'nlctrl' });
      session.close();
      console.log(family.id, reply.familyId, typeof SchemaError, typeof NetlinkError, typeof SystemError);`;
    writeFileSync(join(project, 'esm.mjs'), program);
    assert.equal(execFileSync('node', ['esm.mjs'], { cwd: project, encoding: 'utf8' }).trim(), '16 16 function function function');
    // Every subpath export (one per shipped family declaration) loads and has its type declarations.
    const { exports } = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { exports: Record<string, { types: string }> };
    const subpaths = Object.entries(exports).filter(([p]) => p !== '.');
    const specifiers = subpaths.map(([p]) => `nlkit${p.slice(1)}`);
    const load = `for (const s of ${JSON.stringify(specifiers)}) console.log(s, Object.keys(await import(s)).join());`;
    const loaded = execFileSync('node', ['--input-type=module', '-e', load], { cwd: project, encoding: 'utf8' });
    assert.deepEqual(loaded.trim().split('\n').map((l) => l.split(' ')), specifiers.map((s) => [s, exportName(s)]), 'each exports its declaration alone');
    for (const [subpath, { types }] of subpaths) assert.ok(existsSync(join(installed, types)), `nlkit${subpath.slice(1)} has its types (${types})`);

    // require(esm) is on by default from Node 20.19: CommonJS callers load the same module.
    writeFileSync(join(project, 'cjs.cjs'), `const nl = require('nlkit'); console.log(typeof nl.NetlinkSocket.open);`);
    assert.equal(execFileSync('node', ['cjs.cjs'], { cwd: project, encoding: 'utf8' }).trim(), 'function');

    const genl = execFileSync(join(project, 'node_modules', '.bin', 'nlkit'), ['genl'], { cwd: project, encoding: 'utf8' });
    assert.match(genl, /^nlctrl +id 16 /m);

    // `nlkit ui` finds its page in the installed package (read-only, on loopback).
    const ui = `
      import { spawn } from 'node:child_process';
      const child = spawn('node_modules/.bin/nlkit', ['ui', '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'inherit'] });
      const url = await new Promise((resolve) => child.stdout.on('data', (d) => { const m = /http:[^ \\n]+/.exec(String(d)); if (m) resolve(m[0]); }));
      const r = await fetch(new URL('page.js', url));
      console.log(r.status, (await r.text()).length);
      child.kill();`;
    const served = execFileSync('node', ['--input-type=module', '-e', ui], { cwd: project, encoding: 'utf8' }).trim();
    assert.equal(served, `200 ${readFileSync(join(installed, 'dist', 'ui', 'page.js'), 'utf8').length}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
