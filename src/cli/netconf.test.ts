import { test } from 'node:test';
import { withNetns } from '../testing/netns.js';
import { sameAsIp } from '../testing/twin.js';

test('nlkit netconf prints what ip netconf prints: text, JSON, one device, one family, and its refusals', async () => {
  await withNetns(async (ns) => {
    await ns.vethPair();
    await ns.exec('sysctl', ['-q', '-w', 'net.ipv4.conf.v0.forwarding=1', 'net.ipv4.conf.v1.rp_filter=2']);
    for (const args of [
      ['netconf'], ['netconf', 'show'], ['netconf', 'list'], ['netconf', 'sh', 'dev', 'v0'], ['-6', 'netconf', 'show', 'dev', 'v1'],
      ['-4', 'netconf', 'show'], ['-j', 'netconf'], ['-j', '-p', 'netconf', 'show', 'dev', 'lo'], ['-4', 'netconf', 'show', 'dev', 'v1'],
      ['netconf', 'show', 'dev', 'nope'], ['netconf', 'show', 'dev'], ['netconf', 'bogus'], ['netconf', 'show', 'foo'], ['netconf', 'help'],
    ]) await sameAsIp(ns.name, args, args.includes('-p'));
  });
});
