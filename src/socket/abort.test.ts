import assert from 'node:assert/strict';
import { test } from 'node:test';
import { linkMessage, newLink } from '../testing/links.js';
import { withNetns } from '../testing/netns.js';
import { RequestError } from '../wire/errors.js';
import { Protocol } from './constants.js';
import { NetlinkSocket } from './socket.js';

const RTM_GETLINK = 18;
const RTNLGRP_LINK = 1;

test('a dump left early (break or abort) does not hold up the next one: 1,000 rounds in a row', async () => {
  await withNetns(async (ns) => {
    const s = NetlinkSocket.open(Protocol.ROUTE, { netns: ns.name });
    try {
      // Enough links that a link dump spans several datagrams, and only one read ahead: leaving after the first
      // leaves the kernel mid-dump, which it then refuses to start another beside (EBUSY) until it ends.
      await Promise.all(Array.from({ length: 100 }, (_, i) => s.request(newLink(`br${i}`, 'bridge'))));
      const reason = new Error('enough');
      for (let round = 0; round < 1000; round++) {
        if (round % 2 === 0) {
          for await (const _ of s.dump(linkMessage(RTM_GETLINK, 0), { highWaterMark: 1 })) break;
        } else {
          const ac = new AbortController();
          await assert.rejects(async () => {
            for await (const _ of s.dump(linkMessage(RTM_GETLINK, 0), { highWaterMark: 1, signal: ac.signal })) ac.abort(reason);
          }, (e: unknown) => e instanceof RequestError && e.name === 'AbortError' && e.code === 'ABORT_ERR' && e.cause === reason);
        }
        let n = 0;
        for await (const _ of s.dump(linkMessage(RTM_GETLINK, 0))) n++;
        assert.equal(n, 101, `round ${round}`);
      }
    } finally {
      s.close();
    }
  });
});

test("every call follows Node's abort convention: AbortError, ABORT_ERR, the signal's reason as cause", async () => {
  await withNetns(async (ns) => {
    const s = NetlinkSocket.open(Protocol.ROUTE, { netns: ns.name });
    const isAbort = (reason: unknown) => (e: unknown) =>
      e instanceof RequestError && e.name === 'AbortError' && e.code === 'ABORT_ERR' && e.cause === reason;
    try {
      const reason = new Error('stop');
      // Aborted already: nothing is sent.
      const before = AbortSignal.abort(reason);
      await assert.rejects(s.request(linkMessage(RTM_GETLINK, 1), { signal: before }), isAbort(reason));
      await assert.rejects(async () => { for await (const _ of s.dump(linkMessage(RTM_GETLINK, 0), { signal: before })) void _; }, isAbort(reason));
      await assert.rejects(s.dumpAll(linkMessage(RTM_GETLINK, 0), { signal: before }), isAbort(reason));
      await assert.rejects(s.subscribe([RTNLGRP_LINK], { signal: before }).next(), isAbort(reason));

      // A request aborted in flight.
      let ac = new AbortController();
      const inFlight = s.request(linkMessage(RTM_GETLINK, 1), { signal: ac.signal });
      ac.abort(reason);
      await assert.rejects(inFlight, isAbort(reason));

      // A dump aborted while it waits for the socket's dump slot (held by one not yet read to its end) rejects at once.
      const first = s.dump(linkMessage(RTM_GETLINK, 0), { highWaterMark: 1 })[Symbol.asyncIterator]();
      await first.next();
      ac = new AbortController();
      const waiting = (async () => { for await (const _ of s.dump(linkMessage(RTM_GETLINK, 0), { signal: ac.signal })) void _; })();
      await new Promise((r) => setTimeout(r, 10));
      ac.abort(reason);
      await assert.rejects(waiting, isAbort(reason));
      assert.deepEqual(await first.next(), { value: undefined, done: true });

      // A subscriber waiting for a notification, and one with notifications queued: both reject, the queue dropped.
      ac = new AbortController();
      const events = s.subscribe([RTNLGRP_LINK], { signal: ac.signal });
      const waiter = events.next();
      ac.abort(reason);
      await assert.rejects(waiter, isAbort(reason));
      ac = new AbortController();
      const queued = s.subscribe([RTNLGRP_LINK], { signal: ac.signal });
      const heard = s.stats.messages;
      await ns.ip('link', 'add', 'q0', 'type', 'bridge');
      while (s.stats.messages === heard) await new Promise((r) => setTimeout(r, 5));
      ac.abort(reason);
      await assert.rejects(queued.next(), isAbort(reason));
      // An abort after the consumer has seen the end changes nothing.
      ac = new AbortController();
      const ended = s.subscribe([RTNLGRP_LINK], { signal: ac.signal });
      await ended.return?.();
      ac.abort(reason);
      assert.deepEqual(await ended.next(), { value: undefined, done: true });
    } finally {
      s.close();
    }
  });
});
