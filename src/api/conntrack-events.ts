/**
 * Conntrack events as `conntrack -E` hears them: NEW, UPDATE and DESTROY, each from its own multicast group (so a
 * caller that wants only some joins only those, and the kernel sends it nothing else), each with the typed entry
 * and the port of the process whose request caused it (0 for the kernel's own: packets, timeouts, the GC).
 *
 *   for await (const e of conntrackEvents({ netns: 'blue', events: ['destroy'] })) console.log(e.type, e.entry.original);
 *
 * notifications(['conntrack']) and watch('conntrack') hear the same events; this keeps what they fold away: an
 * UPDATE told apart from a NEW, and the sender.
 */
import { NFNLGRP, NETLINK_NETFILTER } from '../families/netfilter/nfnetlink.js';
import { SchemaError } from '../schema/codec.js';
import { NetlinkSocket, type NetnsRef } from '../socket/socket.js';
import { abortError } from '../wire/errors.js';
import { Flags } from '../wire/message.js';
import { conntrackSchema, entryOf, type ConntrackEntry } from './conntrack.js';

/** What happened to an entry. */
export type ConntrackEventType = 'new' | 'update' | 'destroy';

/** One conntrack event: what happened, the entry as the kernel sent it, and who caused it. */
export interface ConntrackEvent {
  type: ConntrackEventType;
  entry: ConntrackEntry;
  /** nlmsg_pid: the netlink port whose request caused the event, 0 when the kernel itself did. */
  portid: number;
}

/** What conntrackEvents() takes. */
export interface ConntrackEventOptions {
  netns?: NetnsRef;
  signal?: AbortSignal;
  /** The events to hear (default all three): only their groups are joined. */
  events?: readonly ConntrackEventType[];
  /** SO_RCVBUF(FORCE) of the socket (default 8 MiB). */
  receiveBufferSize?: number;
}

const groups: Record<ConntrackEventType, number> = { new: NFNLGRP.conntrackNew, update: NFNLGRP.conntrackUpdate, destroy: NFNLGRP.conntrackDestroy };
/** IPCTNL_MSG_CT_NEW and IPCTNL_MSG_CT_DELETE of NFNL_SUBSYS_CTNETLINK. */
const CT_NEW = 0x100;
const CT_DELETE = 0x102;

/**
 * Conntrack events, and overruns as `{ type: 'overrun', count }` (the kernel dropped events; the subscription goes
 * on). The socket opens at the first `next()` and closes when the iteration ends; an abort of `signal` rejects the
 * pending `next()` with an AbortError.
 */
export async function* conntrackEvents(options: ConntrackEventOptions = {}): AsyncGenerator<ConntrackEvent | { type: 'overrun'; count: number }> {
  const wanted = options.events ?? ['new', 'update', 'destroy'];
  for (const t of wanted) if (!Object.hasOwn(groups, t)) throw new SchemaError('events', `${JSON.stringify(t)} is not one of new, update, destroy`);
  if (options.signal?.aborted) throw abortError(options.signal);
  const socket = NetlinkSocket.open(NETLINK_NETFILTER, { netns: options.netns, receiveBufferSize: options.receiveBufferSize });
  try {
    for await (const e of socket.subscribe(wanted.map((t) => groups[t]), { signal: options.signal })) {
      if (e.type === 'overrun') {
        yield e;
        continue;
      }
      const m = e.message;
      if (m.type !== CT_NEW && m.type !== CT_DELETE) continue;
      const raw = conntrackSchema.decodeBody('newct', m.buf, m.payload, m.offset + m.length, m.view);
      // The kernel sends a NEW event with NLM_F_CREATE, an UPDATE without.
      const type: ConntrackEventType = m.type === CT_DELETE ? 'destroy' : m.flags & Flags.CREATE ? 'new' : 'update';
      yield { type, entry: entryOf(raw), portid: m.pid };
    }
  } finally {
    socket.close();
  }
}
