/**
 * conntrack's (1.4.7) grammar beyond the common options, line by line against the tool: getopt's bundles, glued and
 * optional arguments and `--`, -h (with each protocol's help) and -V, a line with no command, the SCTP, DCCP and
 * ICMPv6 modules' options and states, -c, -i, -b, -l, --label-add/--label-del, --orig-zone/--reply-zone, -a, -A,
 * and each refusal's message and exit code. First on a table that the lines leave as it was (entries of several
 * protocols and zones made by conntrack), then lines that change it, run by conntrack in one namespace and by nlkit in
 * its twin, and -E -b's notice.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { withNetns } from '../testing/netns.js';
import { has, runTool } from '../testing/tools.js';

const nlkit = fileURLToPath(new URL('./nlkit.js', import.meta.url));
const skip = has('conntrack', '--version') ? undefined : "Debian's conntrack (conntrack-tools) is not installed: the comparison is skipped";
/** The seconds left change between two runs: compared as T. */
const steady = (s: string): string => s.replace(/^((?:ipv[46] +\d+ )?\S+ +\d+ )\d+ /gm, '$1T ');

const made = [
  '-I -p udp -s 10.0.0.1 -d 10.0.0.2 --sport 1 --dport 2 -t 3600 -m 5',
  '-I -p udp -s 10.0.0.3 -d 10.0.0.4 --sport 5 --dport 6 -t 3600 --orig-zone 7',
  '-I -p udp -s 10.0.0.3 -d 10.0.0.4 --sport 5 --dport 6 -t 3600 -r 10.0.0.4 -q 10.0.0.3 --reply-port-src 6 --reply-port-dst 5 --reply-zone 8',
  '-I -p icmpv6 -s 2001:db8::1 -d 2001:db8::2 --icmpv6-type 128 --icmpv6-code 0 --icmpv6-id 9 -t 3600',
  '-I -p sctp -s 10.0.0.5 -d 10.0.0.6 --sport 1 --dport 2 --state ESTABLISHED --orig-vtag 1 --reply-vtag 2 -t 3600',
  '-I -p dccp -s 10.0.0.7 -d 10.0.0.8 --sport 1 --dport 2 --state OPEN --role client -t 3600',
];

const lines = [
  // No command, -h and -V, and what they refuse.
  '', '-h', '--help', '-h -p tcp', '-h -p udp', '-h -p udplite', '-h -p sctp', '-h -p dccp', '-h -p icmp', '-h -p icmpv6', '-h -p gre', '-h -p 50', '-h -p ip',
  '-h -p tcp --sport 5', '-h -s 10.0.0.1', '-h expect', '-V', '-V expect', '-V foo', '-V -p tcp', '-S foo', '-s 10.0.0.1', '-p tcp', '-z',
  // getopt: bundles, glued and optional arguments, prefixes, --.
  '-zL', '-Lz', '-nL', '-Lnp tcp', '-zXy', '-L -zXy', '-- -L', '-L --', '-L -- -s 10.0.0.1', '-Lexpect', '--dump=expect', '-L --or 10.0.0.1',
  '-L --orig-s 10.0.0.1', '-L --sr 10.0.0.1', '-L -p tcp --sp 5', '-L -p tcp -p udp --sp 5', '-L -n1.2.3.4', '-L --src-nat=1.2.3.4', '-L -[ 10.0.0.1',
  '-L -s10.0.0.1 -d', '-L -pudp --orig-port-src=5', '-L -e', '-L --stats=1',
  // Tables.
  '-A expect', '-U expect', '-I dying', '-D unconfirmed', '-L expect -p gre', '-L expect -o id',
  // -c, -i, -b, -a, labels, zones.
  '-L -c 5', '-L --secmark 0', '-L -i 5', '-G -i 5', '-L -b 100', '-F -b 100', '-E -b', '-L -a 5', '-L --nat-range 5', '-L -a', '-L -l foo',
  '-L --label foo,bar', '-L -l', '-U --label-add foo', '-L --label-add foo --label-del', '-I --label-add foo', '-L -o labels', '-L --orig-zone 7',
  '-L --orig-zone 0', '-L --reply-zone 8', '-L --reply-zone 0', '-L -w 5', '-G --orig-zone 7', '-L --orig-zone', '-E -u !ASSURED', '-E -u ASSURED',
  // The SCTP, DCCP and ICMPv6 modules.
  '-L -p sctp', '-L -p sctp --state ESTABLISHED', '-L -p sctp --state CLOSED', '-L -p sctp --orig-vtag 5', '-L -p sctp --sport 1', '-L -p SCTP -o extended',
  '-I -p sctp -s 1.1.1.1 -d 2.2.2.2 --sport 1 --dport 2 -t 10', '-I -p sctp -s 1.1.1.1 -d 2.2.2.2 --sport 1 --dport 2 --state CLOSED --orig-vtag 1 -t 10',
  '-I -p sctp -s 1.1.1.1 -d 2.2.2.2 --sport 1 --state CLOSED --orig-vtag 1 --reply-vtag 2 -t 10', '-L -p dccp', '-L -p dccp --state OPEN', '-L -p dccp --state FOO',
  '-L -p dccp --role client', '-I -p dccp -s 1.1.1.1 -d 2.2.2.2 --sport 1 --dport 2 -t 10', '-I -p dccp -s 1.1.1.1 -d 2.2.2.2 --sport 1 --dport 2 --state OPEN --role x -t 10',
  '-I -p dccp -s 1.1.1.1 -d 2.2.2.2 --reply-port-src 1 --state OPEN --role c -t 10', '-L -p icmpv6', '-L -p icmpv6 --icmpv6-type 128', '-L -p icmpv6 --icmpv6-type 129',
  '-L -p icmpv6 --icmpv6-id 9', '-L -p icmpv6 --icmpv6-code 1', '-L -p icmpv6 --icmp-type 128', '-L -p ipv6-icmp --icmpv6-id 9',
  '-G -p icmpv6 -s 2001:db8::1 -d 2001:db8::2 --icmpv6-type 128 --icmpv6-code 0 --icmpv6-id 9', '-G -p icmpv6 -s 2001:db8::1 -d 2001:db8::2 --icmpv6-type 128',
  '-I -p icmpv6 -s 2001:db8::1 -d 2001:db8::2 --icmpv6-code 0 -t 10', '-L -p udp --orig-vtag 1', '-L -p gre --srckey 1 -p tcp --sport 5',
  // -A, -o save's combinations, and nothing deleted.
  '-A', '-A -p udp', '-L -o save,id', '-L -o id -o save', '-D -p tcp', '-D -i 5', '-U -p tcp -m 1',
];

test('nlkit conntrack: its grammar (getopt, -h, modules, labels, zones, ids) line by line as conntrack 1.4.7', { skip, timeout: 1_200_000 }, async () => {
  await withNetns(async (ns) => {
    const tool = (args: string[]) => runTool('ip', ['netns', 'exec', ns.name, 'conntrack', ...args]);
    const ours = (args: string[]) => runTool(process.execPath, [nlkit, '-n', ns.name, 'conntrack', ...args]);
    for (const line of made) assert.equal((await tool(line.split(' '))).status, 0, line);
    for (const line of lines) {
      const args = line === '' ? [] : line.split(' ');
      const [a, b] = [await tool(args), await ours(args)];
      assert.deepEqual({ ...b, out: steady(b.out) }, { ...a, out: steady(a.out) }, line);
    }
  }, 'ctgram');
});

const changes = [
  '-A -p udp -s 10.0.0.1 -d 10.0.0.2 --sport 1 --dport 2 -t 100', '-A -p udp -s 10.0.0.1 -d 10.0.0.2 --sport 1 --dport 2 -t 100',
  '--add -p udp -s 10.0.0.1 -d 10.0.0.2 --sport 1 --dport 2 -t 100 -m 3', '-I -p udp -s 10.0.0.3 -d 10.0.0.4 --sport 5 --dport 6 -t 100 --orig-zone 7',
  '-I -p udp -s 10.0.0.3 -d 10.0.0.4 --sport 5 --dport 6 -t 100 --orig-zone 7', '-I -p icmpv6 -s 2001:db8::1 -d 2001:db8::2 --icmpv6-type 128 --icmpv6-code 0 --icmpv6-id 9 -t 100',
  '-I -p icmpv6 -s 2001:db8::1 -d 2001:db8::2 --icmpv6-type 128 --icmpv6-code 0 --icmpv6-id 9 -t 100', '-L', '-L -p icmpv6 --icmpv6-id 9 -o extended',
  '-D --orig-zone 8', '-D --orig-zone 7', '-D -p icmpv6 --icmpv6-type 129', '-D -p icmpv6', '-D -p tcp', '-L',
];

test('nlkit conntrack: -A, zones, ICMPv6 created and deleted as conntrack does in a twin namespace', { skip, timeout: 600_000 }, async () => {
  await withNetns(async (a) => {
    await withNetns(async (b) => {
      for (const line of changes) {
        const args = line.split(' ');
        const tool = await runTool('ip', ['netns', 'exec', a.name, 'conntrack', ...args]);
        const ours = await runTool(process.execPath, [nlkit, '-n', b.name, 'conntrack', ...args]);
        // Each namespace's table hashes its entries with its own seed: -L's order is its own.
        const sorted = (out: string): string => steady(out).split('\n').sort().join('\n');
        assert.deepEqual({ ...ours, out: sorted(ours.out) }, { ...tool, out: sorted(tool.out) }, line);
      }
    }, 'ctgramb');
  }, 'ctgrama');
});

/** -E until it prints its notice (then killed: conntrack takes signals only later): that first line. */
function notice(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.includes('\n')) child.kill('SIGKILL');
    });
    const bound = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(bound);
      resolve(err.split('\n')[0]!);
    });
  });
}

test("nlkit conntrack -E -b: conntrack's notice of the buffer size it got, for sizes it reads oddly", { skip, timeout: 600_000 }, async () => {
  await withNetns(async (ns) => {
    for (const size of ['100', '0', '-1', '5000000000', '2147483647', '12abc']) {
      const tool = await notice('ip', ['netns', 'exec', ns.name, 'conntrack', '-E', '-b', size]);
      const ours = await notice(process.execPath, [nlkit, '-n', ns.name, 'conntrack', '-E', '-b', size]);
      assert.match(tool, /^NOTICE: Netlink socket buffer size has been set to \d+ bytes\.$/, `conntrack -E -b ${size} said ${tool}`);
      assert.equal(ours, tool, size);
    }
  }, 'ctgrame');
});
