/**
 * Raw IP sockets where the kernel has no raw_diag: ss 6.1 sends one SOCK_DIAG request for IPPROTO_RAW, and when
 * the kernel answers ENOENT it reads /proc/net/raw and /proc/net/raw6 of its own namespace instead (its
 * dgram_show_line). This reads the same files as a process in the namespace reads them, into the library's typed
 * inet sockets. /proc gives no cookie, timer or bound interface: those stay 0.
 */
import { readFileSync } from 'node:fs';
import { readFileInNetns } from '../../api/netns.js';
import { formatIPv4, formatIPv6 } from '../../schema/address-text.js';
import { stateNames, type InetSocket } from '../../api/sockets/objects.js';
import { procPath } from './summary.js';

/** Whether ss reads raw sockets from /proc without asking the kernel first (its environment names the files). */
export function rawFromProcOnly(): boolean {
  return Boolean(process.env.PROC_NET_RAW || process.env.PROC_ROOT);
}

/** An address as /proc prints it: 32-bit words in host (little-endian) order, each as %08X. */
function address(hex: string, family: 'inet' | 'inet6'): string {
  const b = new Uint8Array(family === 'inet' ? 4 : 16);
  for (let w = 0; w < b.length / 4; w++) {
    const n = parseInt(hex.slice(w * 8, w * 8 + 8), 16) >>> 0;
    for (let i = 0; i < 4; i++) b[w * 4 + i] = (n >>> (8 * i)) & 255;
  }
  return family === 'inet' ? formatIPv4(b) : formatIPv6(b);
}

/** sscanf's %x: the leading hex digits of a word (0 where there are none). */
function hexWord(w: string | undefined): number {
  const m = w === undefined ? null : /^[0-9a-fA-F]+/.exec(w);
  return m ? parseInt(m[0], 16) : 0;
}

/**
 * One line of /proc/net/raw{,6} as ss's proc_inet_split_line and dgram_show_line read it; undefined where the
 * line does not split (ss stops reading the file there).
 */
function parseLine(line: string, family: 'inet' | 'inet6'): InetSocket | undefined {
  let p = line.indexOf(':');
  if (p < 0) return undefined;
  const loc = line.slice(p + 2);
  p = loc.indexOf(':');
  if (p < 0) return undefined;
  const locAddr = loc.slice(0, p), locPort = loc.slice(p + 1, p + 5);
  const rem = loc.slice(p + 6);
  p = rem.indexOf(':');
  if (p < 0) return undefined;
  const remAddr = rem.slice(0, p), remPort = rem.slice(p + 1, p + 5);
  const data = rem.slice(p + 6);
  const words = data.trim().split(/\s+/);
  const st = hexWord(words[0]);
  const [tx, rx] = (words[1] ?? '').split(':');
  return {
    kind: 'raw', family, state: stateNames[st] ?? st,
    src: address(locAddr, family), sport: hexWord(locPort), dst: address(remAddr, family), dport: hexWord(remPort), ifindex: 0,
    rqueue: hexWord(rx), wqueue: hexWord(tx), uid: Number(words[4] ?? 0) >>> 0, inode: Number(words[6] ?? 0) >>> 0,
    cookie: 0n, timer: 0, expires: 0, retrans: 0,
  };
}

/**
 * The raw sockets of a namespace from /proc, IPv4 then IPv6, those whose state is in `states` (a bit mask by
 * TCP state number), as ss lists them. A missing file lists nothing, as ss says nothing of it.
 */
export function procRawSockets(netns: string | undefined, families: { inet: boolean; inet6: boolean }, states: number): InetSocket[] {
  const out: InetSocket[] = [];
  const read = (env: string, name: string, family: 'inet' | 'inet6'): void => {
    let text: string;
    try {
      const path = procPath(env, name);
      text = (netns === undefined ? readFileSync(path) : readFileInNetns(netns, path)).toString('latin1');
    } catch {
      return;
    }
    const lines = text.split('\n');
    // The header line first; a last line without its newline ends the reading, as fgets into ss's buffer does.
    for (let i = 1; i < lines.length - 1; i++) {
      const line = lines[i]!;
      if (line === '') return;
      const s = parseLine(line, family);
      if (!s) return;
      const st = typeof s.state === 'number' ? s.state : stateNames.indexOf(s.state);
      if (states & (1 << st)) out.push(s);
    }
  };
  if (families.inet) read('PROC_NET_RAW', 'net/raw', 'inet');
  if (families.inet6) read('PROC_NET_RAW6', 'net/raw6', 'inet6');
  return out;
}
