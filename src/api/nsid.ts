/**
 * Namespace ids (RTM_*NSID): the numbers this namespace uses for its peers, which notifications and IFLA_LINK_NETNSID
 * carry. `ip netns set NAME ID` and `ip netns list-id`.
 */
import { nsidSchema } from '../families/route/index.js';
import type { NetlinkSocket, NetnsRef } from '../socket/socket.js';
import { openNetns } from './netns.js';
import type { CallOptions } from './object.js';
import { callOptions, check, integer, netns } from './input.js';

/** A namespace id: the number by which this namespace knows another (RTM_NEWNSID). */
export interface NsidEntry {
  nsid: number;
  /** Set when listing from another namespace's point of view (targetNsid). */
  currentNsid?: number;
}

/** Run `body` with a namespace given as an fd or pid attribute, closing what was opened. */
async function withTarget<T>(ref: NetnsRef, body: (attrs: { fd?: number; pid?: number }) => Promise<T>): Promise<T> {
  const target = openNetns(ref);
  try {
    const attrs: { fd?: number; pid?: number } = {};
    if (target.fd !== undefined) attrs.fd = target.fd;
    if (target.pid !== undefined) attrs.pid = target.pid;
    return await body(attrs);
  } finally {
    target.close();
  }
}

/** Namespace ids (RTM_*NSID), as `ip netns list-id` and `set` use them: `rt.nsid`. */
export class Nsid {
  constructor(private readonly socket: NetlinkSocket) {}

  /** Give a peer namespace an id here (-1: let the kernel choose). */
  async set(ref: NetnsRef, nsid: number, options: CallOptions = {}): Promise<void> {
    check(netns, ref, 'netns');
    check(integer(-1, 0x7fffffff), nsid, 'nsid');
    check(callOptions, options);
    return withTarget(ref, async (target) => {
      const { bytes, paths } = nsidSchema.encodeMessage('newnsid', { family: 0, nsid, ...target }, { flags: 0x600 });
      await this.socket.request(bytes, { ...options, describeOffset: paths });
    });
  }

  /** The id of a peer namespace, or undefined when it has none (NETNSA_NSID_NOT_ASSIGNED). */
  async get(ref: NetnsRef, options: CallOptions = {}): Promise<number | undefined> {
    check(netns, ref, 'netns');
    check(callOptions, options);
    return withTarget(ref, async (target) => {
      const { bytes, paths } = nsidSchema.encodeMessage('getnsid', { family: 0, ...target });
      const [reply] = await this.socket.request(bytes, { ...options, describeOffset: paths });
      if (!reply) return undefined;
      const nsid = nsidSchema.decodeBody('newnsid', reply.buf, reply.payload, reply.offset + reply.length, reply.view).nsid as number | undefined;
      return nsid === undefined || nsid < 0 ? undefined : nsid;
    });
  }

  /** Every assigned id. */
  async list(options: CallOptions = {}): Promise<NsidEntry[]> {
    check(callOptions, options);
    const { bytes } = nsidSchema.encodeMessage('getnsid', { family: 0 });
    const out: NsidEntry[] = [];
    for await (const m of this.socket.dump(bytes, options)) {
      const v = nsidSchema.decodeBody('newnsid', m.buf, m.payload, m.offset + m.length, m.view);
      const e: NsidEntry = { nsid: v.nsid as number };
      if (v.currentNsid !== undefined) e.currentNsid = v.currentNsid as number;
      out.push(e);
    }
    return out;
  }
}
