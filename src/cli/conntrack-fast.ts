/**
 * `conntrack -L`'s plain lines made straight from a dump's bytes: the attributes a plain line shows are read in
 * place (no decoded message, no entry object) and the line is the one entryLine (conntrack-text.ts) makes from the
 * typed entry. A message with anything the line shows that is not read here (a helper, a security context,
 * timestamps, SCTP or DCCP state, odd tuples) is left to the typed path: fastLine says undefined.
 */
import { formatIPv6 } from '../schema/address-text.js';
import { NLA_TYPE_MASK } from '../wire/attribute.js';
import { PORTED, PROTOCOLS } from '../api/conntrack-tuple.js';

/** CTA_* (linux/netfilter/nfnetlink_conntrack.h): what a plain line shows, and what it leaves out. */
const CTA = { tupleOrig: 1, tupleReply: 2, status: 3, protoinfo: 4, timeout: 7, mark: 8, countersOrig: 9, countersReply: 10, use: 11, secmark: 17, zone: 18 } as const;
/** NAT, id, master tuple, sequence adjustment, mark mask, labels (only with -o labels), synproxy: not on a plain line. */
const unseen = new Set([6, 12, 13, 14, 15, 16, 21, 22, 23, 24]);
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

function reset(t: TupleBytes): void {
  t.src = t.dst = '';
  t.num = t.srcPort = t.dstPort = t.icmpId = t.icmpType = t.icmpCode = t.zone = -1;
}

function ipv4(b: Uint8Array, p: number): string {
  return `${octets[b[p]!]}.${octets[b[p + 1]!]}.${octets[b[p + 2]!]}.${octets[b[p + 3]!]}`;
}

/** A CTA_TUPLE_* nest into `t`; false when it holds what the line would show and this does not read. */
function tuple(b: Uint8Array, v: DataView, p: number, end: number, t: TupleBytes): boolean {
  reset(t);
  while (p + 4 <= end) {
    const len = v.getUint16(p, true);
    if (len < 4) return false;
    const type = v.getUint16(p + 2, true) & NLA_TYPE_MASK;
    const e = p + len;
    if (type === 1) {
      // CTA_TUPLE_IP: CTA_IP_V4_SRC/DST, CTA_IP_V6_SRC/DST.
      for (let q = p + 4; q + 4 <= e; ) {
        const l = v.getUint16(q, true);
        if (l < 4) return false;
        const k = v.getUint16(q + 2, true) & NLA_TYPE_MASK;
        if ((k === 1 || k === 2) && l === 8) t[k === 1 ? 'src' : 'dst'] = ipv4(b, q + 4);
        else if ((k === 3 || k === 4) && l === 20) t[k === 3 ? 'src' : 'dst'] = formatIPv6(b, q + 4);
        else return false;
        q += (l + 3) & ~3;
      }
    } else if (type === 2) {
      // CTA_TUPLE_PROTO: the number, ports (GRE's keys), ICMP's and ICMPv6's id, type and code.
      for (let q = p + 4; q + 4 <= e; ) {
        const l = v.getUint16(q, true);
        if (l < 5) return false;
        const k = v.getUint16(q + 2, true) & NLA_TYPE_MASK;
        switch (k) {
          case 1: t.num = b[q + 4]!; break;
          case 2: t.srcPort = v.getUint16(q + 4); break;
          case 3: t.dstPort = v.getUint16(q + 4); break;
          case 4: case 7: t.icmpId = v.getUint16(q + 4); break;
          case 5: case 8: t.icmpType = b[q + 4]!; break;
          case 6: case 9: t.icmpCode = b[q + 4]!; break;
          default: return false;
        }
        q += (l + 3) & ~3;
      }
    } else if (type === 3 && len >= 6) t.zone = v.getUint16(p + 4);
    else return false;
    p += (len + 3) & ~3;
  }
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

/** CTA_COUNTERS_*: `packets=P bytes=B `, or undefined for a counter this does not read. */
function counters(v: DataView, p: number, end: number): string | undefined {
  let packets = 0n;
  let bytes = 0n;
  while (p + 4 <= end) {
    const len = v.getUint16(p, true);
    if (len < 4) return undefined;
    const type = v.getUint16(p + 2, true) & NLA_TYPE_MASK;
    if (type === 1 && len === 12) packets = v.getBigUint64(p + 4);
    else if (type === 2 && len === 12) bytes = v.getBigUint64(p + 4);
    else if (type !== 5) return undefined;
    p += (len + 3) & ~3;
  }
  return `packets=${packets} bytes=${bytes} `;
}

/**
 * The plain `conntrack -L` line of the conntrack message at `at` (its netlink header), or undefined when the typed
 * path must make it.
 */
export function fastLine(b: Uint8Array, v: DataView, at: number): string | undefined {
  const end = at + v.getUint32(at, true);
  let haveOrig = false;
  let haveReply = false;
  let status = 0;
  let timeout = -1;
  let mark = -1;
  let use = -1;
  let secmark = 0;
  let zone = -1;
  let state = -1;
  let countOrig: string | undefined;
  let countReply: string | undefined;
  // nlmsghdr (16) and nfgenmsg (4), then the attributes.
  for (let p = at + 20; p + 4 <= end; ) {
    const len = v.getUint16(p, true);
    if (len < 4 || p + len > end) return undefined;
    const type = v.getUint16(p + 2, true) & NLA_TYPE_MASK;
    const e = p + len;
    switch (type) {
      case CTA.tupleOrig: if (!(haveOrig = tuple(b, v, p + 4, e, orig))) return undefined; break;
      case CTA.tupleReply: if (!(haveReply = tuple(b, v, p + 4, e, reply))) return undefined; break;
      case CTA.status: status = v.getUint32(p + 4); break;
      case CTA.timeout: timeout = v.getUint32(p + 4); break;
      case CTA.mark: mark = v.getUint32(p + 4); break;
      case CTA.use: use = v.getUint32(p + 4); break;
      case CTA.secmark: secmark = v.getUint32(p + 4); break;
      case CTA.zone: zone = v.getUint16(p + 4); break;
      case CTA.countersOrig: if ((countOrig = counters(v, p + 4, e)) === undefined) return undefined; break;
      case CTA.countersReply: if ((countReply = counters(v, p + 4, e)) === undefined) return undefined; break;
      case CTA.protoinfo: {
        // Only TCP's state shows: its nest (CTA_PROTOINFO_TCP) and in it CTA_PROTOINFO_TCP_STATE.
        if (len < 8 || (v.getUint16(p + 6, true) & NLA_TYPE_MASK) !== 1) return undefined;
        for (let q = p + 8; q + 4 <= e; ) {
          const l = v.getUint16(q, true);
          if (l < 4) return undefined;
          if ((v.getUint16(q + 2, true) & NLA_TYPE_MASK) === 1) state = b[q + 4]!;
          q += (l + 3) & ~3;
        }
        break;
      }
      default: if (!unseen.has(type)) return undefined;
    }
    p += (len + 3) & ~3;
  }
  if (!haveOrig || !haveReply) return undefined;
  const lo = l4(orig);
  const lr = l4(reply);
  if (lo === undefined || lr === undefined) return undefined;
  let s = protoColumn[orig.num]!;
  if (timeout >= 0) s += `${timeout} `;
  if (state >= 0) s += `${tcpWords[state] ?? 'NONE'} `;
  s += `src=${orig.src} dst=${orig.dst} ${lo}`;
  if (orig.zone >= 0) s += `zone-orig=${orig.zone} `;
  if (countOrig !== undefined) s += countOrig;
  if (!(status & IPS_SEEN_REPLY)) s += '[UNREPLIED] ';
  s += `src=${reply.src} dst=${reply.dst} ${lr}`;
  if (reply.zone >= 0) s += `zone-reply=${reply.zone} `;
  if (countReply !== undefined) s += countReply;
  if (status & IPS_ASSURED) s += '[ASSURED] ';
  if (mark >= 0) s += `mark=${mark} `;
  if (secmark) s += `secmark=${secmark} `;
  if (zone >= 0) s += `zone=${zone} `;
  if (use >= 0) s += `use=${use} `;
  return s.trimEnd();
}
