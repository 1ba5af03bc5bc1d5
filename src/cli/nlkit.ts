#!/usr/bin/env node
/**
 * The `nlkit` command. It runs the CLI bundle (nlkit.cjs, esbuild's script of main.ts and all it loads) with V8's
 * code cache: parsing the 1.6 MB bundle on every start costs more than most commands' own work, and Node 20 caches
 * no code for ES modules. The cache (nlkit.cache) holds the bytecode of what a run compiled; the build writes it
 * after a `link show`, and a run that finds none, or one made for another bundle or Node, writes it when it exits.
 *
 * No imports: an ES module's import of a built-in builds the module's whole export list (node:fs's loads streams).
 */
const fs = process.getBuiltinModule('node:fs');
const vm = process.getBuiltinModule('node:vm');
const { createRequire } = process.getBuiltinModule('node:module');
const { fileURLToPath } = process.getBuiltinModule('node:url');

/** What the bundle evaluates to (esbuild's banner and footer wrap it in this function). */
type Entry = (require: NodeJS.Require, importMetaUrl: string, importModule: (specifier: string) => Promise<unknown>) => void;

const bundle = fileURLToPath(new URL('nlkit.cjs', import.meta.url));
const cacheFile = fileURLToPath(new URL('nlkit.cache', import.meta.url));
/**
 * V8 checks a cache against the source's length only: the header also names the bundle's mtime and this Node, so a
 * rebuilt bundle of the same length never runs another's bytecode. Fixed length, so the data after it stays aligned.
 */
const HEADER = 128;

const fd = fs.openSync(bundle, 'r');
const { size, mtimeMs } = fs.fstatSync(fd);
const source = fs.readFileSync(fd, 'utf8');
fs.closeSync(fd);
const header = Buffer.from(`nlkit code cache; node ${process.version} ${process.arch}; bundle ${size} ${mtimeMs}\n`.padEnd(HEADER).slice(0, HEADER));

let cachedData: Buffer | undefined;
try {
  const data = fs.readFileSync(cacheFile);
  if (data.length > HEADER && data.subarray(0, HEADER).equals(header)) cachedData = data.subarray(HEADER);
} catch {
  // No cache yet: this run makes it.
}

const script = new vm.Script(source, { filename: bundle, cachedData });
// A cache V8 refused although its header matched was made under other V8 flags: kept for the runs without them.
if (cachedData === undefined) process.once('exit', writeCache);
(script.runInThisContext() as Entry)(createRequire(bundle), new URL('nlkit.cjs', import.meta.url).href, (specifier) => import(specifier));

/** After the run, so the functions it compiled lazily are in the cache; atomic, and given up where not writable. */
function writeCache(): void {
  const tmp = `${cacheFile}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, Buffer.concat([header, script.createCachedData()]));
    fs.renameSync(tmp, cacheFile);
  } catch {
    fs.rmSync(tmp, { force: true });
  }
}
