/**
 * An inet socket's fields read in place from its inet_diag_msg bytes into one object reused for every socket, for
 * the text ss prints after the addresses (owners, timer, -e, --tos, -m, -i): the Formatter builds it from these
 * fields exactly as from a typed socket, without the typed socket's objects and strings (a dump of 200,000 sockets
 * with tcp_info allocates no object per socket here). Offsets and sizes come from the SOCK_DIAG declaration, the
 * attributes through the schema's in-place reader.
 * A socket with an attribute this reader leaves to the schema's decoder (the ULP's nest) goes through the typed
 * path, as does anything malformed, so that it fails there as it would there.
 */
import { inetSocket, sockDiagSchema, stateNames, type InetKind, type SkMeminfo } from '../../api/sockets/index.js';
import type { CompiledStruct } from '../../schema/codec.js';
import { K_U16, K_U32, K_U64, K_U8 } from '../../schema/kinds.js';
import type { DumpChunk } from '../../socket/dump.js';
import type { InetFields, TcpInfoFields } from './format.js';

const NLMSG_HDRLEN = 16;
const header = sockDiagSchema.struct('inet_diag_msg');

function offset(s: CompiledStruct, name: string): number {
  const f = s.fields.find((x) => x.name === name);
  if (!f) throw new Error(`${s.name} declares no ${name}`);
  return f.offset;
}

const id = sockDiagSchema.struct('inet_diag_sockid');
const ID = offset(header, 'id');
const F = {
  family: offset(header, 'family'), state: offset(header, 'state'), timer: offset(header, 'timer'),
  retrans: offset(header, 'retrans'), sport: ID + offset(id, 'sport'), dport: ID + offset(id, 'dport'),
  if: ID + offset(id, 'if'), cookie: ID + offset(id, 'cookie0'), expires: offset(header, 'expires'),
  rqueue: offset(header, 'rqueue'), wqueue: offset(header, 'wqueue'), uid: offset(header, 'uid'), inode: offset(header, 'inode'),
};
/** Where inet_diag_msg's attributes start, and their ids (the reader's, from the declaration). */
const ATTRS = sockDiagSchema.attributesAt('inetDiagMsg');
const A = sockDiagSchema.reader('inet-diag-attrs').id;

type Fill = (dv: DataView, p: number, end: number, o: object) => void;

/** A u64 as a number where a number holds it exactly, else a bigint: the same text either way. */
function u64(dv: DataView, at: number): number | bigint {
  const hi = dv.getUint32(at + 4, true);
  return hi < 0x200000 ? hi * 0x100000000 + dv.getUint32(at, true) : dv.getBigUint64(at, true);
}

/**
 * Straight-line code filling `o` with a struct's integer fields from bytes at `p`, zero past `end` (an older
 * kernel's shorter struct, as the schema's decoder zero-fills it).
 */
function filler(s: CompiledStruct): Fill {
  const lines = s.fields.map((f) => {
    const size = f.kind === K_U8 ? 1 : f.kind === K_U16 ? 2 : f.kind === K_U32 ? 4 : f.kind === K_U64 ? 8 : 0;
    if (!size || f.be || f.enumeration) throw new Error(`${s.name}.${f.name} is not a host-order unsigned integer`);
    const at = `p + ${f.offset}`;
    const read = size === 1 ? `dv.getUint8(${at})` : size === 8 ? `u64(dv, ${at})` : `dv.getUint${size * 8}(${at}, true)`;
    return `  o[${JSON.stringify(f.name)}] = ${at} + ${size} <= end ? ${read} : 0;`;
  });
  return new Function('u64', `return function fill_${s.name}(dv, p, end, o) {\n${lines.join('\n')}\n};`)(u64) as Fill;
}

const fillTcpInfo = filler(sockDiagSchema.struct('tcp_info'));
const fillMeminfo = filler(sockDiagSchema.struct('inet_diag_meminfo'));
const fillSkMeminfo = filler(sockDiagSchema.struct('sk_meminfo'));
const fillVegas = filler(sockDiagSchema.struct('tcpvegas_info'));
const fillDctcp = filler(sockDiagSchema.struct('tcp_dctcp_info'));
const fillBbr = filler(sockDiagSchema.struct('tcp_bbr_info'));
type BbrInfo = { bwLo: number; bwHi: number; minRtt: number; pacingGain: number; cwndGain: number };

/** An object with every field of a struct, zero: its shape is fixed before the first socket. */
function zeroed<T>(s: CompiledStruct): T {
  const o: Record<string, number> = {};
  for (const f of s.fields) o[f.name] = 0;
  return o as T;
}

export class InetReader {
  private readonly s: InetFields;
  private readonly info: TcpInfoFields;
  private readonly meminfo: NonNullable<InetFields['meminfo']>;
  private readonly skmeminfo: SkMeminfo;
  private readonly vegas: NonNullable<InetFields['vegas']>;
  private readonly dctcp: NonNullable<InetFields['dctcp']>;
  private readonly bbrInfo: BbrInfo;
  private readonly bbr: NonNullable<InetFields['bbr']> = { bw: 0, minRtt: 0, pacingGain: 0, cwndGain: 0 };
  private congBytes = new Uint8Array(0);
  private cong = '';
  private readonly attrs = sockDiagSchema.reader('inet-diag-attrs');

  constructor(
    /** Whether the text needs the cookie and the cgroup id (-e, --cgroup): bigints, made only then. */
    private readonly wide: boolean,
  ) {
    this.info = zeroed<TcpInfoFields>(sockDiagSchema.struct('tcp_info'));
    Object.assign(this.info, { sndWscale: 0, rcvWscale: 0, deliveryRateAppLimited: false, fastopenClientFail: 0 });
    this.meminfo = zeroed(sockDiagSchema.struct('inet_diag_meminfo'));
    this.skmeminfo = zeroed(sockDiagSchema.struct('sk_meminfo'));
    this.vegas = zeroed(sockDiagSchema.struct('tcpvegas_info'));
    this.dctcp = zeroed(sockDiagSchema.struct('tcp_dctcp_info'));
    this.bbrInfo = zeroed(sockDiagSchema.struct('tcp_bbr_info'));
    this.s = {
      kind: 'tcp', family: 'inet', state: 0, src: '', sport: 0, dst: '', dport: 0, ifindex: 0, rqueue: 0, wqueue: 0,
      uid: 0, inode: 0, cookie: 0n, timer: 0, expires: 0, retrans: 0, protocol: undefined, v6only: undefined,
      shutdown: undefined, mark: undefined, cgroupId: undefined, tos: undefined, tclass: undefined, classId: undefined,
      meminfo: undefined, skmeminfo: undefined, tcpInfo: undefined, congestion: undefined, vegas: undefined,
      dctcp: undefined, bbr: undefined, ulp: undefined,
    };
  }

  /**
   * The socket whose message starts at `at` in `c`. The object is this reader's own, valid until the next call
   * (or, for a socket only the typed path reads, a typed socket of its own). `src` and `dst` are left empty.
   */
  read(c: DumpChunk, at: number, kind: InetKind): InetFields {
    const { buf, view } = c;
    const end = at + view.getUint32(at, true);
    const b = at + NLMSG_HDRLEN;
    const s = this.s;
    const st = buf[b + F.state]!;
    s.kind = kind;
    s.family = buf[b + F.family] === 2 ? 'inet' : 'inet6';
    s.state = stateNames[st] ?? st;
    s.timer = buf[b + F.timer]!;
    s.retrans = buf[b + F.retrans]!;
    s.sport = view.getUint16(b + F.sport);
    s.dport = view.getUint16(b + F.dport);
    s.ifindex = view.getUint32(b + F.if, true);
    s.cookie = this.wide ? view.getBigUint64(b + F.cookie, true) : 0n;
    s.expires = view.getUint32(b + F.expires, true);
    s.rqueue = view.getUint32(b + F.rqueue, true);
    s.wqueue = view.getUint32(b + F.wqueue, true);
    s.uid = view.getUint32(b + F.uid, true);
    s.inode = view.getUint32(b + F.inode, true);
    s.protocol = s.v6only = s.shutdown = s.mark = s.cgroupId = s.tos = s.tclass = s.classId = undefined;
    s.meminfo = s.skmeminfo = s.tcpInfo = s.congestion = s.vegas = s.dctcp = s.bbr = undefined;
    const r = this.attrs;
    // Malformed attributes, and the ULP's nest (which this leaves to the schema's decoder), take the typed path.
    if (!r.walk(buf, view, b + ATTRS, end) || r.has(A.ulpInfo)) return this.typed(c, at, end, kind);
    let p = r.offset(A.info);
    if (p >= 0) {
      const t = this.info;
      fillTcpInfo(view, p, p + r.length(A.info), t);
      const w = t.wscale, bits = t.appLimitedBits;
      t.sndWscale = w & 15;
      t.rcvWscale = w >> 4;
      t.deliveryRateAppLimited = (bits & 1) !== 0;
      t.fastopenClientFail = (bits >> 1) & 3;
      s.tcpInfo = t;
    }
    if ((p = r.offset(A.cong)) >= 0) s.congestion = this.congestion(buf, p, r.length(A.cong));
    if ((p = r.offset(A.meminfo)) >= 0) fillMeminfo(view, p, p + r.length(A.meminfo), (s.meminfo = this.meminfo));
    if ((p = r.offset(A.skmeminfo)) >= 0) fillSkMeminfo(view, p, p + r.length(A.skmeminfo), (s.skmeminfo = this.skmeminfo));
    s.tos = r.u8(A.tos);
    s.tclass = r.u8(A.tclass);
    s.shutdown = r.u8(A.shutdown);
    s.protocol = r.u8(A.protocol);
    const v6only = r.u8(A.skv6only);
    s.v6only = v6only === undefined ? undefined : v6only !== 0;
    s.mark = r.u32(A.mark);
    s.classId = r.u32(A.classId);
    s.cgroupId = this.wide ? r.u64(A.cgroupId) : undefined;
    if ((p = r.offset(A.vegasinfo)) >= 0) fillVegas(view, p, p + r.length(A.vegasinfo), (s.vegas = this.vegas));
    if ((p = r.offset(A.dctcpinfo)) >= 0) fillDctcp(view, p, p + r.length(A.dctcpinfo), (s.dctcp = this.dctcp));
    if ((p = r.offset(A.bbrinfo)) >= 0) {
      const o = this.bbr, bbr = this.bbrInfo;
      fillBbr(view, p, p + r.length(A.bbrinfo), bbr);
      // The API's bw: bw_hi above bw_lo (a bigint there; a number here where one holds it exactly).
      o.bw = bbr.bwHi < 0x200000 ? bbr.bwHi * 0x100000000 + bbr.bwLo : (BigInt(bbr.bwHi) << 32n) | BigInt(bbr.bwLo);
      o.minRtt = bbr.minRtt;
      o.pacingGain = bbr.pacingGain;
      o.cwndGain = bbr.cwndGain;
      s.bbr = o;
    }
    return s;
  }

  /** The socket through the typed path: the schema's decoder and the API's object. */
  private typed(c: DumpChunk, at: number, end: number, kind: InetKind): InetFields {
    return inetSocket(sockDiagSchema.decodeBody('inetDiagMsg', c.buf, at + NLMSG_HDRLEN, end, c.view), kind);
  }

  /** INET_DIAG_CONG's name, as the schema's string decoder reads it (up to its NUL); one string per name seen. */
  private congestion(buf: Uint8Array, p: number, plen: number): string {
    const last = this.congBytes;
    if (last.length === plen) {
      let k = 0;
      while (k < plen && buf[p + k] === last[k]) k++;
      if (k === plen) return this.cong;
    }
    this.congBytes = buf.slice(p, p + plen);
    const nul = this.congBytes.indexOf(0);
    this.cong = new TextDecoder().decode(nul < 0 ? this.congBytes : this.congBytes.subarray(0, nul));
    return this.cong;
  }
}
