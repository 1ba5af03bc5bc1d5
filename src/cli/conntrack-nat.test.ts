/**
 * `nlkit conntrack` NAT against conntrack's: entries created with -I --src-nat/--dst-nat (the kernel sets the NAT
 * up and rewrites the reply tuple) by each tool in its own namespace end up the same; -L's -n/-g/-j filters, with
 * and without an address and port, list the same entries; and conntrack's option checks refuse the same lines
 * with the same words.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Conntrack } from '../api/conntrack.js';
import { SchemaError } from '../schema/codec.js';
import { has, runTool } from '../testing/tools.js';
import { withNetns } from '../testing/netns.js';

const nlkit = fileURLToPath(new URL('./nlkit.js', import.meta.url));
const skip = has('conntrack', '--version') ? undefined : "Debian's conntrack (conntrack-tools) is not installed: the NAT comparison is skipped";

const run = runTool;

/** Seconds left move between two runs. */
const steady = (s: string): string => s.replace(/^(\S+ +\d+ )\d+ /gm, '$1T ');

/** Entries with source NAT, destination NAT (with ports or not), both, none; UDP, TCP, ICMP, IPv6. */
const creates: string[][] = [
  ['-p', 'udp', '-s', '10.0.0.1', '-d', '10.0.0.2', '--sport', '5000', '--dport', '53', '-t', '3600', '--src-nat', '192.168.0.9'],
  ['-p', 'udp', '-s', '10.0.0.1', '-d', '10.0.0.2', '--sport', '5001', '--dport', '53', '-t', '3600', '--dst-nat', '10.0.0.7:99'],
  ['-p', 'udp', '-s', '10.0.0.1', '-d', '10.0.0.2', '--sport', '5002', '--dport', '53', '-t', '3600', '-g', '10.0.0.7:99', '-n', '10.0.0.8:77'],
  ['-p', 'udp', '-s', '10.0.0.1', '-d', '10.0.0.2', '--sport', '5003', '--dport', '53', '-t', '3600'],
  ['-p', 'tcp', '-s', '10.0.0.1', '-d', '10.0.0.2', '--sport', '5004', '--dport', '80', '-t', '3600', '--state', 'ESTABLISHED', '-n', '10.0.0.9:6004'],
  ['-p', 'tcp', '-s', '10.0.0.1', '-d', '10.0.0.2', '--sport', '5005', '--dport', '80', '-t', '3600', '--state', 'ESTABLISHED', '-g', '10.0.0.2:8080'],
  ['-p', 'icmp', '-s', '10.0.0.1', '-d', '10.0.0.2', '--icmp-type', '8', '--icmp-code', '0', '--icmp-id', '9', '-t', '3600', '-n', '10.0.0.9'],
  ['-p', 'udp', '-s', 'fd00::1', '-d', 'fd00::2', '--sport', '5006', '--dport', '53', '-t', '3600', '-g', '[fd00::7]:99'],
];

const filters: string[][] = [
  ['-n'], ['-g'], ['-j'], ['-n', '-g'], ['--src-nat'], ['--dst-nat', '-p', 'udp'], ['--any-nat'],
  ['-n', '192.168.0.9'], ['-n', '10.0.0.8:77'], ['-n', '10.0.0.8:78'], ['-n', '10.0.0.9'], ['-n', '10.0.0.9:6004'],
  ['-g', '10.0.0.7:99'], ['-g', '10.0.0.7:98'], ['-g', '10.0.0.2'], ['-g', '10.0.0.2:8080'], ['-j', '10.0.0.7'], ['-j', '10.0.0.8:77'],
  ['-g', '[fd00::7]:99'], ['-g', 'fd00::7'], ['-n', '-p', 'tcp', '--dport', '80'], ['-j', '-s', '10.0.0.0/24'], ['-s', '10.0.0.0/8'],
  ['-s', '10.0.0.0', '--mask-src', '255.0.0.0'], ['-d', 'fd00::/64'],
  // Ports are read with atoi: trailing junk is dropped, a word is 0, 65589 is 53.
  ['-p', 'udp', '--dport', '53abc'], ['-p', 'udp', '--dport', 'abc'], ['-p', 'udp', '--dport', '65589'],
];

/** Wrong lines, refused by conntrack's parser and option checks before anything is sent. */
const refused: string[][] = [
  ['-L', '-n', ':77'], ['-L', '-n', '10.0.0.8:'], ['-L', '-n', '10.0.0.8:x'], ['-L', '-n', '10.0.0.8:65536'], ['-L', '-n', '[::1]'], ['-L', '-n', '[]:4'],
  ['-L', '-n', '[::1'], ['-L', '-n', '10.0.0.9/24'], ['-L', '-n', '-j'], ['-L', '-g', '10.0.0.9', '-s', '::1'], ['-L', '-f', 'ipv5'],
  ['-L', '-s', '10.0.0.0/33'], ['-L', '--mask-src', '255.0.0.0'], ['-L', '-r', '1.2.3.4/4'], ['-L', '-t', '5'], ['-L', '-e', 'NEW'],
  ['-I', '-p', 'udp', '-s', '1.1.1.1', '-d', '2.2.2.2', '--sport', '1', '--dport', '2', '-t', '5', '-j'],
  ['-I', '-p', 'tcp', '-s', '1.1.1.1', '--sport', '1', '--dport', '2', '-t', '5'],
  ['-I', '-p', 'tcp', '-s', '1.1.1.1', '-d', '2.2.2.2', '--sport', '1', '--dport', '2'],
  ['-I', '-p', 'tcp', '-s', '1.1.1.1', '-d', '2.2.2.2', '--sport', '1', '-t', '5', '--state', 'NONE'],
  ['-I', '-p', 'tcp', '-s', '1.1.1.1', '-d', '2.2.2.2', '--sport', '1', '--dport', '2', '-t', '5'],
  ['-I', '-p', 'icmp', '-s', '1.1.1.1', '-d', '2.2.2.2', '--icmp-type', '8', '-t', '5'],
  ['-I', '-s', '10.0.0.0/24', '-d', '1.1.1.1', '-p', 'udp', '--sport', '1', '--dport', '2', '-t', '5'],
  ['-G', '-p', 'udp', '-s', '1.1.1.1', '-d', '2.2.2.2', '--sport', '1', '--dport', '2', '-t', '5'],
  ['-G', '-p', 'udp', '-s', '1.1.1.1', '-d', '2.2.2.2', '--sport', '1', '--dport', '2', '-n'],
  ['-D', '-p', 'tcp', '--tuple-port-src', '4'], ['-F', '-p', 'udp'], ['-C', '-s', '1.1.1.1'], ['-U', '-e', 'NEW'],
];

test('nlkit conntrack NAT: -I --src-nat/--dst-nat, -L -n/-g/-j and the option checks of conntrack', { skip, timeout: 900_000 }, async () => {
  await withNetns(async (a) => {
    await withNetns(async (b) => {
      const tool = (ns: string, args: string[]) => run('ip', ['netns', 'exec', ns, 'conntrack', ...args]);
      const ours = (ns: string, args: string[]) => run(process.execPath, [nlkit, '-n', ns, 'conntrack', ...args]);
      // The same entries made by each tool in its own namespace: the same messages, the same table.
      for (const args of creates) {
        const [x, y] = [await tool(a.name, ['-I', ...args]), await ours(b.name, ['-I', ...args])];
        assert.deepEqual(y, x, args.join(' '));
        assert.equal(x.status, 0, `${args.join(' ')}: ${x.err}`);
      }
      const [ta, tb] = [await tool(a.name, ['-L']), await tool(b.name, ['-L'])];
      // Each namespace hashes its table with its own seed: the same entries, in another order.
      const sorted = (s: string) => steady(s).split('\n').sort().join('\n');
      assert.equal(sorted(tb.out), sorted(ta.out));
      assert.match(ta.out, /sport=5000 dport=53 \[UNREPLIED\] src=10\.0\.0\.2 dst=192\.168\.0\.9 sport=53 dport=5000 /);
      assert.match(ta.out, /src=fd00::7 dst=fd00::1 sport=99 dport=5006 /);
      // The NAT filters (and -s/-d networks) list what conntrack lists, from the same table.
      let shown = 0;
      for (const args of filters) {
        const [x, y] = [await tool(a.name, ['-L', ...args]), await ours(a.name, ['-L', ...args])];
        assert.deepEqual({ ...y, out: steady(y.out) }, { ...x, out: steady(x.out) }, args.join(' '));
        shown += x.out ? 1 : 0;
      }
      assert.ok(shown > filters.length / 2, `most filters should list something, ${shown} did`);
      for (const args of refused) {
        const [x, y] = [await tool(a.name, args), await ours(a.name, args)];
        assert.deepEqual(y, x, args.join(' '));
        assert.notEqual(x.status, 0, args.join(' '));
      }
    }, 'ctnatb');
  }, 'ctnata');
});

test('Conntrack.add: a NAT address that is not one is a SchemaError naming it, before anything is sent', async () => {
  const ct = Conntrack.open();
  try {
    const original = { src: '10.0.0.1', dst: '10.0.0.2', proto: 'udp', sport: 1, dport: 2 } as const;
    await assert.rejects(ct.add({ original, timeout: 5, natSrc: { minIp: '10.0.0.x' } }), (e: unknown) => e instanceof SchemaError && /natSrc\.minIp/.test(e.message));
    await assert.rejects(ct.add({ original, timeout: 5, natDst: { minIp: '10.0.0.7', minPort: 70000 } }), (e: unknown) => e instanceof SchemaError && /natDst\.minPort/.test(e.message));
  } finally {
    ct.close();
  }
});
