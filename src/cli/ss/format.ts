/**
 * One socket → ss's ten fields, as ss 6.1 prints them: netid, state, queues, the local and peer address and
 * port, then everything else (owners, timers, -e details, -m memory, -i TCP internals) in the tenth field.
 */
import type { InetSocket, InetSockopt, NetlinkSocketInfo, PacketSocket, SkMeminfo, TcpInfo, UnixSocket } from '../../api/sockets/index.js';
import { tcpStates } from '../../api/sockets/index.js';
import type { SsOptions } from './args.js';
import { bw, fixed1, fmtG, fmtMs, left6, msTimer } from './text.js';

const sstateName = ['UNKNOWN', 'ESTAB', 'SYN-SENT', 'SYN-RECV', 'FIN-WAIT-1', 'FIN-WAIT-2', 'TIME-WAIT', 'UNCONN', 'CLOSE-WAIT', 'LAST-ACK', 'LISTEN', 'CLOSING'];
const timerName = ['off', 'on', 'keepalive', 'timewait', 'persist', 'unknown'];

export function stateNumber(s: string | number): number {
  return typeof s === 'number' ? s : tcpStates[s as keyof typeof tcpStates];
}

function protoName(p: number): string {
  switch (p) {
    case 0: return 'raw';
    case 17: return 'udp';
    case 6: return 'tcp';
    case 262: return 'mptcp';
    case 132: return 'sctp';
    case 33: return 'dccp';
    case 58: return 'icmp6';
    default: return '???';
  }
}

const kindProto: Readonly<Record<string, number>> = { tcp: 6, udp: 17, udplite: 17, raw: 255, sctp: 132, dccp: 33, mptcp: 262 };

/**
 * tcp_info as the text needs it: the typed socket's, or one read in place from the dump's bytes (fast.ts), whose
 * u64 counters are numbers where a number holds them exactly.
 */
export type TcpInfoFields = { [K in keyof TcpInfo]: TcpInfo[K] extends bigint ? bigint | number : TcpInfo[K] };
/** An inet socket as the text after its addresses needs it: a typed InetSocket, or inet-bytes.ts's in-place reading. */
export type InetFields = Omit<InetSocket, 'tcpInfo' | 'bbr'> & {
  tcpInfo?: TcpInfoFields;
  bbr?: { bw: bigint | number; minRtt: number; pacingGain: number; cwndGain: number };
};

/** ss's names for INET_DIAG_SOCKOPT's flags, in its order. */
const sockoptNames: readonly [keyof InetSockopt, string][] = [
  ['recverr', 'recverr'], ['isIcsk', 'is_icsk'], ['freebind', 'freebind'], ['hdrincl', 'hdrincl'], ['mcLoop', 'mc_loop'],
  ['transparent', 'transparent'], ['mcAll', 'mc_all'], ['nodefrag', 'nodefrag'], ['bindAddressNoPort', 'bind_addr_no_port'],
  ['recverrRfc4884', 'recverr_rfc4884'], ['deferConnect', 'defer_connect'],
];

function sockoptText(s: InetSockopt, oneline: boolean): string {
  let x = oneline ? ' inet-sockopt: (' : '\n\tinet-sockopt: (';
  for (const [k, name] of sockoptNames) if (s[k]) x += ` ${name}`;
  return `${x})`;
}

/** What ss needs beyond the sockets: names of ports, devices and protocols, and owners. */
export interface Lookup {
  service(port: number, proto: 'tcp' | 'udp' | 'raw'): string | undefined;
  protocol(n: number): string | undefined;
  ifname(index: number): string | undefined;
  /** -r: the host name of an address, when it has one. */
  host(addr: string): string | undefined;
  owners: Map<number, string> | undefined;
  cgroup(id: bigint): string;
  ephemeral: readonly [number, number];
}

export class Formatter {
  constructor(
    private readonly o: SsOptions,
    private readonly lookup: Lookup,
  ) {}

  /** A port as ss prints it: `*` for none, else its service name unless -n or ephemeral. */
  port(port: number, proto: 'tcp' | 'udp' | 'raw'): string {
    if (port === 0) return '*';
    if (this.o.numeric) return String(port);
    if (proto === 'raw') return this.lookup.protocol(port) ?? `ipproto-${port}`;
    const e = this.lookup.ephemeral;
    if (port >= e[0] && port <= e[1]) return String(port);
    return this.lookup.service(port, proto) ?? String(port);
  }

  /** An interface's name, or what ss prints for one it cannot name. */
  ifname(index: number): string {
    return this.lookup.ifname(index) ?? (this.o.numeric ? String(index) : `if${index}`);
  }

  /** ss's inet_addr_print: IPv6 in brackets (a name too, if it holds a colon), its wildcard as `*`. */
  private address(addr: string, v6: boolean, v6only: boolean): string {
    if (v6 && !v6only && addr === '::') return '*';
    const name = this.o.resolve ? this.lookup.host(addr) ?? addr : addr;
    return v6 && name.includes(':') ? `[${name}]` : name;
  }

  /** The addresses -r looks up for an inet socket: all but IPv6's wildcard, which ss prints as `*`. */
  static resolvable(s: InetSocket): string[] {
    const v6 = s.family === 'inet6' && s.v6only !== true;
    return [s.src, s.dst].filter((a) => !(v6 && a === '::'));
  }

  private users(inode: number): string {
    const u = this.lookup.owners?.get(inode);
    return u === undefined || inode === 0 ? '' : ` users:(${u})`;
  }

  /** ss's sock_state_print and inet_addr_print: netid (from the protocol), state, queues, both ends. */
  private addresses(s: InetSocket, f: string[], proto: number): void {
    f[0] = protoName(proto);
    f[1] = sstateName[stateNumber(s.state)] ?? 'UNKNOWN';
    f[2] = left6(s.rqueue);
    f[3] = left6(s.wqueue);
    const dg = s.kind === 'udp' || s.kind === 'udplite' ? 'udp' : s.kind === 'raw' ? 'raw' : 'tcp';
    const v6only = s.v6only === true;
    const src = this.address(s.src, s.family === 'inet6', v6only);
    const dst = this.address(s.dst, s.family === 'inet6', v6only);
    const ifname = s.ifindex ? this.ifname(s.ifindex) : undefined;
    f[4] = ifname !== undefined ? `${src}%${ifname}:` : `${src}:`;
    f[5] = this.port(s.sport, dg);
    f[6] = `${dst}:`;
    f[7] = this.port(s.dport, dg);
  }

  /**
   * A raw socket read from /proc (the kernel has no raw_diag): ss's inet_stats_print — netid `raw`, state, queues,
   * addresses and owners, nothing of -e, -o, -m or -i.
   */
  procRaw(s: InetSocket, f: string[]): void {
    this.addresses(s, f, 0);
    f[8] = this.users(s.inode);
    f[9] = '';
  }

  inet(s: InetSocket, f: string[]): void {
    this.addresses(s, f, s.protocol !== undefined ? s.protocol : kindProto[s.kind]!);
    f[8] = this.inetExtra(s);
    f[9] = '';
  }

  /** Everything ss prints after an inet socket's peer port: owners, timer, -e, --tos, -m and -i. */
  inetExtra(s: InetFields): string {
    const o = this.o;
    let x = this.users(s.inode);
    if (o.options && s.timer) {
      const t = s.timer > 4 ? 5 : s.timer;
      x += ` timer:(${timerName[t]},${msTimer(s.expires)},${s.retrans})`;
    }
    if (o.details) {
      if (s.uid) x += ` uid:${s.uid}`;
      x += ` ino:${s.inode} sk:${s.cookie.toString(16)}`;
      if (s.mark) x += ` fwmark:0x${s.mark.toString(16)}`;
      if (s.cgroupId) x += ` cgroup:${this.lookup.cgroup(s.cgroupId)}`;
      if (s.family === 'inet6' && s.v6only !== undefined) x += ` v6only:${s.v6only ? 1 : 0}`;
      if (s.shutdown !== undefined) x += ` ${s.shutdown & 1 ? '-' : '<'}-${s.shutdown & 2 ? '-' : '>'}`;
    }
    if (o.tos) {
      if (s.tos !== undefined) x += ` tos:${hex(s.tos)}`;
      if (s.tclass !== undefined) x += ` tclass:${hex(s.tclass)}`;
      if (s.classId !== undefined) x += ` class_id:${hex(s.classId)}`;
    }
    if (o.cgroup && s.cgroupId !== undefined) x += ` cgroup:${this.lookup.cgroup(s.cgroupId)}`;
    if (o.inetSockopt && s.sockopt) x += sockoptText(s.sockopt, o.oneline);
    if (o.memory || (o.info && s.kind !== 'udp')) {
      if (!o.oneline) x += '\n\t';
      x += skmem(s.skmeminfo, s.meminfo);
      if (s.tcpInfo) x += tcpInfoText(s, s.tcpInfo, o);
      if (s.ulp !== undefined) x += ` tcp-ulp-${s.ulp}`;
    }
    return x;
  }

  unix(s: UnixSocket, f: string[]): void {
    const o = this.o;
    f[0] = s.type === 'stream' ? 'u_str' : s.type === 'seqpacket' ? 'u_seq' : 'u_dgr';
    f[1] = sstateName[stateNumber(s.state)] ?? 'UNKNOWN';
    f[2] = left6(s.rqueue ?? 0);
    f[3] = left6(s.wqueue ?? 0);
    f[4] = `${s.path ?? '*'} `;
    f[5] = String(s.inode);
    f[6] = '* ';
    f[7] = String(s.peer ?? 0);
    let x = this.users(s.inode);
    if (o.memory) x += skmem(s.skmeminfo, undefined);
    if (o.details) {
      if (s.shutdown !== undefined) x += ` ${s.shutdown & 1 ? '-' : '<'}-${s.shutdown & 2 ? '-' : '>'}`;
      if (s.vfs) x += ` ino:${s.vfs.ino} dev:${major(s.vfs.dev)}/${minor(s.vfs.dev)}`;
      if (s.pending) {
        x += ' peers:';
        for (const p of s.pending) x += ` ${p}`;
      }
    }
    f[8] = x;
    f[9] = '';
  }

  netlink(s: NetlinkSocketInfo, f: string[], procName: (pid: number) => string | undefined, protoName: (p: number) => string): void {
    const o = this.o;
    f[0] = 'nl';
    f[1] = 'UNCONN';
    f[2] = left6(s.skmeminfo?.rmemAlloc ?? 0);
    f[3] = left6(s.skmeminfo?.wmemAlloc ?? 0);
    f[4] = `${protoName(s.protocol)}:`;
    const pid = s.portid | 0;
    let name: string;
    if (pid === -1) name = '*';
    else if (!o.numeric) name = pid === 0 ? 'kernel' : (pid > 0 && procName(pid)) || String(pid);
    else name = String(pid);
    f[5] = name;
    if (stateNumber(s.state) === 1) {
      f[6] = `${s.dstGroup}:`;
      f[7] = String(s.dstPortid | 0);
    } else {
      f[6] = '*';
      f[7] = '';
    }
    let x = '';
    if (o.details) {
      const g = s.groups ? s.groups.filter((n) => n <= 32).reduce((a, n) => a | (1 << (n - 1)), 0) >>> 0 : 0;
      x += ` sk=0 cb=0 groups=0x${g.toString(16).padStart(8, '0')}`;
    }
    if (o.memory) x += `\t${skmem(s.skmeminfo, undefined)}`;
    f[8] = x;
    f[9] = '';
  }

  packet(s: PacketSocket, f: string[], llProto: (p: number) => string): void {
    const o = this.o;
    f[0] = s.type === 'raw' ? 'p_raw' : 'p_dgr';
    f[1] = 'UNCONN';
    f[2] = left6(s.skmeminfo?.rmemAlloc ?? 0);
    f[3] = left6(0);
    const index = s.info?.index ?? 0;
    f[4] = `${s.protocol === 3 ? '*' : llProto(s.protocol)}:`;
    f[5] = index === 0 ? '*' : this.lookup.ifname(index) ?? String(index);
    f[6] = '*';
    f[7] = '';
    let x = this.users(s.inode);
    if (o.details) {
      if (s.uid) x += ` uid:${s.uid}`;
      x += ` ino:${s.inode} sk:${s.cookie.toString(16)}`;
      const nl = o.oneline ? ' ' : '\n\t';
      if (s.info) {
        const flags = s.info.flags;
        x += `${nl}ver:${s.info.version} cpy_thresh:${s.info.copyThresh} flags( `;
        if (flags.includes('running')) x += 'running';
        for (const n of ['auxdata', 'origdev', 'vnethdr', 'loss']) if (flags.includes(n)) x += ` ${n}`;
        if (flags.length === 0) x += '0';
        x += ' )';
      }
      const ring = (r: PacketSocket['rxRing'] & object) => `blk_size:${r.blockSize},blk_nr:${r.blockNr},frm_size:${r.frameSize},frm_nr:${r.frameNr},tmo:${r.retireTmo},features:0x${r.features.toString(16)})`;
      if (s.rxRing) x += `${o.oneline ? ' ' : '\n\t'}ring_rx(${ring(s.rxRing)}`;
      if (s.txRing) x += `${o.oneline ? ' ' : '\n\t'}ring_tx(${ring(s.txRing)}`;
      if (s.fanout) {
        const names = ['hash', 'lb', 'cpu', 'roll', 'random', 'qm'];
        // ss reads the mode as the whole upper half: mode and flags together.
        const type = s.fanout.mode | (s.fanout.flags << 8);
        x += `${o.oneline ? ' ' : '\n\t'}fanout(id:${s.fanout.id},type:${names[type] ?? `0x${type.toString(16)}`})`;
      }
    }
    // -b: the socket's classic BPF program (PACKET_DIAG_FILTER, sent to CAP_NET_ADMIN), as ss 6.1 lists it.
    if (o.bpf && s.filter) {
      x += `${o.oneline ? ' ' : '\n\t'}bpf filter (${s.filter.length}): `;
      for (const [code, jt, jf, k] of s.filter) x += ` 0x${code.toString(16).padStart(2, '0')} ${jt} ${jf} ${k},`;
    }
    if (o.memory) x += skmem(s.skmeminfo, undefined);
    f[8] = x;
    f[9] = '';
  }
}

function hex(n: number): string {
  return n ? `0x${n.toString(16)}` : '0';
}

function major(dev: number): number {
  // glibc's major() of a 32-bit dev_t: the bits above 32 are zero.
  return (dev >>> 8) & 0xfff;
}

function minor(dev: number): number {
  return ((dev & 0xff) | ((dev >>> 12) & 0xfff00)) >>> 0;
}

function skmem(m: SkMeminfo | undefined, mem: InetSocket['meminfo']): string {
  if (!m) return mem ? ` mem:(r${mem.rmem},w${mem.wmem},f${mem.fmem},t${mem.tmem})` : '';
  return ` skmem:(r${m.rmemAlloc},rb${m.rcvbuf},t${m.wmemAlloc},tb${m.sndbuf},f${m.fwdAlloc},w${m.wmemQueued},o${m.optmem},bl${m.backlog},d${m.drops})`;
}

const U64_MAX = 0xffffffffffffffffn;

/** BBR's gains as %g of gain/256: a few values, each formatted once. */
const gains = new Map<number, string>();
function gain(g: number): string {
  let s = gains.get(g);
  if (s === undefined) {
    s = fmtG(g / 256);
    if (gains.size < 1024) gains.set(g, s);
  }
  return s;
}

/** Microseconds to whole milliseconds, as ss's u64 division. */
function ms(us: bigint | number): bigint | number {
  return typeof us === 'bigint' ? us / 1000n : Math.floor(us / 1000);
}

/** tcp_show_info + tcp_stats_print. */
function tcpInfoText(s: InetFields, t: TcpInfoFields, o: SsOptions): string {
  let x = '';
  const opt = t.options;
  if (o.options) {
    if (opt & 1) x += ' ts';
    if (opt & 2) x += ' sack';
    if (opt & 8) x += ' ecn';
    if (opt & 16) x += ' ecnseen';
    if (opt & 32) x += ' fastopen';
  }
  if (s.congestion) x += ` ${s.congestion}`;
  if (opt & 4) x += ` wscale:${t.sndWscale},${t.rcvWscale}`;
  if (t.rto && t.rto !== 3000000) x += ` rto:${fmtMs(t.rto)}`;
  if (t.backoff) x += ` backoff:${t.backoff}`;
  if (t.rtt) x += ` rtt:${fmtMs(t.rtt)}/${fmtMs(t.rttvar)}`;
  if (t.ato) x += ` ato:${fmtMs(t.ato)}`;
  if (t.sndMss) x += ` mss:${t.sndMss}`;
  if (t.pmtu) x += ` pmtu:${t.pmtu}`;
  if (t.rcvMss) x += ` rcvmss:${t.rcvMss}`;
  if (t.advmss) x += ` advmss:${t.advmss}`;
  if (t.sndCwnd) x += ` cwnd:${t.sndCwnd}`;
  if (t.sndSsthresh < 0xffff && t.sndSsthresh) x += ` ssthresh:${t.sndSsthresh}`;
  if (t.bytesSent) x += ` bytes_sent:${t.bytesSent}`;
  if (t.bytesRetrans) x += ` bytes_retrans:${t.bytesRetrans}`;
  if (t.bytesAcked) x += ` bytes_acked:${t.bytesAcked}`;
  if (t.bytesReceived) x += ` bytes_received:${t.bytesReceived}`;
  if (t.segsOut) x += ` segs_out:${t.segsOut}`;
  if (t.segsIn) x += ` segs_in:${t.segsIn}`;
  if (t.dataSegsOut) x += ` data_segs_out:${t.dataSegsOut}`;
  if (t.dataSegsIn) x += ` data_segs_in:${t.dataSegsIn}`;
  if (s.dctcp) {
    const d = s.dctcp;
    x += d.enabled ? ` dctcp:(ce_state:${d.ceState},alpha:${d.alpha},ab_ecn:${d.abEcn},ab_tot:${d.abTot})` : ' dctcp:fallback_mode';
  }
  if (s.bbr) {
    const b = s.bbr;
    x += ` bbr:(bw:${bw(Number(b.bw) * 8, o.numeric)}bps,mrtt:${fmtMs(b.minRtt)}`;
    if (b.pacingGain) x += `,pacing_gain:${gain(b.pacingGain)}`;
    if (b.cwndGain) x += `,cwnd_gain:${gain(b.cwndGain)}`;
    x += ')';
  }
  let rtt = t.rtt;
  const v = s.vegas;
  if (v && v.enabled && v.rtt && v.rtt !== 0x7fffffff) rtt = v.rtt;
  if (rtt > 0 && t.sndMss && t.sndCwnd) x += ` send ${bw((t.sndCwnd * t.sndMss * 8000000) / rtt, o.numeric)}bps`;
  if (t.lastDataSent) x += ` lastsnd:${t.lastDataSent}`;
  if (t.lastDataRecv) x += ` lastrcv:${t.lastDataRecv}`;
  if (t.lastAckRecv) x += ` lastack:${t.lastAckRecv}`;
  if (t.pacingRate && t.pacingRate !== U64_MAX) {
    x += ` pacing_rate ${bw(Number(t.pacingRate) * 8, o.numeric)}bps`;
    if (t.maxPacingRate && t.maxPacingRate !== U64_MAX) x += `/${bw(Number(t.maxPacingRate) * 8, o.numeric)}bps`;
  }
  if (t.deliveryRate) x += ` delivery_rate ${bw(Number(t.deliveryRate) * 8, o.numeric)}bps`;
  if (t.delivered) x += ` delivered:${t.delivered}`;
  if (t.deliveredCe) x += ` delivered_ce:${t.deliveredCe}`;
  if (t.deliveryRateAppLimited) x += ' app_limited';
  if (t.busyTime) {
    const busy = Number(t.busyTime);
    x += ` busy:${ms(t.busyTime)}ms`;
    if (t.rwndLimited) x += ` rwnd_limited:${ms(t.rwndLimited)}ms(${fixed1((100 * Number(t.rwndLimited)) / busy)}%)`;
    if (t.sndbufLimited) x += ` sndbuf_limited:${ms(t.sndbufLimited)}ms(${fixed1((100 * Number(t.sndbufLimited)) / busy)}%)`;
  }
  if (t.unacked) x += ` unacked:${t.unacked}`;
  if (t.retrans || t.totalRetrans) x += ` retrans:${t.retrans}/${t.totalRetrans}`;
  if (t.lost) x += ` lost:${t.lost}`;
  if (t.sacked && stateNumber(s.state) !== 10) x += ` sacked:${t.sacked}`;
  if (t.dsackDups) x += ` dsack_dups:${t.dsackDups}`;
  if (t.fackets) x += ` fackets:${t.fackets}`;
  if (t.reordering !== 3) x += ` reordering:${t.reordering}`;
  if (t.reordSeen) x += ` reord_seen:${t.reordSeen}`;
  if (t.rcvRtt) x += ` rcv_rtt:${fmtMs(t.rcvRtt)}`;
  if (t.rcvSpace) x += ` rcv_space:${t.rcvSpace}`;
  if (t.rcvSsthresh) x += ` rcv_ssthresh:${t.rcvSsthresh}`;
  if (t.notsentBytes) x += ` notsent:${t.notsentBytes}`;
  if (t.minRtt && t.minRtt !== 0xffffffff) x += ` minrtt:${fmtMs(t.minRtt)}`;
  if (t.rcvOoopack) x += ` rcv_ooopack:${t.rcvOoopack}`;
  if (t.sndWnd) x += ` snd_wnd:${t.sndWnd}`;
  return x;
}
