/**
 * Which processes hold each socket (`ss -p`): every /proc/PID/fd link that reads `socket:[INODE]`, walked once per
 * run and only when asked. ss keeps them in a hash whose chains grow at the head, so a socket's holders print in
 * the reverse of the walk's order; so do these.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export function socketOwners(procRoot = '/proc', threads = false): Map<number, string> {
  const byInode = new Map<number, string[]>();
  let pids: string[];
  try {
    pids = readdirSync(procRoot);
  } catch {
    return new Map();
  }
  for (const p of pids) {
    if (!/^\d/.test(p)) continue;
    const pid = parseInt(p, 10);
    task(byInode, `${procRoot}/${p}`, pid, threads ? pid : undefined);
    if (!threads) continue;
    // -T: each other thread of the process, from /proc/PID/task/TID, under its own name.
    let tids: string[];
    try {
      tids = readdirSync(`${procRoot}/${p}/task`);
    } catch {
      continue;
    }
    for (const t of tids) {
      if (!/^\d/.test(t)) continue;
      const tid = parseInt(t, 10);
      if (tid !== pid) task(byInode, `${procRoot}/${p}/task/${t}`, pid, tid);
    }
  }
  const out = new Map<number, string>();
  for (const [ino, list] of byInode) out.set(ino, list.reverse().join(','));
  return out;
}

/** The sockets among one task's fds, each as ss prints its holder (`tid=` with -T). */
function task(byInode: Map<number, string[]>, dir: string, pid: number, tid: number | undefined): void {
  let fds: string[];
  try {
    fds = readdirSync(`${dir}/fd`);
  } catch {
    return;
  }
  let name: string | undefined;
  for (const f of fds) {
    if (!/^\d/.test(f)) continue;
    let link: string;
    try {
      link = readlinkSync(`${dir}/fd/${f}`);
    } catch {
      continue;
    }
    if (!link.startsWith('socket:[')) continue;
    const ino = parseInt(link.slice(8), 10);
    if (name === undefined) {
      try {
        const stat = readFileSync(`${dir}/stat`, 'latin1');
        const open = stat.indexOf('(');
        const close = stat.indexOf(')', open + 1);
        // fscanf's %[^)] into a 16-byte buffer: the name up to the first ')'.
        name = open < 0 ? '' : stat.slice(open + 1, close < 0 ? undefined : close);
      } catch {
        name = '';
      }
    }
    const entry = `("${name}",pid=${pid},${tid === undefined ? '' : `tid=${tid},`}fd=${parseInt(f, 10)})`;
    const list = byInode.get(ino);
    if (list) list.push(entry);
    else byInode.set(ino, [entry]);
  }
}
