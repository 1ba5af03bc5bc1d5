/**
 * `ip link set DEV type KIND WORDS` for the IP tunnels: ip first reads the device's IFLA_INFO_DATA and starts from
 * it, read with KIND's layout whatever kind the device is. This kernel has no tunnel kinds, but its macvlan, bridge,
 * vxlan and tun devices report data that ip reads as a gre or vti tunnel's (or gives up on, "Failed to get existing
 * tunnel info."), and the kernel refuses the kind only after the request is sent: every line must send ip's
 * RTM_NEWLINK byte for byte (both taken with strace) and end with ip's status and error output.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { withNetns } from '../testing/netns.js';
import { haveStrace, lastNewlink, traceRun } from '../testing/strace.js';
import { normalize } from '../testing/twins.js';

const main = fileURLToPath(new URL('./nlkit.js', import.meta.url));

const gre4 = ['key 5', 'local 192.0.2.2', 'remote 192.0.2.1 ttl 9', 'nokey noseq nocsum', 'encap fou encap-sport 5555 encap-csum', 'external', 'frob'];
const words: Record<string, string[]> = {
  gre: gre4,
  gretap: gre4.slice(0, 3),
  erspan: [...gre4.slice(0, 3), 'erspan_ver 2 erspan_hwid 7', 'erspan 9'],
  ip6gre: ['key 5', 'hoplimit 9', 'frob'],
  ip6gretap: ['key 5'],
  ip6erspan: ['erspan_ver 2'],
  ipip: ['ttl 9', 'mode any', 'frob'],
  sit: ['ttl 9', '6rd-prefix 2001:db8::/32'],
  ip6tnl: ['hoplimit 9', 'frob'],
  vti: ['key 5', 'okey 3 fwmark 9', 'local 192.0.2.2', 'frob'],
  vti6: ['key 5', 'local 2001:db8::2', 'local 192.0.2.2'],
};

/**
 * m0: macvlan, whose mode, flags, address count and broadcast queue read as a gre tunnel's lower device, flags,
 * local and remote (queue 100: 100.0.0.0) and as a vti's; m1: macvlan in source mode with a remote (its list reads as
 * a key; queue 1000 reads as a multicast remote, which needs a local address); br0: a bridge (a vti reads its timers
 * as keys and endpoints); vx0, tp0: data no tunnel can read; d0: no data at all.
 */
async function devices(ns: { ip(...args: string[]): Promise<unknown> }): Promise<string[]> {
  await ns.ip('link', 'add', 'd0', 'type', 'veth', 'peer', 'name', 'd1');
  await ns.ip('link', 'add', 'm0', 'link', 'd0', 'type', 'macvlan', 'mode', 'bridge', 'bcqueuelen', '100');
  await ns.ip('link', 'add', 'm1', 'link', 'd0', 'type', 'macvlan', 'mode', 'source', 'macaddr', 'add', '00:11:22:33:44:55');
  await ns.ip('link', 'add', 'br0', 'type', 'bridge', 'stp_state', '1', 'hello_time', '300');
  await ns.ip('link', 'add', 'vx0', 'type', 'vxlan', 'id', '5', 'dstport', '4789', 'local', '192.0.2.9');
  await ns.ip('tuntap', 'add', 'tp0', 'mode', 'tap');
  return ['m0', 'm1', 'br0', 'vx0', 'tp0', 'd0'];
}

test('link set DEV type TUNNEL: nlkit reads the device as ip does and sends ip\'s request', { timeout: 900_000 }, async (t) => {
  if (!(await haveStrace())) return t.skip('strace is not installed');
  await withNetns(async (ns) => {
    const devs = await devices(ns);
    const lines: string[] = [];
    for (const [kind, list] of Object.entries(words)) {
      // The devices no tunnel can read give up before any word counts: one line each is enough.
      for (const dev of devs) for (const w of ['vx0', 'tp0', 'd0'].includes(dev) ? list.slice(0, 1) : list) lines.push(`link set ${dev} type ${kind} ${w}`);
    }
    lines.push('link change m1 type gre local 192.0.2.2', 'link set m1 type gre local 192.0.2.2 key 7', 'link set m0 type gre');
    const failures: string[] = [];
    let sent = 0;
    let gaveUp = 0;
    // The kernel refuses every kind named here once it has the data, so no line changes what the next one reads.
    let next = 0;
    await Promise.all(Array.from({ length: 4 }, async () => {
      while (next < lines.length) {
        const line = lines[next++]!;
        const args = ['-n', ns.name, ...line.split(' ')];
        const ip = await traceRun('ip', args);
        const nl = await traceRun(process.execPath, [main, ...args]);
        const a = { request: lastNewlink(ip.sent), status: ip.status, stderr: normalize(ip.stderr, []) };
        if (a.request) sent++;
        if (a.stderr === 'Failed to get existing tunnel info.\n') gaveUp++;
        const b = { request: lastNewlink(nl.sent), status: nl.status, stderr: nl.stderr };
        if (JSON.stringify(a) !== JSON.stringify(b)) failures.push(`${line}\n  ip:    ${JSON.stringify(a)}\n  nlkit: ${JSON.stringify(b)}`);
      }
    }));
    assert.deepEqual(failures, []);
    // Both outcomes of the read are exercised: data taken from the device and sent, and ip giving up.
    assert.ok(sent > 20 && gaveUp > 20, `${sent} sent, ${gaveUp} gave up`);
  }, 'kexist');
});
