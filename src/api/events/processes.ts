/**
 * Process events from the kernel's process connector (NETLINK_CONNECTOR, cn_proc): fork, exec, uid and gid changes,
 * setsid, ptrace, comm changes, core dumps and exits, as typed events decoded through the cn_proc declaration. The
 * connector exists in the initial network namespace only, and listening needs CAP_NET_ADMIN there.
 */
import { CN_IDX_PROC, CN_PROC_UNION_OFFSET, CN_VAL_PROC, cnProc } from '../../families/connector/cn_proc.js';
import { Schema, SchemaError } from '../../schema/codec.js';
import type { DecodedMessage } from '../../schema/types.js';
import { Protocol } from '../../socket/constants.js';
import { NetlinkSocket } from '../../socket/socket.js';
import { abortError, NetlinkError } from '../../wire/errors.js';
import { payloadEnd } from '../../wire/message.js';

const schema = new Schema(cnProc);
const kinds = cnProc.enums.procCnEvent.entries;

/** What a process event can be, as cn_proc's `what` names it. */
export type ProcessEventKind = Exclude<keyof typeof kinds, 'none' | 'nonzeroExit'>;

type Body<K extends ProcessEventKind> = DecodedMessage<typeof cnProc, K>;

/** An exit, with the wait status the kernel reports read as waitpid's macros read it. */
export type ExitFields = Body<'exit'> & {
  /** WEXITSTATUS: the status the process exited with, when it exited rather than being killed. */
  exitStatus: number | undefined;
  /** WTERMSIG: the signal that killed it, when one did. */
  termSignal: number | undefined;
};

/** One process event: `kind`, the CPU and the time since boot (ns) it happened at, and the kernel's fields for it. */
export type ProcessEvent = {
  [K in ProcessEventKind]: { kind: K; cpu: number; timestampNs: bigint } & (K extends 'exit' ? ExitFields : Body<K>);
}[ProcessEventKind];

/** What processEvents() yields: an event, or an overrun (the kernel dropped some; `count` so far). */
export type ProcessNotification = ProcessEvent | { kind: 'overrun'; count: number };

/** What processEvents() takes. */
export interface ProcessEventOptions {
  signal?: AbortSignal;
  /**
   * Only these kinds, filtered by the kernel (proc_input's event_type, Linux ≥ 6.6; an older kernel sends every kind,
   * and they are filtered here). `nonzeroExit` asks for exits with a non-zero status only. Default: every kind.
   */
  events?: readonly (ProcessEventKind | 'nonzeroExit')[];
  /** SO_RCVBUF for the socket (default 8 MiB): smaller overruns sooner. */
  receiveBufferSize?: number;
  /** Events held for a consumer that does not read before the socket stops reading (default 4096). */
  highWaterMark?: number;
}

/** proc_input's event_type for the kinds asked for (0, which the kernel reads as all, for none given). */
function eventMask(events: ProcessEventOptions['events']): number {
  if (events === undefined) return 0;
  let mask = 0;
  events.forEach((name, i) => {
    const bit = (kinds as Record<string, number>)[name];
    if (bit === undefined || (name as string) === 'none') throw new SchemaError(`events[${i}]`, `unknown process event "${String(name)}" (one of ${Object.keys(kinds).filter((k) => k !== 'none').join(', ')})`);
    mask |= bit;
  });
  return mask >>> 0;
}

function control(socket: NetlinkSocket, mcastOp: 'listen' | 'ignore', eventType: number): void {
  const { bytes } = schema.encodeMessage('input', { idx: CN_IDX_PROC, val: CN_VAL_PROC, seq: 0, ack: 0, len: 8, flags: 0, mcastOp, eventType }, { pid: socket.portId });
  socket.sendTo(0, bytes);
}

/** A wait status as WEXITSTATUS and WTERMSIG read it. */
function exitFields(body: Body<'exit'>): ExitFields {
  const signalled = (body.exitCode & 0x7f) !== 0;
  return { ...body, exitStatus: signalled ? undefined : (body.exitCode >> 8) & 0xff, termSignal: signalled ? body.exitCode & 0x7f : undefined };
}

/**
 * Listen to process events: an AsyncIterable of typed events, with receive-queue overruns as `{ kind: 'overrun' }`
 * events (the stream goes on). The socket is opened at the first `next()` and closed when the iteration ends, after
 * telling the kernel to stop (PROC_CN_MCAST_IGNORE). A listen the kernel refuses (no CAP_NET_ADMIN) rejects with its
 * NetlinkError.
 *
 * On abort of `options.signal`: the current or next `next()` rejects with an AbortError (`code` 'ABORT_ERR'), and
 * the events not yet taken are dropped.
 */
export async function* processEvents(options: ProcessEventOptions = {}): AsyncGenerator<ProcessNotification> {
  const mask = eventMask(options.events);
  if (options.signal?.aborted) throw abortError(options.signal);
  const wanted = mask === 0 ? undefined : mask;
  const socket = NetlinkSocket.open(Protocol.CONNECTOR, { receiveBufferSize: options.receiveBufferSize });
  try {
    const events = socket.subscribe([CN_IDX_PROC], { signal: options.signal, highWaterMark: options.highWaterMark });
    control(socket, 'listen', mask);
    for await (const e of events) {
      if (e.type === 'overrun') {
        yield { kind: 'overrun', count: e.count };
        continue;
      }
      const m = e.message;
      const end = payloadEnd(m);
      const head = schema.decodeBody('event', m.buf, m.payload, end, m.view) as DecodedMessage<typeof cnProc, 'event'>;
      if (head.idx !== CN_IDX_PROC || head.val !== CN_VAL_PROC) continue;
      const at = m.payload + CN_PROC_UNION_OFFSET;
      if (head.what === 'none') {
        const { err } = schema.decodeBody('ack', m.buf, at, end, m.view) as DecodedMessage<typeof cnProc, 'ack'>;
        if (err !== 0) throw new NetlinkError(err, {}, 'process events (PROC_CN_MCAST_LISTEN)');
        continue;
      }
      // A kind this declaration does not know (a newer kernel's) has no layout to read.
      if (typeof head.what !== 'string' || head.what === 'nonzeroExit') continue;
      const kind = head.what;
      // An older kernel ignores event_type and sends everything.
      if (wanted !== undefined && ((wanted & kinds[kind]) >>> 0) === 0 && !(kind === 'exit' && wanted & kinds.nonzeroExit)) continue;
      const body = schema.decodeBody(kind, m.buf, at, end, m.view) as Body<typeof kind>;
      const fields = kind === 'exit' ? exitFields(body as Body<'exit'>) : body;
      if (kind === 'exit' && wanted !== undefined && !(wanted & kinds.exit) && (fields as ExitFields).exitCode === 0) continue;
      yield { kind, cpu: head.cpu, timestampNs: head.timestampNs, ...fields } as ProcessEvent;
    }
  } finally {
    if (!socket.closed) {
      try {
        control(socket, 'ignore', 0);
      } catch {
        // A full queue or a closed kernel side: the close below ends the membership anyway.
      }
    }
    socket.close();
  }
}
