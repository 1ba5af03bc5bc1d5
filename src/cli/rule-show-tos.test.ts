import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { withNetns } from '../testing/netns.js';

const main = fileURLToPath(new URL('./nlkit.js', import.meta.url));

function run(cmd: string, args: string[]): Promise<{ out: string; err: string; code: number }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 60_000 }, (e, out, err) => resolve({ out, err, code: e ? (typeof e.code === 'number' ? e.code : -1) : 0 }));
  });
}

// iproute2's testsuite (tests/ip/rule/dsfield.t) selects rules by their TOS byte; nlkit refused the words.
test('nlkit rule show tos|dsfield selects the rules ip selects, and refuses what ip refuses', { timeout: 300_000 }, async () => {
  await withNetns(async (ns) => {
    for (const f of ['-4', '-6']) {
      await ns.ip(f, 'rule', 'add', 'dsfield', '0x10', 'lookup', '100');
      await ns.ip(f, 'rule', 'add', 'tos', '0x08', 'lookup', '101');
      await ns.ip(f, 'rule', 'add', 'lookup', '102');
    }
    for (const line of ['-4 rule show dsfield 0x10', '-6 rule show tos 0x10', 'rule show tos 0x08 table 101', '-j rule show tos 0x08',
      'rule show tos 0x20', 'rule show tos zz', 'rule show dsfield']) {
      const args = ['-n', ns.name, ...line.split(' ')];
      const [ip, nl] = [await run('ip', args), await run(process.execPath, [main, ...args])];
      if (line === '-4 rule show dsfield 0x10') assert.match(ip.out, /^\d+:\tfrom all tos 0x10 lookup 100\n$/);
      assert.equal(nl.out, ip.out, line);
      assert.equal(nl.code, ip.code, line);
      assert.equal(nl.err, ip.err, line);
    }
  });
});
