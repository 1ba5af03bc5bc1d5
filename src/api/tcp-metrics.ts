/**
 * The TCP metrics cache (`ip tcp_metrics`): what the kernel remembers per destination (and source) of closed TCP
 * connections — RTT, cwnd, ssthresh, Fast Open cookies — read, deleted and flushed over the tcp_metrics generic
 * netlink family.
 */
import { GenlController } from '../families/generic/controller.js';
import { tcpMetrics } from '../families/generic/generated/tcp_metrics.js';
import { GENL_HDRLEN, Schema } from '../schema/codec.js';
import { Protocol } from '../socket/constants.js';
import { NetlinkSocket, type NetnsRef } from '../socket/socket.js';
import type { Message } from '../wire/message.js';
import { Flags } from '../wire/message.js';
import type { CallOptions, Value } from './object.js';
import { address, callOptions, check, family, netns, prefix, record } from './input.js';
import { addressFamily, parsePrefix, prefixContains } from './values.js';

const schema = new Schema(tcpMetrics);

/** TCP_METRIC_* values of an entry (times as the kernel keeps them: rtt and rttvar in ms, the _us ones in µs). */
export interface TcpMetricValues {
  rtt?: number;
  rttvar?: number;
  ssthresh?: number;
  cwnd?: number;
  reordering?: number;
  rttUs?: number;
  rttvarUs?: number;
}

/** One cache entry. */
export interface TcpMetric {
  family: 'inet' | 'inet6';
  dst: string;
  /** The source address, where the kernel keys entries by it too. */
  src?: string;
  /** Milliseconds since the entry was last updated. */
  age?: bigint;
  twTsval?: number;
  twTsStamp?: number;
  vals: TcpMetricValues;
  fopenMss?: number;
  fopenSynDrops?: number;
  fopenSynDropTs?: bigint;
  fopenCookie?: Uint8Array;
  raw: Value;
}

/** What list takes: a family, and prefixes the destination and source must lie in (`default`: any of its family). */
export interface TcpMetricFilter {
  family?: 'inet' | 'inet6';
  dst?: string;
  src?: string;
}

const filterCheck = record({ family: family(['inet', 'inet6']), dst: prefix, src: prefix });
const openCheck = record({ netns });

function fromMessage(m: Value): TcpMetric {
  const inet6 = m.addrIpv4 === undefined;
  const v = (m.vals as Value | undefined) ?? {};
  const vals: TcpMetricValues = {};
  for (const k of ['rtt', 'rttvar', 'ssthresh', 'cwnd', 'rttUs', 'rttvarUs'] as const) if (v[k] !== undefined) vals[k] = v[k] as number;
  // The 6.12 spec spells TCP_METRIC_REORDERING "reodering".
  if (v.reodering !== undefined) vals.reordering = v.reodering as number;
  const t: TcpMetric = { family: inet6 ? 'inet6' : 'inet', dst: (m.addrIpv4 ?? m.addrIpv6) as string, vals, raw: m };
  const src = m.saddrIpv4 ?? m.saddrIpv6;
  if (src !== undefined) t.src = src as string;
  for (const k of ['age', 'twTsval', 'twTsStamp', 'fopenMss', 'fopenSynDrops', 'fopenSynDropTs', 'fopenCookie'] as const) {
    if (m[k] !== undefined) (t as unknown as Record<string, unknown>)[k] = m[k];
  }
  return t;
}

/** The address attributes of a key: the destination and, if given, the source (one family). */
function key(dst: string, src: string | undefined): Value {
  check(address, dst, 'dst');
  if (src !== undefined) check(address, src, 'src');
  const v: Value = addressFamily(dst) === 'inet6' ? { addrIpv6: dst } : { addrIpv4: dst };
  if (src !== undefined) v[addressFamily(src) === 'inet6' ? 'saddrIpv6' : 'saddrIpv4'] = src;
  return v;
}

/** The TCP metrics cache of a namespace, on a generic netlink socket of its own: `await TcpMetrics.open()`. */
export class TcpMetrics {
  private constructor(private readonly socket: NetlinkSocket, private readonly id: number) {}

  /** Open a socket (in `netns` if given) and resolve the tcp_metrics family. */
  static async open(options: { netns?: NetnsRef } = {}): Promise<TcpMetrics> {
    check(openCheck, options);
    const socket = NetlinkSocket.open(Protocol.GENERIC, { netns: options.netns });
    try {
      return new TcpMetrics(socket, (await new GenlController(socket).family('tcp_metrics')).id);
    } catch (e) {
      socket.close();
      throw e;
    }
  }

  private decode(m: Message): TcpMetric {
    return fromMessage(schema.decodeBody('getReply', m.buf, m.payload + GENL_HDRLEN, m.offset + m.length, m.view));
  }

  /** Every entry, narrowed by the filter (here: the kernel filters nothing in a dump). */
  async list(filter: TcpMetricFilter = {}, options: CallOptions = {}): Promise<TcpMetric[]> {
    check(filterCheck, filter);
    check(callOptions, options);
    const within = (p: string | undefined, path: string) => {
      if (p === undefined) return () => true;
      const { length, family } = parsePrefix(p, path);
      return (a: string | undefined) => a !== undefined && addressFamily(a) === family && (length === 0 || prefixContains(p, a, path));
    };
    const dst = within(filter.dst, 'dst');
    const src = within(filter.src, 'src');
    const { bytes } = schema.encodeMessage('get', {}, { type: this.id, flags: Flags.DUMP });
    const out: TcpMetric[] = [];
    for await (const m of this.socket.dump(bytes, options)) {
      const t = this.decode(m);
      // As ip: an entry without a source (older kernels) passes a source filter.
      if ((filter.family === undefined || t.family === filter.family) && dst(t.dst) && (t.src === undefined || src(t.src))) out.push(t);
    }
    return out;
  }

  /** The entry of a destination (and source); rejects with ESRCH when there is none. */
  async get(dst: string, src?: string, options: CallOptions = {}): Promise<TcpMetric> {
    check(callOptions, options);
    const { bytes, paths } = schema.encodeMessage('get', key(dst, src), { type: this.id });
    const [reply] = await this.socket.request(bytes, { ...options, describeOffset: paths });
    if (!reply) throw new Error('the kernel answered TCP_METRICS_CMD_GET without an entry');
    return this.decode(reply);
  }

  /** Delete the entry of a destination (and source); rejects with ESRCH when there is none. */
  async delete(dst: string, src?: string, options: CallOptions = {}): Promise<void> {
    check(callOptions, options);
    const { bytes, paths } = schema.encodeMessage('del', key(dst, src), { type: this.id });
    await this.socket.request(bytes, { ...options, describeOffset: paths });
  }

  /** Delete every entry at once (TCP_METRICS_CMD_DEL without an address). */
  async deleteAll(options: CallOptions = {}): Promise<void> {
    check(callOptions, options);
    const { bytes } = schema.encodeMessage('del', {}, { type: this.id });
    await this.socket.request(bytes, options);
  }

  /** Delete the entries the filter selects, one request each; the deleted entries. */
  async flush(filter: TcpMetricFilter = {}, options: CallOptions = {}): Promise<TcpMetric[]> {
    const gone = await this.list(filter, options);
    for (const t of gone) await this.delete(t.dst, t.src, options);
    return gone;
  }

  /** Close the socket; what is in flight rejects. */
  close(): void {
    this.socket.close();
  }
}
