import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { withNetns, type TestNetns } from '../testing/netns.js';

const run = promisify(execFile);
const main = fileURLToPath(new URL('./nlkit.js', import.meta.url));
const nlkit = async (ns: TestNetns, ...args: string[]) => (await run(process.execPath, [main, '-n', ns.name, ...args])).stdout;

test('nlkit link show prints what ip link show prints: text, -br, -j, one device, a peer in another namespace', async () => {
  await withNetns(async (ns) => {
    await withNetns(async (other) => {
      await ns.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
      await ns.ip('link', 'add', 'br0', 'type', 'bridge');
      await ns.ip('link', 'add', 'x0', 'address', '02:00:00:00:00:f0', 'type', 'veth', 'peer', 'name', 'x1', 'address', '02:00:00:00:00:f1', 'netns', other.name);
      await ns.ip('link', 'set', 'v1', 'master', 'br0');
      await ns.ip('link', 'set', 'v0', 'up');
      await ns.ip('link', 'set', 'v0', 'alias', 'uplink to nowhere');
      await ns.ip('link', 'property', 'add', 'dev', 'v0', 'altname', 'uplink');
      await ns.ip('link', 'set', 'br0', 'mtu', '1400');
      for (const args of [['link', 'show'], ['-br', 'link', 'show'], ['link', 'show', 'v0'], ['link', 'show', 'dev', 'x0'], ['-o', 'link', 'show']]) {
        assert.equal(await nlkit(ns, ...args), await ns.ip(...args), args.join(' '));
      }
      assert.deepEqual(JSON.parse(await nlkit(ns, '-j', 'link', 'show')), JSON.parse(await ns.ip('-j', 'link', 'show')));
      for (const opts of [['-j', '-br'], ['-j', '-p'], ['-j', '-p', '-br']]) assert.equal(await nlkit(ns, ...opts, 'link', 'show'), await ns.ip(...opts, 'link', 'show'), opts.join(' '));
      await assert.rejects(nlkit(ns, 'link', 'show', 'nope0'), (e: { code: number; stderr: string }) => e.code === 1 && /Device "nope0" does not exist/.test(e.stderr));
    });
  });
});

test('nlkit link add/set/del and address add/del take ip syntax, and ip sees the result', async () => {
  await withNetns(async (ns) => {
    await nlkit(ns, 'link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
    await nlkit(ns, 'link', 'add', 'br0', 'type', 'bridge');
    await nlkit(ns, 'link', 'set', 'v0', 'up', 'mtu', '1400', 'alias', 'uplink');
    await nlkit(ns, 'link', 'set', 'dev', 'v1', 'master', 'br0');
    await nlkit(ns, 'link', 'set', 'br0', 'name', 'br1');
    await nlkit(ns, 'address', 'add', '192.0.2.1/24', 'dev', 'v0', 'label', 'v0:x');
    await nlkit(ns, 'addr', 'add', '2001:db8::1/64', 'dev', 'v0', 'nodad');
    const links = JSON.parse(await ns.ip('-j', 'link', 'show')) as { ifname: string; mtu: number; master?: string; ifalias?: string; flags: string[] }[];
    const v0 = links.find((l) => l.ifname === 'v0')!;
    assert.deepEqual([v0.mtu, v0.ifalias, v0.flags.includes('UP')], [1400, 'uplink', true]);
    assert.equal(links.find((l) => l.ifname === 'v1')!.master, 'br1');
    assert.match(await ns.ip('addr', 'show', 'dev', 'v0'), /inet 192\.0\.2\.1\/24 scope global v0:x[\s\S]*inet6 2001:db8::1\/64 scope global nodad/);
    await nlkit(ns, 'addr', 'del', '192.0.2.1/24', 'dev', 'v0');
    await nlkit(ns, 'link', 'set', 'v1', 'nomaster');
    await nlkit(ns, 'link', 'del', 'br1');
    assert.doesNotMatch(await ns.ip('addr', 'show', 'dev', 'v0'), /192\.0\.2\.1/);
    assert.deepEqual((JSON.parse(await ns.ip('-j', 'link', 'show')) as { ifname: string }[]).map((l) => l.ifname).sort(), ['lo', 'v0', 'v1']);
    await assert.rejects(nlkit(ns, 'link', 'add', 'v0', 'type', 'veth'), (e: { code: number; stderr: string }) => e.code === 2 && e.stderr === 'RTNETLINK answers: File exists\n');
    await assert.rejects(nlkit(ns, 'addr', 'add', '192.0.2.1/24'), (e: { code: number; stderr: string }) => e.code === 1 && /"dev" argument is required/.test(e.stderr));
  });
});

test('nlkit -d and -s add what ip -d and ip -s add: details, counters (after traffic), in link and address show, text and JSON', async () => {
  await withNetns(async (ns) => {
    await withNetns(async (other) => {
      // No IPv6: its router solicitations and MLD reports would move the counters between two commands.
      for (const n of [ns, other]) await n.exec('sysctl', ['-qw', 'net.ipv6.conf.default.disable_ipv6=1']);
      await ns.ip('link', 'add', 'x0', 'address', '02:00:00:00:00:f0', 'type', 'veth', 'peer', 'name', 'x1', 'address', '02:00:00:00:00:f1', 'netns', other.name);
      await ns.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
      await ns.ip('link', 'set', 'v0', 'alias', 'shown with -d in addr show');
      await ns.ip('addr', 'add', '192.0.2.1/24', 'dev', 'x0');
      await other.ip('addr', 'add', '192.0.2.2/24', 'dev', 'x1');
      await ns.ip('link', 'set', 'x0', 'up');
      await other.ip('link', 'set', 'x1', 'up');
      // Static neighbours: no ARP probe comes later to move the counters.
      await ns.ip('neigh', 'add', '192.0.2.2', 'lladdr', '02:00:00:00:00:f1', 'dev', 'x0', 'nud', 'permanent');
      await other.ip('neigh', 'add', '192.0.2.1', 'lladdr', '02:00:00:00:00:f0', 'dev', 'x1', 'nud', 'permanent');
      // Traffic without ping (not installed everywhere): bash's /dev/udp sends datagrams (and each brings back an
      // ICMP port unreachable).
      await ns.exec('bash', ['-c', 'for i in 1 2 3; do echo hello > /dev/udp/192.0.2.2/9; sleep 0.1; done']);
      const counters = JSON.parse(await ns.ip('-s', '-j', 'link', 'show', 'x0')) as { stats64: { tx: { packets: number } } }[];
      assert.ok(counters[0]!.stats64.tx.packets >= 2, 'traffic was counted');
      for (const opts of [['-d'], ['-s'], ['-d', '-s'], ['-s', '-o'], ['-s', '-s']]) {
        for (const object of ['link', 'address']) {
          const args = [...opts, object, 'show'];
          assert.equal(await nlkit(ns, ...args), await ns.ip(...args), args.join(' '));
          const json = ['-j', ...args.filter((a) => a !== '-o')];
          assert.deepEqual(JSON.parse(await nlkit(ns, ...json)), JSON.parse(await ns.ip(...json)), json.join(' '));
        }
      }
    });
  });
});
