/**
 * Which processes hold each socket (`ss -p`): every /proc/PID/fd link that reads `socket:[INODE]`, walked once per
 * run and only when asked. ss keeps them in a hash whose chains grow at the head, so a socket's holders print in
 * the reverse of the walk's order; so do these.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export function socketOwners(procRoot = '/proc'): Map<number, string> {
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
    let fds: string[];
    try {
      fds = readdirSync(`${procRoot}/${p}/fd`);
    } catch {
      continue;
    }
    let task: string | undefined;
    for (const f of fds) {
      if (!/^\d/.test(f)) continue;
      let link: string;
      try {
        link = readlinkSync(`${procRoot}/${p}/fd/${f}`);
      } catch {
        continue;
      }
      if (!link.startsWith('socket:[')) continue;
      const ino = parseInt(link.slice(8), 10);
      if (task === undefined) {
        try {
          const stat = readFileSync(`${procRoot}/${p}/stat`, 'latin1');
          const open = stat.indexOf('(');
          const close = stat.indexOf(')', open + 1);
          // fscanf's %[^)] into a 16-byte buffer: the name up to the first ')'.
          task = open < 0 ? '' : stat.slice(open + 1, close < 0 ? undefined : close);
        } catch {
          task = '';
        }
      }
      const entry = `("${task}",pid=${pid},fd=${parseInt(f, 10)})`;
      const list = byInode.get(ino);
      if (list) list.push(entry);
      else byInode.set(ino, [entry]);
    }
  }
  const out = new Map<number, string>();
  for (const [ino, list] of byInode) out.set(ino, list.reverse().join(','));
  return out;
}
