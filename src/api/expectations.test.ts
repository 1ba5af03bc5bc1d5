/**
 * Expectations in a namespace: expectations added under master entries with the ftp helper, listed and got as the kernel
 * reports it, heard as NEW and DESTROY events, deleted by tuple, flushed; bad input refused before anything is sent.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SchemaError } from '../schema/codec.js';
import { withNetns } from '../testing/netns.js';
import { Conntrack } from './conntrack.js';
import { Expectations, expectationEvents, type ExpectationEvent, type ExpectationInput } from './expectations.js';

const master = { src: '10.0.0.1', dst: '10.0.0.2', proto: 'tcp', sport: 1000, dport: 21 } as const;
/** The dport-th expectation, under its own master: ftp expects one connection per entry, a second replaces the first. */
const input = (dport: number): ExpectationInput => ({
  master: { ...master, sport: dport - 2000 },
  tuple: { src: '10.0.0.2', dst: '10.0.0.1', proto: 'tcp', sport: 20, dport },
  mask: { src: '255.255.255.255', dst: '255.255.255.255', proto: 'tcp', sport: 0, dport: 0xffff },
  timeout: 100,
});

test('expectations: add, list, get, events, delete and flush on the running kernel', { timeout: 600_000 }, async () => {
  await withNetns(async (ns) => {
    const ct = Conntrack.open({ netns: ns.name });
    const x = Expectations.open({ netns: ns.name });
    const ac = new AbortController();
    const events = expectationEvents({ netns: ns.name, signal: ac.signal });
    const first = events.next();
    first.catch(() => {});
    try {
      // The kernel attaches expectations only to an entry with a helper (ftp is built into this kernel's conntrack).
      for (const sport of [1000, 1001]) await ct.add({ original: { ...master, sport }, timeout: 100, tcpState: 'established', helper: 'ftp' });
      await new Promise((r) => setTimeout(r, 50));
      await x.add(input(3000));
      await x.add(input(3001));
      await assert.rejects(x.add(input(3001)), { code: 'EEXIST' });
      const list = await x.list();
      assert.deepEqual(list.map((e) => [e.tuple.dport, e.master.sport, e.mask.dport, e.mask.src, e.helper]).sort(), [[3000, 1000, 0xffff, '255.255.255.255', 'ftp'], [3001, 1001, 0xffff, '255.255.255.255', 'ftp']]);
      // With a helper the kernel takes the helper's timeout (ftp: 300 s), not the one asked for.
      assert.ok(list.every((e) => e.timeout! > 0 && e.id !== undefined));
      const got = await x.get({ tuple: input(3000).tuple });
      assert.equal(got.tuple.dport, 3000);
      await x.delete({ tuple: input(3000).tuple });
      await assert.rejects(x.get({ tuple: input(3000).tuple }), { code: 'ENOENT' });
      await x.flush();
      assert.deepEqual(await x.list(), []);
      const heard = [(await first).value as ExpectationEvent];
      while (heard.length < 4) heard.push((await events.next()).value as ExpectationEvent);
      assert.deepEqual(heard.map((e) => [e.type, e.expectation.tuple.dport]), [['new', 3000], ['new', 3001], ['destroy', 3000], ['destroy', 3001]]);
      assert.ok(heard.every((e) => e.portid !== 0));
    } finally {
      ac.abort();
      await events.return(undefined).catch(() => {});
      x.close();
      ct.close();
    }
  });
});

test('expectations: a tuple missing a part and a port on ICMP are SchemaErrors naming the field', async () => {
  const x = Expectations.open();
  try {
    const { sport: _, ...noPort } = input(3005).tuple;
    await assert.rejects(x.add({ ...input(3005), tuple: noPort as ExpectationInput['tuple'] }), (e: unknown) => e instanceof SchemaError && e.path === 'input.tuple.sport');
    await assert.rejects(x.add({ ...input(3005), mask: { src: '1.2.3.4', dst: '1.2.3.4', proto: 'icmp', sport: 1, dport: 1 } }), (e: unknown) => e instanceof SchemaError && e.path.startsWith('input.mask'));
  } finally {
    x.close();
  }
});
