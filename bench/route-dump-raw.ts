/**
 * Runs inside an in-netns.sh namespace: dump the IPv4 main table over NetlinkSocket reading dst, gateway, oif,
 * table and priority of every message (what the reference nldump does), alternating with nldump itself. It reads
 * the replies in place, a datagram at a time (DumpStream.chunks), as a program after raw speed would.
 */
import { NetlinkSocket } from '../src/socket/socket.js';
import { Protocol } from '../src/socket/constants.js';
import { NLA_TYPE_MASK } from '../src/wire/attribute.js';
import { Writer } from '../src/wire/writer.js';
import { median, runReference } from './harness.js';

const RTM_GETROUTE = 26;
const RTA_DST = 1, RTA_OIF = 4, RTA_GATEWAY = 5, RTA_PRIORITY = 6, RTA_TABLE = 15;

function request(): Buffer {
  const w = new Writer(64);
  const m = w.beginMessage(RTM_GETROUTE, 0);
  w.u8(2); // AF_INET
  w.zeros(3);
  w.u8(254); // rtm_table = RT_TABLE_MAIN: strict checking filters by it in the kernel
  w.zeros(7);
  w.endMessage(m);
  return w.finish();
}

async function ours(): Promise<{ ms: number; count: number; checksum: bigint }> {
  const socket = NetlinkSocket.open(Protocol.ROUTE);
  const req = request();
  const t0 = performance.now();
  let count = 0;
  let sum = 0;
  for await (const { view: v, start, end: chunkEnd } of socket.dump(req).chunks()) {
    for (let at = start; at < chunkEnd; ) {
      const end = at + v.getUint32(at, true);
      const payload = at + 16;
      let dst = 0, gw = 0, oif = 0, table = 0, prio = 0;
      const dstLen = v.getUint8(payload + 1);
      table = v.getUint8(payload + 4);
      let a = payload + 12;
      while (a + 4 <= end) {
        const len = v.getUint16(a, true);
        if (len < 4) break;
        const type = v.getUint16(a + 2, true) & NLA_TYPE_MASK;
        if (len >= 8) {
          const x = v.getUint32(a + 4, true);
          switch (type) {
            case RTA_DST: dst = x; break;
            case RTA_GATEWAY: gw = x; break;
            case RTA_OIF: oif = x; break;
            case RTA_TABLE: table = x; break;
            case RTA_PRIORITY: prio = x; break;
          }
        }
        a += (len + 3) & ~3;
      }
      // nldump sums in 32-bit unsigned arithmetic per route, then in 64 bits.
      sum += (dst + gw + oif + dstLen) >>> 0;
      void table; void prio;
      count++;
      at = (end + 3) & ~3;
    }
  }
  const ms = performance.now() - t0;
  socket.close();
  return { ms, count, checksum: BigInt(sum) };
}

const rounds = Number(process.argv[2] ?? 5);
const mine: number[] = [];
const refs: number[] = [];
let count = 0;
let checksum = 0n;
let refOut = '';
for (let i = 0; i < rounds; i++) {
  const r = await ours();
  mine.push(r.ms);
  count = r.count;
  checksum = r.checksum;
  const ref = runReference('nldump', []);
  refs.push(ref.ms);
  refOut = ref.output;
}
const refMatch = /^(\d+) routes checksum (\d+)/.exec(refOut);
console.log(JSON.stringify({
  ms: median(mine), reference_ms: median(refs), count,
  same_as_reference: refMatch !== null && Number(refMatch[1]) === count && BigInt(refMatch[2]!) === checksum,
}));
