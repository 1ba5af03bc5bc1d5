/**
 * `nlkit netns`: `list` (`show`, `ls`) as ip prints it — the names under /run/netns in directory order, each with
 * the id this namespace gave it, if any — `add NAME`, `del NAME`, `set NAME NSID|auto`, `list-id`, `identify [PID]`,
 * `pids NAME` and `exec NAME COMMAND…`.
 */
import { opendirSync, statSync } from 'node:fs';
import { constants } from 'node:os';
import { addNetns, deleteNetns, identifyNetns, netnsPids, spawnInNetns, NETNS_RUN_DIR } from '../api/netns.js';
import type { RouteNetlink } from '../api/route-netlink.js';
import { describeErrno } from '../wire/errors.js';
import { ipJson } from './json.js';
import { fail, integer, invarg, matches, refuse, unknownCommand } from './args.js';

export interface NetnsOptions {
  json: boolean;
  pretty: boolean;
  /** -n NAME: the namespace ip would have moved into. */
  netns?: string | undefined;
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

/** ip's invalid_name(): what cannot be a file under /run/netns. */
const invalidName = (name: string) => name === '' || Buffer.byteLength(name) > 255 || name.includes('/') || name === '.' || name === '..';

/** An errno of a file operation, in strerror's words. */
const reason = (e: unknown) => describeErrno(-((e as { errno?: number }).errno ?? 0));

export async function netns(open: () => Promise<RouteNetlink>, verb: string | undefined, args: string[], options: NetnsOptions, out: (line: string) => void): Promise<void> {
  const v = verb ?? 'list';
  if (verb !== undefined && args.length > 0 && invalidName(args[0]!)) throw refuse(`Invalid netns name "${args[0]}"`);
  if (matches(v, 'list') || matches(v, 'show') || matches(v, 'lst')) {
    const rows = await namedIds(await open());
    if (options.json) out(ipJson(rows, options.pretty));
    else for (const r of rows) out(r.id === undefined ? r.name : `${r.name} (id: ${r.id})`);
    return;
  }
  if (matches(v, 'list-id')) {
    const rt = await open();
    const byId = new Map<number, string>();
    for (const { name, id } of await namedIds(rt)) if (id !== undefined && !byId.has(id)) byId.set(id, name);
    const rows = (await rt.nsid.list()).map((e) => ({ nsid: e.nsid, ...(byId.has(e.nsid) ? { name: byId.get(e.nsid)! } : {}) }));
    if (options.json) out(ipJson(rows, options.pretty));
    else for (const r of rows) out(r.name === undefined ? `nsid ${r.nsid} ` : `nsid ${r.nsid} (iproute2 netns name: ${r.name})`);
    return;
  }
  if (matches(v, 'identify')) {
    if (args.length > 1) throw fail('extra arguments specified');
    if (args[0] !== undefined && !/^\d+$/.test(args[0])) throw fail(`Specified string '${args[0]}' is not a pid`);
    // Under -n, ip has moved itself into that namespace: "self" is it, and so are the names sharing its inode.
    if (args[0] === undefined && options.netns !== undefined) {
      const self = statSync(`${NETNS_RUN_DIR}/${options.netns}`);
      for (const name of names()) {
        const st = statSync(`${NETNS_RUN_DIR}/${name}`, { throwIfNoEntry: false });
        if (st && st.ino === self.ino && st.dev === self.dev) out(name);
      }
      return;
    }
    for (const name of identifyNetns(args[0] === undefined ? 'self' : Number(args[0]))) out(name);
    return;
  }
  const name = args[0];
  if (matches(v, 'add')) {
    if (name === undefined) throw fail('No netns name specified');
    try {
      addNetns(name);
    } catch (e) {
      throw fail(`Cannot create namespace file "${NETNS_RUN_DIR}/${name}": ${reason(e)}`);
    }
    return;
  }
  if (matches(v, 'set')) {
    if (name === undefined) throw fail('No netns name specified');
    if (args[1] === undefined) throw fail('No nsid specified');
    const id = args[1] === 'auto' ? -1 : integer(args[1]);
    if (id === undefined) throw invarg('Invalid "netnsid" value', args[1]);
    if (id < -1 || (id === -1 && args[1] !== 'auto')) throw invarg('"netnsid" value should be >= 0', args[1]);
    return (await open()).nsid.set(name, id);
  }
  if (matches(v, 'delete')) {
    if (name === undefined) throw fail('No netns name specified');
    try {
      deleteNetns(name);
    } catch (e) {
      throw fail(`Cannot remove namespace file "${NETNS_RUN_DIR}/${name}": ${reason(e)}`);
    }
    return;
  }
  if (matches(v, 'pids')) {
    if (name === undefined) throw fail('No netns name specified');
    if (args.length > 1) throw fail('extra arguments specified');
    for (const pid of netnsPids(name)) out(String(pid));
    return;
  }
  if (matches(v, 'exec')) {
    if (name === undefined) throw fail('No netns name specified');
    return exec(name, args.slice(1));
  }
  if (matches(v, 'attach')) {
    if (args.length < 2) throw fail('No netns name and PID specified');
    const pid = integer(args[1]!);
    if (!pid) throw fail(`Invalid PID: ${args[1]}`);
  }
  if (matches(v, 'monitor') || matches(v, 'attach')) throw refuse(`"ip netns ${v}" is not supported by nlkit.`);
  throw unknownCommand(v, 'netns');
}

/** Run the command in the namespace with this terminal, and exit with its status, as `ip netns exec` does. */
function exec(name: string, command: string[]): Promise<void> {
  const [file, ...args] = command;
  if (file === undefined) throw fail('No command specified');
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
