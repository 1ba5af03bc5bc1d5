/**
 * `nlkit netns`: `list` (`show`, `ls`) as ip prints it — the names under /run/netns in directory order, each with
 * the id this namespace gave it, if any — and `add NAME`, `del NAME`.
 */
import { opendirSync } from 'node:fs';
import { addNetns, deleteNetns, NETNS_RUN_DIR } from '../api/netns.js';
import type { RouteNetlink } from '../api/route-netlink.js';
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

export async function netns(open: () => Promise<RouteNetlink>, verb: string | undefined, args: string[], options: NetnsOptions, out: (line: string) => void): Promise<void> {
  const v = verb ?? 'list';
  if (v === 'list' || v === 'show' || v === 'ls' || v === 'lst') {
    const rt = await open();
    const rows: { name: string; id?: number }[] = [];
    for (const name of names()) {
      // A namespace removed between the walk and the lookup is simply shown without an id, as ip does.
      const id = await rt.nsid.get(name).catch(() => undefined);
      rows.push(id === undefined ? { name } : { name, id });
    }
    if (options.json) out(ipJson(rows, options.pretty));
    else for (const r of rows) out(r.id === undefined ? r.name : `${r.name} (id: ${r.id})`);
    return;
  }
  const name = args[0];
  if (name === undefined) throw new UsageError(`"netns ${v}" needs a NAME`);
  if (args.length > 1) throw new UsageError(`"${args[1]}" is garbage after the name`);
  if (v === 'add' || v === 'a') addNetns(name);
  else if (v.length >= 3 && 'delete'.startsWith(v)) deleteNetns(name);
  else throw new UsageError(`Command "${v}" is unknown, try "nlkit netns help".`);
}
