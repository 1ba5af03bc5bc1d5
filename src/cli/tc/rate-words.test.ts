/**
 * tbf's and htb classes' rate words as tc 6.1 reads them (q_tbf.c, q_htb.c): cells (`burst 10k/8`), overhead, mpu,
 * linklayer, the words taken only whole (tbf's rate, mtu, mpu; htb's rate and ceil) and the duplicates each refuses.
 * The kernel has both kinds: every line replaces the same qdisc or class, through tc and nlkit under strace in one
 * namespace (compareTc) — the same request bytes, messages and exit statuses.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withNetns } from '../../testing/netns.js';
import { haveStrace } from '../../testing/strace.js';
import { compareTc } from '../../testing/tc-compare.js';

const skip = (await haveStrace()) ? undefined : 'strace is not installed: the byte comparison needs it';

const tbf = [
  'rate 1mbit burst 10k/8 latency 50ms overhead 4 linklayer atm mpu 64', 'rate 1mbit burst 10k latency 50ms linklayer adsl',
  'rate 1mbit burst 10k limit 10k peakrate 2mbit mtu 2k/16 linklayer eth', 'rate 1mbit burst 1k limit 1k minburst 2k/64 peakrate 2mbit',
  'rate 1mbit buffer 10k limit 10k overhead 70000', 'rate 1mbit burst 10k limit 10k linklayer x', 'rate 1mbit burst 10k/3 limit 10k',
  'rate 1mbit burst 1q/8 limit 10k', 'rate 1mbit burst 1k/x limit 10k', 'rate 1mbit burst 10k limit 10k latency 5ms',
  'rate 1mbit burst 10k latency 5ms limit 10k', 'rate 1mbit rate 2mbit burst 1k limit 1k', 'rate 1mbit burst 1k bu 2k limit 1k',
  'rate 1mbit burst 1k limit 1k limit 2k', 'rate 1mbit burst 1k latency 1ms latency 2ms', 'rate 1mbit burst 1k limit 1k overhead 1 overhead 2',
  'rate 1mbit burst 1k limit 1k mpu 1 mpu 2', 'rate 1mbit burst 1k limit 1k mpu 0 mpu 2', 'rat 1mbit burst 1k limit 1k',
  'rate 1mbit burst 1k limit 1k mt 1k', 'rate 1mbit burst 1k limit 1k mp 1', 'help', 'rate 1mbit burst 1k limit 1k peakrate 2mbit mtu 1k mtu 2k',
  'rate 1mbit burst 1k limit 1k over 3 link atm', 'rate 0 burst 1k limit 1k',
].map((w) => `qdisc replace dev v0 root handle 1: tbf ${w}`);

const htb = [
  'rate 1mbit ceil 2mbit burst 10k/8 cburst 20k/16 overhead 10 mpu 64 linklayer atm', 'rat 1mbit', 'rate 1mbit cei 2mbit',
  'rate 1mbit quantum 2k', 'rate 1mbit mpu 1k', 'rate 1mbit prio 0x3', 'rate 1mbit b 10k', 'rate 1mbit buf 10k', 'rate 1mbit cb 10k cbuffer 5k',
  'rate 1mbit maxburst 3k cmaxburst 4k', 'rate 1mbit linklayer foo', 'rate 1mbit rate 2mbit', 'rate 1mbit ceil 1mbit ceil 2mbit',
  'rate 1mbit burst 10k/3', 'rate 1mbit cburst 1q', 'rate 1mbit overhead 70000', 'help', 'rate 1mbit link ethernet mtu 9000 quantum 3000 prio 2',
  'rate 0', 'rate 1mbit ceil 0 burst 0',
].map((w) => `class replace dev v0 parent 1: classid 1:1 htb ${w}`);

test('nlkit tc tbf and htb class words (cells, overhead, mpu, linklayer, whole words, duplicates) as tc', { skip }, async () => {
  await withNetns(async (ns) => {
    await ns.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
    // RTM_NEWQDISC, RTM_NEWTCLASS
    assert.deepEqual(await compareTc(ns, [36, 40], [...tbf, 'qdisc replace dev v0 root handle 1: htb', ...htb], []), []);
  }, 'tcrates');
});
