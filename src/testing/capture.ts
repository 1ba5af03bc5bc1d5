/** Captures for tests: what `tcpdump -i nlmon0 -w` would have written for the same datagrams. */
import { execFileSync } from 'node:child_process';
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

/** Per packet: the netlink family and each message header's [offset in the datagram, length, type], from tshark's PDML. */
export function tsharkHeaders(path: string): { family: number; headers: [number, number, number][] }[] {
  const pdml = execFileSync('tshark', ['-r', path, '-T', 'pdml'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 256 << 20 });
  return pdml.split('<packet>').slice(1).map((packet) => {
    const fields = [...packet.matchAll(/<field name="([^"]+)" showname="([^"]*)" size="(\d+)" pos="(\d+)" show="([^"]*)"/g)]
      .map(([, field, , size, pos, show]) => ({ field: field!, size: Number(size), pos: Number(pos) - 16, show: show! }));
    const family = fields.find((f) => f.field === 'netlink.family');
    // The type field's name depends on the family (netlink-route.nltype, genl.family_id, ...): it is the u16 after the length.
    const types = new Map<number, number>();
    for (const f of fields) if (f.size === 2 && !types.has(f.pos)) types.set(f.pos, Number(f.show));
    const headers = fields.filter((f) => f.field === 'netlink.hdr_len').map((f): [number, number, number] => [f.pos, Number(f.show), types.get(f.pos + 4) ?? -1]);
    return { family: Number(family?.show), headers };
  });
}

/** Whether a command (tshark, capinfos) is installed. */
export function hasTool(name: string): boolean {
  try {
    execFileSync(name, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
