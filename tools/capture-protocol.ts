/**
 * Records the fixtures of the protocol core's tests (src/socket/protocol.test.ts) from the real kernel: each
 * scenario runs on a NetlinkSocket that records every datagram both ways (`{ record }`) into
 * src/socket/testdata/<scenario>.pcapng, in a namespace made for it. The tests feed the recorded replies to a
 * NetlinkProtocol with the recorded port id and first sequence number, and require byte-for-byte the requests that
 * were recorded. Run as root after a build: node dist/tools/capture-protocol.js
 *
 * The state each scenario starts from, and what changes it while it runs, is made by a second socket that is not
 * recorded; the comments say what.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Protocol } from '../src/socket/constants.js';
import { NetlinkSocket } from '../src/socket/socket.js';
import { linkMessage, newLink } from '../src/testing/links.js';
import { withNetns, type TestNetns } from '../src/testing/netns.js';
import { Flags } from '../src/wire/message.js';
import { Writer } from '../src/wire/writer.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dir = resolve(root, 'src', 'socket', 'testdata');

const RTM_GETLINK = 18;
const RTM_GETROUTE = 26;
const RTNLGRP_LINK = 1;
/** Bridges made before a dump: enough for several datagrams. */
const BRIDGES = 20;

/** RTM_GETLINK for one ifindex (0 with a dump: every link). */
const getLink = (ifindex: number) => linkMessage(RTM_GETLINK, ifindex);

/** An IPv4 route dump whose header strict checking refuses (rtm_dst_len set). */
function refusedRouteDump(): Buffer {
  const w = new Writer(64);
  const m = w.beginMessage(RTM_GETROUTE, 0);
  w.u8(2); w.u8(8); w.zeros(10);
  w.endMessage(m);
  return w.finish();
}

async function bridges(other: NetlinkSocket, prefix: string, count: number): Promise<void> {
  await Promise.all(Array.from({ length: count }, (_, i) => other.request(newLink(`${prefix}${i}`, 'bridge'))));
}

const scenarios: Record<string, (s: NetlinkSocket, other: NetlinkSocket, ns: TestNetns) => Promise<void>> = {
  /** Four requests in one datagram: a reply and its ACK, a plain ACK, an extended-ACK error, EEXIST. */
  async requests(s) {
    await Promise.allSettled([s.request(getLink(1)), s.request(newLink('br0', 'bridge')), s.request(newLink('x0', 'no-such-kind')), s.request(newLink('br0', 'bridge'))]);
  },
  /** BRIDGES bridges (made first): a link dump over several datagrams, then a route dump the kernel refuses. */
  async dumps(s, other) {
    await bridges(other, 'br', BRIDGES);
    for await (const _ of s.dump(getLink(0))) void _;
    try {
      for await (const _ of s.dump(refusedRouteDump())) void _;
    } catch {
      // The refusal is what is recorded.
    }
  },
  /**
   * Twice BRIDGES bridges; a link dump read one datagram ahead, and a bridge added after its first datagram: the
   * kernel has built the next one or two by then (each inside the recvmsg before), the later ones say DUMP_INTR.
   */
  async interrupted(s, other) {
    await bridges(other, 'br', 2 * BRIDGES);
    let first = true;
    const stream = s.dump(getLink(0), { highWaterMark: 1 });
    for await (const _ of stream.batches()) {
      if (first) await other.request(newLink('late', 'bridge'));
      first = false;
    }
    if (!stream.interrupted) throw new Error('the kernel built the whole dump before the change: run again');
  },
  /** Six bridges in windows of four, the third repeating the second's name (EEXIST). */
  async batch(s) {
    const names = ['b0', 'b1', 'b1', 'b3', 'b4', 'b5'];
    await s.requestBatch(6, (w, i) => w.bytes(newLink(names[i]!, 'bridge')), { window: 4 });
  },
  /** Subscribed to RTNLGRP_LINK while a bridge is added and deleted. */
  async notifications(s, _other, ns) {
    const events = s.subscribe([RTNLGRP_LINK]);
    await ns.ip('link', 'add', 'n0', 'type', 'bridge');
    await ns.ip('link', 'del', 'n0');
    let seen = 0;
    for await (const e of events) if (e.type === 'message' && ++seen === 2) break;
  },
  /** BRIDGES bridges; a dump left after its first message (the rest read and dropped), then a whole dump. */
  async abandoned(s, other) {
    await bridges(other, 'br', BRIDGES);
    for await (const _ of s.dump(getLink(0), { highWaterMark: 1 })) break;
    for await (const _ of s.dump(getLink(0))) void _;
  },
};

/**
 * With acceptUserspace: a userspace port that knows the next sequence number (a request's reply showed it) forges
 * DONE for the dump, which lands in the socket's queue before the kernel's first reply to the dump.
 */
async function forged(ns: TestNetns, other: NetlinkSocket): Promise<void> {
  await bridges(other, 'br', BRIDGES);
  const s = NetlinkSocket.open(Protocol.ROUTE, { netns: ns.name, acceptUserspace: true, record: resolve(dir, 'forged.pcapng') });
  try {
    const [reply] = await s.request(getLink(1));
    const w = new Writer(32);
    const at = w.beginMessage(3, Flags.MULTI); // NLMSG_DONE
    w.u32(0);
    w.endMessage(at);
    const done = w.finish();
    done.writeUInt32LE(reply!.seq + 1, 8);
    done.writeUInt32LE(s.portId, 12);
    const dump = s.dump(getLink(0))[Symbol.asyncIterator]();
    // The dump's request is sent in a microtask from now; the forgery goes first, synchronously.
    const first = dump.next();
    other.sendTo(s.portId, done);
    for (let r = await first; !r.done; r = await dump.next()) void r;
  } finally {
    s.close();
  }
}

mkdirSync(dir, { recursive: true });
for (const [name, run] of Object.entries(scenarios)) {
  await withNetns(async (ns) => {
    const other = NetlinkSocket.open(Protocol.ROUTE, { netns: ns.name });
    const s = NetlinkSocket.open(Protocol.ROUTE, { netns: ns.name, record: resolve(dir, `${name}.pcapng`) });
    try {
      await run(s, other, ns);
    } finally {
      s.close();
      other.close();
    }
  });
  console.log(`${name}.pcapng`);
}
await withNetns(async (ns) => {
  const other = NetlinkSocket.open(Protocol.ROUTE, { netns: ns.name });
  try {
    await forged(ns, other);
  } finally {
    other.close();
  }
});
console.log('forged.pcapng');
