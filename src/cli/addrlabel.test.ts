import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withNetns } from '../testing/netns.js';
import { sameAsIp, twin } from '../testing/twin.js';

test('addrlabel list, add, del and flush do what ip addrlabel does, with its text, JSON, refusals and statuses', async () => {
  await withNetns(async (a) => withNetns(async (b) => {
    for (const ns of [a, b]) await ns.vethPair();
    for (const line of [
      'addrlabel add prefix 2001:db8::/32 label 9', 'addrlabel add prefix 2001:db8:1::/48 dev v0 label 10', 'addrlabel add prefix 2001:db8::/32 label 9',
      'addrlabel del prefix 2001:db8::/32 label 9', 'addrlabel add prefix 2001:db8:2::1 label 11', 'addrlabel flush',
    ]) {
      const { ip, nlkit } = await twin(a.name, line.split(' '), b.name);
      assert.equal(nlkit.status, ip.status, `${line}: ${nlkit.stderr}`);
      assert.equal(await b.ip('addrlabel'), await a.ip('addrlabel'), line);
      if (line !== 'addrlabel flush') for (const show of ['addrlabel', 'addrlabel list', '-j addrlabel show']) await sameAsIp(a.name, show.split(' '));
    }
    for (const line of [
      'addrlabel show foo', 'addrlabel help', 'addrlabel bogus', 'addrlabel add', 'addrlabel add prefix 2001:db8::/32', 'addrlabel add prefix 2001:db8::/32 label x',
      'addrlabel add prefix 2001:db8::/32 label 9 dev nope', 'addrlabel add prefix zz label 3', 'addrlabel flush x', 'addrlabel add prefix',
    ]) await sameAsIp(a.name, line.split(' '));
  }));
});
