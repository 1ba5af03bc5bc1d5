/**
 * `nlkit tc class` for the class kinds this kernel lacks (hfsc, drr, qfq, ets): each line through tc and nlkit
 * under strace in one namespace (compareTc) — the requests' bytes, messages and exit statuses.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withNetns } from '../../testing/netns.js';
import { haveStrace } from '../../testing/strace.js';
import { compareTc } from '../../testing/tc-compare.js';

const skip = (await haveStrace()) ? undefined : 'strace is not installed: the byte comparison needs it';
const RTM_NEWTCLASS = 40;
const RTM_DELTCLASS = 41;

const verbs = ['add', 'change', 'replace'];
const lines = [
  'hfsc rt m2 1mbit', 'hfsc ls m1 2mbit d 10ms m2 1mbit', 'hfsc sc rate 1mbit ul rate 2mbit', 'hfsc rt umax 1500 dmax 10ms rate 1mbit',
  'hfsc ls umax 15000 dmax 10ms rate 100mbit', 'hfsc rt dmax 5ms rate 1mbit', 'hfsc r d 20ms m2 5mbit l m2 10mbit u m2 20mbit',
  'hfsc rt d 10ms rate 1mbit', 'hfsc rt umax 1500 rate 1mbit', 'hfsc rt m1 0 m2 0', 'hfsc rt m1 x m2 1mbit', 'hfsc rt d x m2 1mbit',
  'hfsc rt m2 x', 'hfsc rt umax x dmax 1ms rate 1', 'hfsc rt dmax x rate 1', 'hfsc rt rate x', 'hfsc rt frob 1', 'hfsc ul m2 1mbit',
  'hfsc', 'hfsc frob', 'hfsc help', 'hfsc sc m1 5gbit d 1s m2 1kbit', 'hfsc rt m 1mbit d 1ms m2 1mbit',
  'drr', 'drr quantum 1500', 'drr quantum 1k', 'drr quantum x', 'drr frob', 'drr help',
  'qfq', 'qfq weight 10 maxpkt 1500', 'qfq w 1 m 2', 'qfq weight x', 'qfq maxpkt -1', 'qfq frob', 'qfq help',
  'ets', 'ets quantum 1500', 'ets quantum 0', 'ets quantum x', 'ets quantum 1 quantum 2', 'ets frob', 'ets help',
  'prio', 'pfifo limit 5', 'frob', 'frob 1',
].flatMap((l) => verbs.map((v) => `class ${v} dev v0 parent 1: classid 1:1 ${l}`));

// Lines tc ends with exit(-1): an incomplete command.
const alone = ['hfsc rt m1 1mbit', 'hfsc rt', 'hfsc rt umax 1', 'drr quantum', 'qfq weight', 'ets quantum'].map((l) => `class add dev v0 parent 1: classid 1:1 ${l}`);

test('nlkit tc class add|change|replace of hfsc, drr, qfq and ets classes: requests, messages and statuses as tc', { skip }, async () => {
  await withNetns(async (ns) => {
    await ns.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
    const del = ['class del dev v0 classid 1:1', 'class del dev v0 parent 1: classid 1:1 hfsc', 'class del dev v0 classid 1:1 drr quantum 10'];
    assert.deepEqual(await compareTc(ns, [RTM_NEWTCLASS, RTM_DELTCLASS], [...lines, ...del], alone), []);
  }, 'tcclass');
});
