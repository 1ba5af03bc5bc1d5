/**
 * Device events (NETLINK_KOBJECT_UEVENT): what the kernel broadcasts when a device is added, removed, changed, moved,
 * bound or unbound — the messages udev reads. A kernel uevent carries no nlmsghdr: it is `ACTION@DEVPATH`, then
 * `KEY=VALUE` strings, each NUL-terminated.
 *
 * Net devices' events go only to the namespace that owns the device (a socket opened in a namespace hears its
 * devices); other devices' go to every namespace of the initial user namespace.
 *
 * Filtering by subsystem happens here, on the raw datagram before anything is decoded, not in the kernel: the kernel
 * has no filter of its own for uevents, and a classic BPF socket filter (what udev attaches) can only match fields at
 * fixed offsets — which libudev's own messages have and the kernel's, whose SUBSYSTEM= sits anywhere, have not.
 */
import { Protocol } from '../../socket/constants.js';
import { NetlinkSocket, type NetnsRef } from '../../socket/socket.js';
import { SchemaError } from '../../schema/codec.js';
import { abortError, DecodeError } from '../../wire/errors.js';

/** The multicast group the kernel sends uevents to (udev's own re-broadcasts go to group 2). */
export const UEVENT_GROUP_KERNEL = 1;

/** One device event, as the kernel sent it. */
export interface Uevent {
  /** `add`, `remove`, `change`, `move`, `online`, `offline`, `bind` or `unbind`. */
  action: string;
  /** The device's path under /sys. */
  devpath: string;
  /** SUBSYSTEM, e.g. `net`, `block`; undefined if the kernel sent none. */
  subsystem: string | undefined;
  /** SEQNUM: the kernel's counter of uevents. */
  seqnum: number | undefined;
  /** Every KEY=VALUE of the event, in the kernel's order (ACTION, DEVPATH, SUBSYSTEM and SEQNUM too). */
  env: Record<string, string>;
}

/** What uevents() yields: an event, or an overrun (the kernel dropped some; `count` so far). */
export type UeventNotification = ({ kind: 'uevent' } & Uevent) | { kind: 'overrun'; count: number };

/** What uevents() takes. */
export interface UeventOptions {
  /** The namespace to hear (default: this process's). */
  netns?: NetnsRef;
  signal?: AbortSignal;
  /** Only events of these subsystems (`'net'`, `['net', 'block']`); default every one. */
  subsystem?: string | readonly string[];
  /** SO_RCVBUF for the socket (default 8 MiB): smaller overruns sooner. */
  receiveBufferSize?: number;
  /** Events held for a consumer that does not read before the socket stops reading (default 4096). */
  highWaterMark?: number;
}

const utf8 = new TextDecoder();

/** Decode one kernel uevent datagram; DecodeError for bytes that are not one. */
export function parseUevent(data: Uint8Array): Uevent {
  let at = data.indexOf(0);
  if (at < 0) at = data.length;
  const head = utf8.decode(data.subarray(0, at));
  const sep = head.indexOf('@');
  if (sep <= 0) throw new DecodeError(`a uevent starts with ACTION@DEVPATH, not "${head.slice(0, 64)}"`, 0);
  const env: Record<string, string> = {};
  for (let start = at + 1; start < data.length;) {
    let end = data.indexOf(0, start);
    if (end < 0) end = data.length;
    if (end > start) {
      const pair = utf8.decode(data.subarray(start, end));
      const eq = pair.indexOf('=');
      if (eq <= 0) throw new DecodeError(`a uevent's variable is KEY=VALUE, not "${pair.slice(0, 64)}"`, start);
      env[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
    start = end + 1;
  }
  const seqnum = env.SEQNUM === undefined ? undefined : Number(env.SEQNUM);
  return {
    action: env.ACTION ?? head.slice(0, sep),
    devpath: env.DEVPATH ?? head.slice(sep + 1),
    subsystem: env.SUBSYSTEM,
    seqnum: Number.isSafeInteger(seqnum) ? seqnum : undefined,
    env,
  };
}

/** `\0SUBSYSTEM=x\0` for each subsystem asked for: found in the raw datagram without decoding it. */
function subsystemMarks(subsystem: UeventOptions['subsystem']): Buffer[] | undefined {
  if (subsystem === undefined) return undefined;
  const list = typeof subsystem === 'string' ? [subsystem] : subsystem;
  return list.map((s, i) => {
    if (typeof s !== 'string' || s === '' || s.includes('\0') || s.includes('=')) {
      throw new SchemaError(typeof subsystem === 'string' ? 'subsystem' : `subsystem[${i}]`, 'a subsystem is a non-empty name without NUL or "="');
    }
    return Buffer.from(`\0SUBSYSTEM=${s}\0`);
  });
}

/**
 * Listen to the kernel's device events in `netns` (or this process's namespace): an AsyncIterable of typed events,
 * with receive-queue overruns as `{ kind: 'overrun' }` events (the stream goes on). The socket is opened at the first
 * `next()` and closed when the iteration ends. Anyone may listen; no capability is needed.
 *
 * On abort of `options.signal`: the current or next `next()` rejects with an AbortError (`code` 'ABORT_ERR'), and
 * the events not yet taken are dropped.
 */
export async function* uevents(options: UeventOptions = {}): AsyncGenerator<UeventNotification> {
  const marks = subsystemMarks(options.subsystem);
  if (options.signal?.aborted) throw abortError(options.signal);
  const socket = NetlinkSocket.open(Protocol.KOBJECT_UEVENT, { netns: options.netns, receiveBufferSize: options.receiveBufferSize });
  try {
    for await (const e of socket.datagrams([UEVENT_GROUP_KERNEL], { signal: options.signal, highWaterMark: options.highWaterMark })) {
      if (e.type === 'overrun') {
        yield { kind: 'overrun', count: e.count };
        continue;
      }
      if (marks && !marks.some((m) => e.data.includes(m))) continue;
      yield { kind: 'uevent', ...parseUevent(e.data) };
    }
  } finally {
    socket.close();
  }
}
