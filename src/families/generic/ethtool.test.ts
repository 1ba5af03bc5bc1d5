/**
 * The generated ethtool client on a veth, checked against Debian's `ethtool` reading the same device. CI installs
 * ethtool (.ci/run); where it is missing the comparison is skipped and says so.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { YnlFamily } from '../../ynl/family.js';
import { withNetns, type TestNetns } from '../../testing/netns.js';
import { NetlinkError } from '../../wire/errors.js';
import { ethtool } from './generated/ethtool.js';

function hasEthtool(): boolean {
  try {
    execFileSync('ethtool', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const skip = hasEthtool() ? false : 'ethtool is not installed (apt-get install ethtool)';

/** `ethtool ARGS` in the namespace: its output, or its error text when it fails. */
async function run(ns: TestNetns, ...args: string[]): Promise<{ ok: boolean; text: string }> {
  try {
    return { ok: true, text: await ns.exec('ethtool', args) };
  } catch (e) {
    return { ok: false, text: String((e as { stderr?: string }).stderr ?? e) };
  }
}

/** `ethtool -k` lines: feature name → on/off and [fixed]. */
function parseFeatures(text: string): Map<string, { on: boolean; fixed: boolean }> {
  const out = new Map<string, { on: boolean; fixed: boolean }>();
  for (const m of text.matchAll(/^\s*([\w-]+): (on|off)( \[fixed\])?/gm)) out.set(m[1]!, { on: m[2] === 'on', fixed: m[3] !== undefined });
  return out;
}

/** ethtool's names for groups of features (ethtool's off_flag_def): not kernel feature names. */
const legacyNames = new Set(['rx-checksumming', 'tx-checksumming', 'scatter-gather', 'tcp-segmentation-offload',
  'udp-fragmentation-offload', 'generic-segmentation-offload', 'generic-receive-offload', 'large-receive-offload',
  'rx-vlan-offload', 'tx-vlan-offload', 'ntuple-filters', 'receive-hashing']);

type Bitset = { nomask?: true; bits?: { bit?: { name?: string; value?: true }[] } };
/** Names of the set bits of a verbose bitset: all it lists without a mask, those with a value with one. */
function setBits(b: unknown): Set<string> {
  const set = b as Bitset | undefined;
  return new Set((set?.bits?.bit ?? []).filter((x) => set?.nomask === true || x.value === true).map((x) => x.name!));
}

test('ethtool typed client on a veth agrees with ethtool -k, -g, -l, -a, -c, -S and link settings and info; a feature toggled shows in ethtool -k', { skip }, async () => {
  await withNetns(async (ns) => {
    await ns.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
    const et = await new YnlFamily(ethtool).open({ netns: ns.name });
    try {
      const header = { devName: 'v0' };
      const features = async () => {
        const [f] = await et.do('featuresGet', { header });
        return { active: setBits(f!.active), hw: setBits(f!.hw), nochange: setBits(f!.nochange) };
      };
      // Every line of ethtool -k but its legacy group headings names a kernel feature: on, and [fixed] when the
      // device cannot change it (not in hw, or in nochange).
      const compare = async () => {
        const ours = await features();
        const theirs = parseFeatures((await run(ns, '-k', 'v0')).text);
        let compared = 0;
        for (const [name, seen] of theirs) {
          if (legacyNames.has(name)) continue;
          const fixed = !ours.hw.has(name) || ours.nochange.has(name);
          assert.deepEqual({ name, on: ours.active.has(name), fixed }, { name, on: seen.on, fixed: seen.fixed });
          compared++;
        }
        return compared;
      };
      assert.ok((await compare()) >= 30, 'most of ethtool -k compared feature by feature');

      await et.do('featuresSet', { header, wanted: { bits: { bit: [{ name: 'tx-checksum-ip-generic' }] } } });
      assert.equal(parseFeatures((await run(ns, '-k', 'v0')).text).get('tx-checksum-ip-generic')?.on, false);
      assert.equal((await features()).active.has('tx-checksum-ip-generic'), false);
      await compare();

      // Channels: ethtool -l prints the maxima, then the current counts.
      const [channels] = await et.do('channelsGet', { header });
      const l = (await run(ns, '-l', 'v0')).text;
      const numbers = [...l.matchAll(/^(RX|TX):\s+(\d+)/gm)].map((m) => Number(m[2]));
      assert.deepEqual(numbers, [channels!.rxMax, channels!.txMax, channels!.rxCount, channels!.txCount]);

      // Link settings and link state, as plain `ethtool DEV` shows them.
      const [modes] = await et.do('linkmodesGet', { header });
      const [state] = await et.do('linkstateGet', { header });
      const settings = (await run(ns, 'v0')).text;
      assert.match(settings, new RegExp(`Speed: ${modes!.speed}Mb/s`));
      assert.match(settings, new RegExp(`Duplex: ${modes!.duplex === 1 ? 'Full' : 'Half'}`));
      assert.match(settings, new RegExp(`Link detected: ${state!.link ? 'yes' : 'no'}`));

      // Link info as `ethtool DEV` prints it: PORT_TP, PHYAD, XCVR_INTERNAL (linux/ethtool.h).
      const [info] = await et.do('linkinfoGet', { header });
      assert.deepEqual([info!.port, info!.phyaddr, info!.transceiver], [0, 0, 0]);
      assert.match(settings, /Port: Twisted Pair/);
      assert.match(settings, /PHYAD: 0/);
      assert.match(settings, /Transceiver: internal/);

      // The driver's statistics names (string set ETH_SS_STATS) are the names `ethtool -S` lists.
      const [sets] = await et.do('strsetGet', { header, stringsets: { stringset: [{ id: 1 }] } });
      const names = sets!.stringsets!.stringset![0]!.strings!.flatMap((s) => s.string ?? []).map((x) => x.value);
      const theirNames = [...(await run(ns, '-S', 'v0')).text.matchAll(/^\s+(\S+): \d+$/gm)].map((m) => m[1]);
      assert.deepEqual(names, theirNames);
      // Standard statistics groups: veth keeps none, and says so with an empty reply.
      const [stats] = await et.do('statsGet', { header, groups: { nomask: true, bits: { bit: [{ name: 'eth-mac' }, { name: 'rmon' }] } } });
      assert.equal(stats!.header!.devName, 'v0');

      // veth has no rings, pause or coalescing settings: both say so, nlkit with the errno's name.
      for (const [flag, op] of [['-g', 'ringsGet'], ['-a', 'pauseGet'], ['-c', 'coalesceGet']] as const) {
        const theirs = await run(ns, flag, 'v0');
        assert.deepEqual([theirs.ok, /Operation not supported/.test(theirs.text)], [false, true], flag);
        await assert.rejects(et.do(op, { header }), (e: unknown) => e instanceof NetlinkError && e.code === 'EOPNOTSUPP');
      }
    } finally {
      et.close();
    }
  });
});
