/**
 * `nexthop add … encap TYPE …` against ip: what this kernel takes for a nexthop (ip, ip6, seg6) is added for real in
 * twin namespaces and shown, nlkit's output held against ip's; every line's request, the types the kernel refuses
 * for nexthops (mpls, rpl, xfrm, seg6local) included, is held against ip's, both taken with strace: the nhmsg and
 * each attribute in order (ip writes them in the order of its words), padding aside (ip leaves it as it found it).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { RouteNetlink } from '../api/route-netlink.js';
import { withNetns, type TestNetns } from '../testing/netns.js';
import { captureRequests, haveStrace, type SentRequest, zeroAttrPadding } from '../testing/strace.js';
import { sameAsIp, twin } from '../testing/twin.js';

const main = fileURLToPath(new URL('./nlkit.js', import.meta.url));
const RTM_NEWNEXTHOP = 104;

const live = [
  'nexthop add id 12 encap ip id 5 dst 198.51.100.1 via 192.0.2.2 dev v0',
  'nexthop add id 13 via 192.0.2.2 dev v0 encap ip6 id 5 dst 2001:db8:5::1 tc 3 hoplimit 9 key seq',
  'nexthop add id 14 encap seg6 mode encap segs 2001:db8::2 via 192.0.2.2 dev v0',
  'nexthop add id 15 encap seg6 mode inline segs 2001:db8::2,2001:db8::3 via 2001:db8::2 dev v0',
  'nexthop add id 16 encap ip id 7 dst 198.51.100.7 tos 4 ttl 3 csum via 192.0.2.2 dev v0 onlink proto static',
];
// The kernel answers these with an error (this one has no MPLS, RPL or xfrm lwtunnel; a nexthop is no SRv6 endpoint).
const refusedByKernel = [
  'nexthop add id 51 encap mpls 101 via 192.0.2.2 dev v0',
  'nexthop add id 52 encap mpls 102 via inet6 2001:db8::2 dev v0',
  'nexthop add id 53 encap mpls 100/200 ttl 4 dev v0',
  'nexthop add id 17 encap mpls 101 via 192.0.2.2 dev v0 fdb',
  'nexthop add id 54 encap rpl segs 2001:db8::2 dev v0',
  'nexthop add id 55 encap xfrm if_id 3 dev v0',
  'nexthop add id 56 encap seg6local action End dev v0',
];
// ip refuses these before sending.
const refused = [
  'nexthop add id 60 encap mpls 101', 'nexthop add id 60 encap foo 1 dev v0', 'nexthop add id 60 encap ip id 1 id 2 dev v0',
  'nexthop add id 60 encap ip ttl 256 dev v0', 'nexthop add id 60 encap', 'nexthop add id 60 encap mpls x dev v0',
];

async function build(ns: TestNetns): Promise<void> {
  await ns.ip('link', 'add', 'v0', 'address', '02:00:00:00:00:01', 'type', 'veth', 'peer', 'name', 'v1', 'address', '02:00:00:00:00:02');
  await ns.ip('link', 'set', 'v0', 'up');
  // A nexthop's device needs its carrier.
  await ns.ip('link', 'set', 'v1', 'up');
  await ns.ip('addr', 'add', '192.0.2.1/24', 'dev', 'v0');
  await ns.ip('addr', 'add', '2001:db8::1/64', 'dev', 'v0', 'nodad');
}

test('nexthop add with encap does what ip does; nexthop show prints the encapsulation as ip does', { timeout: 600_000 }, async () => {
  await withNetns(async (a) => withNetns(async (b) => {
    await build(a);
    await build(b);
    for (const line of [...live, ...refusedByKernel, ...refused]) {
      const { ip, nlkit } = await twin(a.name, line.split(' '), b.name);
      assert.equal(nlkit.status, ip.status, `${line}: ${nlkit.stderr}`);
      assert.equal(nlkit.stderr, ip.stderr, line);
    }
    assert.match(await a.ip('nexthop'), /id 16 {2}encap ip id 7 .*ttl 3 tos 4 csum via 192\.0\.2\.2/, 'the nexthops were made');
    for (const show of ['nexthop', '-d nexthop', 'nexthop show id 13']) assert.equal(await b.ip(...show.split(' ')), await a.ip(...show.split(' ')), `state: ${show}`);
    // ip -j prints an encapsulation's id and dst as second keys of the nexthop: compared as JSON.parse reads them.
    for (const show of ['nexthop', '-d nexthop', '-j nexthop', '-j -d nexthop', '-6 nexthop', 'nexthop show id 15', '-j nexthop show id 12']) {
      await sameAsIp(a.name, show.split(' '));
    }
    const rt = RouteNetlink.open({ netns: a.name });
    try {
      const n = await rt.nexthops.byId(13);
      assert.deepEqual(n.encap && { ...n.encap }, { type: 'ip6', id: 5n, src: '::', dst: '2001:db8:5::1', hoplimit: 9, tc: 3, key: true, csum: false, seq: true });
      await rt.nexthops.add({ id: 20, encap: { type: 'seg6', mode: 'encap', segs: ['2001:db8::7'] }, gateway: '192.0.2.2', dev: 'v0' });
      assert.match(await a.ip('nexthop', 'show', 'id', '20'), /^id 20 {2}encap seg6 mode encap segs 1 \[ 2001:db8::7 \] via 192\.0\.2\.2 dev v0 scope link/);
      await assert.rejects(rt.nexthops.add({ id: 21, gateway: '192.0.2.2', dev: 'v0', encap: { type: 'ip', dst: 'zz' } }), { code: 'ERR_NETLINK_SCHEMA', path: 'encap.dst' });
      await assert.rejects(rt.nexthops.add({ id: 21, dev: 'v0', encap: { type: 'gre' } as never }), { code: 'ERR_NETLINK_SCHEMA', path: 'encap.type' });
    } finally {
      rt.close();
    }
  }, 'nhencap'), 'nhencap');
});

/** The RTM_NEWNEXTHOP a command sent: its flags, its nhmsg and its attributes in order, each as type:payload. */
function newnexthop(sent: SentRequest[]): { flags: string; nhmsg: string; attrs: string[] } | undefined {
  const r = sent.filter((s) => s.type === RTM_NEWNEXTHOP).at(-1);
  if (!r) return undefined;
  const b = Buffer.from(r.body);
  const attrs: string[] = [];
  for (let at = 8; at + 4 <= b.length;) {
    const len = b.readUInt16LE(at);
    // An attribute's own bytes; the padding after it is not compared (ip leaves it as it found it).
    attrs.push(`${b.readUInt16LE(at + 2).toString(16)}:${b.subarray(at + 4, at + len).toString('hex')}`);
    at += (len + 3) & ~3;
  }
  return { flags: r.flags, nhmsg: b.subarray(0, 8).toString('hex'), attrs };
}


test('nexthop add with encap sends what ip sends, attribute by attribute in ip\'s order (captured with strace)', { timeout: 600_000 }, async (t) => {
  if (!(await haveStrace())) return t.skip('strace is not installed');
  await withNetns(async (ns) => {
    await build(ns);
    const failures: string[] = [];
    for (const line of [...refusedByKernel, ...live]) {
      const args = ['-n', ns.name, ...line.split(' ')];
      const ip = newnexthop(await captureRequests('ip', args));
      // The next command must meet the same state: take away what ip made.
      await ns.ip('nexthop', 'flush').catch(() => {});
      const nl = newnexthop(await captureRequests(process.execPath, [main, ...args]));
      await ns.ip('nexthop', 'flush').catch(() => {});
      if (ip) ip.attrs = ip.attrs.map((a) => (a.startsWith('8008:') ? `8008:${zeroAttrPadding(Buffer.from(a.slice(5), 'hex'))}` : a));
      assert.ok(ip, `ip sent no RTM_NEWNEXTHOP for ${line}`);
      try {
        assert.deepEqual(nl, ip);
      } catch {
        failures.push(`${line}\n  ip:    ${JSON.stringify(ip)}\n  nlkit: ${JSON.stringify(nl)}`);
      }
    }
    assert.deepEqual(failures, []);
  }, 'nhencapbytes');
});
