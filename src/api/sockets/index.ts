/**
 * Sockets through NETLINK_SOCK_DIAG: list, stream and destroy the sockets of a namespace as typed objects, and
 * follow the kernel's destroy notifications.
 *
 *   const sd = SockDiag.open({ netns: 'blue' });
 *   for await (const s of sd.sockets.stream({ kinds: ['tcp'], states: ['listen'], extensions: ['info'] })) …
 *   sd.close();
 */
import { sockDiagFamily } from '../../families/sock_diag/index.js';
import { parseIP } from '../../schema/address-text.js';
import { Protocol } from '../../socket/constants.js';
import type { DumpChunk } from '../../socket/dump.js';
import { NetlinkSocket, type NetnsRef } from '../../socket/socket.js';
import { SchemaError } from '../../schema/codec.js';
import { NLMSG_HDRLEN } from '../../wire/message.js';
import { arrayOf, callFields, check, enumOf, integer, netns, oneOf, record, text, type Check } from '../input.js';
import { compileFilter, parseFilter, runFilter, type FilterContext, type FilterNode } from './filter.js';
import { socketEvents, type SocketEvent, type SocketEventQuery } from './events.js';
import { sockDiagSchema } from './schema.js';
import { ephemeralRange, inetMatcher, inetSubject, newSubject, otherSubject, usesAutobound } from './subject.js';
import {
  inetProtocols, inetSocket, netlinkSocket, packetSocket, tcpStates, unixSocket,
  type InetKind, type InetSocket, type SocketInfo, type SocketKind, type TcpStateName,
} from './objects.js';

export * from './objects.js';
export { parseFilter, compileFilter, runFilter, FilterError } from './filter.js';
export type { SocketEvent, SocketEventQuery } from './events.js';
export type { FilterNode, FilterContext, FilterSubject, HostCond } from './filter.js';

export { sockDiagSchema } from './schema.js';

/** Extensions a dump asks the kernel for (INET_DIAG_* via idiag_ext, UDIAG_SHOW_*, NDIAG_SHOW_*, PACKET_SHOW_*). */
export type SocketExtension =
  | 'info' | 'congestion' | 'meminfo' | 'skmeminfo' | 'tos'
  | 'vfs' | 'pending' | 'uid' | 'flags' | 'mclist';
const extensionNames: readonly SocketExtension[] = ['info', 'congestion', 'meminfo', 'skmeminfo', 'tos', 'vfs', 'pending', 'uid', 'flags', 'mclist'];
const kindNames: readonly SocketKind[] = [...(Object.keys(inetProtocols) as InetKind[]), 'unix', 'netlink', 'packet'];

/** Which sockets to list: kinds, states, a filter expression as ss writes it, and the extensions to ask for. */
export interface SocketQuery {
  /** Which sockets (default tcp). */
  kinds?: SocketKind[];
  /** inet kinds: IPv4, IPv6 or (default) both. */
  family?: 'inet' | 'inet6';
  /**
   * Only sockets in these states (the kernel filters: idiag_states); default every state. A number is the
   * idiag_states bit mask itself (bit n: state n), sent as it is — ss's masks carry bit 0 too.
   */
  states?: TcpStateName[] | number;
  /** An ss filter expression (`sport = :22 and dst 10.0.0.0/8`): bytecode for the kernel where it can run it. */
  filter?: string | string[];
  extensions?: SocketExtension[];
  signal?: AbortSignal;
  timeout?: number;
}

const queryCheck = record({
  kinds: arrayOf(oneOf(kindNames)),
  family: oneOf(['inet', 'inet6']),
  states: (v, path, key, scope) => (typeof v === 'number' ? integer(0, 0xffffffff)(v, path, key, scope) : arrayOf(enumOf(sockDiagFamily.enums.tcpState))(v, path, key, scope)),
  filter: (v, path, key, scope) => (Array.isArray(v) ? arrayOf(text(1024))(v, path, key, scope) : text(65535)(v, path, key, scope)),
  extensions: arrayOf(oneOf(extensionNames)),
  ...callFields,
} as Record<string, Check>);

/** What SOCK_DESTROY did to one socket: null on success, or the kernel's error. */
export interface DestroyResult {
  socket: InetSocket;
  /** 0 when destroyed, else the errno (-ENOENT: gone meanwhile; -EOPNOTSUPP: the kernel cannot). */
  error: number;
}

/** Where to open the NETLINK_SOCK_DIAG socket, and its receive buffer. */
export interface SockDiagOptions {
  netns?: NetnsRef;
  receiveBufferSize?: number;
}

// idiag_ext bits: 1 << (INET_DIAG_x - 1).
const EXT_MEMINFO = 1 << 0, EXT_INFO = 1 << 1, EXT_VEGASINFO = 1 << 2, EXT_CONG = 1 << 3, EXT_TOS = 1 << 4, EXT_TCLASS = 1 << 5, EXT_SKMEMINFO = 1 << 6;
const AF_UNIX = 1, AF_INET = 2, AF_INET6 = 10, AF_NETLINK = 16, AF_PACKET = 17;

/** A compiled query: what each dump sends, and what is checked here afterwards. */
interface Plan {
  kinds: SocketKind[];
  families: number[];
  states: number;
  ext: number;
  extensions: Set<SocketExtension>;
  filter: FilterNode | undefined;
  bytecode: Uint8Array | undefined;
  ephemeral: readonly [number, number];
}

/** The sockets of a namespace through SOCK_DIAG: list, stream and destroy. */
export class Sockets {
  constructor(
    private readonly socket: NetlinkSocket,
    private readonly context: FilterContext = {},
    /** Opens another NETLINK_SOCK_DIAG socket in the same namespace (events listen on one of their own). */
    private readonly reopen: () => NetlinkSocket = () => NetlinkSocket.open(Protocol.SOCK_DIAG),
  ) {}

  /**
   * Sockets as the kernel destroys them (SOCK_DIAG destroy notifications: TCP and UDP over IPv4 and IPv6), on a
   * socket of its own opened at the first `next()`; receive-queue overruns as `{ kind: 'overrun' }` events. The
   * query is checked here, before anything is opened; its filter runs on each socket as it comes.
   */
  events(query: SocketEventQuery = {}): AsyncIterable<SocketEvent> {
    return socketEvents(this.reopen, this.context, query);
  }

  /** An ss filter expression as a predicate on inet sockets (SchemaError for one that does not parse). */
  matcher(filter: string | string[]): (s: InetSocket) => boolean {
    check(queryCheck, { filter });
    const f = parseFilter(filter, this.context);
    return f ? inetMatcher(f) : () => true;
  }

  /** Check and compile a query, before anything is sent. */
  plan(query: SocketQuery = {}): Plan {
    check(queryCheck, query);
    let states = 0;
    if (typeof query.states === 'number') states = query.states;
    else for (const s of query.states ?? (Object.keys(tcpStates) as TcpStateName[])) states |= 1 << tcpStates[s];
    const extensions = new Set(query.extensions ?? []);
    let ext = 0;
    if (extensions.has('info')) ext |= EXT_INFO;
    if (extensions.has('congestion')) ext |= EXT_VEGASINFO | EXT_CONG;
    if (extensions.has('meminfo')) ext |= EXT_MEMINFO;
    if (extensions.has('skmeminfo')) ext |= EXT_SKMEMINFO;
    if (extensions.has('tos')) ext |= EXT_TOS | EXT_TCLASS;
    const filter = query.filter === undefined ? undefined : parseFilter(query.filter, this.context);
    return {
      kinds: query.kinds ?? ['tcp'],
      families: query.family === 'inet' ? [AF_INET] : query.family === 'inet6' ? [AF_INET6] : [AF_INET, AF_INET6],
      states,
      ext,
      extensions,
      filter,
      bytecode: filter && compileFilter(filter),
      ephemeral: filter && usesAutobound(filter) ? ephemeralRange() : [1024, 4999],
    };
  }

  /** Every socket the query selects, as typed objects (the kernel filters states and the expression). */
  async list(query: SocketQuery = {}): Promise<SocketInfo[]> {
    const out: SocketInfo[] = [];
    for await (const s of this.stream(query)) out.push(s);
    return out;
  }

  /** The sockets one at a time, as the kernel's dumps deliver them: memory stays flat whatever their number. */
  stream(query: SocketQuery = {}): AsyncIterable<SocketInfo> {
    const plan = this.plan(query);
    const self = this;
    return {
      async *[Symbol.asyncIterator]() {
        for (const kind of plan.kinds) {
          if (kind === 'unix' || kind === 'netlink' || kind === 'packet') yield* self.dumpOther(kind, plan, query);
          else for (const family of plan.families) yield* self.dumpInet(kind, family, plan, query);
        }
      },
    };
  }

  /** The inet_diag_req_v2 dump request for one protocol and family. */
  inetRequest(kind: InetKind, family: number, plan: Plan): Uint8Array {
    const protocol = inetProtocols[kind];
    const value: Record<string, unknown> = {
      family, protocol: protocol & 255, ext: plan.ext, rawProtocol: 0, states: plan.states,
      id: { sport: 0, dport: 0, src0: 0, src1: 0, src2: 0, src3: 0, dst0: 0, dst1: 0, dst2: 0, dst3: 0, if: 0, cookie0: 0, cookie1: 0 },
    };
    if (plan.bytecode) value.bytecode = plan.bytecode;
    // Protocols above 255 (MPTCP) travel in INET_DIAG_REQ_PROTOCOL.
    if (protocol > 255) value.reqProtocol = protocol;
    return sockDiagSchema.encodeMessage('inetDiagReq', value).bytes;
  }

  /**
   * One inet dump's replies as the kernel sends them — runs of inet_diag_msg messages, no object per socket — for
   * a caller that reads a few fields in place (nlkit ss's plain listings, at hundreds of thousands of sockets).
   * No filter expression here: part of one may have to run on typed sockets. Reads up to 256 datagrams (8 MiB)
   * ahead, so that the kernel goes on while a consumer that works in bursts (ss's renders) is busy.
   */
  inetChunks(kind: InetKind, family: 'inet' | 'inet6', query: Omit<SocketQuery, 'kinds' | 'family' | 'filter'> = {}): AsyncIterable<DumpChunk> {
    if ((query as SocketQuery).filter !== undefined) throw new SchemaError('filter', 'inetChunks takes no filter expression: use stream()');
    const plan = this.plan({ ...query, kinds: [kind], family });
    return this.socket.dump(this.inetRequest(kind, family === 'inet' ? AF_INET : AF_INET6, plan), { signal: query.signal, timeout: query.timeout, highWaterMark: 256 }).chunks();
  }

  private async *dumpInet(kind: InetKind, family: number, plan: Plan, query: SocketQuery): AsyncGenerator<InetSocket> {
    const message = sockDiagSchema.message('inetDiagMsg');
    const filter = plan.filter;
    const subject = filter ? newSubject() : undefined;
    for await (const c of this.socket.dump(this.inetRequest(kind, family, plan), { signal: query.signal, timeout: query.timeout }).chunks()) {
      const { buf, view } = c;
      for (let at = c.start; at < c.end; ) {
        const len = view.getUint32(at, true);
        const m = sockDiagSchema.decodeBody(message, buf, at + NLMSG_HDRLEN, at + len, view);
        at += (len + 3) & ~3;
        const s = inetSocket(m, kind);
        if (filter && !runFilter(filter, inetSubject(subject!, s), plan.ephemeral)) continue;
        yield s;
      }
    }
  }

  private async *dumpOther(kind: 'unix' | 'netlink' | 'packet', plan: Plan, query: SocketQuery): AsyncGenerator<SocketInfo> {
    const c = sockDiagFamily.constants;
    const e = plan.extensions;
    let bytes: Uint8Array;
    let reply: string;
    if (kind === 'unix') {
      let show = c.udiagShowName | c.udiagShowPeer | c.udiagShowRqlen;
      if (e.has('skmeminfo') || e.has('meminfo')) show |= c.udiagShowMeminfo;
      if (e.has('vfs')) show |= c.udiagShowVfs;
      if (e.has('pending')) show |= c.udiagShowIcons;
      if (e.has('uid')) show |= c.udiagShowUid;
      bytes = sockDiagSchema.encodeMessage('unixDiagReq', { family: AF_UNIX, protocol: 0, states: plan.states, ino: 0, show, cookie0: 0, cookie1: 0 }).bytes;
      reply = 'unixDiagMsg';
    } else if (kind === 'netlink') {
      let show = c.ndiagShowGroups | c.ndiagShowMeminfo;
      if (e.has('flags')) show |= c.ndiagShowFlags;
      bytes = sockDiagSchema.encodeMessage('netlinkDiagReq', { family: AF_NETLINK, protocol: c.ndiagProtoAll, ino: 0, show, cookie0: 0, cookie1: 0 }).bytes;
      reply = 'netlinkDiagMsg';
    } else {
      let show = c.packetShowInfo | c.packetShowMeminfo | c.packetShowFilter | c.packetShowRingCfg | c.packetShowFanout;
      if (e.has('mclist')) show |= c.packetShowMclist;
      bytes = sockDiagSchema.encodeMessage('packetDiagReq', { family: AF_PACKET, protocol: 0, ino: 0, show, cookie0: 0, cookie1: 0 }).bytes;
      reply = 'packetDiagMsg';
    }
    const message = sockDiagSchema.message(reply);
    const filter = plan.filter;
    const subject = filter ? newSubject() : undefined;
    for await (const ch of this.socket.dump(bytes, { signal: query.signal, timeout: query.timeout }).chunks()) {
      for (let at = ch.start; at < ch.end; ) {
        const len = ch.view.getUint32(at, true);
        const m = sockDiagSchema.decodeBody(message, ch.buf, at + NLMSG_HDRLEN, at + len, ch.view);
        at += (len + 3) & ~3;
        const s = kind === 'unix' ? unixSocket(m) : kind === 'netlink' ? netlinkSocket(m) : packetSocket(m);
        // netlink and packet sockets have no states the kernel filters: ss shows them as UNCONN (CLOSE).
        if (kind !== 'unix' && !(plan.states & (1 << tcpStates.close))) continue;
        if (filter && !runFilter(filter, otherSubject(subject!, s), plan.ephemeral)) continue;
        yield s;
      }
    }
  }

  /** SOCK_DESTROY one socket from a dump; resolves with 0 or the negative errno (-ENOENT: it went meanwhile). */
  async destroySocket(s: InetSocket, options: { signal?: AbortSignal; timeout?: number } = {}): Promise<number> {
    const { bytes } = sockDiagSchema.encodeMessage('inetDiagDestroy', destroyValue(s), { flags: 0 });
    try {
      await this.socket.request(bytes, options);
      return 0;
    } catch (e) {
      const errno = (e as { errno?: number }).errno;
      if (typeof errno !== 'number') throw e;
      return errno > 0 ? -errno : errno;
    }
  }

  /**
   * SOCK_DESTROY every inet socket the query selects (`ss -K`): one result per socket. Needs CAP_NET_ADMIN and a
   * kernel with CONFIG_INET_DIAG_DESTROY.
   */
  async destroy(query: SocketQuery = {}): Promise<DestroyResult[]> {
    const found: InetSocket[] = [];
    for await (const s of this.stream(query)) if (s.kind !== 'unix' && s.kind !== 'netlink' && s.kind !== 'packet') found.push(s);
    const results: DestroyResult[] = [];
    for (const s of found) results.push({ socket: s, error: await this.destroySocket(s, { signal: query.signal, timeout: query.timeout }) });
    return results;
  }
}

function destroyValue(s: InetSocket): Record<string, unknown> {
  const words = (a: string, v4: boolean): number[] => {
    const b = parseIP(a) ?? new Uint8Array(16);
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    return v4 ? [dv.getUint32(0), 0, 0, 0] : [dv.getUint32(0), dv.getUint32(4), dv.getUint32(8), dv.getUint32(12)];
  };
  const v4 = s.family === 'inet';
  const [s0, s1, s2, s3] = words(s.src, v4);
  const [d0, d1, d2, d3] = words(s.dst, v4);
  return {
    family: v4 ? AF_INET : AF_INET6,
    protocol: inetProtocols[s.kind] & 255,
    ext: 0,
    rawProtocol: s.kind === 'raw' ? (s.protocol ?? 0) : 0,
    states: 0xffffffff,
    id: {
      sport: s.sport, dport: s.dport, src0: s0, src1: s1, src2: s2, src3: s3, dst0: d0, dst1: d1, dst2: d2, dst3: d3,
      if: s.ifindex, cookie0: Number(s.cookie & 0xffffffffn), cookie1: Number(s.cookie >> 32n),
    },
  };
}

const openCheck = record({ netns, receiveBufferSize: integer(4096, 0x7fffffff) });

/** One NETLINK_SOCK_DIAG socket in a namespace. */
export class SockDiag {
  readonly sockets: Sockets;
  private constructor(readonly socket: NetlinkSocket, context: FilterContext, reopen: () => NetlinkSocket) {
    this.sockets = new Sockets(socket, context, reopen);
  }

  /** Open a NETLINK_SOCK_DIAG socket in this namespace or the one asked for. */
  static open(options: SockDiagOptions & { context?: FilterContext } = {}): SockDiag {
    check(openCheck, { netns: options.netns, receiveBufferSize: options.receiveBufferSize });
    const open = () => NetlinkSocket.open(Protocol.SOCK_DIAG, { netns: options.netns, receiveBufferSize: options.receiveBufferSize });
    return new SockDiag(open(), options.context ?? {}, open);
  }

  /** Close the socket; what is pending rejects. */
  close(): void {
    this.socket.close();
  }
}
