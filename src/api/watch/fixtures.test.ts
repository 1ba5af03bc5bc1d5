/**
 * The watch's merge and resync logic without root: a watch recorded while a namespace changed
 * (tools/record-fixtures.ts) is replayed — every socket of this test process talks to the recording — and must
 * end with the view the recorded one had, which matched a fresh dump of the kernel. In a replay the notifications
 * come all at once as the groups are joined, while the first dump runs: the watch must buffer and merge them, and
 * resync after the link and nexthop events that remove routes silently, as it does live.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Replay } from '../../socket/replay.js';
import { useTransportEverywhere } from '../../socket/transport.js';
import { fixturePath, loadFixtures, viewText } from '../../testing/fixtures.js';
import { watch, type Watch, type WatchEvent } from './watch.js';

for (const fixture of loadFixtures()) {
  for (const recorded of fixture.watch) {
    test(`fixture ${fixture.name}: a ${recorded.kind} watch replayed through ${recorded.changes.length} changes ends with the recorded view`, { timeout: 600_000 }, async () => {
      useTransportEverywhere(Replay.fromFile(fixturePath(recorded.recording)));
      let w: Watch<unknown> | undefined;
      try {
        w = (await watch(recorded.kind)) as Watch<unknown>;
        const events: WatchEvent<unknown>[] = [];
        const reading = (async () => {
          for await (const e of w!) events.push(e);
        })();
        const want = JSON.stringify(recorded.view);
        for (let i = 0; i < 100 && !(w.inSync && JSON.stringify(viewText(w.view)) === want); i++) await new Promise((r) => setTimeout(r, 50));
        assert.deepEqual(viewText(w.view), recorded.view);
        assert.ok(w.inSync);
        w.close();
        await reading;
        // ip route add 10.7.0.0/24 …: an add; ip route del 10.0.0.0/24: a delete; a view of 10.5.0.0/24 that went.
        const keys = (type: string) => new Set(events.filter((e) => e.type === type).map((e) => e.key));
        assert.ok(keys('add').has('10.7.0.0/24'), `events: ${events.map((e) => `${e.type} ${e.key}`).join(', ')}`);
        assert.ok(keys('delete').has('10.0.0.0/24'));
      } finally {
        w?.close();
        useTransportEverywhere(undefined);
      }
    });
  }
}
