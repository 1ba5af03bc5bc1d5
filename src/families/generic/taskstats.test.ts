import assert from 'node:assert/strict';
import { test } from 'node:test';
import { YnlFamily } from '../../ynl/family.js';
import { taskstats } from './taskstats.js';

test("TASKSTATS, declared by hand: the test's own process, per pid and per thread group", async () => {
  const s = await new YnlFamily(taskstats).open();
  try {
    const [byPid] = await s.do('get', { pid: process.pid });
    const aggr = byPid!.aggrPid as { pid: number; stats: { version: number; acPid: number; acPpid: number; acComm: string; acUtime: bigint } };
    assert.equal(aggr.pid, process.pid);
    assert.ok(aggr.stats.version >= 14);
    assert.deepEqual([aggr.stats.acPid, aggr.stats.acPpid, aggr.stats.acComm], [process.pid, process.ppid, 'node']);
    assert.equal(typeof aggr.stats.acUtime, 'bigint');
    const [byTgid] = await s.do('get', { tgid: process.pid });
    assert.equal((byTgid!.aggrTgid as { tgid: number }).tgid, process.pid);
    await assert.rejects(s.do('get', { pid: 0x7fffffff }), { code: 'ESRCH' });
  } finally {
    s.close();
  }
});
