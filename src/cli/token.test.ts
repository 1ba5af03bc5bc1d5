import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RouteNetlink } from '../api/route-netlink.js';
import { Tokens } from '../api/tokens.js';
import { withNetns } from '../testing/netns.js';
import { sameAsIp, twin } from '../testing/twin.js';

test('token list, set and del do what ip token does, with its text, JSON, refusals and statuses', async () => {
  await withNetns(async (a) => withNetns(async (b) => {
    for (const ns of [a, b]) await ns.vethPair();
    for (const line of [
      'token set ::1:2/64 dev v0', 'token add ::7 ::8 dev v1 dev nosuch', 'token del zz dev v0', 'token set default dev v1',
      'token set ::9 dev v0', 'token set zz dev v0', 'token set ::3 dev nope', 'token set ::3', 'token set dev v0',
      'token set help', 'token set ::1 dev', 'token d dev v0',
    ]) {
      const { ip, nlkit } = await twin(a.name, line.split(' '), b.name);
      assert.equal(nlkit.status, ip.status, `${line}: ${nlkit.stderr}`);
      assert.equal(nlkit.stderr, ip.stderr.replace(/\bip\b/g, 'nlkit'), line);
      assert.equal(await b.ip('token'), await a.ip('token'), line);
      for (const show of ['token', '-j token show']) await sameAsIp(a.name, show.split(' '));
    }
    for (const line of ['token list dev v0', 'token get foo dev v1', 'token foo', 'token help', 'token list dev', 'token get dev nope', 'token sh dev lo', '-4 token', '-j -p token lst']) await sameAsIp(a.name, line.split(' '), line.includes('-p'));

    const rt = RouteNetlink.open({ netns: a.name });
    try {
      const tokens = new Tokens(rt.socket, rt.devices);
      await tokens.set('v1', '::a:b');
      assert.deepEqual((await tokens.list({ dev: 'v1' })).map((t) => [t.ifname, t.token]), [['v1', '::a:b']]);
      await tokens.delete('v1');
      assert.equal((await tokens.list({ dev: 'v1' }))[0]!.token, '::');
      assert.deepEqual((await tokens.list()).map((t) => t.ifname).sort(), ['v0', 'v1'], 'lo is left out, as ip leaves it out');
      await assert.rejects(tokens.set('v1', 'zz'), { code: 'ERR_NETLINK_SCHEMA', path: 'token' });
    } finally {
      rt.close();
    }
  }));
});
