import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { withNetns, type TestNetns } from '../testing/netns.js';

const run = promisify(execFile);
const main = fileURLToPath(new URL('./nlkit.js', import.meta.url));
const nlkit = async (ns: TestNetns, ...args: string[]) => (await run(process.execPath, [main, '-n', ns.name, ...args])).stdout;

type Failure = { code: number; stderr: string };

test('nlkit rule add/del take ip syntax, and rule show prints what ip rule show prints, text and JSON', async () => {
  await withNetns(async (ns) => {
    await ns.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
    // Every selector and action ip prints, made through nlkit, then shown by both.
    const rules = [
      ['from', '192.0.2.0/24', 'lookup', '100', 'pref', '100'],
      ['to', '198.51.100.1', 'iif', 'v0', 'fwmark', '0x10/0xff', 'lookup', 'main', 'pref', '101'],
      ['not', 'from', '192.0.2.1', 'blackhole', 'pref', '102'],
      ['ipproto', 'tcp', 'dport', '80', 'sport', '1000-2000', 'goto', '32766', 'pref', '103'],
      ['uidrange', '100-200', 'oif', 'v0', 'prohibit', 'pref', '104'],
      ['fwmark', '7', 'tos', '0x10', 'nop', 'pref', '105'],
      ['lookup', 'main', 'suppress_prefixlength', '0', 'pref', '106'],
      ['unreachable', 'pref', '107', 'proto', 'static'],
      ['iif', 'nope9', 'lookup', '5', 'pref', '108'],
      ['from', '192.0.2.7'],
    ];
    for (const r of rules) await nlkit(ns, 'ru', 'add', ...r);
    await nlkit(ns, '-6', 'rule', 'add', 'from', '2001:db8::/32', 'lookup', '200', 'pref', '50');
    for (const args of [['rule', 'show'], ['-6', 'rule'], ['rule', 'list', 'table', '100'], ['-4', 'rule', 'ls', 'table', 'main']]) {
      assert.equal(await nlkit(ns, ...args), await ns.ip(...args), args.join(' '));
      assert.deepEqual(JSON.parse(await nlkit(ns, '-j', ...args)), JSON.parse(await ns.ip('-j', ...args)), `-j ${args.join(' ')}`);
    }
    // -p is ip's own layout, byte for byte.
    assert.equal(await nlkit(ns, '-j', '-p', 'rule', 'show'), await ns.ip('-j', '-p', 'rule', 'show'));
    assert.equal(await nlkit(ns, '-o', 'rule', 'show'), await ns.ip('-o', 'rule', 'show'));
    await nlkit(ns, 'rule', 'del', 'pref', '105');
    await nlkit(ns, 'rule', 'delete', 'from', '192.0.2.7');
    assert.equal(await nlkit(ns, 'rule', 'show'), await ns.ip('rule', 'show'));
    assert.doesNotMatch(await ns.ip('rule', 'show'), /^(99|105):/m);
  });
});

test('nlkit rule: kernel errors exit 2; bad input is refused as ip refuses it, exit 255, naming the word', async () => {
  await withNetns(async (ns) => {
    await assert.rejects(nlkit(ns, 'rule', 'del', 'pref', '999'), (e: Failure) => e.code === 2 && e.stderr === 'RTNETLINK answers: No such file or directory\n');
    await assert.rejects(nlkit(ns, 'rule', 'add', 'frob', '1'), (e: Failure) => e.code === 255 && e.stderr === 'Error: argument "frob" is wrong: Failed to parse rule type\n');
    await assert.rejects(nlkit(ns, 'rule', 'add', 'dport', 'x'), (e: Failure) => e.code === 255 && e.stderr === 'Error: argument "x" is wrong: invalid dport range\n\n');
    await assert.rejects(nlkit(ns, 'rule', 'add', 'type', 'frob'), (e: Failure) => e.code === 255 && e.stderr === 'Error: argument "frob" is wrong: Failed to parse rule type\n');
    await assert.rejects(nlkit(ns, 'rule', 'add', 'l3mdev', 'table', '5'), (e: Failure) => e.code === 22 && e.stderr === 'table can not be specified for l3mdev rules\n');
    // What the rule says, as ip says it: realms, l3mdev, a device group by name.
    await nlkit(ns, 'rule', 'add', 'realms', '3/4', 'pref', '7');
    await nlkit(ns, 'rule', 'add', 'l3mdev', 'pref', '6');
    await nlkit(ns, 'rule', 'add', 'suppress_ifgroup', 'default', 'pref', '5');
    assert.equal(await nlkit(ns, 'rule', 'show'), await ns.ip('rule', 'show'));
    assert.equal(await nlkit(ns, '-j', 'rule', 'show'), await ns.ip('-j', 'rule', 'show'));
  });
});
