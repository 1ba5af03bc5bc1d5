import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Protocol } from '../../socket/constants.js';
import { NetlinkSocket } from '../../socket/socket.js';
import { NetlinkError } from '../../wire/errors.js';
import { GENL_ID_CTRL, GenlController } from './controller.js';

test('the controller lists the families this kernel has, with nlctrl at its fixed id', async () => {
  const socket = NetlinkSocket.open(Protocol.GENERIC);
  try {
    const families = await new GenlController(socket).list();
    const names = new Set(families.map((f) => f.name));
    for (const name of ['nlctrl', 'ethtool', 'netdev', 'tcp_metrics', 'mptcp_pm', 'TASKSTATS', 'thermal']) {
      assert.ok(names.has(name), `${name} is listed`);
    }
    const ctrl = families.find((f) => f.name === 'nlctrl')!;
    assert.equal(ctrl.id, GENL_ID_CTRL);
    assert.ok(ctrl.multicastGroups.notify !== undefined);
    assert.equal(ctrl.version, 2);
  } finally {
    socket.close();
  }
});

test('a family resolves by name with its operations and groups, and the answer is cached', async () => {
  const socket = NetlinkSocket.open(Protocol.GENERIC);
  try {
    const ctrl = new GenlController(socket);
    const ethtool = await ctrl.family('ethtool');
    assert.ok(ethtool.id >= GENL_ID_CTRL);
    assert.equal(ethtool.version, 1);
    // ETHTOOL_MSG_LINKINFO_GET (1) answers both do and dump; the monitor group carries notifications.
    const linkinfo = ethtool.operations.find((o) => o.id === 1);
    assert.ok(linkinfo && linkinfo.flags.includes('do') && linkinfo.flags.includes('dump'));
    assert.ok(typeof ethtool.multicastGroups.monitor === 'number');
    const before = socket.stats.messages;
    assert.equal(await ctrl.family('ethtool'), ethtool);
    assert.equal(socket.stats.messages, before, 'no second round trip');
  } finally {
    socket.close();
  }
});

test('an unknown family rejects with ENOENT, naming it', async () => {
  const socket = NetlinkSocket.open(Protocol.GENERIC);
  try {
    await assert.rejects(new GenlController(socket).family('no_such_family'), (e: unknown) =>
      e instanceof NetlinkError && e.code === 'ENOENT' && /no_such_family/.test(e.message));
  } finally {
    socket.close();
  }
});
