import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { withNetns } from '../../testing/netns.js';
import { MetricsCollector } from './collect.js';
import type { MetricFamily } from './text.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const listening = (families: MetricFamily[]) => families.find((f) => f.name === 'node_tcp_connection_states')!.samples.find((s) => s.labels?.state === 'listen')?.value;

test('socket counts come from the last census; a later scrape starts the next', { timeout: 600_000 }, async () => {
  await withNetns(async (ns) => {
    const listener = spawn('ip', ['netns', 'exec', ns.name, process.execPath, '-e', "require('net').createServer().listen(5555, '127.0.0.1', () => console.log('up')); setTimeout(() => {}, 120000)"], { stdio: ['ignore', 'pipe', 'ignore'] });
    await new Promise((r) => listener.stdout!.once('data', r));
    const c = await MetricsCollector.open({ netns: ns.name, socketCensusInterval: 0 });
    try {
      assert.equal(listening(await c.collect()), 1, 'the first scrape waits for its census');
      listener.kill();
      await new Promise((r) => listener.once('exit', r));
      let gone = false;
      for (let i = 0; i < 50 && !gone; i++) {
        gone = listening(await c.collect()) === undefined;
        if (!gone) await sleep(100);
      }
      assert.ok(gone, 'a census after the listener closed no longer counts it');
      const age = (await c.collect()).find((f) => f.name === 'nlkit_socket_census_age_seconds')!.samples[0]!.value;
      assert.ok(typeof age === 'number' && age >= 0 && age < 60);
    } finally {
      c.close();
      listener.kill();
    }
  }, 'metc');
});
