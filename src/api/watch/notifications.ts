/**
 * Typed notifications for every NETLINK_ROUTE object from one subscription: an AsyncIterable of
 * `{ kind: 'route', action: 'new' | 'delete', object }` (the same typed objects `list` returns), with receive-queue
 * overruns as explicit `{ kind: 'overrun', count }` events — the subscription goes on after them.
 */
import { Protocol } from '../../socket/constants.js';
import { NetlinkSocket, type NetnsRef } from '../../socket/socket.js';
import { abortError } from '../../wire/errors.js';
import type { Message } from '../../wire/message.js';
import { SchemaError } from '../../schema/codec.js';
import { byType, kinds, objectsOf, protocolOf, type KindInfo, type NotificationKind, type ObjectTypes } from './kinds.js';

/** A notification of one kind: the typed object (as list() returns it), new or deleted. */
export type ObjectNotification = {
  [K in NotificationKind]: {
    kind: K;
    action: 'new' | 'delete';
    object: ObjectTypes[K];
    /** The peer namespace's id, for notifications from other namespaces (listenAllNsid). */
    nsid: number | undefined;
    /** nlmsg_flags: NLM_F_REPLACE, NLM_F_APPEND, … as the kernel set them. */
    flags: number;
  };
}[NotificationKind];

/** What notifications() yields: an object's notification, or an overrun (the kernel dropped some; `count` so far). */
export type Notification = ObjectNotification | { kind: 'overrun'; count: number };

/** Objects a subscription keeps: a predicate, or fields the object must equal (`{ table: 100, family: 'inet' }`). */
export type ObjectFilter<T> = ((object: T) => boolean) | { readonly [F in keyof T]?: T[F] };

/** What notifications() takes: the namespace, per-kind filters, the socket's buffer, and a signal. */
export interface NotificationOptions {
  netns?: NetnsRef;
  signal?: AbortSignal;
  /** Per kind: which objects to pass on. */
  filter?: { [K in NotificationKind]?: ObjectFilter<ObjectTypes[K]> };
  /** SO_RCVBUF for the notification socket (default 8 MiB): smaller overruns sooner. */
  receiveBufferSize?: number;
  /** Notifications held for a consumer that does not read before the socket stops reading (default 4096). */
  highWaterMark?: number;
  /** Also hear other namespaces that have an nsid here (NETLINK_LISTEN_ALL_NSID). */
  allNsid?: boolean;
  /**
   * Pass on what lists and watches leave out — bridge-port link messages, NOARP neighbours, a device's multicast
   * FDB entries, cached and multicast routes — as `ip monitor` prints them.
   */
  everything?: boolean;
}

/** A filter as a predicate. */
export function predicate<T>(filter: ObjectFilter<T> | undefined): ((o: T) => boolean) | undefined {
  if (filter === undefined || typeof filter === 'function') return filter;
  const entries = Object.entries(filter as Record<string, unknown>).filter(([, v]) => v !== undefined);
  return (o) => entries.every(([k, v]) => {
    const have = (o as Record<string, unknown>)[k];
    return have === v || (typeof v === 'object' && JSON.stringify(have) === JSON.stringify(v));
  });
}

/**
 * Decode one notification message into its objects' notifications: none for message types of no kind we know (or
 * ones skipped), several for an MDB or VLAN message that holds several.
 */
export function decodeNotifications(m: Message, nsid: number | undefined, everything = false): ObjectNotification[] {
  const t = byType.get(m.type);
  if (!t) return [];
  const info = kinds[t.kind] as KindInfo<unknown>;
  const raw = info.schema.decodeBody(info.message, m.buf, m.payload, m.offset + m.length, m.view);
  if (!everything && info.skip?.(raw)) return [];
  const action = t.deleted ? 'delete' : 'new';
  return objectsOf(info, raw).map((object) => ({ kind: t.kind, action, object, nsid, flags: m.flags }) as ObjectNotification);
}

/** The multicast groups of the kinds asked for. */
export function groupsOf(list: readonly NotificationKind[]): number[] {
  return [...new Set(list.flatMap((k) => kinds[k].groups))];
}

/**
 * Subscribe to the kinds asked for, on a socket of its own (closed when the iteration ends), in `netns` or this
 * process's namespace. The socket is opened at the first `next()`.
 *
 * On abort of `options.signal`: the consumer's current or next `next()` rejects with an AbortError (`code`
 * 'ABORT_ERR', `cause` the signal's reason), notifications not yet taken are dropped, and the socket is closed. A
 * signal aborted already rejects the first `next()` without opening a socket.
 */
export async function* notifications(list: readonly NotificationKind[], options: NotificationOptions = {}): AsyncGenerator<Notification> {
  if (options.signal?.aborted) throw abortError(options.signal);
  // One socket hears one protocol: conntrack (NETLINK_NETFILTER) cannot share a subscription with routing objects.
  const protocols = new Set(list.map(protocolOf));
  if (protocols.size > 1) throw new SchemaError('kinds', 'conntrack cannot be subscribed to together with NETLINK_ROUTE kinds');
  const socket = NetlinkSocket.open(protocols.values().next().value ?? Protocol.ROUTE, {
    netns: options.netns,
    receiveBufferSize: options.receiveBufferSize,
    listenAllNsid: options.allNsid,
  });
  const wanted = new Set(list);
  const filters = new Map<NotificationKind, (o: never) => boolean>();
  for (const k of list) {
    const p = predicate(options.filter?.[k] as ObjectFilter<unknown> | undefined);
    if (p) filters.set(k, p);
  }
  try {
    for await (const e of socket.subscribe(groupsOf(list), { signal: options.signal, highWaterMark: options.highWaterMark })) {
      if (e.type === 'overrun') {
        yield { kind: 'overrun', count: e.count };
        continue;
      }
      for (const n of decodeNotifications(e.message, e.nsid, options.everything)) {
        if (!wanted.has(n.kind)) continue;
        const keep = filters.get(n.kind);
        if (keep && !keep(n.object as never)) continue;
        yield n;
      }
    }
  } finally {
    socket.close();
  }
}
