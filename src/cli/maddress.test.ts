import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { withNetns, type TestNetns } from '../testing/netns.js';
import { sameAsIp, twin } from '../testing/twin.js';

/** veth v0/v1, an IPv4 group joined, and two IPv6 addresses sharing one solicited-node group (2 users). */
async function build(ns: TestNetns): Promise<void> {
  // Fixed MACs: the link-local addresses, and their groups, are then the same in both namespaces.
  await ns.ip('link', 'add', 'v0', 'address', '02:00:00:00:00:01', 'type', 'veth', 'peer', 'name', 'v1', 'address', '02:00:00:00:00:02');
  for (const dev of ['v0', 'v1']) await ns.ip('link', 'set', dev, 'up');
  await ns.ip('addr', 'add', '239.1.2.3/32', 'dev', 'v0', 'autojoin');
  await ns.ip('addr', 'add', '2001:db8::1/64', 'dev', 'v0', 'nodad');
  await ns.ip('addr', 'add', '2001:db8:1::1/64', 'dev', 'v0', 'nodad');
}

test('maddress show, add and del print, refuse and exit as ip maddress does', { timeout: 600_000 }, async () => {
  await withNetns(async (a) => withNetns(async (b) => {
    await build(a);
    await build(b);
    for (const line of [
      'maddr add 01:00:5e:01:02:03 dev v0', 'maddress add address 33:33:00:00:00:09 dev v1', 'maddr add 01:00:5e:01:02:03 dev v0',
      'maddr a 00:00:5e:01:02:04 01:00:5e:01:02:05 dev v0', 'maddr add dev v1', 'maddr del 00:00:00:00:00:00 dev v1',
      'maddr d 01:00:5e:01:02:05 dev v0', 'maddr del 01:00:5e:09:09:09 dev v0', 'maddr add 01:00:5e:01:02:04 dev lo',
      'maddr add 01:00:5e:01:02:04 dev nosuch', 'maddr add 01:00:5e:01:02:04 dev a/b', 'maddr add 01:00:5e:01:02:04 dev 0123456789abcdef',
      'maddr add 01:00:5e:01:02:04 dev v0 dev v1', 'maddr add 01:00:5e:01:02:04 01:00:5e:01:02:05 dev v0', 'maddr add aa:zz:cc dev v0',
      'maddr add -1:2:3:4:5:6 dev v0', 'maddr add 1.2.3.4 dev v0', 'maddr add 1.2.3 dev v0', 'maddr add 1.2.3.4.5 dev v0', 'maddr add 1:2:3:4:5:6:7 dev v0',
      'maddr add 1:2:3:4:5:6:7:8:9:10:11:12:13:1z:15:16 dev v0', 'maddr add address', 'maddr add address help', 'maddr add help',
      'maddr add', 'maddr add 01:00:5e:01:02:04', 'maddr add 01:00:5e:01:02:04 dev', 'maddr x', 'maddr help',
    ]) {
      const { ip, nlkit } = await twin(a.name, line.split(' '), b.name);
      assert.equal(nlkit.status, ip.status, `${line}: ${nlkit.stderr}`);
      assert.equal(nlkit.stderr, ip.stderr.replace(/\bip\b/g, 'nlkit'), line);
      assert.equal(await b.ip('maddr'), await a.ip('maddr'), `state after ${line}`);
    }
    assert.match(await a.ip('maddr', 'show', 'dev', 'v0'), /users 2/, 'a group with two users is shown');
    for (const line of [
      'maddr', 'maddr show', 'maddr lst dev v0', 'maddr s v1', 'maddr show dev nosuch', 'maddr show dev', 'maddr show dev v0 v1',
      'maddr show help', 'maddr h', '-4 maddr', '-6 maddr show dev v0', '-o maddr', '-j maddr', '-j -6 maddr', '-j -o maddr s v0',
      '-c maddr', '-c -o maddr',
    ]) await sameAsIp(a.name, line.split(' '));
    await sameAsIp(a.name, ['-j', '-p', 'maddr'], true);
  }));
});

test('maddress add ends a batch as ip exit()s there, with 0 even after a failure under -force', { timeout: 600_000 }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'nlkit-maddr-'));
  try {
    await withNetns(async (a) => withNetns(async (b) => {
      await build(a);
      await build(b);
      const file = path.join(dir, 'batch');
      writeFileSync(file, 'link show nosuch\nmaddr add 01:00:5e:0a:0a:0a dev v0\nlink show lo\n');
      const { ip, nlkit } = await twin(a.name, ['-force', '-batch', file], b.name);
      assert.deepEqual([nlkit.status, nlkit.stdout], [ip.status, ip.stdout]);
      assert.equal(nlkit.stderr, ip.stderr);
      assert.equal(await b.ip('maddr', 'show', 'dev', 'v0'), await a.ip('maddr', 'show', 'dev', 'v0'));
    }));
  } finally {
    rmSync(dir, { recursive: true });
  }
});
