/**
 * The plain `-L` lines made from the dump's bytes (conntrack-fast.ts) against the lines of the typed path, message
 * by message on the same table: entries of every protocol the line formats (TCP in several states, UDP, ICMP,
 * ICMPv6, GRE, SCTP, DCCP), zones of the entry and of each tuple, marks, counters (nf_conntrack_acct) and timestamps
 * (which the typed path prints). Then `nlkit conntrack -L` against `conntrack -L` on that table.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { Conntrack } from '../api/conntrack.js';
import { withNetns } from '../testing/netns.js';
import { has, runTool } from '../testing/tools.js';
import { fastLine } from './conntrack-fast.js';
import { entryLine } from './conntrack-text.js';

const nlkit = fileURLToPath(new URL('./nlkit.js', import.meta.url));
const skip = has('conntrack', '--version') ? undefined : "Debian's conntrack (conntrack-tools) is not installed: the table is not made";
/** The seconds left, and the age of an entry with a timestamp, move between two runs. */
const steady = (s: string): string => s.replace(/^(\S+ +\d+ )\d+ /gm, '$1T ').replace(/ delta-time=\d+ /g, ' delta-time=D ');

const made = [
  '-I -p tcp -s 10.0.0.1 -d 10.0.0.2 --sport 1000 --dport 80 --state ESTABLISHED -u ASSURED,SEEN_REPLY -t 300 -m 7',
  '-I -p tcp -s 10.0.0.1 -d 10.0.0.2 --sport 1001 --dport 80 --state SYN_SENT -t 300 -w 3',
  '-I -p tcp -s 10.0.0.1 -d 10.0.0.2 --sport 1002 --dport 80 --state TIME_WAIT -t 300',
  '-I -p tcp -s 2001:db8::1 -d 2001:db8::2 --sport 1003 --dport 443 --state LISTEN -t 300',
  '-I -p udp -s 10.0.0.3 -d 10.0.0.4 --sport 53 --dport 53 -t 300 --orig-zone 4',
  '-I -p udp -s 10.0.0.3 -d 10.0.0.4 --sport 54 --dport 53 -t 300 -r 10.0.0.4 -q 10.0.0.3 --reply-port-src 53 --reply-port-dst 54 --reply-zone 5',
  '-I -p icmp -s 10.0.0.5 -d 10.0.0.6 --icmp-type 8 --icmp-code 0 --icmp-id 77 -t 30',
  '-I -p icmpv6 -s ::ffff:10.0.0.5 -d 2001:db8::6 --icmpv6-type 128 --icmpv6-code 0 --icmpv6-id 78 -t 30',
  '-I -p sctp -s 10.0.0.7 -d 10.0.0.8 --sport 1 --dport 2 --state ESTABLISHED --orig-vtag 1 --reply-vtag 2 -t 300',
  '-I -p dccp -s 10.0.0.7 -d 10.0.0.8 --sport 1 --dport 2 --state OPEN --role client -t 300',
];

test('conntrack -L lines from the bytes equal the typed lines, message by message, and conntrack -L', { skip, timeout: 600_000 }, async () => {
  await withNetns(async (ns) => {
    const tool = (args: string[]) => runTool('ip', ['netns', 'exec', ns.name, 'conntrack', ...args]);
    for (const [i, line] of made.entries()) {
      // Counters from the fifth entry on, a timestamp on the last.
      if (i === 4) await ns.exec('sysctl', ['-qw', 'net.netfilter.nf_conntrack_acct=1']);
      if (i === made.length - 1) await ns.exec('sysctl', ['-qw', 'net.netfilter.nf_conntrack_timestamp=1']);
      assert.equal((await tool(line.split(' '))).status, 0, line);
    }
    const ct = Conntrack.open({ netns: ns.name });
    try {
      await ct.add({ original: { src: '10.0.0.9', dst: '10.0.0.10', proto: 'gre', srcKey: 0x1234, dstKey: 0xab }, timeout: 300, mark: 9 });
      let fast = 0;
      let typed = 0;
      for await (const chunk of ct.chunks()) {
        for (let at = chunk.start; at < chunk.end; at += (chunk.view.getUint32(at, true) + 3) & ~3) {
          const line = fastLine(chunk.buf, chunk.view, at);
          const e = ct.decodeMessage(chunk, at)!;
          if (line === undefined) typed++;
          else {
            fast++;
            assert.equal(line, entryLine(e), `${JSON.stringify(e.original)}`);
          }
        }
      }
      // SCTP's state and the timestamps (DCCP's entry and GRE's, made after they were turned on) are left to the
      // typed path; everything else is read in place.
      assert.deepEqual({ fast, typed }, { fast: made.length + 1 - 3, typed: 3 });
    } finally {
      ct.close();
    }
    const [a, b] = [await tool(['-L']), await runTool(process.execPath, [nlkit, '-n', ns.name, 'conntrack', '-L'])];
    assert.deepEqual({ ...b, out: steady(b.out) }, { ...a, out: steady(a.out) });
  }, 'ctfast');
});
