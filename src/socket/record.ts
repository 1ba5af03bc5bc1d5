/**
 * Recording a socket's traffic as pcapng (src/wire/pcapng.ts): every datagram sent and received, as the kernel's
 * nlmon device would show it, so `tshark -r`, `tcpdump -r` and `nlkit decode` read it and a replay can serve it.
 *
 * A Recorder is one file (or stream) shared by any number of sockets, each its own pcapng interface. The socket
 * records at its one boundary with the kernel: the NativeSocket it talks through is wrapped (`tap`), so nothing in
 * its request, dump or batch logic knows about recording.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { NativeSocket, RecvInfo } from '../native/addon.js';
import { enhancedPacket, interfaceDescription, sectionHeader, type CapturedDatagram } from '../wire/pcapng.js';

/** Where a recording goes besides a file: anything with `write(bytes)`, e.g. a Node Writable stream. */
export interface RecordSink {
  /** Take the next bytes of the pcapng file. */
  write(chunk: Uint8Array): unknown;
}

/** The epoch time in nanoseconds, from a monotonic clock (Date.now() has only milliseconds). */
const epochOffset = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();
const now = (): bigint => epochOffset + process.hrtime.bigint();

/** A pcapng recording that sockets write to: `NetlinkSocket.open(p, { record: recorder })`. */
export class Recorder {
  private fd: number | undefined;
  private sink: RecordSink | undefined;
  private interfaces = 0;

  /**
   * A file path (created or truncated) or a sink. The section header is written at once, with `comment` if given
   * (what the recording is of: Wireshark and capinfos show it).
   */
  constructor(target: string | RecordSink, options: { comment?: string } = {}) {
    if (typeof target === 'string') this.fd = openSync(target, 'w');
    else this.sink = target;
    this.write(sectionHeader('nlkit', options.comment));
  }

  /** A new pcapng interface for one socket; its id for `datagram`. */
  addInterface(name: string): number {
    this.write(interfaceDescription(name));
    return this.interfaces++;
  }

  /**
   * Append one datagram as an enhanced packet block of interface `interfaceId`: sockets call it for what they send and
   * receive.
   */
  datagram(interfaceId: number, protocol: number, direction: CapturedDatagram['direction'], data: Uint8Array, portId: number, group: number): void {
    this.write(enhancedPacket({ interfaceId, protocol, direction, data, peer: { portId, group }, timestamp: now() }));
  }

  /** Closes the file (a sink is the caller's to end). Later datagrams are dropped. */
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    this.sink = undefined;
  }

  /**
   * A NativeSocket that records through this recorder everything `native` sends and receives. The interface is
   * described at the first datagram, once the socket is bound and its port id known.
   */
  tap(native: NativeSocket, protocol: number, closeWithSocket = false): NativeSocket {
    let id = -1;
    const record = (direction: CapturedDatagram['direction'], data: Uint8Array, portId: number, group: number) => {
      if (id < 0) id = this.addInterface(`netlink protocol ${protocol} port ${native.portId()}`);
      this.datagram(id, protocol, direction, data, portId, group);
    };
    return {
      get fd() { return native.fd; },
      bind: (portId, groups) => native.bind(portId, groups),
      portId: () => native.portId(),
      setOption: (level, name, value) => native.setOption(level, name, value),
      getOption: (level, name) => native.getOption(level, name),
      send(buf, portId, groups) {
        const n = native.send(buf, portId, groups);
        if (n >= 0) record('sent', buf, portId, groups);
        return n;
      },
      sendQueued(buf, done) {
        // Recorded when queued: the sender thread sends queued buffers in order, and the answers to one may be read
        // before its completion callback runs.
        record('sent', buf.slice(), 0, 0);
        native.sendQueued(buf, done);
      },
      recv(info: RecvInfo) {
        const r = native.recv(info);
        if (typeof r !== 'number') record('received', r, info[0]!, info[1]!);
        return r;
      },
      readAhead: (count) => native.readAhead(count),
      poll: (callback) => native.poll(callback),
      pause: () => native.pause(),
      ref: () => native.ref(),
      unref: () => native.unref(),
      close: () => {
        native.close();
        if (closeWithSocket) this.close();
      },
    };
  }

  private write(bytes: Uint8Array): void {
    if (this.fd !== undefined) writeSync(this.fd, bytes);
    else this.sink?.write(bytes);
  }
}

/**
 * Kept on globalThis: the CLI is a bundle that loads unbundled modules (`nlkit ynl`), each with its own copy of
 * this module, and all of them must see the one recorder.
 */
const EVERY_SOCKET = Symbol.for('nlkit.recordEverySocket');
const registry = globalThis as { [EVERY_SOCKET]?: Recorder };

/**
 * Record every socket opened from now on that names no recording of its own (`nlkit --record FILE`), or stop
 * with undefined.
 */
export function recordEverySocket(recorder: Recorder | undefined): void {
  registry[EVERY_SOCKET] = recorder;
}

/**
 * `native` as a socket opened with `record` sees it: tapped by that recorder (a path is a file of the socket's own,
 * closed with it), else by the one recording every socket, else as it is.
 */
export function recording(native: NativeSocket, protocol: number, record: string | Recorder | undefined): NativeSocket {
  if (typeof record === 'string') return new Recorder(record).tap(native, protocol, true);
  const recorder = record ?? registry[EVERY_SOCKET];
  return recorder ? recorder.tap(native, protocol) : native;
}
