/**
 * `nlkit tc filter add … fw|route|basic|cgroup` (classifiers this kernel lacks): each line goes through tc and
 * nlkit under strace in one namespace; the requests must be the same bytes, and the messages and statuses the same.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withNetns } from '../../testing/netns.js';
import { haveStrace } from '../../testing/strace.js';
import { compareTc } from '../../testing/tc-compare.js';

const skip = (await haveStrace()) ? undefined : 'strace is not installed: the byte comparison needs it';

const RTM_NEWTFILTER = 44;

const f = (words: string) => `filter add dev v0 parent 1: protocol ip prio 1 ${words}`;

const lines = [
  // fw
  'fw', 'handle 5 fw', 'handle 5/0xff fw classid 1:1', 'handle 5/0xff fw', 'handle x fw', 'handle 5/x fw classid 1:1', 'fw flowid 1:2 indev v1',
  'fw indev 0123456789abcdefghij', 'fw indev', 'fw classid zz', 'fw action drop', 'fw classid 1:1 action mirred egress redirect dev v1',
  'fw police rate 1mbit burst 10k drop', 'fw police frob', 'fw frob', 'fw help',
  // route
  'route', 'handle 3 route', 'route to 5', 'route from 3 to 7 classid 1:1', 'route fromif v1', 'route fromif nosuch', 'route to 300',
  'route order 2 to 1', 'route order x', 'route to 1 action drop', 'route flowid 1:3', 'route police rate 1mbit burst 5k',
  'route frob', 'route help', 'handle 9 route to 1',
  // basic and cgroup
  'basic', 'handle 7 basic', 'handle 0x10z basic classid 1:1', 'basic flowid 1:2 action drop', 'basic police rate 1mbit burst 5k',
  'basic frob', 'basic help', 'cgroup', 'handle 3 cgroup', 'cgroup action drop', 'cgroup police rate 2mbit burst 10k pass',
  'cgroup classid 1:1', 'cgroup help',
].map(f);

const alone = ['route to', 'fw classid', 'basic action'].map(f);

test('nlkit tc filter add … fw|route|basic|cgroup: requests, messages and statuses as tc', { skip }, async () => {
  await withNetns(async (ns) => {
    await ns.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
    assert.deepEqual(await compareTc(ns, [RTM_NEWTFILTER], lines, alone), []);
  }, 'tcclassic');
});
