import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { withNetns, type TestNetns } from '../testing/netns.js';

const run = promisify(execFile);
const main = fileURLToPath(new URL('./nlkit.js', import.meta.url));

/** Both commands with the same environment; stdout is a pipe, as for any script. */
async function both(ns: TestNetns, env: Record<string, string>, args: string[]): Promise<[string, string]> {
  const options = { env: { ...process.env, ...env } };
  const [ours, theirs] = await Promise.all([
    run(process.execPath, [main, '-n', ns.name, ...args], options),
    run('ip', ['-n', ns.name, ...args], options),
  ]);
  return [ours.stdout, theirs.stdout];
}

test('nlkit -c colours names, MAC and IP addresses and UP/DOWN as ip -c does (bold on a dark background); auto and never leave a pipe plain', async () => {
  await withNetns(async (ns) => {
    // No duplicate address detection: a link-local address would otherwise be "tentative" for one command only.
    await ns.exec('sysctl', ['-qw', 'net.ipv6.conf.default.accept_dad=0']);
    await ns.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
    await ns.ip('link', 'add', 'br0', 'type', 'bridge');
    await ns.ip('link', 'set', 'v1', 'master', 'br0');
    await ns.ip('link', 'set', 'v0', 'up');
    await ns.ip('link', 'set', 'v1', 'up');
    await ns.ip('addr', 'add', '192.0.2.1/24', 'dev', 'v0');
    await ns.ip('addr', 'add', '10.1.1.1', 'peer', '10.1.1.2/32', 'dev', 'v0');
    await ns.ip('addr', 'add', '2001:db8::1/64', 'dev', 'v0', 'nodad');
    await ns.ip('route', 'add', 'default', 'via', '192.0.2.2');
    await ns.ip('route', 'add', '10.9.0.0/16', 'table', '100', 'nexthop', 'via', '192.0.2.2', 'weight', '1', 'nexthop', 'via', '192.0.2.3', 'weight', '2');
    await ns.ip('neigh', 'add', '192.0.2.7', 'lladdr', '02:00:00:00:00:07', 'dev', 'v0');
    // Carrier and operstate settle asynchronously (the kernel's link watch runs up to a second later): compare
    // only once both ends are up, or ip and nlkit, run side by side, can see different states.
    for (;;) {
      const states = await ns.ip('-br', 'link', 'show', 'type', 'veth');
      if (/^v0@v1\s+UP\s/m.test(states) && /^v1@v0\s+UP\s/m.test(states)) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const commands = [
      ['link', 'show'], ['-br', 'link', 'show'], ['address', 'show'], ['-br', 'address', 'show'], ['-o', 'address', 'show'],
      ['-6', 'address', 'show'], ['route', 'show'], ['route', 'show', 'table', '100'], ['route', 'show', 'table', 'local'],
      ['-6', 'route', 'show'], ['neigh', 'show'], ['route', 'get', '10.0.0.1'],
    ];
    for (const env of [{}, { COLORFGBG: '15;0' }] as Record<string, string>[]) {
      for (const args of commands) {
        const [ours, theirs] = await both(ns, env, ['-c', ...args]);
        assert.ok(theirs.includes('\x1b['), `ip -c ${args.join(' ')} has colour`);
        assert.equal(ours, theirs, `-c ${args.join(' ')} ${JSON.stringify(env)}`);
      }
    }
    for (const option of ['-c=auto', '-c=never', '-color=never']) {
      const [ours, theirs] = await both(ns, {}, [option, 'link', 'show']);
      assert.deepEqual([ours, ours.includes('\x1b[')], [theirs, false], option);
    }
    const [json] = await both(ns, {}, ['-c', '-j', 'link', 'show']);
    assert.ok(!json.includes('\x1b[') && Array.isArray(JSON.parse(json)));
  });
});
