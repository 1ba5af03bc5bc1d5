import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withNetns } from '../testing/netns.js';
import { MulticastAddresses } from './maddresses.js';

test('MulticastAddresses lists, adds and deletes in a namespace, and names a bad field', { timeout: 600_000 }, async () => {
  await withNetns(async (ns) => {
    await ns.vethPair();
    const m = new MulticastAddresses({ netns: ns.name });
    await m.add('v0', '01:00:5e:01:02:03');
    const link = await m.list({ dev: 'v0', family: 'link' });
    assert.deepEqual(link.filter((x) => x.static).map((x) => [x.ifname, x.address, x.users]), [['v0', '01:00:5e:01:02:03', 1]]);
    assert.ok(link.every((x) => x.family === 'link'));
    assert.deepEqual((await m.list({ family: 'inet' })).map((x) => [x.ifname, x.address]), [['lo', '224.0.0.1'], ['v1', '224.0.0.1'], ['v0', '224.0.0.1']], 'by ifindex: the peer v1 was made first');
    await m.delete('v0', '01:00:5e:01:02:03');
    assert.ok(!(await m.list({ dev: 'v0' })).some((x) => x.static));
    await assert.rejects(m.add('v0', '01:00:5e'), { code: 'ERR_NETLINK_SCHEMA', path: 'address' });
    await assert.rejects(m.list({ family: 'ipx' as 'inet' }), { code: 'ERR_NETLINK_SCHEMA', path: 'family' });
    await assert.rejects(m.delete('nosuch', '01:00:5e:01:02:03'), { code: 'ENODEV', syscall: 'ioctl' });
  });
});
