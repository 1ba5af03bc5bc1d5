/**
 * `conntrack -L`'s plain lines made straight from a dump's bytes: the attributes a plain line shows are read in
 * place by the schema's readers (no decoded message, no entry object) and the line is the one entryLine (conntrack-text.ts) makes from the
 * typed entry. A message with anything the line shows that is not read here (a helper, a security context,
 * timestamps, SCTP or DCCP state, odd tuples) is left to the typed path: fastLine says undefined.
 */
import { formatIPv6 } from '../schema/address-text.js';
import type { AttrReader } from '../schema/codec.js';
import { conntrackSchema } from '../api/conntrack.js';
import { PORTED, PROTOCOLS } from '../api/conntrack-tuple.js';

const NLMSG_HDRLEN = 16;
const entry = conntrackSchema.reader('conntrack');
const C = entry.id;
const TU = conntrackSchema.reader('tuple').id;
const IP = conntrackSchema.reader('tupleIp').id;
const PR = conntrackSchema.reader('tupleProto').id;
const PI = conntrackSchema.reader('protoinfo').id;
const TCP = conntrackSchema.reader('protoinfoTcp').id;
const CO = conntrackSchema.reader('counters').id;
/** Where a conntrack message's attributes start: after nfgenmsg. */
const ATTRS = conntrackSchema.attributesAt('newct');
/**
 * What a plain line shows, and what it leaves out (NAT, id, master tuple, sequence adjustment, mark mask, labels —
 * only with -o labels —, synproxy); anything else (a helper, a security context, timestamps) takes the typed path.
 */
const lineAttrs = entry.mask([
  C.tupleOrig, C.tupleReply, C.status, C.protoinfo, C.timeout, C.mark, C.countersOrig, C.countersReply, C.use, C.secmark, C.zone,
  C.natSrc, C.id, C.natDst, C.tupleMaster, C.seqAdjOrig, C.seqAdjReply, C.markMask, C.labels, C.labelsMask, C.synproxy,
]);
const tupleAttrs = conntrackSchema.reader('tuple').mask([TU.ip, TU.proto, TU.zone]);
const ipAttrs = conntrackSchema.reader('tupleIp').mask([IP.v4Src, IP.v4Dst, IP.v6Src, IP.v6Dst]);
/** Only TCP's protocol info shows (its state); DCCP's and SCTP's take the typed path. */
const protoinfoAttrs = conntrackSchema.reader('protoinfo').mask([PI.tcp]);
const counterAttrs = conntrackSchema.reader('counters').mask([CO.packets, CO.bytes, CO.pad]);
const IPS_SEEN_REPLY = 1 << 1;
const IPS_ASSURED = 1 << 2;
const tcpWords = ['NONE', 'SYN_SENT', 'SYN_RECV', 'ESTABLISHED', 'FIN_WAIT', 'CLOSE_WAIT', 'LAST_ACK', 'TIME_WAIT', 'CLOSE', 'SYN_SENT2'];
/** The protocol column: the name padded to 8, or `unknown` for a protocol nlkit does not name. */
const protoColumn = Array.from({ length: 256 }, (_, n) => `${(Object.entries(PROTOCOLS).find(([, v]) => v === n)?.[0] ?? 'unknown').padEnd(8)} ${n} `);
const octets = Array.from({ length: 256 }, (_, i) => String(i));

/** One tuple's fields as read (-1: absent). */
interface TupleBytes {
  src: string;
  dst: string;
  num: number;
  srcPort: number;
  dstPort: number;
  icmpId: number;
  icmpType: number;
  icmpCode: number;
  zone: number;
}

const fresh = (): TupleBytes => ({ src: '', dst: '', num: -1, srcPort: -1, dstPort: -1, icmpId: -1, icmpType: -1, icmpCode: -1, zone: -1 });
const orig = fresh();
const reply = fresh();

function ipv4(b: Uint8Array, p: number): string {
  return `${octets[b[p]!]}.${octets[b[p + 1]!]}.${octets[b[p + 2]!]}.${octets[b[p + 3]!]}`;
}

type Reader<S extends string> = AttrReader<typeof conntrackSchema.decl, S>;

/** An address of CTA_TUPLE_IP as text; '' when absent; undefined for a length the typed path would print otherwise. */
function address(ip: Reader<'tupleIp'>, v4: typeof IP.v4Src, v6: typeof IP.v6Src): string | undefined {
  const p4 = ip.offset(v4);
  if (p4 >= 0) return ip.length(v4) === 4 ? ipv4(ip.buf, p4) : undefined;
  const p6 = ip.offset(v6);
  if (p6 >= 0) return ip.length(v6) === 16 ? formatIPv6(ip.buf, p6) : undefined;
  return '';
}

/** A CTA_TUPLE_* nest into `t`; false when it holds what the line would show and this does not read. */
function tuple(r: Reader<'conntrack'>, id: typeof C.tupleOrig, t: TupleBytes): boolean {
  const tu = r.nested(id);
  if (!tu || !tu.only(tupleAttrs)) return false;
  const ip = tu.nested(TU.ip);
  const proto = tu.nested(TU.proto);
  if (ip === null || proto === null || (ip && !ip.only(ipAttrs))) return false;
  const src = ip ? address(ip, IP.v4Src, IP.v6Src) : '';
  const dst = ip ? address(ip, IP.v4Dst, IP.v6Dst) : '';
  if (src === undefined || dst === undefined) return false;
  t.src = src;
  t.dst = dst;
  t.num = proto?.u8(PR.num) ?? -1;
  t.srcPort = proto?.be16(PR.srcPort) ?? -1;
  t.dstPort = proto?.be16(PR.dstPort) ?? -1;
  t.icmpId = proto?.be16(PR.icmpv6Id) ?? proto?.be16(PR.icmpId) ?? -1;
  t.icmpType = proto?.u8(PR.icmpv6Type) ?? proto?.u8(PR.icmpType) ?? -1;
  t.icmpCode = proto?.u8(PR.icmpv6Code) ?? proto?.u8(PR.icmpCode) ?? -1;
  t.zone = tu.be16(TU.zone) ?? -1;
  return t.src !== '' && t.dst !== '' && t.num >= 0;
}

/** The layer-4 part of a tuple as conntrack-text's l4Text prints the typed tuple; undefined where that would be odd. */
function l4(t: TupleBytes): string | undefined {
  const gre = t.num === 47;
  if (!gre && t.srcPort >= 0) return t.dstPort >= 0 ? `sport=${t.srcPort} dport=${t.dstPort} ` : undefined;
  if (PORTED.has(t.num)) return 'sport=0 dport=0 ';
  if (t.icmpType >= 0) return t.icmpCode >= 0 && t.icmpId >= 0 ? `type=${t.icmpType} code=${t.icmpCode} id=${t.icmpId} ` : undefined;
  if (gre && t.srcPort >= 0) return `srckey=0x${t.srcPort.toString(16)} dstkey=0x${Math.max(t.dstPort, 0).toString(16)} `;
  // A port without its pair, or GRE's dstkey alone, is what the typed path would print differently.
  return !gre && t.dstPort >= 0 ? undefined : '';
}

/** CTA_COUNTERS_*: `packets=P bytes=B `; '' when absent; undefined for a counter this does not read. */
function counters(r: Reader<'conntrack'>, id: typeof C.countersOrig): string | undefined {
  const c = r.nested(id);
  if (c === undefined) return '';
  if (c === null || !c.only(counterAttrs)) return undefined;
  return `packets=${c.be64(CO.packets) ?? 0n} bytes=${c.be64(CO.bytes) ?? 0n} `;
}

/**
 * The plain `conntrack -L` line of the conntrack message at `at` (its netlink header), or undefined when the typed
 * path must make it.
 */
export function fastLine(b: Uint8Array, v: DataView, at: number): string | undefined {
  const r = entry;
  if (!r.walk(b, v, at + NLMSG_HDRLEN + ATTRS, at + v.getUint32(at, true)) || !r.only(lineAttrs)) return undefined;
  if (!r.has(C.tupleOrig) || !r.has(C.tupleReply) || !tuple(r, C.tupleOrig, orig) || !tuple(r, C.tupleReply, reply)) return undefined;
  const status = r.be32(C.status) ?? 0;
  const timeout = r.be32(C.timeout) ?? -1;
  const mark = r.be32(C.mark) ?? -1;
  const use = r.be32(C.use) ?? -1;
  const secmark = r.be32(C.secmark) ?? 0;
  const zone = r.be16(C.zone) ?? -1;
  const countOrig = counters(r, C.countersOrig);
  const countReply = counters(r, C.countersReply);
  if (countOrig === undefined || countReply === undefined) return undefined;
  let state = -1;
  const pi = r.nested(C.protoinfo);
  if (pi !== undefined) {
    const tcp = pi?.only(protoinfoAttrs) ? pi.nested(PI.tcp) : null;
    if (!tcp) return undefined;
    state = tcp.u8(TCP.state) ?? -1;
  }
  const lo = l4(orig);
  const lr = l4(reply);
  if (lo === undefined || lr === undefined) return undefined;
  let s = protoColumn[orig.num]!;
  if (timeout >= 0) s += `${timeout} `;
  if (state >= 0) s += `${tcpWords[state] ?? 'NONE'} `;
  s += `src=${orig.src} dst=${orig.dst} ${lo}`;
  if (orig.zone >= 0) s += `zone-orig=${orig.zone} `;
  s += countOrig;
  if (!(status & IPS_SEEN_REPLY)) s += '[UNREPLIED] ';
  s += `src=${reply.src} dst=${reply.dst} ${lr}`;
  if (reply.zone >= 0) s += `zone-reply=${reply.zone} `;
  s += countReply;
  if (status & IPS_ASSURED) s += '[ASSURED] ';
  if (mark >= 0) s += `mark=${mark} `;
  if (secmark) s += `secmark=${secmark} `;
  if (zone >= 0) s += `zone=${zone} `;
  if (use >= 0) s += `use=${use} `;
  return s.trimEnd();
}
