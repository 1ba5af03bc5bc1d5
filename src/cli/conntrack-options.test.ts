/**
 * conntrack's (1.4.7) option grammar, line by line against the tool: getopt_long's forms (--name=VALUE, a long
 * name's prefix, -sVALUE, words that are no option), command combinations, -p's words (module names in any case,
 * /etc/protocols names, numbers), the numbers conntrack reads with strtoul/atoi (no refusal), -u's words (prefixes,
 * !FLAG, UNREPLIED), protocol options before and after -p, and the checks' messages and exit codes. Only lines that
 * leave the table as it was: the namespace the test makes holds two entries made by conntrack.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { withNetns } from '../testing/netns.js';
import { has, runTool } from '../testing/tools.js';

const nlkit = fileURLToPath(new URL('./nlkit.js', import.meta.url));
/** The seconds left change between two runs: compared as T. */
const steady = (s: string): string => s.replace(/^((?:ipv[46] +\d+ )?\S+ +\d+ )\d+ /gm, '$1T ');

const lines = [
  // Commands, and a second one.
  '-L', '--dump', '--dump conntrack', '-L conn', '-L foo', '-L -L', '-L -D', '-h -L', '-L --dum', '-V', '-V -L', '-L --stats', '-C -L', '-L -E',
  // getopt_long's forms, and words that are no option.
  '-L --src=10.0.0.1', '-L -s10.0.0.1', '-L --s 10.0.0.1', '-L --sta ASSURED', '-L --zero=1', '-L --mark=5 --zon=4464', '-L -p tcp --dport=5',
  '-L -p tcp --dp 5', '-L -p udp --stat ASSURED', '-L -p6', '-L -s 10.0.0.1 extra', '-L -o extended foo', '-L --src-n', '-L --bogus', '-X',
  // Missing arguments.
  '-L -s', '-L -d', '-L -m', '-L -f', '-L -o', '-L -p', '-L -p tcp --sport', '-L -u',
  // -p's words.
  '-L -p TCP', '-L -p Udp', '-L -p 6', '-L -p 17 --sport 5', '-L -p 47', '-L -p ip', '-L -p esp', '-L -p ipv6-icmp', '-L -p IPv6-ICMP', '-L -p 255',
  '-L -p 0', '-L -p 256', '-L -p -1', '-L -p 5x', '-L -p foo', '-L -p ospf',
  // Protocol options exist only after -p loads their module.
  '-L --sport 5', '-L --srckey 5', '-L --icmp-type 8', '-L -p udp --state ESTABLISHED', '-L -p udplite --sport 5', '-L -p sctp --orig-port-src 5',
  '-L -p dccp --dport 5', '-L -p icmp --sport 5', '-L -p tcp --state established', '-L -p tcp --state LISTEN', '-L -p tcp --sport abc', '-L -p tcp --sport 70000',
  // Numbers read with strtoul and atoi: nothing is refused.
  '-L -m abc', '-L -m 5abc', '-L -m 0x5', '-L -m 1/', '-L -m 1/0xff', '-L -w abc', '-L -w 70000', '-L -w 0x1170', '-L -p icmp --icmp-type 300',
  '-L -p icmp --icmp-type abc', '-L -p icmp --icmp-id abc',
  // -u's words.
  '-L -u ASSURED', '-L -u ass', '-L -u assured', '-L -u SEEN,ASS', '-L -u S', '-L -u s', '-L -u ,ASSURED', '-L -u ASSURED,', '-L -u !',
  '-L -u !ASSURED,!SEEN', '-L -u UNREPLIED', '-L -u UNREPLIEDX', '-L -u unreplied', '-L -u CONFIRMED', '-L -u DYING', '-L -u !FOO', '-L -u UNSET',
  // Other words and checks.
  '-L -f ipv7', '-L -f ipv6', '-L -o foo', '-L -o id,ext', '-L -e NEW', '-L -t 10', '-L -z -s 10.0.0.1', '-L --mask-src 255.0.0.0', '-L -s 10.0.0.0/8',
  '-L -s 10.0.0.1/33', '-L -s 10.0.0.1 -d ::1', '-L -n -j', '-I', '-I -s 1.1.1.1', '-I -p tcp -s 1.1.1.1 -d 2.2.2.2 --sport 1 --dport 2',
  '-I -p icmp -s 1.1.1.1 -d 2.2.2.2 -t 10', '-I -p icmp -s 1.1.1.1 -d 2.2.2.2 -t 10 --icmp-type 8', '-I -p udp -s 10.0.0.1 -d 10.0.0.2 --sport 1 --dport 2 -t 10',
  '-G', '-G -p tcp', '-G -p udp -s 10.0.0.1 -d 10.0.0.2 --sport 1 --dport 2', '-G -p udp -s 10.0.0.1 -d 10.0.0.2 --sport 9 --dport 2',
  '-D -z', '-U -z', '-E -z', '-F -p tcp', '-F -s 1.1.1.1', '-C -p tcp', '-S -p tcp',
];

test('nlkit conntrack: each option line read, refused and answered as conntrack 1.4.7 does', { skip: has('conntrack', '--version') ? undefined : "Debian's conntrack (conntrack-tools) is not installed: the comparison is skipped", timeout: 900_000 }, async () => {
  await withNetns(async (ns) => {
    const tool = (args: string[]) => runTool('ip', ['netns', 'exec', ns.name, 'conntrack', ...args]);
    const ours = (args: string[]) => runTool(process.execPath, [nlkit, '-n', ns.name, 'conntrack', ...args]);
    assert.equal((await tool(['-I', '-p', 'udp', '-s', '10.0.0.1', '-d', '10.0.0.2', '--sport', '1', '--dport', '2', '-t', '3600'])).status, 0);
    assert.equal((await tool(['-I', '-p', 'udp', '-s', '10.0.0.1', '-d', '10.0.0.2', '--sport', '3', '--dport', '2', '-t', '3600', '-m', '5', '-w', '4464'])).status, 0);
    for (const line of lines) {
      const args = line.split(' ');
      const [a, b] = [await tool(args), await ours(args)];
      assert.deepEqual({ ...b, out: steady(b.out) }, { ...a, out: steady(a.out) }, line);
    }
  }, 'ctopts');
});
