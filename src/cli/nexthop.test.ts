import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { withNetns, type TestNetns } from '../testing/netns.js';

const run = promisify(execFile);
const main = fileURLToPath(new URL('./nlkit.js', import.meta.url));
const nlkit = async (ns: TestNetns, ...args: string[]) => (await run(process.execPath, [main, '-n', ns.name, ...args])).stdout;

type Failure = { code: number; stderr: string };

test('nlkit nexthop add/replace/del take ip syntax, and nexthop show prints what ip prints, text and JSON', async () => {
  await withNetns(async (ns) => {
    await ns.ip('link', 'set', 'lo', 'up');
    await ns.vethPair();
    await ns.ip('addr', 'add', '2001:db8::1/64', 'dev', 'v0', 'nodad');
    const nexthops = [
      ['id', '1', 'via', '192.0.2.2', 'dev', 'v0'],
      ['id', '2', 'via', '192.0.2.3', 'dev', 'v0', 'proto', 'static'],
      ['id', '3', 'group', '1/2,3'],
      ['id', '4', 'blackhole'],
      ['id', '5', 'dev', 'v0'],
      ['id', '6', 'via', '2001:db8::2', 'dev', 'v0'],
      ['id', '7', 'group', '1/2', 'type', 'resilient', 'buckets', '32', 'idle_timer', '10'],
      ['id', '8', 'via', '192.0.2.4', 'dev', 'v0', 'onlink'],
      ['id', '9', 'group', '6'],
      ['id', '10', 'via', '192.0.2.5', 'fdb'],
    ];
    for (const n of nexthops) await nlkit(ns, 'nexthop', 'add', ...n);
    await nlkit(ns, 'nexthop', 'replace', 'id', '4', 'blackhole', 'proto', 'static');
    await nlkit(ns, 'nexthop', 'del', 'id', '5');
    const shows = [['nexthop', 'show'], ['-6', 'nexthop'], ['-4', 'nexthop', 'list'], ['nexthop', 'show', 'id', '7'], ['nexthop', 'show', 'groups'], ['nexthop', 'show', 'dev', 'v0'],
      // The kernel reads `fdb` in the dump request and answers every nexthop anyway: ip prints them all.
      ['nexthop', 'show', 'fdb'], ['-4', 'nexthop', 'list', 'fdb'], ['nexthop', 'show', 'fdb', 'groups']];
    for (const args of shows) {
      assert.equal(await nlkit(ns, ...args), await ns.ip(...args), args.join(' '));
      assert.deepEqual(JSON.parse(await nlkit(ns, '-j', ...args)), JSON.parse(await ns.ip('-j', ...args)), `-j ${args.join(' ')}`);
    }
    assert.equal(await nlkit(ns, '-j', '-p', 'nexthop'), await ns.ip('-j', '-p', 'nexthop'));
    assert.doesNotMatch(await ns.ip('nexthop'), /^id 5 /m);
  });
});

test('nlkit nexthop: kernel errors exit 2, bad input exits 255 naming the word, as ip', async () => {
  await withNetns(async (ns) => {
    await assert.rejects(nlkit(ns, 'nexthop', 'del', 'id', '99'), (e: Failure) => e.code === 2 && e.stderr === 'RTNETLINK answers: No such file or directory\n');
    await assert.rejects(nlkit(ns, 'nexthop', 'add', 'id', '1', 'group', '1/x'), (e: Failure) => e.code === 255 && e.stderr === 'Error: argument "1" is wrong: "group" value is invalid\n\n');
    await assert.rejects(nlkit(ns, 'nexthop', 'add', 'id', '1', 'frob'), (e: Failure) => e.code === 255 && e.stderr === 'Error: argument "frob" is wrong: \n');
  });
});
