/**
 * Micro-benchmark of the schema decoder on real route dump bytes: `node dist/bench/schema-decode.js [routes]`.
 * Fills a throwaway namespace with routes, dumps them once, then decodes the captured messages repeatedly.
 */
import { writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NetlinkSocket } from '../src/socket/socket.js';
import { withNetns } from '../src/testing/netns.js';
import { routeSchema } from '../src/families/route/index.js';
import { payloadEnd } from '../src/wire/index.js';

const count = Number(process.argv[2] ?? 20000);

await withNetns(async (ns) => {
  await ns.ip('link', 'add', 'd0', 'type', 'veth', 'peer', 'name', 'd1');
  await ns.ip('link', 'set', 'd0', 'up');
  await ns.ip('addr', 'add', '10.0.0.1/16', 'dev', 'd0');
  const file = join(tmpdir(), `nlkit-schema-bench-${process.pid}`);
  const lines: string[] = [];
  for (let i = 0; i < count; i++) lines.push(`route add 10.${100 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}/32 via 10.0.0.2 dev d0 metric ${i & 7}`);
  writeFileSync(file, lines.join('\n') + '\n');
  await ns.ip('-batch', file);
  rmSync(file);
  const sock = NetlinkSocket.open(0, { netns: { path: ns.path } });
  const req = routeSchema.encodeMessage('getroute', { family: 2, rtmTable: 254 }, { flags: 0x301 }).bytes;
  const { messages } = await sock.dumpAll(req);
  sock.close();
  const msg = routeSchema.message('newroute');
  let sink = 0;
  for (let round = 0; round < 10; round++) {
    const t0 = process.hrtime.bigint();
    for (const m of messages) {
      const r = routeSchema.decodeBody(msg, m.buf, m.payload, payloadEnd(m), m.view);
      if (r.dst !== undefined) sink++;
    }
    const ns_ = Number(process.hrtime.bigint() - t0) / messages.length;
    console.log(JSON.stringify({ bench: 'schema-decode-route', messages: messages.length, nsPerMessage: Math.round(ns_), perSecond: Math.round(1e9 / ns_) }));
  }
  if (sink < 0) console.log(sink);
}, 'bench');
