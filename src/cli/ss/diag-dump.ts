/**
 * `ss -D FILE` (`--diag=FILE`): the kernel's replies to ss's TCP dump, written raw — every datagram as it was
 * received, NLMSG_DONE included — to FILE, or to stdout for a name starting with `-`. ss does this before it reads
 * the filter words (so they are neither parsed nor sent) and before its header; it asks for IPv4 and then IPv6 unless
 * -4 or -6 was its last family option, with the states and extensions of the other options. ss never notices that
 * FILE could not be opened: it dumps anyway, writes nothing and exits 0 — as nlkit ss does.
 */
import { openSync, writeSync, closeSync } from 'node:fs';
import { Sockets, type SocketExtension } from '../../api/sockets/index.js';
import { Protocol } from '../../socket/constants.js';
import { Recorder } from '../../socket/record.js';
import { NetlinkSocket } from '../../socket/socket.js';
import type { CapturedDatagram } from '../../wire/pcapng.js';
import { AF, DB, type SsOptions } from './args.js';

/** A recorder that keeps only what the socket receives, raw, for a sink of its own (the pcapng framing is dropped). */
class ReceivedBytes extends Recorder {
  constructor(private readonly out: ((bytes: Uint8Array) => void) | undefined) {
    super({ write: () => undefined });
  }

  override datagram(_id: number, _protocol: number, direction: CapturedDatagram['direction'], data: Uint8Array): void {
    if (direction !== 'received' || !this.out) return;
    // ss writes NLMSG_ALIGN of what it read: a datagram's length rounded up to 4.
    const pad = (4 - (data.length & 3)) & 3;
    this.out(pad ? Buffer.concat([data, new Uint8Array(pad)]) : data);
  }
}

/** What `ss -D` does once the options are read: 0, ss's exit code in every case. */
export async function diagDump(o: SsOptions, file: string, netns: string | undefined, write: (chunk: Uint8Array) => void): Promise<number> {
  if (!(o.dbs & (1 << DB.TCP))) {
    process.stderr.write('ss: tcpdiag dump requested and no tcp in filter.\n');
    return 0;
  }
  let fd: number | undefined;
  let out: ((bytes: Uint8Array) => void) | undefined = write;
  if (!file.startsWith('-')) {
    try {
      fd = openSync(file, 'w');
      const f = fd;
      out = (bytes) => writeSync(f, bytes);
    } catch {
      out = undefined;
    }
  }
  const socket = NetlinkSocket.open(Protocol.SOCK_DIAG, { netns, record: new ReceivedBytes(out) });
  try {
    const extensions: SocketExtension[] = [];
    if (o.memory) extensions.push('meminfo', 'skmeminfo');
    if (o.info) extensions.push('info', 'congestion');
    if (o.tos) extensions.push('tos');
    const sockets = new Sockets(socket);
    const families: ('inet' | 'inet6')[] = o.preferredFamily === AF.INET6 ? ['inet6'] : o.preferredFamily === AF.INET ? ['inet'] : ['inet', 'inet6'];
    for (const family of families) {
      // The replies are only written, never read.
      for await (const chunk of sockets.inetChunks('tcp', family, { states: o.states, extensions })) void chunk;
    }
  } finally {
    socket.close();
    if (fd !== undefined) closeSync(fd);
  }
  return 0;
}
