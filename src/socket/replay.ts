/**
 * A recording served as the kernel: `NetlinkSocket.open(p, { transport: Replay.fromFile(path) })` sends its
 * requests to the recording instead, which answers each with the replies recorded for the same request. Requests
 * are matched by content, with their sequence number and port id left out (both differ from run to run), and the
 * replies are rewritten to carry the live ones. A request the recording has no answer for fails loudly, with a
 * ReplayError naming it, instead of waiting for an answer that will not come.
 *
 * Notifications keep their place in the recording's timeline: one is handed to the groups that joined once every
 * dump recorded before it has been asked for again (all of them, once no dump is left). So a watch that resynced
 * after a notification sees the dump it got then, and what came after that dump, after it. Other requests do not
 * hold notifications back: a client may ask fewer of them than were recorded (names it looks up as it goes).
 *
 * The seam is the NativeSocket interface (what the addon gives NetlinkSocket): everything above it — matching,
 * dumps, batches, ACKs, errors — runs as it does against the kernel.
 */
import { readFileSync } from 'node:fs';
import type { NativeSocket, RecvInfo } from '../native/addon.js';
import { NLMSG_ERROR, NLMSG_HDRLEN, parseMessages, type Message } from '../wire/message.js';
import { readCapture, type CapturedDatagram } from '../wire/pcapng.js';
import { NetlinkOption, SOL_NETLINK } from './constants.js';

/** A request the recording cannot answer (or a use of the replay it does not serve). */
export class ReplayError extends Error {
  readonly code = 'ERR_NETLINK_REPLAY';
  constructor(message: string) {
    super(message);
    this.name = 'ReplayError';
  }
}

interface RecordedRequest {
  /** The datagram's place in the recording. */
  order: number;
  interfaceId: number;
  seq: number;
  pid: number;
  /** The request asked for an answer (ACK, DUMP, or a GET's reply): one with none recorded is an error. */
  answered: boolean;
  used: boolean;
}

/** The bytes that identify a request: the protocol and the message with seq and pid zeroed. */
function requestKey(protocol: number, m: Message): string {
  const bytes = Buffer.from(m.buf.subarray(m.offset, m.offset + m.length));
  bytes.fill(0, 8, NLMSG_HDRLEN);
  return `${protocol}:${bytes.toString('base64')}`;
}

const describe = (m: Message) => `type ${m.type} flags 0x${m.flags.toString(16)} len ${m.length}`;

/** A recording as a Transport: `NetlinkSocket.open(p, { transport: Replay.fromFile(path) })`. */
export class Replay {
  private readonly requests = new Map<string, RecordedRequest[]>();
  /** Reply datagrams (or the part of one answering one request) by `interfaceId:seq`. */
  private readonly replies = new Map<string, Buffer[]>();
  /** Notifications in recorded order, across groups. */
  readonly notifications: { order: number; protocol: number; group: number; data: Buffer }[] = [];
  /** Every recorded dump request in recorded order; `next` is the first not yet asked again. */
  private readonly timeline: RecordedRequest[] = [];
  private next = 0;
  private readonly sockets = new Set<ReplaySocket>();
  private readonly ports = new Map<number, number>();

  constructor(datagrams: Iterable<CapturedDatagram>) {
    let order = 0;
    for (const d of datagrams) {
      order++;
      const messages = parseMessages(Buffer.from(d.data.buffer, d.data.byteOffset, d.data.byteLength));
      if (d.direction === 'sent') {
        for (const m of messages) {
          const key = requestKey(d.protocol, m);
          const list = this.requests.get(key) ?? [];
          this.requests.set(key, list);
          const r = { order, interfaceId: d.interfaceId, seq: m.seq, pid: m.pid, answered: (m.flags & 0x4) !== 0 || (m.flags & 0x300) !== 0, used: false };
          list.push(r);
          if ((m.flags & 0x300) === 0x300) this.timeline.push(r);
          if (m.pid !== 0 && !this.ports.has(d.protocol)) this.ports.set(d.protocol, m.pid);
        }
      } else if (d.peer?.group) {
        this.notifications.push({ order, protocol: d.protocol, group: d.peer.group, data: Buffer.from(d.data) });
      } else {
        // One datagram answers one request in practice; split by seq all the same, so each answer stands alone.
        for (let i = 0; i < messages.length; ) {
          const seq = messages[i]!.seq;
          let j = i;
          while (j < messages.length && messages[j]!.seq === seq) j++;
          const first = messages[i]!;
          const last = messages[j - 1]!;
          const key = `${d.interfaceId}:${seq}`;
          this.replies.set(key, [...(this.replies.get(key) ?? []), Buffer.from(first.buf.subarray(first.offset, last.offset + ((last.length + 3) & ~3)))]);
          i = j;
        }
      }
    }
  }

  /** A recording read from a pcapng file (one of nlkit's, or an nlmon capture). */
  static fromFile(path: string): Replay {
    return new Replay(readCapture(readFileSync(path)));
  }

  /** The transport's one entry point, as the addon's: a socket (the namespace is the recording's, whatever is asked). */
  openSocket(protocol: number): NativeSocket {
    const socket = new ReplaySocket(this, protocol, this.ports.get(protocol) ?? 1, () => this.sockets.delete(socket));
    this.sockets.add(socket);
    return socket;
  }

  /** Notifications recorded before this place in the recording may be handed over. */
  get horizon(): number {
    while (this.next < this.timeline.length && this.timeline[this.next]!.used) this.next++;
    return this.next < this.timeline.length ? this.timeline[this.next]!.order : Infinity;
  }

  /**
   * The replies to the requests in `datagram`, rewritten for the live seq and port. Throws a ReplayError, and
   * answers none of them, if any one has no recorded answer.
   */
  answer(protocol: number, datagram: Uint8Array, portId: number): Buffer[] {
    const out: Buffer[] = [];
    for (const m of parseMessages(datagram)) {
      const recorded = this.requests.get(requestKey(protocol, m));
      if (!recorded) throw new ReplayError(`replay: the recording has no request like this one (protocol ${protocol}, ${describe(m)})`);
      // The first not yet answered, else the last again: state is what the recording saw, so asking twice is fine.
      const r = recorded.find((x) => !x.used) ?? recorded[recorded.length - 1]!;
      r.used = true;
      const replies = this.replies.get(`${r.interfaceId}:${r.seq}`);
      if (!replies) {
        if (r.answered) throw new ReplayError(`replay: the recording has this request but not its answer (protocol ${protocol}, ${describe(m)})`);
        continue;
      }
      for (const reply of replies) out.push(rewrite(reply, r, m.seq, portId));
    }
    // The timeline may have moved on: what was recorded up to the next request waiting comes now.
    for (const s of this.sockets) s.release();
    return out;
  }
}

/** A copy of `reply` with the recorded request's seq and port replaced by the live ones (in echoed headers too). */
function rewrite(reply: Buffer, recorded: RecordedRequest, seq: number, portId: number): Buffer {
  const b = Buffer.from(reply);
  const header = (at: number) => {
    if (b.readUInt32LE(at + 8) === recorded.seq) b.writeUInt32LE(seq, at + 8);
    if (b.readUInt32LE(at + 12) === recorded.pid) b.writeUInt32LE(portId, at + 12);
  };
  for (const m of parseMessages(b)) {
    header(m.offset);
    if (m.type === NLMSG_ERROR && m.length >= NLMSG_HDRLEN + 4 + NLMSG_HDRLEN) header(m.payload + 4);
  }
  return b;
}

/** A NativeSocket whose kernel is a recording: answers are queued as the request is sent, as the kernel does. */
class ReplaySocket implements NativeSocket {
  private inbox: { data: Buffer; group: number }[] = [];
  private callback: ((event: 'readable' | 'overrun' | 'error', errno: number) => void) | undefined;
  private paused = false;
  private scheduled = false;
  private closed = false;
  private readonly options = new Map<string, number>();
  private readonly joined = new Set<number>();
  /** Per recorded notification: already handed to this socket. */
  private readonly delivered: Uint8Array;

  constructor(private readonly replay: Replay, private readonly protocol: number, private port: number, private readonly onClose: () => void) {
    this.delivered = new Uint8Array(replay.notifications.length);
  }

  get fd(): number {
    return -1;
  }
  bind(portId: number): void {
    if (portId !== 0) this.port = portId;
  }
  portId(): number {
    return this.port;
  }
  setOption(level: number, name: number, value: number): void {
    this.options.set(`${level}:${name}`, value);
    if (level === SOL_NETLINK && name === NetlinkOption.ADD_MEMBERSHIP) {
      this.joined.add(value);
      // On the next turn, when the other groups of the same subscribe are joined too: the notifications of all
      // joined groups are then handed over in the order they were recorded, as they came.
      setImmediate(() => this.release());
    }
  }
  getOption(level: number, name: number): number {
    return this.options.get(`${level}:${name}`) ?? 0;
  }
  send(buf: Uint8Array, portId: number): number {
    if (this.closed) throw new ReplayError('replay: send on a closed socket');
    if (portId !== 0) throw new ReplayError(`replay: only the kernel is replayed, not port ${portId}`);
    for (const data of this.replay.answer(this.protocol, buf, this.port)) this.inbox.push({ data, group: 0 });
    this.readable();
    return buf.byteLength;
  }
  sendQueued(buf: Uint8Array, done: (sent: number, errno: number) => void): void {
    const n = this.send(buf, 0);
    setImmediate(() => done(n, 0));
  }
  recv(info: RecvInfo): Buffer | number {
    const next = this.inbox.shift();
    if (!next) return -1;
    info[0] = 0;
    info[1] = next.group;
    info[2] = 0xffffffff;
    info[3] = next.data.byteLength;
    return next.data;
  }
  readAhead(): void {
    // Nothing to read ahead: the answers are already here.
  }
  poll(callback: (event: 'readable' | 'overrun' | 'error', errno: number) => void): void {
    this.callback = callback;
    this.paused = false;
    this.readable();
  }
  pause(): void {
    this.paused = true;
  }
  ref(): void {
    // A replay holds no handle: pending answers are already queued, and setImmediate keeps the loop alive for them.
  }
  unref(): void {
    // As ref.
  }
  close(): void {
    this.closed = true;
    this.inbox = [];
    this.onClose();
  }

  /** Hand over the notifications of the joined groups recorded before the replay's horizon, in recorded order. */
  release(): void {
    if (this.closed || this.joined.size === 0) return;
    const horizon = this.replay.horizon;
    this.replay.notifications.forEach((n, i) => {
      if (this.delivered[i] || n.order > horizon || n.protocol !== this.protocol || !this.joined.has(n.group)) return;
      this.delivered[i] = 1;
      this.inbox.push({ data: Buffer.from(n.data), group: n.group });
    });
    this.readable();
  }

  /** Tell the socket there is something to read, on the next turn (as poll would). */
  private readable(): void {
    if (this.scheduled || this.inbox.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (!this.closed && !this.paused && this.inbox.length > 0) this.callback?.('readable', 0);
    });
  }
}
