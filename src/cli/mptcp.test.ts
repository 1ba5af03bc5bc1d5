import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Mptcp } from '../api/mptcp.js';
import { withNetns } from '../testing/netns.js';
import { sameAsIp, twin } from '../testing/twin.js';

test('mptcp endpoint and limits do what ip mptcp does: state, text, JSON, refusals and statuses', async () => {
  await withNetns(async (a) => withNetns(async (b) => {
    for (const ns of [a, b]) await ns.vethPair();
    for (const line of [
      'mptcp endpoint add 192.0.2.1 id 5 signal port 1000', 'mptcp endpoint add 192.0.2.9 dev v0 subflow backup', 'mptcp e a 2001:db8::5 fullmesh',
      'mptcp endpoint add 192.0.2.1 id 5', 'mptcp endpoint change id 5 backup', 'mptcp endpoint change 192.0.2.9 nobackup fullmesh',
      'mptcp endpoint change id 5 signal', 'mptcp endpoint change id 5 port 7', 'mptcp endpoint delete id 5 192.0.2.1', 'mptcp endpoint delete id 0',
      'mptcp endpoint delete', 'mptcp endpoint delete id 6', 'mptcp endpoint add 192.0.2.3 signal fullmesh', 'mptcp endpoint add 192.0.2.3 port 5',
      'mptcp endpoint add id 3', 'mptcp endpoint add 192.0.2.3 dev nope', 'mptcp endpoint add 192.0.2.3 dev a/b', 'mptcp endpoint add 192.0.2.3 id 300',
      'mptcp endpoint add foo', 'mptcp endpoint add 192.0.2.3 id', 'mptcp limits set subflows 4 add_addr_accepted 3', 'mptcp limits set subflows x',
      'mptcp limits set foo 1', 'mptcp limits set subflows 99', 'mptcp endpoint flush x',
    ]) {
      const { ip, nlkit } = await twin(a.name, line.split(' '), b.name);
      assert.equal(nlkit.status, ip.status, `${line}: ${nlkit.stderr}`);
      assert.equal(nlkit.stderr, ip.stderr.replace(/\bip\b/g, 'nlkit'), line);
      assert.equal(await b.ip('mptcp', 'endpoint'), await a.ip('mptcp', 'endpoint'), line);
      assert.equal(await b.ip('mptcp', 'limits'), await a.ip('mptcp', 'limits'), line);
      if (line.includes('flush')) continue;
      for (const show of ['mptcp endpoint', '-j mptcp endpoint show']) await sameAsIp(a.name, show.split(' '));
    }
    await a.ip('mptcp', 'endpoint', 'add', '192.0.2.1', 'id', '5', 'signal', 'port', '1000');
    for (const line of [
      'mptcp endpoint show id 5', '-j mptcp endpoint show id 5', 'mptcp endpoint show id 9', 'mptcp endpoint show foo', 'mptcp limits',
      '-j mptcp limits show', 'mptcp limits show subflows 3', 'mptcp endpoint foo', 'mptcp limits foo', 'mptcp monitor x', 'mptcp foo', 'mptcp',
      'mptcp help', 'mptcp limits set', 'mptcp l', 'mptcp e', 'mptcp monitor foo', 'mptcp limits show foo',
    ]) await sameAsIp(a.name, line.split(' '), line.includes('limits')); // ip prints the limits as text under -j too

    const pm = await Mptcp.open({ netns: b.name });
    try {
      await pm.addEndpoint({ address: '198.51.100.4', id: 9, flags: ['subflow', 'backup'], dev: 2 });
      assert.deepEqual(await pm.endpoint(9), { id: 9, address: '198.51.100.4', flags: ['subflow', 'backup'], rawFlags: 6, ifindex: 2 });
      await pm.changeEndpoint({ id: 9, fullmesh: true });
      assert.deepEqual((await pm.endpoint(9)).flags, ['subflow', 'fullmesh']);
      await pm.setLimits({ subflows: 1, addAddrAccepted: 2 });
      assert.deepEqual(await pm.limits(), { subflows: 1, addAddrAccepted: 2 });
      await assert.rejects(pm.addEndpoint({ address: '198.51.100.5', flags: ['signal', 'fullmesh'] }), { code: 'ERR_NETLINK_SCHEMA', path: 'flags' });
      await assert.rejects(pm.deleteEndpoint({ id: 0 }), { code: 'ERR_NETLINK_SCHEMA', path: 'address' });
      await pm.deleteEndpoint({ id: 9 });
      await pm.flushEndpoints();
      assert.deepEqual(await pm.endpoints(), []);
    } finally {
      pm.close();
    }
  }));
});
