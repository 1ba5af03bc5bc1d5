/**
 * conntrack's labels against conntrack 1.4.7: connlabel.conf read as libnetfilter_conntrack reads it (hex and octal
 * bits, names with spaces, lines and names it skips, a file that names nothing or is missing), -o labels, -l, -I and
 * -U --label-add, -U --label-del (some, all), and -D's lines, which never show labels. Each tool runs in a mount
 * namespace of its own where /etc is an overlay holding the test's connlabel.conf (the machine's /etc is not
 * touched), conntrack in one network namespace and nlkit in its twin, both filled by conntrack; the kernel keeps
 * labels only once a rule uses them, so an nft `ct label set` rule is loaded in each.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { withNetns } from '../testing/netns.js';
import { has, runTool } from '../testing/tools.js';

const nlkit = fileURLToPath(new URL('./nlkit.js', import.meta.url));
const missing = [['conntrack', '--version'], ['nft', '--version'], ['unshare', '--version']].filter(([c, a]) => !has(c!, a!)).map(([c]) => c);

/**
 * Runs "$@" in a mount namespace of its own whose /etc is an overlay: $1 says what /etc/xtables/connlabel.conf is
 * (`file` with $2 as its text, `dir`, or `none`), and /etc/connlabel.conf (nft's) names bit 0. /tmp there is a
 * tmpfs of the namespace's own, which holds the overlay's layers.
 */
const OVERLAY = `set -e
mount --make-rprivate /
mount -t tmpfs none /tmp
mkdir -p /tmp/u/xtables /tmp/w
case "$1" in
  file) printf '%s' "$2" > /tmp/u/xtables/connlabel.conf ;;
  dir) mkdir /tmp/u/xtables/connlabel.conf ;;
  *) mknod /tmp/u/xtables/connlabel.conf c 0 0 ;;
esac
printf '0 foo\\n' > /tmp/u/connlabel.conf
mount -t overlay overlay -o lowerdir=/etc,upperdir=/tmp/u,workdir=/tmp/w /etc
shift 2
exec "$@"`;

type Conf = { kind: 'file'; text: string } | { kind: 'dir' | 'none' };
const inEtc = (conf: Conf, cmd: string[]) => runTool('unshare', ['-m', 'sh', '-c', OVERLAY, 'sh', conf.kind, conf.kind === 'file' ? conf.text : '', ...cmd]);

const skip = missing.length ? `${missing.join(', ')} not installed: the labels comparison is skipped` : undefined;
/** Seconds left move between runs, and each namespace lists in its own hash order. */
const steady = (s: string): string => s.replace(/^((?:ipv[46] +\d+ )?\S+ +\d+ )\d+ /gm, '$1T ').replace(/ id=\d+/g, ' id=N').split('\n').sort().join('\n');

/** bits 0, 1, 5; 0x8 (hex) and 010 (octal 8, a bit seen: skipped); a name with spaces; 200; what is skipped. */
const CONF = '0 foo\n1 bar\n5 baz\n# 6 hidden\n 7 spaced \n0x8 hex\n010 oct\n9 two words\n11 bad;name\n12 foo\n13\n200 big\n1200 huge\n3x-ray\n';

const made = [
  '-I -p udp -s 10.0.0.1 -d 10.0.0.2 --sport 1 --dport 2 -t 3600 -m 5 --label-add bar',
  '-I -p udp -s 10.0.0.3 -d 10.0.0.4 --sport 5 --dport 6 -t 3600 --label-add foo,baz,hex',
  '-I -p tcp -s 10.0.0.1 -d 10.0.0.2 --sport 10 --dport 20 -t 3600 --state ESTABLISHED -u ASSURED,SEEN_REPLY -m 3',
  '-I -p udp -s 2001:db8::1 -d 2001:db8::2 --sport 1 --dport 2 -t 3600 -m 9 --label-add baz',
].map((l) => l.split(' '));

/** Lines as argument lists (a label with a space is one argument). */
const lines: string[][] = [
  // A bit past the kernel's 128 is refused (ERANGE), by -I and by -U.
  ...['-I -p udp -s 10.0.0.7 -d 10.0.0.2 --sport 1 --dport 2 -t 3600 --label-add big', '-L -o labels', '-L -o labels,id', '-L -l foo', '-L -l bar,baz', '-L -l spaced', '-L -l hex', '-L -l oct', '-L -l big -o extended', '-L -l huge',
    '-L -l hidden', '-L -l bad;name', '-L -l 13', '-L -l foo -l baz', '-L -l x-ray', '-E -l nope', '-G -p udp -s 10.0.0.3 -d 10.0.0.4 --sport 5 --dport 6 -o labels',
    '-U -s 10.0.0.3 --label-add bar', '-U -s 10.0.0.3 --label-del foo', '-U -s 10.0.0.3 --label-del', '-U -s 10.0.0.3 --label-del',
    '-U -s 10.0.0.3 --label-add big', '-U -s 10.0.0.3 --label-add foo,hex', '-U -s 10.0.0.1 -p tcp --label-add hex', '-U -s 2001:db8::1 --label-del baz',
    '-U -s 2001:db8::1 --label-add spaced', '-U -s 10.0.0.1 -p udp --label-del baz -o labels', '-U --label-add foo -f ipv6'].map((l) => l.split(' ')),
  ['-L', '-l', 'two words'], ['-U', '-s', '10.0.0.1', '-p', 'udp', '--label-add', 'two words,bar'],
  '-I -p udp -s 10.0.0.9 -d 10.0.0.2 --sport 1 --dport 2 -t 3600 --label-add spaced,foo'.split(' '), '-D -l spaced -o labels'.split(' '),
];

test('nlkit conntrack: labels (connlabel.conf, -o labels, -l, --label-add, --label-del) as conntrack 1.4.7', { skip, timeout: 900_000 }, async () => {
  const conf: Conf = { kind: 'file', text: CONF };
  await withNetns(async (a) => {
    await withNetns(async (b) => {
      for (const ns of [a, b]) {
        await ns.exec('nft', ['add table ip t; add chain ip t c { type filter hook prerouting priority 0; }; add rule ip t c ct label set foo']).catch(async (e: Error) => {
          // nft reads its label names from /etc/connlabel.conf: given in the overlay.
          const r = await inEtc(conf, ['ip', 'netns', 'exec', ns.name, 'nft', 'add table ip t; add chain ip t c { type filter hook prerouting priority 0; }; add rule ip t c ct label set foo']);
          assert.equal(r.status, 0, `${e.message}: ${r.err}`);
        });
        for (const line of made) assert.equal((await inEtc(conf, ['ip', 'netns', 'exec', ns.name, 'conntrack', ...line])).status, 0, line.join(' '));
      }
      const table = async (ns: string) => steady((await inEtc(conf, ['ip', 'netns', 'exec', ns, 'conntrack', '-L', '-o', 'labels'])).out);
      for (const line of lines) {
        const tool = await inEtc(conf, ['ip', 'netns', 'exec', a.name, 'conntrack', ...line]);
        const ours = await inEtc(conf, [process.execPath, nlkit, '-n', b.name, 'conntrack', ...line]);
        assert.deepEqual({ ...ours, out: steady(ours.out) }, { ...tool, out: steady(tool.out) }, line.join(' '));
        assert.equal(await table(b.name), await table(a.name), `the table after ${line.join(' ')}`);
      }
    }, 'ctlabb');
  }, 'ctlaba');
});

test('nlkit conntrack: connlabel.conf missing, naming nothing, or a directory, as conntrack 1.4.7 says', { skip, timeout: 600_000 }, async () => {
  await withNetns(async (ns) => {
    assert.equal((await runTool('ip', ['netns', 'exec', ns.name, 'conntrack', ...made[0]!.slice(0, -2)])).status, 0);
    const confs: Conf[] = [{ kind: 'none' }, { kind: 'dir' }, { kind: 'file', text: '' }, { kind: 'file', text: '# 1 foo\n2000 bar\n3 a;b\n' }, { kind: 'file', text: '4 solo' }];
    const checks = ['-L -o labels', '-L -l foo', '-L -l solo -o labels', '-U -s 10.0.0.1 --label-add foo', '-U --label-del', '-E -o labels -l foo', '-I --label-add solo'];
    for (const conf of confs) {
      for (const line of checks) {
        const args = line.split(' ');
        const tool = await inEtc(conf, ['ip', 'netns', 'exec', ns.name, 'conntrack', ...args]);
        const ours = await inEtc(conf, [process.execPath, nlkit, '-n', ns.name, 'conntrack', ...args]);
        assert.deepEqual({ ...ours, out: steady(ours.out) }, { ...tool, out: steady(tool.out) }, `${conf.kind} ${conf.kind === 'file' ? JSON.stringify(conf.text) : ''}: ${line}`);
      }
    }
  }, 'ctlabm');
});
