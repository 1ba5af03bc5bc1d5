import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { createTestNetns, withNetns } from './netns.js';

test('createTestNetns makes a named namespace with lo up, and dispose removes it', async () => {
  const ns = await createTestNetns('helper');
  try {
    assert.match(ns.name, new RegExp(`^nlkit-helper-${process.pid}-\\d+$`));
    assert.equal(ns.path, `/run/netns/${ns.name}`);
    assert.ok(fs.existsSync(ns.path));
    assert.notEqual(fs.statSync(ns.path).ino, fs.statSync('/proc/self/ns/net').ino);
    assert.match(await ns.ip('link', 'show', 'lo'), /\bUP\b/);
    assert.match(await ns.exec('ip', ['-o', 'link']), /^1: lo:/);
    await assert.rejects(ns.ip('link', 'show', 'nosuchlink0'), /does not exist/);
  } finally {
    await ns.dispose();
  }
  assert.ok(!fs.existsSync(ns.path));
});

test('withNetns disposes the namespace even when the body throws', async () => {
  let path = '';
  await assert.rejects(
    withNetns(async (ns) => {
      path = ns.path;
      throw new Error('body failed');
    }),
    /body failed/,
  );
  assert.ok(path && !fs.existsSync(path));
  const names = await Promise.all([withNetns(async (ns) => ns.name), withNetns(async (ns) => ns.name)]);
  assert.notEqual(names[0], names[1]);
});
