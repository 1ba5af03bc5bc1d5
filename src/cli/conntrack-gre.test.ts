/**
 * `nlkit conntrack` on GRE entries against conntrack (1.4.7): keys printed as srckey=0x… dstkey=0x…, the GRE
 * module's options (--srckey/--dstkey, --orig-key-*, --reply-key-*, read by strtoul) on -I/-G/-U/-D/-L, and its
 * refusals, in a namespace the test makes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { withNetns } from '../testing/netns.js';
import { has, runTool } from '../testing/tools.js';

const nlkit = fileURLToPath(new URL('./nlkit.js', import.meta.url));
/** The seconds left change between two runs: compared as T. */
const steady = (s: string): string => s.replace(/^((?:ipv[46] +\d+ )?\S+ +\d+ )\d+ /gm, '$1T ');
const gre = (dst: string, ...keys: string[]): string[] => ['-p', 'gre', '-s', '10.0.0.1', '-d', dst, ...keys];

test('nlkit conntrack: GRE keys read, printed and refused as conntrack does', { skip: has('conntrack', '--version') ? undefined : "Debian's conntrack (conntrack-tools) is not installed: the comparison is skipped", timeout: 600_000 }, async (t) => {
  await withNetns(async (ns) => {
    const tool = (args: string[]) => runTool('ip', ['netns', 'exec', ns.name, 'conntrack', ...args]);
    const ours = (args: string[]) => runTool(process.execPath, [nlkit, '-n', ns.name, 'conntrack', ...args]);
    const first = await tool(['-I', ...gre('10.0.0.2', '--srckey', '5', '--dstkey', '6'), '-t', '3600']);
    // Without nf_conntrack_proto_gre the kernel keeps no keys: conntrack's line would have none to compare.
    if (first.status !== 0 || !/srckey=0x5 /.test((await tool(['-L'])).out)) return t.skip(`this kernel does not track GRE keys (${first.err.trim()}): skipped`);
    const made = await ours(['-I', ...gre('10.0.0.3', '--orig-key-src', '0x10', '--orig-key-dst', '010'), '-r', '10.0.0.3', '-q', '10.0.0.1', '--reply-key-src', '7', '--reply-key-dst', '8', '-t', '3600']);
    assert.deepEqual(made, { out: '', err: 'conntrack v1.4.7 (conntrack-tools): 1 flow entries have been created.\n', status: 0 });
    // strtoul's readings: a word without digits is 0, a negative one wraps, past 16 bits is cut.
    assert.equal((await ours(['-I', ...gre('10.0.0.4', '--srckey', 'abc', '--dstkey', '-1'), '-t', '3600'])).status, 0);
    assert.equal((await ours(['-I', ...gre('10.0.0.5', '--srckey', ' 0x1f', '--dstkey', '70000'), '-t', '3600', '-m', '3'])).status, 0);
    const cases = [
      ['-L'], ['-L', '-o', 'extended,id'], ['-L', '-p', 'gre'], ['-L', '-o', 'extended', '-d', '10.0.0.3'],
      // conntrack compares no GRE keys when it filters a dump: every GRE entry is listed.
      ['-L', '-p', 'gre', '--srckey', '9'], ['-L', '-p', 'gre', '--dstkey', '9', '--reply-key-src', '1', '--reply-key-dst', '2'],
      ['-G', ...gre('10.0.0.2', '--srckey', '5', '--dstkey', '6')], ['-G', ...gre('10.0.0.3', '--srckey', '16', '--dstkey', '8')],
      ['-G', ...gre('10.0.0.2', '--srckey', '5', '--dstkey', '7')], ['-G', ...gre('10.0.0.2')], ['-G', ...gre('10.0.0.2', '--srckey', '5')],
      ['-I', ...gre('10.0.0.2', '--srckey', '5', '--dstkey', '6'), '-t', '10'], ['-I', ...gre('10.0.0.2', '--srckey', '5'), '-t', '10'],
      ['-I', ...gre('10.0.0.2', '--reply-key-src', '5'), '-t', '10'], ['-I', ...gre('10.0.0.9', '--srckey', '5', '--dstkey', '6'), '-r', '10.0.0.9', '-q', '10.0.0.1', '-t', '10'],
      ['-I', ...gre('10.0.0.2', '--srckey', '5', '--dstkey')], ['-I', ...gre('10.0.0.2', '--srckey', '5', '--dstkey', '6', '--sport', '1'), '-t', '10'],
      ['-I', ...gre('10.0.0.2', '--srckey', '5', '--dstkey', '6', '--state', 'ESTABLISHED'), '-t', '10'],
      ['-L', '--srckey', '5'], ['-L', '-p', 'udp', '--dstkey', '5'], ['-L', '-p', 'gre', '--mask-key-src', '5'], ['-L', '-p', 'gre', '--tuple-key-dst', '5'],
      ['-I', 'expect', '-p', 'gre', '--srckey', '1'],
    ];
    for (const args of cases) {
      const [a, b] = [await tool(args), await ours(args)];
      assert.deepEqual({ ...b, out: steady(b.out) }, { ...a, out: steady(a.out) }, args.join(' '));
    }
    // -U: each tool changes the same mark (a mark already set is no change: conntrack skips the entry), set back between.
    const change = ['-U', ...gre('10.0.0.5'), '-m', '7'];
    const changed = await tool(change);
    assert.equal((await tool(['-U', ...gre('10.0.0.5'), '-m', '3'])).status, 0);
    const ourChange = await ours(change);
    assert.deepEqual({ ...ourChange, out: steady(ourChange.out) }, { ...changed, out: steady(changed.out) }, change.join(' '));
    assert.match(changed.out, /mark=7/);
    const [marked, ourMarked] = [await tool(['-L', '-m', '7']), await ours(['-L', '-m', '7'])];
    assert.deepEqual({ ...ourMarked, out: steady(ourMarked.out) }, { ...marked, out: steady(marked.out) });
    // -D (which ignores the key, as -L does): each tool deletes the same entry, made again in between.
    const remake = ['-I', ...gre('10.0.0.4', '--srckey', '0', '--dstkey', '0xffff'), '-t', '3600'];
    const del = ['-D', '-p', 'gre', '-d', '10.0.0.4', '--srckey', '1'];
    const theirs = await tool(del);
    assert.equal((await tool(remake)).status, 0);
    const mine = await ours(del);
    assert.deepEqual({ ...mine, out: steady(mine.out) }, { ...theirs, out: steady(theirs.out) }, del.join(' '));
    assert.match(theirs.out, /srckey=0x0 dstkey=0xffff/);
    const json = (await ours(['-L', '-d', '10.0.0.3', '-o', 'json'])).out.trim();
    const e = JSON.parse(json) as { original: object; reply: object };
    assert.deepEqual([e.original, e.reply], [{ src: '10.0.0.1', dst: '10.0.0.3', proto: 'gre', srcKey: 0x10, dstKey: 8 }, { src: '10.0.0.3', dst: '10.0.0.1', proto: 'gre', srcKey: 7, dstKey: 8 }]);
  }, 'ctgrecli');
});
