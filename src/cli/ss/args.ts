/**
 * ss's command line as ss 6.1 reads it (getopt_long, arguments permuted): socket tables (dbs), families and states
 * merged with ss's defaults, the display options, and the words left for the state keywords and the filter.
 */
import { existsSync, readFileSync } from 'node:fs';
import { UsageError } from '../usage.js';
import { NetnsEtc } from './netns-etc.js';

export const DB = { TCP: 0, MPTCP: 1, DCCP: 2, UDP: 3, RAW: 4, UNIX_DG: 5, UNIX_ST: 6, UNIX_SQ: 7, PACKET_DG: 8, PACKET_R: 9, NETLINK: 10, SCTP: 11, VSOCK_ST: 12, VSOCK_DG: 13, TIPC: 14, XDP: 15 } as const;
const MAX_DB = 16;
export const AF = { UNIX: 1, INET: 2, INET6: 10, NETLINK: 16, PACKET: 17, TIPC: 30, VSOCK: 40, XDP: 44 } as const;
export const SS = { ESTABLISHED: 1, SYN_SENT: 2, SYN_RECV: 3, FIN_WAIT1: 4, FIN_WAIT2: 5, TIME_WAIT: 6, CLOSE: 7, CLOSE_WAIT: 8, LAST_ACK: 9, LISTEN: 10, CLOSING: 11, MAX: 12 } as const;
export const SS_ALL = (1 << SS.MAX) - 1;
const SS_CONN = SS_ALL & ~((1 << SS.LISTEN) | (1 << SS.CLOSE) | (1 << SS.TIME_WAIT) | (1 << SS.SYN_RECV));
const TIPC_SS_CONN = (1 << SS.ESTABLISHED) | (1 << SS.LISTEN) | (1 << SS.CLOSE);
const INET_FAMS = [AF.INET, AF.INET6];
const PACKET_DBM = (1 << DB.PACKET_DG) | (1 << DB.PACKET_R);
const UNIX_DBM = (1 << DB.UNIX_DG) | (1 << DB.UNIX_ST) | (1 << DB.UNIX_SQ);
const INET_L4_DBM = (1 << DB.TCP) | (1 << DB.MPTCP) | (1 << DB.UDP) | (1 << DB.DCCP) | (1 << DB.SCTP);
const INET_DBM = INET_L4_DBM | (1 << DB.RAW);
const VSOCK_DBM = (1 << DB.VSOCK_ST) | (1 << DB.VSOCK_DG);

const defaultDbs: readonly { states: number; families: readonly number[] }[] = [
  { states: SS_CONN, families: INET_FAMS }, // TCP
  { states: SS_CONN, families: INET_FAMS }, // MPTCP
  { states: SS_CONN, families: INET_FAMS }, // DCCP
  { states: 1 << SS.ESTABLISHED, families: INET_FAMS }, // UDP
  { states: 1 << SS.ESTABLISHED, families: INET_FAMS }, // RAW
  { states: 1 << SS.CLOSE, families: [AF.UNIX] }, // UNIX_DG
  { states: SS_CONN, families: [AF.UNIX] }, // UNIX_ST
  { states: SS_CONN, families: [AF.UNIX] }, // UNIX_SQ
  { states: 1 << SS.CLOSE, families: [AF.PACKET] }, // PACKET_DG
  { states: 1 << SS.CLOSE, families: [AF.PACKET] }, // PACKET_R
  { states: 1 << SS.CLOSE, families: [AF.NETLINK] }, // NETLINK
  { states: SS_CONN, families: INET_FAMS }, // SCTP
  { states: SS_CONN, families: [AF.VSOCK] }, // VSOCK_ST
  { states: SS_CONN, families: [AF.VSOCK] }, // VSOCK_DG
  { states: TIPC_SS_CONN, families: [AF.TIPC] }, // TIPC
  { states: 1 << SS.CLOSE, families: [AF.XDP] }, // XDP
];

const defaultAfs: Readonly<Record<number, { dbs: number; states: number }>> = {
  [AF.INET]: { dbs: INET_DBM, states: SS_CONN },
  [AF.INET6]: { dbs: INET_DBM, states: SS_CONN },
  [AF.UNIX]: { dbs: UNIX_DBM, states: SS_CONN },
  [AF.PACKET]: { dbs: PACKET_DBM, states: 1 << SS.CLOSE },
  [AF.NETLINK]: { dbs: 1 << DB.NETLINK, states: 1 << SS.CLOSE },
  [AF.VSOCK]: { dbs: VSOCK_DBM, states: SS_CONN },
  [AF.TIPC]: { dbs: 1 << DB.TIPC, states: TIPC_SS_CONN },
  [AF.XDP]: { dbs: 1 << DB.XDP, states: 1 << SS.CLOSE },
};

const dbNames: Readonly<Record<string, readonly number[]>> = {
  all: [DB.UDP, DB.DCCP, DB.TCP, DB.MPTCP, DB.RAW, DB.UNIX_ST, DB.UNIX_DG, DB.UNIX_SQ, DB.PACKET_R, DB.PACKET_DG, DB.NETLINK, DB.SCTP, DB.VSOCK_ST, DB.VSOCK_DG, DB.XDP],
  inet: [DB.UDP, DB.DCCP, DB.TCP, DB.MPTCP, DB.SCTP, DB.RAW],
  udp: [DB.UDP], dccp: [DB.DCCP], tcp: [DB.TCP], mptcp: [DB.MPTCP], sctp: [DB.SCTP], raw: [DB.RAW],
  unix: [DB.UNIX_ST, DB.UNIX_DG, DB.UNIX_SQ], unix_stream: [DB.UNIX_ST], u_str: [DB.UNIX_ST],
  unix_dgram: [DB.UNIX_DG], u_dgr: [DB.UNIX_DG], unix_seqpacket: [DB.UNIX_SQ], u_seq: [DB.UNIX_SQ],
  packet: [DB.PACKET_R, DB.PACKET_DG], packet_raw: [DB.PACKET_R], p_raw: [DB.PACKET_R],
  packet_dgram: [DB.PACKET_DG], p_dgr: [DB.PACKET_DG], netlink: [DB.NETLINK], tipc: [DB.TIPC],
  vsock: [DB.VSOCK_ST, DB.VSOCK_DG], vsock_stream: [DB.VSOCK_ST], v_str: [DB.VSOCK_ST],
  vsock_dgram: [DB.VSOCK_DG], v_dgr: [DB.VSOCK_DG], xdp: [DB.XDP],
};

export interface SsOptions {
  dbs: number;
  families: Set<number>;
  states: number;
  preferredFamily: number;
  numeric: boolean;
  resolve: boolean;
  options: boolean;
  details: number;
  memory: boolean;
  info: boolean;
  processes: boolean;
  /** -T: every thread holding a socket, with its tid. */
  threads: boolean;
  tos: boolean;
  cgroup: boolean;
  /** --inet-sockopt: INET_DIAG_SOCKOPT's flags after an inet socket's other details. */
  inetSockopt: boolean;
  bpf: boolean;
  header: boolean;
  oneline: boolean;
  kill: boolean;
  events: boolean;
  summary: boolean;
  /** -s with no table, family or filter given: ss prints the summary alone. */
  summaryOnly: boolean;
  json: boolean;
  netns: string | undefined;
  /** Where the files ss reads from /etc are, after -N's bind mounts. */
  etc: NetnsEtc;
  filterFile: string | undefined;
  /** -D FILE: the TCP dump's raw replies go to FILE (stdout for a name starting with `-`), nothing else is done. */
  diagFile: string | undefined;
  /** A refused state word: ss reads those after printing -s's summary, so the refusal waits for it. */
  stateError: UsageError | undefined;
  /** The words after the options: state keywords, then the filter expression. */
  filter: string[];
  /** -F FILE: the filter's lines from the file, read after the words (as ss's lexer does). */
  fileFilter: string[];
}

export const usageText = `Usage: ss [ OPTIONS ]
       ss [ OPTIONS ] [ FILTER ]
   -h, --help          this message
   -V, --version       output version information
   -n, --numeric       don't resolve service names
   -r, --resolve       resolve host names
   -a, --all           display all sockets
   -l, --listening     display listening sockets
   -o, --options       show timer information
   -e, --extended      show detailed socket information
   -m, --memory        show socket memory usage
   -p, --processes     show process using socket
   -T, --threads       show thread using socket
   -i, --info          show internal TCP information
       --tipcinfo      show internal tipc socket information
   -s, --summary       show socket usage summary
       --tos           show tos and priority information
       --cgroup        show cgroup information
   -b, --bpf           show bpf filter socket information
   -E, --events        continually display sockets as they are destroyed
   -Z, --context       display task SELinux security contexts
   -z, --contexts      display task and socket SELinux security contexts
   -N, --net           switch to the specified network namespace name

   -4, --ipv4          display only IP version 4 sockets
   -6, --ipv6          display only IP version 6 sockets
   -0, --packet        display PACKET sockets
   -t, --tcp           display only TCP sockets
   -M, --mptcp         display only MPTCP sockets
   -S, --sctp          display only SCTP sockets
   -u, --udp           display only UDP sockets
   -d, --dccp          display only DCCP sockets
   -w, --raw           display only RAW sockets
   -x, --unix          display only Unix domain sockets
       --tipc          display only TIPC sockets
       --vsock         display only vsock sockets
       --xdp           display only XDP sockets
   -f, --family=FAMILY display sockets of type FAMILY
       FAMILY := {inet|inet6|link|unix|netlink|vsock|tipc|xdp|help}

   -K, --kill          forcibly close sockets, display what was closed
   -H, --no-header     Suppress header line
   -O, --oneline       socket's data printed on a single line
       --inet-sockopt  show various inet socket options

   -A, --query=QUERY, --socket=QUERY
       QUERY := {all|inet|tcp|mptcp|udp|raw|unix|unix_dgram|unix_stream|unix_seqpacket|packet|packet_raw|packet_dgram|netlink|dccp|sctp|vsock_stream|vsock_dgram|tipc|xdp}[,QUERY]

   -D, --diag=FILE     Dump raw information about TCP sockets to FILE
   -F, --filter=FILE   read filter information from FILE
       FILTER := [ state STATE-FILTER ] [ EXPRESSION ]
       STATE-FILTER := {all|connected|synchronized|bucket|big|TCP-STATES}
         TCP-STATES := {established|syn-sent|syn-recv|fin-wait-{1,2}|time-wait|closed|close-wait|last-ack|listening|closing}
          connected := {established|syn-sent|syn-recv|fin-wait-{1,2}|time-wait|close-wait|last-ack|closing}
       synchronized := {established|syn-recv|fin-wait-{1,2}|time-wait|close-wait|last-ack|closing}
             bucket := {syn-recv|time-wait}
                big := {established|syn-sent|fin-wait-{1,2}|closed|close-wait|last-ack|listening|closing}
`;

/** ss exits -1 (255) after printing its usage on stderr. */
function usage(prefix = ''): never {
  throw new UsageError(`${prefix}${usageText.trimEnd()}`, { status: 255, bare: true });
}

const stateNamesLong = ['UNKNOWN', 'established', 'syn-sent', 'syn-recv', 'fin-wait-1', 'fin-wait-2', 'time-wait', 'unconnected', 'close-wait', 'last-ack', 'listening', 'closing'];

export function scanState(word: string): number {
  const w = word.toLowerCase();
  if (w === 'close' || w === 'closed') return 1 << SS.CLOSE;
  if (w === 'syn-rcv') return 1 << SS.SYN_RECV;
  if (w === 'established') return 1 << SS.ESTABLISHED;
  if (w === 'all') return SS_ALL;
  if (w === 'connected') return SS_ALL & ~((1 << SS.CLOSE) | (1 << SS.LISTEN));
  if (w === 'synchronized') return SS_ALL & ~((1 << SS.CLOSE) | (1 << SS.LISTEN) | (1 << SS.SYN_SENT));
  if (w === 'bucket') return (1 << SS.SYN_RECV) | (1 << SS.TIME_WAIT);
  if (w === 'big') return SS_ALL & ~((1 << SS.SYN_RECV) | (1 << SS.TIME_WAIT));
  // strcasecmp against ss's names, its UNKNOWN (bit 0) included.
  const i = stateNamesLong.findIndex((n) => n.toLowerCase() === w);
  if (i >= 0) return 1 << i;
  throw new UsageError(`ss: wrong state name: ${word}`, { status: 255, bare: true });
}

const longOptions: Readonly<Record<string, string>> = {
  numeric: 'n', resolve: 'r', options: 'o', extended: 'e', memory: 'm', info: 'i', processes: 'p', threads: 'T',
  bpf: 'b', events: 'E', dccp: 'd', tcp: 't', sctp: 'S', udp: 'u', raw: 'w', unix: 'x', tipc: 'tipc', vsock: 'vsock',
  all: 'a', listening: 'l', ipv4: '4', ipv6: '6', packet: '0', family: 'f', socket: 'A', query: 'A', summary: 's',
  diag: 'D', filter: 'F', version: 'V', help: 'h', context: 'Z', contexts: 'z', net: 'N', tipcinfo: 'tipcinfo',
  tos: 'tos', cgroup: 'cgroup', kill: 'K', 'no-header': 'H', xdp: 'xdp', mptcp: 'M', oneline: 'O',
  'inet-sockopt': 'inet-sockopt', json: 'j',
};
const withArgument = new Set(['f', 'A', 'D', 'F', 'N']);
const shortOptions = new Set('dhaletuwxnro460spTbEf:mMiA:D:F:vVzZN:KHSOj'.replace(/:/g, ''));

/** libselinux's is_selinux_enabled(): selinuxfs mounted. */
function selinuxEnabled(): boolean {
  try {
    return readFileSync('/proc/mounts', 'utf8').split('\n').some((l) => l.split(' ')[2] === 'selinuxfs');
  } catch {
    return false;
  }
}

/**
 * ss's filter file (`-` for stdin), as its lexer reads it: line by line, lines starting with `#` or `0` skipped,
 * a backslash escaping the character after it.
 */
function readFilterFile(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path === '-' || path.startsWith('-') ? 0 : path, 'latin1');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // fopen opens a directory for reading; fgets then fails at once, which ss's lexer takes for the end.
    if (code === 'EISDIR') return [];
    throw new UsageError(`fopen filter file: ${errnoText[code ?? ''] ?? code}`, { status: 255, bare: true });
  }
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.startsWith('0')) continue;
    out.push(line.replace(/\\(.)/g, '$1'));
  }
  return out;
}

const errnoText: Readonly<Record<string, string>> = {
  ENOENT: 'No such file or directory', EACCES: 'Permission denied', ENOTDIR: 'Not a directory',
};

export class VersionRequest extends Error {}
export class HelpRequest extends Error {}

export function parseSsArgs(argv: readonly string[]): SsOptions {
  const o: SsOptions = {
    dbs: 0, families: new Set(), states: 0, preferredFamily: 0, numeric: false, resolve: false, options: false, details: 0,
    memory: false, info: false, processes: false, threads: false, tos: false, cgroup: false, inetSockopt: false, bpf: false, header: true,
    oneline: false, kill: false, events: false, summary: false, summaryOnly: false, json: false, netns: undefined, etc: new NetnsEtc(undefined), filterFile: undefined, diagFile: undefined, stateError: undefined,
    filter: [], fileFilter: [],
  };
  let doDefault = true;
  let stateFilter = 0;
  let sawQuery = false;
  const dbSet = (db: number, enable: boolean) => {
    if (enable) {
      o.states |= defaultDbs[db]!.states;
      o.dbs |= 1 << db;
    } else o.dbs &= ~(1 << db);
    doDefault = false;
  };
  const dbParse = (s: string): boolean => {
    let enable = true;
    if (s.startsWith('!')) {
      enable = false;
      s = s.slice(1);
    }
    const dbs = Object.hasOwn(dbNames, s) ? dbNames[s] : undefined;
    if (!dbs) return false;
    for (const d of dbs) dbSet(d, enable);
    return true;
  };
  const afSet = (af: number) => {
    o.states |= defaultAfs[af]!.states;
    o.families.add(af);
    doDefault = false;
    o.preferredFamily = af;
  };
  const option = (opt: string, arg: string | undefined) => {
    switch (opt) {
      case 'n': o.numeric = true; break;
      case 'r': o.resolve = true; break;
      case 'o': o.options = true; break;
      case 'e': o.options = true; o.details++; break;
      case 'm': o.memory = true; break;
      case 'i': o.info = true; break;
      case 'p': o.processes = true; break;
      case 'T': o.threads = true; break;
      case 'z': case 'Z':
        // ss checks is_selinux_enabled() as it reads the option; without SELinux this is what it says.
        if (!selinuxEnabled()) throw new UsageError('ss: SELinux is not enabled.', { status: 1, bare: true });
        throw new UsageError(`Option "-${opt}" is not supported by nlkit ss.`, { status: 255, bare: true });
      case 'b': o.options = true; o.bpf = true; break;
      case 'E': o.events = true; break;
      case 'd': dbSet(DB.DCCP, true); break;
      case 't': dbSet(DB.TCP, true); break;
      case 'S': dbSet(DB.SCTP, true); break;
      case 'u': dbSet(DB.UDP, true); break;
      case 'w': dbSet(DB.RAW, true); break;
      case 'x': afSet(AF.UNIX); break;
      case 'vsock': afSet(AF.VSOCK); break;
      case 'tipc': afSet(AF.TIPC); break;
      case 'xdp': afSet(AF.XDP); break;
      // Shapes TIPC sockets' lines only, and nlkit ss prints none (tables.ts).
      case 'tipcinfo': break;
      case 'a': stateFilter = SS_ALL; break;
      case 'l': stateFilter = (1 << SS.LISTEN) | (1 << SS.CLOSE); break;
      case '4': afSet(AF.INET); break;
      case '6': afSet(AF.INET6); break;
      case '0': afSet(AF.PACKET); break;
      case 'M': dbSet(DB.MPTCP, true); break;
      case 'f': {
        const map: Readonly<Record<string, number>> = { inet: AF.INET, inet6: AF.INET6, link: AF.PACKET, unix: AF.UNIX, netlink: AF.NETLINK, tipc: AF.TIPC, vsock: AF.VSOCK, xdp: AF.XDP };
        if (arg === 'help') throw new HelpRequest();
        const af = Object.hasOwn(map, arg!) ? map[arg!] : undefined;
        if (af === undefined) usage(`ss: "${arg}" is invalid family\n`);
        afSet(af);
        break;
      }
      case 'A': {
        if (!sawQuery) {
          o.dbs = 0;
          stateFilter = stateFilter || SS_CONN;
          sawQuery = true;
          doDefault = false;
        }
        for (const p of arg!.split(',')) if (!dbParse(p)) usage(`ss: "${p}" is illegal socket table id\n`);
        break;
      }
      case 's': o.summary = true; break;
      case 'D': o.diagFile = arg; break;
      case 'F':
        if (o.filterFile !== undefined) throw new UsageError('More than one filter file', { status: 255, bare: true });
        o.filterFile = arg;
        o.fileFilter = readFilterFile(arg!);
        break;
      case 'v': case 'V': throw new VersionRequest();
      case 'N':
        // ss switches namespace as it reads the option: a later bad option is not reached.
        if (!existsSync(`/run/netns/${arg}`)) throw new UsageError(`Cannot open network namespace "${arg}": No such file or directory`, { status: 1, bare: true });
        o.netns = arg;
        o.etc = new NetnsEtc(arg);
        break;
      case 'tos': o.tos = true; break;
      case 'cgroup': o.cgroup = true; break;
      case 'inet-sockopt': o.inetSockopt = true; break;
      case 'K': o.kill = true; break;
      case 'H': o.header = false; break;
      case 'O': o.oneline = true; break;
      case 'j': o.json = true; break;
      case 'h': throw new HelpRequest();
      default:
        throw new UsageError(`Option "${opt.length === 1 ? `-${opt}` : `--${opt}`}" is not supported by nlkit ss.`, { status: 255, bare: true });
    }
  };
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      rest.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      // getopt_long takes a unique prefix of a long option.
      const exact = Object.hasOwn(longOptions, name) ? name : undefined;
      const found = exact ?? (() => {
        const c = Object.keys(longOptions).filter((k) => k.startsWith(name));
        const targets = new Set(c.map((k) => longOptions[k]));
        if (targets.size === 1) return c[0];
        if (c.length === 0) usage(`ss: unrecognized option '${a}'\n`);
        return usage(`ss: option '${a}' is ambiguous\n`);
      })();
      const opt = longOptions[found!]!;
      let arg: string | undefined;
      if (withArgument.has(opt)) {
        arg = eq >= 0 ? a.slice(eq + 1) : argv[++i];
        if (arg === undefined) usage(`ss: option '--${found}' requires an argument\n`);
      } else if (eq >= 0) usage(`ss: option '--${found}' doesn't allow an argument\n`);
      option(opt, arg);
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      for (let k = 1; k < a.length; k++) {
        const c = a[k]!;
        if (!shortOptions.has(c)) usage(`ss: invalid option -- '${c}'\n`);
        if (withArgument.has(c)) {
          let arg: string | undefined = a.slice(k + 1);
          if (!arg) arg = argv[++i];
          if (arg === undefined) usage(`ss: option requires an argument -- '${c}'\n`);
          option(c, arg);
          break;
        }
        option(c, undefined);
      }
      continue;
    }
    rest.push(a);
  }
  let sawStates = false;
  let k = 0;
  try {
    while (k < rest.length) {
      const w = rest[k]!;
      if (w === 'state' || w === 'exclude' || w === 'excl') {
        const v = rest[k + 1];
        if (v === undefined) throw new UsageError('Command line is not complete. Try option "help"', { status: 255, bare: true });
        if (w === 'state') {
          if (!sawStates) stateFilter = 0;
          stateFilter |= scanState(v);
        } else {
          if (!sawStates) stateFilter = SS_ALL;
          stateFilter &= ~scanState(v);
        }
        sawStates = true;
        k += 2;
      } else break;
    }
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    o.stateError = e;
  }
  o.filter = rest.slice(k);
  o.summaryOnly = o.summary && doDefault && rest.length === 0;
  if (doDefault) {
    stateFilter = stateFilter || SS_CONN;
    dbParse('all');
  }
  if (stateFilter) o.states = stateFilter;
  // filter_merge_defaults
  for (let db = 0; db < MAX_DB; db++) {
    if (!(o.dbs & (1 << db))) continue;
    const d = defaultDbs[db]!.families;
    if (!d.some((f) => o.families.has(f))) for (const f of d) o.families.add(f);
  }
  for (const af of [AF.UNIX, AF.INET, AF.INET6, AF.NETLINK, AF.PACKET, AF.TIPC, AF.VSOCK, AF.XDP]) {
    if (!o.families.has(af)) continue;
    if (!(defaultAfs[af]!.dbs & o.dbs)) o.dbs |= defaultAfs[af]!.dbs;
  }
  return o;
}

export function hasFamily(o: SsOptions, af: number): boolean {
  return o.families.has(af);
}
