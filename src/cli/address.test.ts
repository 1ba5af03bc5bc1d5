import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { withNetns, type TestNetns } from '../testing/netns.js';

const run = promisify(execFile);
const main = fileURLToPath(new URL('./nlkit.js', import.meta.url));
const nlkit = async (ns: TestNetns, ...args: string[]) => (await run(process.execPath, [main, '-n', ns.name, ...args])).stdout;

test('nlkit address show prints what ip address show prints: text, -br, -4, -6, one device, and -j', async () => {
  await withNetns(async (ns) => {
    await ns.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
    await ns.ip('link', 'set', 'v0', 'up');
    await ns.ip('addr', 'add', '192.0.2.1/24', 'dev', 'v0', 'label', 'v0:a');
    await ns.ip('addr', 'add', '198.51.100.1/32', 'peer', '198.51.100.2/32', 'dev', 'v0');
    await ns.ip('addr', 'add', '203.0.113.1/24', 'brd', '+', 'dev', 'v0');
    await ns.ip('addr', 'add', '192.0.2.9/24', 'dev', 'v0');
    await ns.ip('addr', 'add', '2001:db8::1/64', 'dev', 'v0', 'nodad', 'noprefixroute');
    for (const args of [['address', 'show'], ['-br', 'address', 'show'], ['-4', 'address', 'show'], ['-6', 'a'], ['addr', 'show', 'dev', 'v0'], ['-4', '-br', 'a'], ['-o', 'address', 'show'], ['-o', '-6', 'a']]) {
      assert.equal(await nlkit(ns, ...args), await ns.ip(...args), args.join(' '));
    }
    for (const family of [[], ['-4'], ['-6']]) {
      assert.deepEqual(JSON.parse(await nlkit(ns, ...family, '-j', 'addr', 'show')), JSON.parse(await ns.ip(...family, '-j', 'addr', 'show')), family.join(' '));
      assert.equal(await nlkit(ns, ...family, '-j', '-br', 'addr', 'show'), await ns.ip(...family, '-j', '-br', 'addr', 'show'), `-br ${family.join(' ')}`);
    }
  });
});
