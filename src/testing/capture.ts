/** Captures for tests: what `tcpdump -i nlmon0 -w` would have written for the same datagrams. */
import type { CapturedDatagram } from '../wire/pcapng.js';

/**
 * Classic pcap (microsecond timestamps), LINKTYPE_NETLINK, every packet PACKET_OUTGOING with no address, as the
 * kernel's nlmon device shows all traffic. This kernel has no nlmon kind, so a recording of ours stands in.
 */
export function asNlmonPcap(datagrams: readonly CapturedDatagram[]): Buffer {
  const head = Buffer.alloc(24);
  head.writeUInt32LE(0xa1b2c3d4, 0);
  head.writeUInt16LE(2, 4);
  head.writeUInt16LE(4, 6);
  head.writeUInt32LE(262144, 16);
  head.writeUInt32LE(253, 20);
  const records = datagrams.map((d) => {
    const r = Buffer.alloc(32 + d.data.byteLength);
    r.writeUInt32LE(Number(d.timestamp / 1_000_000_000n), 0);
    r.writeUInt32LE(Number((d.timestamp % 1_000_000_000n) / 1000n), 4);
    r.writeUInt32LE(16 + d.data.byteLength, 8);
    r.writeUInt32LE(16 + d.data.byteLength, 12);
    r.writeUInt16BE(4, 16); // PACKET_OUTGOING
    r.writeUInt16BE(824, 18); // ARPHRD_NETLINK
    r.writeUInt16BE(d.protocol, 30);
    r.set(d.data, 32);
    return r;
  });
  return Buffer.concat([head, ...records]);
}
