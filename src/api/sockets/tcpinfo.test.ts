import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { withNetns } from '../../testing/netns.js';
import { needsSs, run } from '../../testing/ss-compare.js';
import { SockDiag, type InetSocket } from './index.js';

// A connection to 127.0.0.1:5600 whose client writes 1000 bytes each time a line comes on stdin.
const writer = String.raw`
const net = require('node:net');
const srv = net.createServer((c) => c.on('error', () => {})).listen(5600, '127.0.0.1', () => {
  const c = net.connect(5600, '127.0.0.1', () => { process.stdout.write('ready\n'); });
  c.on('error', () => {});
  process.stdin.on('data', () => c.write('x'.repeat(1000)));
});
setTimeout(() => process.exit(0), 60000);
`;

test('tcp_info\'s newest fields (rcv_wnd, rehash, total_rto*) from the kernel, and snd_wnd as ss -ti prints it', needsSs, async () => {
  await withNetns(async (ns) => {
    const child = spawn('ip', ['netns', 'exec', ns.name, process.execPath, '-e', writer], { stdio: ['pipe', 'pipe', 'inherit'] });
    const sd = SockDiag.open({ netns: ns.name });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
        child.on('exit', (code) => reject(new Error(`writer exited (${code})`)));
      });
      const client = async () => ((await sd.sockets.list({ kinds: ['tcp'], states: ['established'], filter: 'dport = :5600', extensions: ['info'] })) as InetSocket[])[0]!;
      const before = await client();
      const t = before.tcpInfo!;
      assert.ok(t.rcvWnd > 0 && t.sndWnd > 0, `windows: rcv ${t.rcvWnd}, snd ${t.sndWnd}`);
      assert.deepEqual([t.rehash, t.totalRto, t.totalRtoRecoveries, t.totalRtoTime], [0, 0, 0, 0], 'no timeout yet');
      // ss 6.1 prints snd_wnd (not the fields after it): the same number, from its own dump.
      const ss = await run('ss', ['-N', ns.name, '-tni', 'dport = :5600']);
      assert.match(ss.stdout, new RegExp(` snd_wnd:${t.sndWnd}( |\\n|$)`), ss.stdout);

      // With lo down nothing gets through: the retransmission timer fires, and the kernel counts its timeouts.
      await ns.ip('link', 'set', 'lo', 'down');
      child.stdin!.write('w\n');
      let after = before;
      for (let i = 0; i < 100 && !(after.tcpInfo!.totalRto >= 2); i++) {
        await sleep(100);
        after = await client();
      }
      const a = after.tcpInfo!;
      assert.ok(a.totalRto >= 2, `total_rto counts timeouts (${a.totalRto})`);
      assert.ok(a.totalRtoRecoveries >= 1, `one recovery episode (${a.totalRtoRecoveries})`);
      assert.ok(a.totalRtoTime >= 0 && a.totalRetrans >= a.totalRto, `retransmissions (${a.totalRetrans}) at least the timeouts`);
      // ss shows the retransmissions it knows of (retrans:cur/total), from the same counters.
      const ss2 = await run('ss', ['-N', ns.name, '-tni', 'dport = :5600']);
      assert.match(ss2.stdout, / retrans:\d+\/\d+/, ss2.stdout);
      await ns.ip('link', 'set', 'lo', 'up');
    } finally {
      sd.close();
      child.kill();
    }
  }, 'sti');
});
