/**
 * The kernel's socket destroy notifications (SKNLGRP_INET_TCP_DESTROY and its UDP and IPv6 siblings, sock_diag.h):
 * each is an inet_diag_msg for a socket as it is freed, sent to the groups a NETLINK_SOCK_DIAG socket joined.
 * `ss -E` prints them; here they are typed InetSockets, with overruns as events of their own.
 */
import { sockDiagFamily } from '../../families/sock_diag/index.js';
import type { NetlinkSocket } from '../../socket/socket.js';
import { abortError } from '../../wire/errors.js';
import { arrayOf, callFields, check, integer, oneOf, record, text, type Check } from '../input.js';
import { parseFilter, type FilterContext } from './filter.js';
import { inetSocket, type InetSocket } from './objects.js';
import { inetMatcher } from './subject.js';
import { sockDiagSchema } from './schema.js';

/** A socket the kernel destroyed, or an overrun: the kernel dropped notifications (`count` so far). */
export type SocketEvent =
  | { kind: 'destroy'; socket: InetSocket }
  | { kind: 'overrun'; count: number };

/** Which destroy notifications to follow. */
export interface SocketEventQuery {
  /** The protocols the kernel notifies about (default both). */
  kinds?: ('tcp' | 'udp')[];
  /** IPv4, IPv6 or (default) both. */
  family?: 'inet' | 'inet6';
  /** An ss filter expression, run on each socket here (the kernel filters nothing it multicasts). */
  filter?: string | string[];
  /** Notifications held for a consumer that does not read before the socket stops reading (default 4096). */
  highWaterMark?: number;
  signal?: AbortSignal;
}

const g = sockDiagFamily.mcastGroups;
const groupKind: Readonly<Record<number, 'tcp' | 'udp'>> = {
  [g.inetTcpDestroy]: 'tcp', [g.inetUdpDestroy]: 'udp', [g.inet6TcpDestroy]: 'tcp', [g.inet6UdpDestroy]: 'udp',
};

const eventCheck = record({
  kinds: arrayOf(oneOf(['tcp', 'udp'])),
  family: oneOf(['inet', 'inet6']),
  filter: (v, path, key, scope) => (Array.isArray(v) ? arrayOf(text(1024))(v, path, key, scope) : text(65535)(v, path, key, scope)),
  highWaterMark: integer(1, 0x7fffffff),
  signal: callFields.signal,
} as Record<string, Check>);

/** The groups a query joins, as ss -E picks them. */
export function eventGroups(kinds: readonly ('tcp' | 'udp')[], families: readonly ('inet' | 'inet6')[]): number[] {
  const out: number[] = [];
  for (const f of families) {
    if (kinds.includes('tcp')) out.push(f === 'inet' ? g.inetTcpDestroy : g.inet6TcpDestroy);
    if (kinds.includes('udp')) out.push(f === 'inet' ? g.inetUdpDestroy : g.inet6UdpDestroy);
  }
  return out;
}

/**
 * Check the query now (a SchemaError names the field or word), then follow the notifications on a socket from
 * `open`, opened at the first `next()` and closed when the iteration ends (break, return, abort).
 */
export function socketEvents(open: () => NetlinkSocket, context: FilterContext, query: SocketEventQuery): AsyncIterable<SocketEvent> {
  check(eventCheck, query);
  const filter = query.filter === undefined ? undefined : parseFilter(query.filter, context);
  const keep = filter && inetMatcher(filter);
  const groups = eventGroups(query.kinds ?? ['tcp', 'udp'], query.family ? [query.family] : ['inet', 'inet6']);
  const message = sockDiagSchema.message('inetDiagMsg');
  return {
    async *[Symbol.asyncIterator]() {
      if (query.signal?.aborted) throw abortError(query.signal);
      const socket = open();
      try {
        for await (const e of socket.subscribe(groups, { signal: query.signal, highWaterMark: query.highWaterMark })) {
          if (e.type === 'overrun') {
            yield { kind: 'overrun', count: e.count };
            continue;
          }
          const m = e.message;
          const decoded = sockDiagSchema.decodeBody(message, m.buf, m.payload, m.offset + m.length, m.view);
          const s = inetSocket(decoded, groupKind[e.group] ?? 'tcp');
          if (keep && !keep(s)) continue;
          yield { kind: 'destroy', socket: s };
        }
      } finally {
        socket.close();
      }
    },
  };
}
