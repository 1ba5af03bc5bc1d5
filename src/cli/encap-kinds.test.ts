/**
 * `encap ila|ioam6|bpf …` of `route add` and `nexthop add` against ip: each line runs under strace in a namespace
 * of its own side (ip's or nlkit's, built alike, so that what one adds the other does not meet), and must send ip's
 * request — its header, the rtmsg (an IPv6 route's scope aside) or nhmsg, each attribute (a route's in any order),
 * the encapsulation's nest attribute by attribute in ip's order, padding aside — and end with ip's status and error
 * output; a line ip refuses sends nothing from either.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { withNetns, type TestNetns } from '../testing/netns.js';
import { haveStrace, traceRun, type SentRequest, zeroAttrPadding } from '../testing/strace.js';
import { normalize } from '../testing/twins.js';

const main = fileURLToPath(new URL('./nlkit.js', import.meta.url));

const ila = [
  'encap ila 2001:db8:0:1 dev v0', 'encap ila 1:2:3:4 csum-mode neutral-map ident-type luid hook-type input dev v0',
  'encap ila 0x1:ffff:0:0 csum-mode no-action dev v0', 'encap ila 1:2:3:4 hook-type output csum-mode neutral-map-auto dev v0',
  'encap ila 1:2:3:4 ident-type use-format csum-mode adj-transport dev v0', 'encap ila 1:2:3:4:5 dev v0', 'encap ila 1:2:3:10000 dev v0',
  'encap ila x dev v0', 'encap ila 1:2:3:4 csum-mode foo dev v0', 'encap ila 1:2:3:4 ident-type iid dev v0',
  'encap ila 1:2:3:4 hook-type x dev v0', 'encap ila 1:2:3:4 csum-mode',
];
const ioam6 = [
  'encap ioam6 trace prealloc type 0x800000 ns 1 size 12 dev v0',
  'encap ioam6 freq 2/5 mode encap tundst 2001:db8::9 trace prealloc type 0xf00000 ns 7 size 244 dev v0',
  'encap ioam6 mode auto tundst 2001:db8::9 trace prealloc size 4 ns 0x10 type 0x1800000 dev v0',
  'encap ioam6 mode inline trace prealloc type 1 ns 2 size 8 dev v0', 'encap ioam6 mode encap trace prealloc type 1 ns 2 size 8 dev v0',
  'encap ioam6 tundst 2001:db8::9 trace prealloc type 1 ns 2 size 8 dev v0', 'encap ioam6 mode x trace prealloc dev v0',
  'encap ioam6 freq 5/2 trace prealloc type 1 ns 2 size 8 dev v0', 'encap ioam6 freq 0/2 trace prealloc type 1 ns 2 size 8 dev v0',
  'encap ioam6 freq 1/2/3 trace prealloc dev v0', 'encap ioam6 freq 1000001/1000002 trace prealloc dev v0', 'encap ioam6 freq 12345678901234567/2 dev v0',
  'encap ioam6 trace prealloc type 0 ns 2 size 8 dev v0', 'encap ioam6 trace prealloc type 1 ns 2 size 6 dev v0',
  'encap ioam6 trace prealloc type 1 ns 2 size 248 dev v0', 'encap ioam6 trace prealloc type 1 type 2 ns 2 size 8 dev v0',
  'encap ioam6 trace prealloc type 1 size 8 dev v0', 'encap ioam6 trace prealloc type 1 ns 70000 size 8 dev v0',
  'encap ioam6 trace foo dev v0', 'encap ioam6 mode encap tundst 192.0.2.1 trace prealloc dev v0',
  'dev v0 encap ioam6 trace prealloc type 0x800000 ns 1 size 12', 'dev v0 encap ioam6 trace prealloc type 0x800000 ns 1',
];
const bpf = [
  'encap bpf headroom 64 dev v0', 'encap bpf headroom 8 headroom 16 dev v0', 'encap bpf headroom 0 dev v0', 'encap bpf headroom x dev v0',
  'encap bpf help', 'encap bpf headroom',
];

const lines = [
  ...[...ila, ...ioam6, ...bpf].map((w, i) => `-6 route add 2001:db8:${(i + 1).toString(16)}::/64 ${w}`),
  ...[...ila.slice(0, 3), ...ioam6.slice(0, 3), 'encap ila 1:2:3:4 csum-mode foo dev v0', 'encap ioam6 trace prealloc type 1 ns 2 size 6 dev v0', ...bpf.slice(0, 2)]
    .map((w, i) => `nexthop add id ${i + 1} ${w}`),
];

/** A request's header flags, its fixed header and each attribute as type:payload, nests padding aside. */
function request(sent: SentRequest[]): { type: number; flags: string; attrs: string[] } | undefined {
  const r = sent.filter((s) => s.type === 24 || s.type === 104).at(-1);
  if (!r) return undefined;
  const b = Buffer.from(r.body);
  const fixed = r.type === 24 ? 12 : 8;
  const head = Buffer.from(b.subarray(0, fixed));
  // An IPv6 route's scope is not kept by the kernel: ip and nlkit may write different ones.
  if (r.type === 24 && head[0] === 10) head[6] = 0;
  const attrs: string[] = [];
  for (let at = fixed; at + 4 <= b.length;) {
    const len = b.readUInt16LE(at);
    if (len < 4) break;
    attrs.push(`${b.readUInt16LE(at + 2).toString(16)}:${zeroAttrPadding(b.subarray(at + 4, at + len))}`);
    at += (len + 3) & ~3;
  }
  // A route's attributes in any order (a nexthop's in ip's); the encapsulation's nest keeps its own order.
  if (r.type === 24) attrs.sort();
  return { type: r.type, flags: r.flags, attrs: [head.toString('hex'), ...attrs] };
}


async function build(ns: TestNetns): Promise<void> {
  await ns.ip('link', 'add', 'v0', 'address', '02:00:00:00:00:01', 'type', 'veth', 'peer', 'name', 'v1', 'address', '02:00:00:00:00:02');
  await ns.ip('link', 'set', 'v0', 'up');
  await ns.ip('link', 'set', 'v1', 'up');
  await ns.ip('addr', 'add', '2001:db8::1/64', 'dev', 'v0', 'nodad');
}

test('encap ila, ioam6 and bpf: nlkit sends ip\'s route and nexthop requests, or refuses as ip does', { timeout: 600_000 }, async (t) => {
  if (!(await haveStrace())) return t.skip('strace is not installed');
  await withNetns(async (a) => withNetns(async (b) => {
    await build(a);
    await build(b);
    const failures: string[] = [];
    for (const line of lines) {
      const ip = await traceRun('ip', ['-n', a.name, ...line.split(' ')]);
      const nl = await traceRun(process.execPath, [main, '-n', b.name, ...line.split(' ')]);
      const x = { request: request(ip.sent), status: ip.status, stderr: normalize(ip.stderr, []) };
      const y = { request: request(nl.sent), status: nl.status, stderr: nl.stderr };
      if (JSON.stringify(x) !== JSON.stringify(y)) failures.push(`${line}\n  ip:    ${JSON.stringify(x)}\n  nlkit: ${JSON.stringify(y)}`);
    }
    assert.deepEqual(failures, []);
  }, 'encapkb'), 'encapka');
});
