/**
 * `nlkit ss`: ss from iproute2 6.1 over the library's SOCK_DIAG dumps — the same sockets in the same order, laid
 * out byte for byte as ss lays them out — and `-j`, one JSON array of the typed socket objects.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { FilterError, SockDiag, type FilterContext, type InetKind, type InetSocket, type SocketInfo, type SocketKind, type SocketExtension } from '../../api/sockets/index.js';
import { SchemaError } from '../../schema/codec.js';
import { UsageError } from '../usage.js';
import { AF, DB, HelpRequest, hasFamily, parseSsArgs, usageText, VersionRequest, type SsOptions } from './args.js';
import { follow } from './events.js';
import { fastInet, InetLines, inetExtra } from './fast.js';
import { InetReader } from './inet-bytes.js';
import { Formatter, type Lookup } from './format.js';
import { socketOwners } from './owners.js';
import { HostResolver } from './resolve.js';
import { procRawSockets, rawFromProcOnly } from './procraw.js';
import { printSummary } from './summary.js';
import { COLS, Renderer } from './render.js';
import { askTable } from './tables.js';
import { diagDump } from './diag-dump.js';
import { checkCgroupFilter, cgroupConditions, FilterLookups } from './lookups.js';
import { llProtocolNames, netlinkProtocolNames } from '../../api/sockets/hostcond.js';
import { readFileInNetns } from '../../api/netns.js';

/** /etc/services and /etc/protocols, read once and only when names are shown. */
function readNames(path: string): string[] {
  try {
    return readFileSync(path, 'latin1').split('\n');
  } catch {
    return [];
  }
}

function serviceTable(path: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of readNames(path)) {
    const t = line.replace(/#.*/, '').trim().split(/\s+/);
    if (t.length < 2) continue;
    const key = t[1]!;
    if (!m.has(key)) m.set(key, t[0]!);
  }
  return m;
}

function protocolTable(path: string): Map<number, string> {
  const m = new Map<number, string>();
  for (const line of readNames(path)) {
    const t = line.replace(/#.*/, '').trim().split(/\s+/);
    if (t.length < 2) continue;
    const n = Number(t[1]);
    if (!m.has(n)) m.set(n, t[0]!);
  }
  return m;
}

/** The namespace's ephemeral ports (its own sysctl: ss reads it after switching), or ss's fallback. */
function ephemeralRange(netns: string | undefined): readonly [number, number] {
  try {
    const path = '/proc/sys/net/ipv4/ip_local_port_range';
    const text = (netns === undefined ? readFileSync(path) : readFileInNetns(netns, path)).toString('latin1');
    const [a, b] = text.trim().split(/\s+/).map(Number);
    return [a!, b!];
  } catch {
    return [1024, 4999];
  }
}

const inetOrder: [number, InetKind][] = [[DB.RAW, 'raw'], [DB.UDP, 'udp'], [DB.TCP, 'tcp'], [DB.DCCP, 'dccp'], [DB.SCTP, 'sctp'], [DB.MPTCP, 'mptcp']];

function jsonValue(_k: string, v: unknown): unknown {
  if (typeof v === 'bigint') return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
  return v;
}

export async function ss(argv: string[], write: (chunk: string | Uint8Array) => void, globalNetns: string | undefined): Promise<number> {
  let o: SsOptions;
  try {
    o = parseSsArgs(argv);
  } catch (e) {
    if (e instanceof VersionRequest) {
      write('ss utility, iproute2-6.1.0\n');
      return 0;
    }
    if (e instanceof HelpRequest) {
      write(usageText);
      return 0;
    }
    throw e;
  }
  const netns = o.netns ?? globalNetns;
  if (o.summary) {
    printSummary(netns, write);
    if (o.summaryOnly) return 0;
  }
  if (o.stateError) throw o.stateError;
  if (o.dbs === 0) {
    process.stderr.write('ss: no socket tables to show with such filter.\n');
    return 0;
  }
  if (o.families.size === 0) {
    process.stderr.write('ss: no families to show with such filter.\n');
    return 0;
  }
  if (o.states === 0) {
    process.stderr.write('ss: no socket states to show with such filter.\n');
    return 0;
  }

  if (o.diagFile !== undefined) return await diagDump(o, o.diagFile, netns, write);

  let links: Map<number, string> | undefined;
  const loadLinks = async (): Promise<Map<number, string>> => {
    if (!links) {
      const { RouteNetlink } = await import('../../api/route-netlink.js');
      const rt = RouteNetlink.open({ netns });
      try {
        links = new Map((await rt.links.list()).map((l) => [l.ifindex, l.ifname]));
      } finally {
        rt.close();
      }
    }
    return links;
  };

  let cgroups: Map<bigint, string> | undefined;
  let services: Map<string, string> | undefined;
  let protocols: Map<number, string> | undefined;
  const lookup: Lookup = {
    service: (port, proto) => (services ??= serviceTable(o.etc.path('services'))).get(`${port}/${proto}`),
    protocol: (n) => (protocols ??= protocolTable(o.etc.path('protocols'))).get(n),
    ifname: (index) => links?.get(index),
    host: (addr) => hosts?.name(addr),
    owners: o.processes || o.threads ? socketOwners('/proc', o.threads) : undefined,
    ephemeral: ephemeralRange(netns),
    cgroup: (id) => (cgroups ??= cgroupNames(netns !== undefined)).get(id) ?? unreachable(id, netns !== undefined),
  };
  const hostFiles = { hosts: o.etc.path('hosts'), resolvConf: o.etc.path('resolv.conf') };
  const hosts = o.resolve ? new HostResolver(netns, hostFiles) : undefined;
  const fmt = new Formatter(o, lookup);

  const lookups = new FilterLookups(o, netns !== undefined);
  let names: HostResolver | undefined;
  const context: FilterContext = {
    ifindex: (name) => links ? [...links].find(([, n]) => n === name)?.[0] : undefined,
    family: o.preferredFamily,
    // An address read in a family narrows the listing to that family, as ss's parse_hostcond does.
    onFamily: (af) => {
      o.families = new Set([af]);
      o.preferredFamily = af;
    },
    service: lookups.service,
    host: lookups.host,
    cgroupId: lookups.cgroupId,
  };
  const sd = SockDiag.open({ netns, context });
  try {
    const words = [...o.filter, ...o.fileFilter];
    if (words.some((w) => /(^|\s)dev(\s|$)|link:/.test(w))) await loadLinks();
    await lookups.prepare(words, context, () => (names ??= hosts ?? new HostResolver(netns, hostFiles)));
    // The mask as ss sends it (bit 0, ss's UNKNOWN, included where ss's defaults set it).
    const states = o.states;
    const extensions: SocketExtension[] = [];
    if (o.memory) extensions.push('meminfo', 'skmeminfo');
    if (o.info) extensions.push('info', 'congestion');
    if (o.tos) extensions.push('tos');
    if (o.details) extensions.push('vfs', 'pending');
    const filter = words.length ? words : undefined;
    // Check the whole filter before the first dump, so that a bad word prints nothing else.
    const planned = sd.sockets.plan({ filter, states });
    for (let n = cgroupConditions(planned.filter); n > 0; n--) await checkCgroupFilter(sd.socket);

    const plain = fastInet(o, words) ? new InetLines((port, proto) => fmt.port(port, proto), (index) => fmt.ifname(index)) : undefined;
    const reader = plain && inetExtra(o) ? new InetReader(o.details > 0 || o.cgroup) : undefined;
    const json: object[] = [];
    const renderer = new Renderer(process.stdout.isTTY ? process.stdout.columns : undefined, write);
    if (!o.json) {
      const dbs = o.dbs;
      if (!(dbs & (dbs - 1))) renderer.disable(0);
      if (!(o.states & (o.states - 1))) renderer.disable(1);
      if (o.header) renderer.header();
    }
    if (o.events) return await follow({ sd, o, fmt, renderer, filter, write, json: (v) => JSON.stringify(v, jsonValue), loadLinks, hosts });
    const f: string[] = new Array<string>(COLS).fill('');
    const emit = (s: SocketInfo): void => {
      if (o.json) {
        const owners = lookup.owners?.get(s.inode);
        json.push(owners === undefined ? s : { ...s, users: owners });
      }
    };

    const kinds: { kind: SocketKind; families?: 'inet' | 'inet6' }[] = [];
    if (hasFamily(o, AF.NETLINK) && o.dbs & (1 << DB.NETLINK) && o.states & (1 << 7)) kinds.push({ kind: 'netlink' });
    if (hasFamily(o, AF.PACKET) && o.dbs & ((1 << DB.PACKET_R) | (1 << DB.PACKET_DG)) && o.states & (1 << 7)) kinds.push({ kind: 'packet' });
    if (hasFamily(o, AF.UNIX) && o.dbs & ((1 << DB.UNIX_ST) | (1 << DB.UNIX_DG) | (1 << DB.UNIX_SQ))) kinds.push({ kind: 'unix' });

    const query = (kind: SocketKind, family?: 'inet' | 'inet6') => sd.sockets.stream({ kinds: [kind], family, states, extensions: kind === 'unix' || kind === 'netlink' || kind === 'packet' ? extensions.filter((e) => e !== 'info' && e !== 'congestion') : extensions, filter });

    for (const { kind } of kinds) {
      if (kind === 'packet') await loadLinks();
      await each(query(kind), kind, (s) => {
        if (s.kind === 'unix') {
          const db = s.type === 'stream' ? DB.UNIX_ST : s.type === 'dgram' ? DB.UNIX_DG : s.type === 'seqpacket' ? DB.UNIX_SQ : -1;
          if (db >= 0 && !(o.dbs & (1 << db))) return;
          if (o.json) emit(s);
          else {
            fmt.unix(s, f);
            renderer.line(f);
          }
        } else if (s.kind === 'netlink') {
          if (o.json) emit(s);
          else {
            fmt.netlink(s, f, procName, (p) => (o.numeric || p >= 256 ? String(p) : netlinkProtocolNames[p] ?? String(p)));
            renderer.line(f);
          }
        } else if (s.kind === 'packet') {
          // ss 6.1 lists every packet socket the dump returns, whichever of packet_raw and packet_dgram was asked for.
          if (o.json) emit(s);
          else {
            fmt.packet(s, f, (p) => (!o.numeric && llProtocolNames[p]) || `[${p}]`);
            renderer.line(f);
          }
        }
      });
    }

    const inetFamilies = (): ('inet' | 'inet6')[] => {
      // ss asks for IPv4 first unless -6 was its last family option, then IPv6 unless that was -4.
      const out: ('inet' | 'inet6')[] = [];
      if (o.preferredFamily === AF.INET6) out.push('inet6');
      else {
        out.push('inet');
        if (o.preferredFamily !== AF.INET) out.push('inet6');
      }
      return out.filter((x) => hasFamily(o, x === 'inet' ? AF.INET : AF.INET6));
    };
    const rawFromProc = async (): Promise<void> => {
      const match = filter ? sd.sockets.matcher(filter) : undefined;
      for (const s of procRawSockets(netns, { inet: hasFamily(o, AF.INET), inet6: hasFamily(o, AF.INET6) }, o.states)) {
        if (match && !match(s)) continue;
        if (hosts) await hosts.prepare(Formatter.resolvable(s));
        if (o.json) emit(s);
        else {
          fmt.procRaw(s, f);
          renderer.line(f);
        }
      }
    };
    // ss asks for vsock, TIPC and XDP sockets after SCTP's and before MPTCP's.
    let tablesAsked = false;
    const tables = async (): Promise<void> => {
      if (tablesAsked) return;
      tablesAsked = true;
      for (const table of ['vsock', 'tipc', 'xdp'] as const) await askTable(sd.socket, table, o);
    };
    if (hasFamily(o, AF.INET) || hasFamily(o, AF.INET6)) {
      for (const [db, kind] of inetOrder) {
        if (kind === 'mptcp') await tables();
        if (!(o.dbs & (1 << db))) continue;
        if (kind === 'raw' && rawFromProcOnly()) {
          await rawFromProc();
          continue;
        }
        for (const family of inetFamilies()) {
          if (plain && (kind === 'tcp' || kind === 'udp')) {
            const ok = await each(sd.sockets.inetChunks(kind, family, { states, extensions }), kind, async (c) => {
              for (let at = c.start; at < c.end; ) {
                if (!links && InetLines.ifindex(c, at)) await loadLinks();
                renderer.ready();
                renderer.packed(plain, plain.add(c, at, kind, kind, reader ? fmt.inetExtra(reader.read(c, at, kind)) : ''));
                at += (c.view.getUint32(at, true) + 3) & ~3;
              }
            });
            if (!ok) break;
            continue;
          }
          const ok = await each(query(kind, family) as AsyncIterable<InetSocket>, kind, async (s) => {
            if (s.ifindex && !links) await loadLinks();
            if (hosts) await hosts.prepare(Formatter.resolvable(s));
            if (o.kill) {
              const r = await sd.sockets.destroySocket(s);
              if (r === -2 || r === -95) return;
              if (r !== 0) throw new UsageError(`SOCK_DESTROY answers: ${r === -1 ? 'Operation not permitted' : `errno ${-r}`}`, { status: 1, bare: true });
            }
            if (o.json) emit(s);
            else {
              fmt.inet(s, f);
              renderer.line(f);
            }
          });
          if (!ok) {
            // ss's raw_show: a kernel without raw_diag sends it to /proc for both families.
            if (kind === 'raw') await rawFromProc();
            break;
          }
        }
      }
    }
    await tables();
    if (o.json) write(`${JSON.stringify(json, jsonValue)}\n`);
    else renderer.render();
    return 0;
  } catch (e) {
    if (e instanceof FilterError) throw filterRefusal(e);
    if (e instanceof SchemaError) throw new UsageError(`ss: ${e.message}`, { status: 255, bare: true });
    throw e;
  } finally {
    sd.close();
    hosts?.close();
    if (names !== hosts) names?.close();
  }
}

/**
 * cgroup v2 paths by id (the directory's inode), as ss maps them: a walk of the cgroup2 mount. ss switching to
 * a namespace (-N) mounts a fresh /sys without it, so there every id is unreachable.
 */
function cgroupNames(switched: boolean): Map<bigint, string> {
  const m = new Map<bigint, string>();
  if (switched) {
    process.stderr.write('Failed to find cgroup2 mount\n');
    return m;
  }
  let mnt: string | undefined;
  try {
    for (const line of readFileSync('/proc/mounts', 'utf8').split('\n')) {
      const [, dir, type] = line.split(' ');
      if (type === 'cgroup2') {
        mnt = dir;
        break;
      }
    }
  } catch {
    // no /proc: nothing to map
  }
  if (mnt === undefined) return m;
  const walk = (dir: string): void => {
    let st;
    try {
      st = statSync(dir, { bigint: true });
    } catch {
      return;
    }
    m.set(st.ino, dir.slice(mnt!.length) || '/');
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) if (e.isDirectory()) walk(`${dir}/${e.name}`);
  };
  walk(mnt);
  return m;
}

function unreachable(id: bigint, switched: boolean): string {
  if (switched) process.stderr.write('Failed to find cgroup2 mount\n');
  return `unreachable:${id.toString(16)}`;
}

/**
 * Run `body` over a dump; false when the kernel has no SOCK_DIAG handler for it (ENOENT, EOPNOTSUPP), which ss
 * passes over in silence — except DCCP, where ss retries with the old TCPDIAG request and prints the kernel's
 * refusal.
 */
async function each<T>(items: AsyncIterable<T>, kind: string, body: (item: T) => Promise<void> | void): Promise<boolean> {
  try {
    for await (const s of items) await body(s);
    return true;
  } catch (e) {
    const errno = (e as { errno?: number }).errno;
    if (errno !== 2 && errno !== 95 && errno !== -2 && errno !== -95) throw e;
    if (kind === 'dccp') process.stderr.write('RTNETLINK answers: Invalid argument\n');
    return false;
  }
}

/** What ss prints, and its exit code, for a filter word its parser refuses. */
function filterRefusal(e: FilterError): UsageError {
  const word = e.word;
  switch (e.reason) {
    case 'does not look like a port':
      return new UsageError(`Error: "${e.part}" does not look like a port.\nCannot parse dst/src address.`, { status: 1, bare: true });
    case 'an inet prefix is expected':
      return new UsageError(`Error: an inet prefix is expected rather than "${e.part}".\nCannot parse dst/src address.`, { status: 1, bare: true });
    case 'ambiguous port':
      return new UsageError(`Error: ambiguous port "${e.part}".\nCannot parse dst/src address.`, { status: 1, bare: true });
    case 'cannot parse address':
      return new UsageError('Cannot parse dst/src address.', { status: 1, bare: true });
    case 'cannot parse cgroup':
      return new UsageError(`Cannot parse cgroup ${word}.`, { status: 1, bare: true });
    case 'cannot parse device':
      return new UsageError('Cannot parse device.', { status: 1, bare: true });
    case 'cannot parse mark':
      return new UsageError(`Cannot parse mark ${word}.`, { status: 1, bare: true });
    default:
      return new UsageError(`ss: bison bellows (while parsing filter): "syntax error!" Sorry.\n${usageText.trimEnd()}`, { status: 255, bare: true });
  }
}

function procName(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const open = stat.indexOf('(');
    const close = stat.indexOf(')', open);
    return `${stat.slice(open + 1, close)}/${pid}`;
  } catch {
    return undefined;
  }
}
