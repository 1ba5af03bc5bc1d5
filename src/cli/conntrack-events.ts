/**
 * `nlkit conntrack -E`: conntrack events as `conntrack -E` prints them — the event's word, the entry, the sender
 * of a userspace-made change (`[USERSPACE] portid=N progname=P`), `-o timestamp`'s time of receipt — filtered as it
 * filters them, until SIGINT or SIGTERM, then the count on stderr. `-e` joins only the groups of the events asked
 * for. An overrun is warned of as conntrack warns, and the events go on.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import type { ConntrackEntry } from '../api/conntrack.js';
import { conntrackEvents } from '../api/conntrack-events.js';
import { filterOf, PREFIX, type Parsed } from './conntrack-args.js';
import { matchesRest } from './conntrack-match.js';
import { eventLine, jsonLine } from './conntrack-text.js';

const NETLINK_NETFILTER = 12;

/** The netlink socket inode of `portid` (NETLINK_NETFILTER) in /proc/net/netlink, as conntrack looks it up. */
function inodeOf(portid: number): string | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/net/netlink', 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    // sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode
    if (f.length >= 10 && Number(f[1]) === NETLINK_NETFILTER && Number(f[2]) === portid) return f[9];
  }
  return undefined;
}

/** The command of the process holding socket `inode`: its pid is tried first, as most ports are their pid. */
function holder(portid: number, inode: string): string | undefined {
  const has = (pid: string): boolean => {
    try {
      return readdirSync(`/proc/${pid}/fd`).some((fd) => {
        try {
          return readlinkSync(`/proc/${pid}/fd/${fd}`) === `socket:[${inode}]`;
        } catch {
          return false;
        }
      });
    } catch {
      return false;
    }
  };
  const comm = (pid: string): string | undefined => {
    try {
      return /^\d+ \(([^)]*)/.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1];
    } catch {
      return undefined;
    }
  };
  if (has(String(portid))) return comm(String(portid));
  for (const pid of readdirSync('/proc')) if (/^\d+$/.test(pid) && Number(pid) > 1 && Number(pid) !== portid && has(pid)) return comm(pid);
  return undefined;
}

/** Runs -E until `signal` aborts; returns conntrack's exit status. */
export async function events(p: Parsed, netns: string | undefined, signal: AbortSignal | undefined, out: (line: string) => void, err: (line: string) => void): Promise<number> {
  const json = p.output.has('json');
  // -o labels, -l or --label-add/--label-del loaded connlabel.conf (and complained of it) as the line was read.
  const labels = p.labelNames ?? null;
  const f = filterOf(p);
  const keep = (e: ConntrackEntry): boolean =>
    (f.family === undefined || e.family === f.family)
    && (f.proto === undefined || e.proto === f.proto)
    && (f.zone === undefined || (e.zone ?? 0) === f.zone)
    && (f.mark === undefined || ((e.mark ?? 0) & (f.markMask ?? 0xffffffff)) === f.mark)
    && (f.status === undefined || f.status.every((s) => e.status.includes(s)))
    && matchesRest(e, p);
  // conntrack remembers the last port it named.
  let last: { portid: number; inode: string; name: string | undefined } | undefined;
  const progname = (portid: number): string | undefined => {
    const inode = inodeOf(portid);
    if (inode === undefined) return undefined;
    if (last?.portid !== portid || last.inode !== inode) last = { portid, inode, name: holder(portid, inode) };
    return last.name;
  };
  let count = 0;
  try {
    for await (const e of conntrackEvents({ netns, signal, events: p.events ? [...p.events] : undefined })) {
      if (e.type === 'overrun') {
        err('WARNING: We have hit ENOBUFS! We are losing events.\nThis message means that the current netlink socket buffer size is too small.\nPlease, check --buffer-size in conntrack(8) manpage.');
        continue;
      }
      if (!keep(e.entry)) continue;
      if (json) out(jsonLine(e));
      else {
        let line = '';
        if (p.output.has('timestamp')) {
          const us = Math.floor((performance.timeOrigin + performance.now()) * 1000);
          line += `[${String(Math.floor(us / 1e6)).padStart(8, '0')}.${String(us % 1e6).padStart(6, '0')}]\t`;
        }
        line += eventLine(e.type, e.entry, { output: p.output, labels });
        if (e.portid) {
          const name = progname(e.portid);
          line += ` [USERSPACE] portid=${e.portid}${name === undefined ? '' : ` progname=${name}`}`;
        }
        out(line);
      }
      count++;
    }
  } catch (e) {
    if ((e as { code?: string }).code !== 'ABORT_ERR') throw e;
  }
  err(`${PREFIX}${count} flow events have been shown.`);
  return 0;
}
