/**
 * `nlkit netns`: `list` (`show`, `ls`) as ip prints it — the names under /run/netns in directory order, each with
 * the id this namespace gave it, if any — `add NAME`, `del NAME`, `set NAME NSID|auto`, `list-id`, `identify [PID]`,
 * `pids NAME` and `exec NAME COMMAND…`.
 */
import { opendirSync } from 'node:fs';
import { constants } from 'node:os';
import { addNetns, deleteNetns, identifyNetns, netnsPids, spawnInNetns, NETNS_RUN_DIR } from '../api/netns.js';
import type { RouteNetlink } from '../api/route-netlink.js';
import { describeErrno } from '../wire/errors.js';
import { ipJson } from './json.js';
import { UsageError } from './usage.js';

export interface NetnsOptions {
  json: boolean;
  pretty: boolean;
}

/** The names in directory order, as ip's readdir walk sees them (fs.readdirSync would sort them). */
function names(): string[] {
  let dir;
  try {
    dir = opendirSync(NETNS_RUN_DIR);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const out: string[] = [];
  try {
    for (let d = dir.readSync(); d; d = dir.readSync()) if (d.name !== '.' && d.name !== '..') out.push(d.name);
  } finally {
    dir.closeSync();
  }
  return out;
}

/** The named namespaces in directory order, each with the id this namespace gave it, if any. */
async function namedIds(rt: RouteNetlink): Promise<{ name: string; id?: number }[]> {
  const rows: { name: string; id?: number }[] = [];
  for (const name of names()) {
    // A namespace removed between the walk and the lookup is simply shown without an id, as ip does.
    const id = await rt.nsid.get(name).catch(() => undefined);
    rows.push(id === undefined ? { name } : { name, id });
  }
  return rows;
}

export async function netns(open: () => Promise<RouteNetlink>, verb: string | undefined, args: string[], options: NetnsOptions, out: (line: string) => void): Promise<void> {
  const v = verb ?? 'list';
  if (v === 'list' || v === 'show' || v === 'ls' || v === 'lst') {
    const rows = await namedIds(await open());
    if (options.json) out(ipJson(rows, options.pretty));
    else for (const r of rows) out(r.id === undefined ? r.name : `${r.name} (id: ${r.id})`);
    return;
  }
  if (v === 'list-id') {
    const rt = await open();
    const byId = new Map<number, string>();
    for (const { name, id } of await namedIds(rt)) if (id !== undefined && !byId.has(id)) byId.set(id, name);
    const rows = (await rt.nsid.list()).map((e) => ({ nsid: e.nsid, ...(byId.has(e.nsid) ? { name: byId.get(e.nsid)! } : {}) }));
    if (options.json) out(ipJson(rows, options.pretty));
    else for (const r of rows) out(r.name === undefined ? `nsid ${r.nsid} ` : `nsid ${r.nsid} (iproute2 netns name: ${r.name})`);
    return;
  }
  if (v === 'identify') {
    const pid = args[0] === undefined ? 'self' : Number(args[0]);
    if (pid !== 'self' && !Number.isInteger(pid)) throw new UsageError(`Invalid pid "${args[0]}"`);
    for (const name of identifyNetns(pid)) out(name);
    return;
  }
  const name = args[0];
  if (name === undefined) throw new UsageError(`"netns ${v}" needs a NAME`);
  if (v === 'pids') {
    for (const pid of netnsPids(name)) out(String(pid));
    return;
  }
  if (v === 'exec') return exec(name, args.slice(1));
  if (v === 'set') {
    const id = args[1] === 'auto' ? -1 : Number(args[1]);
    if (args[1] === undefined || !Number.isInteger(id) || id < -1) throw new UsageError(`Invalid netns id "${args[1] ?? ''}" (auto or a number)`);
    return (await open()).nsid.set(name, id);
  }
  if (args.length > 1) throw new UsageError(`"${args[1]}" is garbage after the name`);
  if (v === 'add' || v === 'a') addNetns(name);
  else if (v.length >= 3 && 'delete'.startsWith(v)) deleteNetns(name);
  else throw new UsageError(`Command "${v}" is unknown, try "nlkit netns help".`);
}

/** Run the command in the namespace with this terminal, and exit with its status, as `ip netns exec` does. */
function exec(name: string, command: string[]): Promise<void> {
  const [file, ...args] = command;
  if (file === undefined) throw new UsageError('No command specified');
  return new Promise((resolve) => {
    const child = spawnInNetns(name, file, args, { stdio: 'inherit' });
    child.once('error', (e) => {
      const errno = (e as NodeJS.ErrnoException).errno;
      process.stderr.write(`exec of "${file}" failed: ${errno === undefined ? e.message : describeErrno(-errno)}\n`);
      process.exitCode = 255;
      resolve();
    });
    child.once('exit', (code, signal) => {
      // Killed by a signal: the shell's convention, 128 + its number.
      process.exitCode = code ?? 128 + (signal === null ? 0 : constants.signals[signal]);
      resolve();
    });
  });
}
