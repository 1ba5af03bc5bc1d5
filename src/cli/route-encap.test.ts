/**
 * `route add … encap TYPE …`, `realms` and `as to` against ip: what this kernel has (ip, ip6, seg6, seg6local) is
 * added for real in twin namespaces and shown, and nlkit's show output must be ip's; every line's request, the
 * types the kernel lacks (mpls, rpl, xfrm) included, is held against ip's, both taken with strace: the rtmsg and
 * each attribute's bytes must be the same, the encapsulation's nest attribute by attribute in ip's order (the
 * route's own attributes' order aside, and an IPv6 route's scope, which the kernel does not keep).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { RouteNetlink } from '../api/route-netlink.js';
import { withNetns, type TestNetns } from '../testing/netns.js';
import { captureRequests, haveStrace, type SentRequest } from '../testing/strace.js';
import { sameAsIp, twin } from '../testing/twin.js';

const main = fileURLToPath(new URL('./nlkit.js', import.meta.url));
const RTM_NEWROUTE = 24;

const live = [
  'route add 198.51.100.0/24 encap ip id 5 dst 192.0.2.9 ttl 3 tos 8 key csum seq dev v0',
  'route add 198.51.101.0/24 encap ip6 id 7 dst 2001:db8::9 hoplimit 2 tc 4 dev v0',
  'route add 198.51.102.0/24 realms 5/7 dev v0', 'route add 198.51.103.0/24 realms 9 dev v0', 'route add 198.51.104.0/24 as to 192.0.2.5 dev v0',
  'route add 198.51.105.0/24 encap seg6 mode encap.red segs 2001:db8::2,2001:db8::3 dev v0',
  '-6 route add 2001:db8:9::/64 encap seg6 mode encap segs 2001:db8::2,2001:db8::3 hmac 5 dev v0',
  '-6 route add 2001:db8:8::/64 encap seg6 mode inline segs 2001:db8::2 dev v0',
  '-6 route add 2001:db8:7::/64 encap seg6local action End.X nh6 2001:db8::7 dev v0',
  '-6 route add 2001:db8:6::/64 encap seg6local action End.DT6 table 100 dev v0',
  '-6 route add 2001:db8:5::/64 encap seg6local action End.B6.Encaps srh segs 2001:db8::4,2001:db8::5 dev v0',
  '-6 route add 2001:db8:4::/64 encap seg6local action End.DX4 nh4 192.0.2.4 oif v1 dev v0',
  '-6 route add 2001:db8:2::/64 encap seg6local action End.B6 srh segs 2001:db8::4 hmac 7 dev v0',
  '-6 route add 2001:db8:1::/64 encap seg6 mode l2encap segs 2001:db8::2 dev v0',
  '-6 route add 2001:db8:3::/64 encap ip6 dst 2001:db8::9 key dev v0 metric 7',
];
// The kernel lacks these types: refused after they are sent.
const absent = [
  'route add 198.51.106.0/24 encap mpls 100/200 ttl 5 dev v0', 'route add 198.51.107.0/24 encap mpls 16 dev v0',
  'route add 198.51.108.0/24 encap xfrm if_id 3 link_dev v1 dev v0', 'route add 198.51.109.0/24 dev v0 encap xfrm if_id 0x10 foo',
  '-6 route add 2001:db8:a::/64 encap rpl segs 2001:db8::2,2001:db8::3 dev v0',
];
const refused = [
  'route add 198.51.110.0/24 encap foo dev v0', 'route add 198.51.110.0/24 encap ip', 'route add 198.51.110.0/24 encap ip key',
  'route add 198.51.110.0/24 encap ip id x dev v0', 'route add 198.51.110.0/24 encap ip id 1 id 2 dev v0', 'route add 198.51.110.0/24 encap ip ttl 256 dev v0',
  'route add 198.51.110.0/24 encap ip dst 2001:db8::1 dev v0', 'route add 198.51.110.0/24 encap seg6local dev v0',
  'route add 198.51.110.0/24 encap seg6local action Foo dev v0', 'route add 198.51.110.0/24 encap seg6 segs 2001:db8::1 dev v0',
  'route add 198.51.110.0/24 encap seg6 mode x segs 2001:db8::1 dev v0', 'route add 198.51.110.0/24 encap xfrm dev v0',
  'route add 198.51.110.0/24 encap xfrm help', 'route add 198.51.110.0/24 encap help', 'route add 198.51.110.0/24 encap mpls x dev v0',
  'route add 198.51.110.0/24 realms x dev v0', 'route add 198.51.110.0/24 encap seg6local action End srh foo dev v0',
  'route add 198.51.110.0/24 encap ip6 tc zz dev v0', 'route add 198.51.110.0/24 as', 'route add 198.51.110.0/24 as to',
];

async function build(ns: TestNetns): Promise<void> {
  await ns.ip('link', 'add', 'v0', 'address', '02:00:00:00:00:01', 'type', 'veth', 'peer', 'name', 'v1', 'address', '02:00:00:00:00:02');
  await ns.ip('link', 'set', 'v0', 'up');
  await ns.ip('addr', 'add', '192.0.2.1/24', 'dev', 'v0');
  await ns.ip('addr', 'add', '2001:db8::1/64', 'dev', 'v0', 'nodad');
}

test('route add with encap, realms and as does what ip does; route show prints them as ip does', { timeout: 600_000 }, async () => {
  await withNetns(async (a) => withNetns(async (b) => {
    await build(a);
    await build(b);
    for (const line of [...live, ...absent, ...refused]) {
      const { ip, nlkit } = await twin(a.name, line.split(' '), b.name);
      assert.equal(nlkit.status, ip.status, `${line}: ${nlkit.stderr}`);
      // nlkit's name where ip has its own (the other way would rename encap's type ip too).
      assert.equal(nlkit.stderr.replace(/\bnlkit\b/g, 'ip'), ip.stderr, line);
    }
    for (const show of ['route', '-6 route', '-d route', '-6 -d route']) assert.equal(await b.ip(...show.split(' ')), await a.ip(...show.split(' ')), `state: ${show}`);
    assert.match(await a.ip('route'), /encap ip id 5 .*key csum seq/, 'the routes were made');
    // ip -j prints an encapsulation's dst (and seg6local's table) as a second key of the route: compared as JSON.parse reads it.
    for (const show of ['route', '-6 route', '-d route', '-6 -d route', '-j route', '-6 -j route', '-j -d -6 route', '-o -6 route', 'route show 198.51.102.0/24']) {
      await sameAsIp(a.name, show.split(' '));
    }
    const rt = RouteNetlink.open({ netns: a.name });
    try {
      const r = (await rt.routes.list({ family: 'inet6' })).find((x) => x.dst === '2001:db8:4::/64');
      assert.deepEqual(r?.encap && { ...r.encap }, { type: 'seg6local', action: 'End.DX4', srh: undefined, table: undefined, vrftable: undefined, nh4: '192.0.2.4', nh6: undefined, iif: undefined, oif: undefined }, 'the kernel keeps no oif for End.DX4');
      await assert.rejects(rt.routes.add({ dst: '198.51.111.0/24', dev: 'v0', encap: { type: 'ip', dst: 'zz' } }), { code: 'ERR_NETLINK_SCHEMA', path: 'encap.dst' });
      await assert.rejects(rt.routes.add({ dst: '198.51.111.0/24', dev: 'v0', encap: { type: 'gre' } as never }), { code: 'ERR_NETLINK_SCHEMA', path: 'encap.type' });
    } finally {
      rt.close();
    }
  }, 'encap'), 'encap');
});

/** Attributes by type (NLA_F_NESTED kept), each's bytes as hex; a nest's own attributes likewise, in order. */
function attrs(b: Buffer, nested: boolean): Record<number, string> | string[] {
  const byType: Record<number, string> = {};
  const list: string[] = [];
  for (let at = 0; at + 4 <= b.length;) {
    const len = b.readUInt16LE(at);
    const type = b.readUInt16LE(at + 2);
    // ip leaves the padding after a short attribute as it found it: only the attribute's own bytes count.
    const payload = b.subarray(at + 4, at + len);
    if (nested) list.push(`${type}:${payload.toString('hex')}`);
    else byType[type] = type & 0x8000 ? (attrs(payload, true) as string[]).join(' ') : payload.toString('hex');
    at += (len + 3) & ~3;
  }
  return nested ? list : byType;
}

/** The RTM_NEWROUTE a command sent: its flags, its rtmsg, and its attributes by type. */
function newroute(sent: SentRequest[]): { flags: string; rtmsg: string; attrs: Record<number, string> | string[] } | undefined {
  const r = sent.filter((s) => s.type === RTM_NEWROUTE).at(-1);
  if (!r) return undefined;
  const b = Buffer.from(r.body);
  const rtmsg = b.subarray(0, 12);
  // An IPv6 route's scope is not kept by the kernel; ip sends universe, nlkit link (as for IPv4): not compared.
  if (rtmsg[0] === 10) rtmsg[6] = 0;
  return { flags: r.flags, rtmsg: rtmsg.toString('hex'), attrs: attrs(b.subarray(12), false) };
}

test('route add with encap sends what ip sends, for the types this kernel lacks too (captured with strace)', { timeout: 600_000 }, async (t) => {
  if (!(await haveStrace())) return t.skip('strace is not installed');
  await withNetns(async (ns) => {
    await build(ns);
    const failures: string[] = [];
    for (const line of [...absent, ...live]) {
      const args = ['-n', ns.name, ...line.split(' ')];
      const ip = newroute(await captureRequests('ip', args));
      const nl = newroute(await captureRequests(process.execPath, [main, ...args]));
      try {
        assert.deepEqual(nl, ip);
      } catch {
        failures.push(`${line}\n  ip:    ${JSON.stringify(ip)}\n  nlkit: ${JSON.stringify(nl)}`);
      }
      // The next line's twin must be sent to the same state: take what was made away again.
      await ns.ip(...line.replace(' add ', ' del ').split(' ')).catch(() => {});
    }
    assert.deepEqual(failures, []);
  }, 'encapbytes');
});
