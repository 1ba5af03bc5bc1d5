/**
 * conntrackEvents() in a namespace: NEW, UPDATE and DESTROY told apart, the sender's port, and a subset of events
 * joining only its groups; a bad event name refused before a socket opens.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SchemaError } from '../schema/codec.js';
import { withNetns } from '../testing/netns.js';
import { Conntrack } from './conntrack.js';
import { conntrackEvents, type ConntrackEvent, type ConntrackEventType } from './conntrack-events.js';

const original = { src: '10.0.0.1', dst: '10.0.0.2', proto: 'udp', sport: 1000, dport: 53 } as const;

test('conntrackEvents: new, update and destroy, each only when asked for, with the sender', { timeout: 600_000 }, async () => {
  await withNetns(async (ns) => {
    const ct = Conntrack.open({ netns: ns.name });
    const ac = new AbortController();
    const hear = (events?: ConntrackEventType[]) => conntrackEvents({ netns: ns.name, signal: ac.signal, events });
    const everything = hear();
    const updates = hear(['update']);
    // The sockets open at the first next(): take them, then write.
    const first = [everything.next(), updates.next()];
    try {
      await new Promise((r) => setTimeout(r, 100));
      await ct.add({ original, timeout: 60, mark: 1 });
      await ct.update({ original, mark: 2 });
      await ct.delete({ original });
      const all = [(await first[0]!).value as ConntrackEvent];
      while (all.length < 3) all.push((await everything.next()).value as ConntrackEvent);
      const update = (await first[1]!).value as ConntrackEvent;
      assert.deepEqual(all.map((e) => [e.type, e.entry.mark, e.entry.original.sport]), [['new', 1, 1000], ['update', 2, 1000], ['destroy', 2, 1000]]);
      assert.ok(all.every((e) => e.portid !== 0 && e.portid === all[0]!.portid), 'the library socket is the sender');
      assert.deepEqual([update.type, update.entry.mark], ['update', 2]);
      // Nothing else reached the update-only listener: a NEW of another entry is not heard, its UPDATE is.
      await ct.add({ original: { ...original, sport: 1001 }, timeout: 60 });
      await ct.update({ original: { ...original, sport: 1001 }, mark: 3 });
      const next = (await updates.next()).value as ConntrackEvent;
      assert.deepEqual([next.type, next.entry.original.sport, next.entry.mark], ['update', 1001, 3]);
    } finally {
      ac.abort();
      await everything.return(undefined).catch(() => {});
      await updates.return(undefined).catch(() => {});
      ct.close();
    }
  });
});

test('conntrackEvents: an unknown event is a SchemaError naming events', async () => {
  await assert.rejects(conntrackEvents({ events: ['created' as ConntrackEventType] }).next(), (e: unknown) => e instanceof SchemaError && e.path === 'events' && e.code === 'ERR_NETLINK_SCHEMA');
});
