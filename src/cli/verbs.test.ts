import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { withNetns, type TestNetns } from '../testing/netns.js';

const run = promisify(execFile);
const main = fileURLToPath(new URL('./nlkit.js', import.meta.url));
const nlkit = async (ns: TestNetns | undefined, ...args: string[]) =>
  (await run(process.execPath, [main, ...(ns ? ['-n', ns.name] : []), ...args])).stdout;
const failure = (p: Promise<unknown>) => p.then(() => ({ code: 0, stderr: '' }), (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }));

/** The same state in a namespace, built with ip. */
async function build(ns: TestNetns): Promise<void> {
  // Fixed MAC addresses, so that the link-local addresses match too.
  await ns.ip('link', 'add', 'v0', 'address', '02:00:00:00:00:a0', 'type', 'veth', 'peer', 'name', 'v1', 'address', '02:00:00:00:00:a1');
  await ns.ip('link', 'set', 'v0', 'up');
  await ns.ip('link', 'set', 'v1', 'up');
  await ns.ip('addr', 'add', '192.0.2.1/24', 'dev', 'v0');
  await ns.ip('addr', 'add', '192.0.2.9/24', 'dev', 'v0');
  await ns.ip('addr', 'add', '198.51.100.1/24', 'dev', 'v1', 'label', 'v1:a');
  await ns.ip('route', 'add', '10.5.0.0/16', 'via', '192.0.2.2', 'table', '100');
  await ns.ip('route', 'add', '10.6.0.0/16', 'via', '192.0.2.2', 'table', '100', 'proto', 'static');
  await ns.ip('route', 'add', '10.7.0.0/16', 'dev', 'v1', 'table', '100');
  await ns.ip('rule', 'add', 'to', '10.5.0.0/16', 'lookup', '100', 'priority', '100');
  await ns.ip('rule', 'add', 'from', '192.0.2.0/24', 'lookup', '100', 'priority', '200');
  await ns.ip('neigh', 'add', '192.0.2.7', 'lladdr', '02:00:00:00:00:07', 'dev', 'v0');
  await ns.ip('neigh', 'add', '192.0.2.8', 'lladdr', '02:00:00:00:00:08', 'dev', 'v0', 'nud', 'stale');
  await ns.ip('nexthop', 'add', 'id', '3', 'via', '192.0.2.2', 'dev', 'v0');
  await ns.ip('nexthop', 'add', 'id', '4', 'dev', 'v1');
  // The link-local addresses and their local routes arrive after DAD, asynchronously: wait for both, so two
  // namespaces built one after the other compare equal.
  for (;;) {
    const [addrs, local] = await Promise.all([ns.ip('-6', 'addr', 'show'), ns.ip('-6', 'route', 'show', 'table', 'local')]);
    if (!addrs.includes('tentative') && local.includes('fe80::ff:fe00:a0') && local.includes('fe80::ff:fe00:a1')) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Everything ip shows of a namespace, to compare two of them (lines sorted: neighbours come in hash order). */
async function state(ns: TestNetns): Promise<string> {
  const parts = await Promise.all([
    ns.ip('-br', 'addr', 'show'), ns.ip('route', 'show', 'table', 'all'), ns.ip('rule', 'show'),
    ns.ip('neigh', 'show'), ns.ip('nexthop', 'show'),
  ]);
  return parts.map((p) => p.split('\n').sort().join('\n')).join('\n--\n');
}

test('nlkit get and flush do what ip get and flush do: route, neigh and nexthop get print the same; flushes leave the same state', async () => {
  await withNetns(async (a) => {
    await withNetns(async (b) => {
      await build(a);
      await build(b);
      for (const args of [
        ['route', 'get', '10.5.1.1'], ['route', 'get', '192.0.2.1'], ['route', 'get', '10.5.1.1', 'from', '192.0.2.1', 'mark', '5'],
        ['route', 'get', '198.51.100.20'], ['neigh', 'get', '192.0.2.7', 'dev', 'v0'], ['nexthop', 'get', 'id', '3'],
      ]) {
        assert.equal(await nlkit(a, ...args), await a.ip(...args), args.join(' '));
        if (args[0] !== 'neigh') assert.deepEqual(JSON.parse(await nlkit(a, '-j', ...args)), JSON.parse(await a.ip('-j', ...args)), `-j ${args.join(' ')}`);
      }
      const unreachable = await failure(nlkit(a, 'route', 'get', '203.0.113.1'));
      assert.deepEqual([unreachable.code, unreachable.stderr], [2, 'RTNETLINK answers: Network is unreachable\n']);

      for (const args of [
        ['route', 'flush', 'table', '100', 'proto', 'static'], ['route', 'flush', 'dev', 'v1', 'table', '100'],
        ['neigh', 'flush', 'dev', 'v0'], ['address', 'flush', 'label', 'v1:a'], ['address', 'flush', 'dev', 'v0'],
        ['rule', 'flush'], ['route', 'flush', 'table', '100'],
      ]) {
        await nlkit(a, ...args);
        await b.ip(...args);
        assert.equal(await state(a), await state(b), args.join(' '));
      }
      assert.equal(await nlkit(a, 'nexthop', 'flush'), await b.ip('nexthop', 'flush'));
      assert.equal(await state(a), await state(b), 'nexthop flush');
      assert.equal(await nlkit(a, 'nexthop', 'flush'), 'Nothing to flush\n');
      for (const args of [['route', 'flush'], ['address', 'flush'], ['neigh', 'flush']]) {
        const e = await failure(nlkit(a, ...args));
        assert.deepEqual([e.code, /requires arguments/.test(e.stderr)], [1, true], args.join(' '));
      }
    });
  });
});

test('nlkit help and OBJECT help print usage on stderr and exit 255, as ip does; abbreviations name the same objects', async () => {
  const top = await failure(nlkit(undefined, 'help'));
  assert.deepEqual([top.code, /^Usage: nlkit/.test(top.stderr)], [255, true]);
  for (const [object, word] of [['route', 'route'], ['a', 'address'], ['nex', 'nexthop'], ['ru', 'rule'], ['l', 'link'], ['n', 'neigh'], ['net', 'netns']] as const) {
    const e = await failure(nlkit(undefined, object, 'help'));
    assert.deepEqual([e.code, e.stderr.startsWith(`Usage: nlkit ${word}`)], [255, true], object);
  }
  const unknown = await failure(nlkit(undefined, 'frob'));
  assert.deepEqual([unknown.code, unknown.stderr], [1, 'Object "frob" is unknown, try "nlkit help".\n']);
});

test('nlkit netns set, list-id, identify, pids and exec agree with ip netns', async () => {
  await withNetns(async (a) => {
    await withNetns(async (b) => {
      await nlkit(a, 'netns', 'set', b.name, '42');
      assert.equal(await nlkit(a, 'netns', 'list-id'), await a.ip('netns', 'list-id'));
      assert.deepEqual(JSON.parse(await nlkit(a, '-j', 'netns', 'list-id')), [{ nsid: 42, name: b.name }]);
      // exec runs the command inside with this terminal; its exit status is nlkit's.
      assert.equal(await nlkit(undefined, 'netns', 'exec', a.name, 'ip', '-br', 'link', 'show'), await a.ip('-br', 'link', 'show'));
      assert.equal(await nlkit(undefined, 'netns', 'exec', b.name, process.execPath, main, 'netns', 'identify'), `${b.name}\n`);
      const status = await failure(nlkit(undefined, 'netns', 'exec', a.name, 'sh', '-c', 'exit 3'));
      assert.equal(status.code, 3);
      const missing = await failure(nlkit(undefined, 'netns', 'exec', a.name, 'no-such-command-here'));
      assert.deepEqual([missing.code, missing.stderr], [255, 'exec of "no-such-command-here" failed: No such file or directory\n']);
      // A process left running inside: pids and identify find it, as ip's do.
      const sleeper = (await import('node:child_process')).spawn('ip', ['netns', 'exec', a.name, 'sleep', '30'], { stdio: 'ignore' });
      try {
        await new Promise((r) => setTimeout(r, 300));
        const pids = await nlkit(undefined, 'netns', 'pids', a.name);
        assert.equal(pids, await run('ip', ['netns', 'pids', a.name]).then((r) => r.stdout));
        assert.ok(pids.split('\n').includes(String(sleeper.pid)));
        assert.equal(await nlkit(undefined, 'netns', 'identify', String(sleeper.pid)), `${a.name}\n`);
      } finally {
        sleeper.kill();
      }
    });
  });
});
