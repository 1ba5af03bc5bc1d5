/**
 * `ss -s`: the kernel's socket counters as ss 6.1 prints them — /proc/net/sockstat and sockstat6, and TCP's
 * CurrEstab from /proc/net/snmp — read as a process in the namespace reads them (/proc/net follows the reader's
 * namespace). ss reads no socket dump for it.
 */
import { readFileSync } from 'node:fs';
import { readFileInNetns } from '../../api/netns.js';

interface Summary {
  socks: number;
  tcpMem: number;
  tcpTotal: number;
  tcpOrphans: number;
  tcpTws: number;
  tcp4Hashed: number;
  udp4: number;
  raw4: number;
  frag4: number;
  frag4Mem: number;
  tcp6Hashed: number;
  udp6: number;
  raw6: number;
  frag6: number;
  frag6Mem: number;
}

const errnoText: Readonly<Record<string, string>> = {
  ENOENT: 'No such file or directory', EACCES: 'Permission denied', ENOTDIR: 'Not a directory', EISDIR: 'Is a directory', ESRCH: 'No such process',
};

/** scanf's `%d`: a leading integer (wrapped to 32 bits), or undefined where the conversion fails. */
function scanInt(word: string | undefined): number | undefined {
  const m = word === undefined ? null : /^[+-]?\d+/.exec(word);
  return m ? Number(BigInt.asIntN(32, BigInt(m[0]))) : undefined;
}

/**
 * sscanf(rem, "%*s%d%*s%d…"): the values after each skipped word, into `keys` in turn, until one does not convert
 * (what follows keeps its zero).
 */
function scanPairs(rem: string, s: Summary, keys: (keyof Summary)[]): void {
  const words = rem.trim().split(/\s+/);
  for (let i = 0; i < keys.length; i++) {
    const v = scanInt(words[2 * i + 1]);
    if (v === undefined) return;
    s[keys[i]!] = v;
  }
}

/** ss's get_sockstat_line: `ID REST`, the ID up to the first space. */
function sockstatLine(line: string, s: Summary): void {
  const sp = line.indexOf(' ');
  if (sp <= 0) return;
  const id = line.slice(0, sp);
  const rem = line.slice(sp + 1);
  if (!rem) return;
  const keys: Readonly<Record<string, (keyof Summary)[]>> = {
    'sockets:': ['socks'], 'UDP:': ['udp4'], 'UDP6:': ['udp6'], 'RAW:': ['raw4'], 'RAW6:': ['raw6'], 'TCP6:': ['tcp6Hashed'],
    'FRAG:': ['frag4', 'frag4Mem'], 'FRAG6:': ['frag6', 'frag6Mem'],
    'TCP:': ['tcp4Hashed', 'tcpOrphans', 'tcpTws', 'tcpTotal', 'tcpMem'],
  };
  if (Object.hasOwn(keys, id)) scanPairs(rem, s, keys[id]!);
}

/**
 * ss's get_snmp_int: the header line starting with `proto` names the fields, the line after it holds their
 * values. A key missing from the header leaves its position at the last field, as ss's walk does.
 */
function snmpInt(text: string, proto: string, key: string): number | undefined {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i]!.startsWith(proto)) continue;
    const head = lines[i]!.split(' ');
    let pos = head.findIndex((w, k) => k > 0 && w === key);
    if (pos < 0) pos = head.length - 1;
    const values = lines[i + 1];
    if (values === undefined) return undefined;
    if (!values.startsWith(proto)) return undefined;
    const v = values.split(' ');
    return pos < v.length ? scanInt(v[pos]) ?? 0 : undefined;
  }
  return undefined;
}

/** ss's generic_proc_open: the file its environment names, else PROC_ROOT (default /proc) and the name. */
export function procPath(env: string, name: string): string {
  return process.env[env] || `${process.env.PROC_ROOT || '/proc'}/${name}`;
}

/** Print ss's summary; errors as ss's perror() puts them on stderr. */
export function printSummary(netns: string | undefined, write: (chunk: string) => void): void {
  const read = (env: string, name: string): string => {
    const path = procPath(env, name);
    return (netns === undefined ? readFileSync(path) : readFileInNetns(netns, path)).toString('latin1');
  };
  const perror = (what: string, e: unknown): void => {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    process.stderr.write(`ss: ${what}: ${errnoText[code] ?? code}\n`);
  };
  const s: Summary = {
    socks: 0, tcpMem: 0, tcpTotal: 0, tcpOrphans: 0, tcpTws: 0, tcp4Hashed: 0, udp4: 0, raw4: 0, frag4: 0,
    frag4Mem: 0, tcp6Hashed: 0, udp6: 0, raw6: 0, frag6: 0, frag6Mem: 0,
  };
  try {
    for (const line of read('PROC_NET_SOCKSTAT', 'net/sockstat').split('\n')) sockstatLine(line, s);
    try {
      for (const line of read('PROC_NET_SOCKSTAT6', 'net/sockstat6').split('\n')) sockstatLine(line, s);
    } catch {
      // ss reads sockstat6 only where IPv6 is there, and says nothing when it is not.
    }
  } catch (e) {
    perror('get_sockstat', e);
  }
  let estab = 0;
  try {
    const v = snmpInt(read('PROC_NET_SNMP', 'net/snmp'), 'Tcp:', 'CurrEstab');
    if (v === undefined) perror('get_snmpstat', { code: 'ESRCH' });
    else estab = v;
  } catch (e) {
    perror('get_snmpstat', e);
  }
  const col = (n: number): string => String(n).padEnd(9);
  const row = (name: string, v4: number, v6: number): string => `${name}\t  ${col(v4 + v6)} ${col(v4)} ${col(v6)}\n`;
  const i4 = s.raw4 + s.udp4 + s.tcp4Hashed;
  const i6 = s.raw6 + s.udp6 + s.tcp6Hashed;
  write(
    `Total: ${s.socks}\n` +
    `TCP:   ${s.tcpTotal + s.tcpTws} (estab ${estab}, closed ${s.tcpTotal - (s.tcp4Hashed + s.tcp6Hashed - s.tcpTws)}, orphaned ${s.tcpOrphans}, timewait ${s.tcpTws})\n` +
    '\nTransport Total     IP        IPv6\n' +
    row('RAW', s.raw4, s.raw6) + row('UDP', s.udp4, s.udp6) + row('TCP', s.tcp4Hashed, s.tcp6Hashed) +
    row('INET', i4, i6) + row('FRAG', s.frag4, s.frag6) + '\n',
  );
}
