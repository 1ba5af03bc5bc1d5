import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { RouteNetlink } from '../api/route-netlink.js';
import { MulticastRoutes } from '../api/mroutes.js';
import { withNetns } from '../testing/netns.js';
import { sameAsIp, twin } from '../testing/twin.js';

/**
 * A multicast routing daemon in miniature: mroute sockets (MRT_INIT, MRT_ADD_VIF, MRT_ADD_MFC; MRT6_* for IPv6)
 * that fill the forwarding caches of the default IPv4 table, table 7 and the IPv6 table, held while it runs.
 */
const daemon = String.raw`
import socket, struct, sys
idx = socket.if_nametoindex
def vif(s, vifi, dev): s.setsockopt(0, 202, struct.pack('=HBBIiI', vifi, 8, 1, 0, idx(dev), 0))
def mfc(s, src, grp, parent, ttls):
    s.setsockopt(0, 204, socket.inet_aton(src) + socket.inet_aton(grp) + struct.pack('=H', parent) + bytes(ttls + [0] * (32 - len(ttls))) + bytes(2) + bytes(16))
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 2)
s.setsockopt(0, 200, 1)
vif(s, 0, 'v0'); vif(s, 1, 'v1')
mfc(s, '192.0.2.9', '239.1.1.1', 0, [0, 1])
mfc(s, '192.0.2.10', '239.1.1.2', 1, [3, 0])
mfc(s, '198.51.100.1', '239.2.0.1', 0, [0, 0])
t = socket.socket(socket.AF_INET, socket.SOCK_RAW, 2)
t.setsockopt(0, 209, 7)
t.setsockopt(0, 200, 1)
vif(t, 0, 'v1'); vif(t, 1, 'v0')
mfc(t, '192.0.2.20', '239.3.3.3', 0, [0, 2])
u = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
u.setsockopt(41, 200, 1)
for mifi, dev in enumerate(['v0', 'v1']): u.setsockopt(41, 202, struct.pack('=HBBHxxI', mifi, 0, 1, idx(dev), 0))
def sin6(a): return struct.pack('=HHI', socket.AF_INET6, 0, 0) + socket.inet_pton(socket.AF_INET6, a) + bytes(4)
u.setsockopt(41, 204, sin6('2001:db8::9') + sin6('ff0e::1') + struct.pack('=Hxx8I', 0, 2, 0, 0, 0, 0, 0, 0, 0))
print('ready', flush=True)
sys.stdin.read()
`;

const python = spawnSync('python3', ['--version']).status === 0;

/** -s prints each entry's age, which moves on between the two runs. */
const ageless = (s: string) => s.replace(/Age \d+\.\d+/g, 'Age X').replace(/"expires":[\d.]+/g, '"expires":0');

test('mroute show prints what ip mroute show prints: tables, families, filters, -s, -d, JSON and refusals', { skip: !python && 'python3 (the test\'s multicast routing daemon) is not installed' }, async () => {
  await withNetns(async (ns) => {
    await ns.vethPair();
    const d = spawn('ip', ['netns', 'exec', ns.name, 'python3', '-c', daemon], { stdio: ['pipe', 'pipe', 'inherit'] });
    try {
      const [ready] = (await once(d.stdout!, 'data')) as [Buffer];
      assert.equal(ready.toString().trim(), 'ready');
      for (const line of [
        'mroute', 'mroute show', 'mroute list table all', '-d mroute', '-j mroute', '-j -p mroute lst', '-6 mroute', '-6 -d -j mroute',
        'mroute show table 7', 'mroute show table 8', 'mroute show table default', 'mroute show t 0x7', 'mroute show table main',
        'mroute show iif v1', 'mroute show iif nope', 'mroute show iif', 'mroute show table', 'mroute show table foo', 'mroute show table help',
        'mroute show zz', 'mroute show help', 'mroute show from zz', 'mroute show to all from any', '-6 mroute show any', 'mroute show to',
        'mroute show to default/8', 'mroute foo', 'mroute help', '-d mroute show table all', '-o mroute', '-6 mroute show table all',
      ]) await sameAsIp(ns.name, line.split(' '), line.includes('-p'));
      for (const line of ['-s mroute', '-s -j mroute', '-6 -s mroute', '-s -d mroute show table all']) {
        const { ip, nlkit } = await twin(ns.name, line.split(' '));
        assert.equal(nlkit.status, ip.status, line);
        assert.equal(ageless(nlkit.stdout), ageless(ip.stdout), line);
        assert.match(ip.stdout, /packets/);
      }

      const rt = RouteNetlink.open({ netns: ns.name });
      try {
        const mr = new MulticastRoutes(rt.socket, rt.devices);
        const v0 = (await rt.links.get({ dev: 'v0' })).ifindex;
        const all = await mr.list();
        assert.deepEqual(all.map((r) => [r.src, r.dst, r.table]), [
          ['192.0.2.9', '239.1.1.1', 253], ['192.0.2.10', '239.1.1.2', 253], ['198.51.100.1', '239.2.0.1', 253], ['192.0.2.20', '239.3.3.3', 7],
        ]);
        assert.deepEqual((await mr.list({ table: 7 }))[0]!.oifs, [{ ifindex: v0, ttl: 2 }]);
        assert.deepEqual((await mr.list({ dst: '239.1.0.0/16', src: '192.0.2.0/24', iif: 'v0' })).map((r) => r.dst), ['239.1.1.1']);
        assert.deepEqual((await mr.list({ family: 'inet6' })).map((r) => [r.src, r.dst, r.iif]), [['2001:db8::9', 'ff0e::1', v0]]);
        await assert.rejects(mr.list({ table: 8 }), { code: 'ENOENT' });
        await assert.rejects(mr.list({ dst: 'x' } as never), { code: 'ERR_NETLINK_SCHEMA', path: 'dst' });
      } finally {
        rt.close();
      }
    } finally {
      d.stdin!.end();
      await once(d, 'exit');
    }
  });
});
