import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inetSocket, SockDiag, sockDiagSchema, type InetKind, type SocketExtension } from '../../api/sockets/index.js';
import { withNetns } from '../../testing/netns.js';
import { holdSockets } from '../../testing/sockets.js';
import { parseSsArgs } from './args.js';
import { Formatter, type Lookup } from './format.js';
import { InetReader } from './inet-bytes.js';
import { socketOwners } from './owners.js';

const extensions: SocketExtension[] = ['info', 'congestion', 'meminfo', 'skmeminfo', 'tos'];

/**
 * The text after the addresses, read in place from the dump's bytes (nlkit ss's fast path) and from the typed
 * socket the schema decodes from the same bytes: equal for every socket and every option that adds to it.
 */
test('ss text from the inet_diag_msg bytes equals the typed path\'s, socket by socket', { timeout: 120_000 }, async () => {
  await withNetns(async (ns) => {
    const h = await holdSockets(ns);
    const sd = SockDiag.open({ netns: ns.name });
    try {
      const owners = socketOwners('/proc');
      const lookup: Lookup = {
        service: () => undefined, protocol: () => undefined, ifname: () => undefined, host: () => undefined,
        owners, ephemeral: [32768, 60999], cgroup: (id) => `cg${id}`,
      };
      const optionSets = [['-tani'], ['-tane'], ['-tano'], ['-tanm'], ['-tanp'], ['-tan', '--tos'], ['-tan', '--cgroup'], ['-tanpiemo'], ['-tanieO'], ['-uanpiem']];
      let compared = 0, withInfo = 0, inPlace = 0;
      for (const kind of ['tcp', 'udp'] as InetKind[]) {
        for (const family of ['inet', 'inet6'] as const) {
          const chunks = [];
          for await (const c of sd.sockets.inetChunks(kind, family, { extensions })) chunks.push(c);
          for (const args of optionSets) {
            const o = parseSsArgs(args);
            const fmt = new Formatter(o, lookup);
            const reader = new InetReader(o.details > 0 || o.cgroup);
            let own: unknown;
            for (const c of chunks) {
              for (let at = c.start; at < c.end; ) {
                const len = c.view.getUint32(at, true);
                const typed = inetSocket(sockDiagSchema.decodeBody('inetDiagMsg', c.buf, at + 16, at + len, c.view), kind);
                const fast = reader.read(c, at, kind);
                assert.equal(fmt.inetExtra(fast), fmt.inetExtra(typed), `${args.join(' ')}: ${kind} ${typed.src}:${typed.sport} ${typed.dst}:${typed.dport}`);
                compared++;
                if (typed.tcpInfo) withInfo++;
                // The reader's own object each time: no socket here took the typed path (none has a ULP).
                own ??= fast;
                if (fast === own) inPlace++;
                at += (len + 3) & ~3;
              }
            }
          }
        }
      }
      assert.ok(withInfo > 0 && compared > withInfo, `compared ${compared} sockets' text, ${withInfo} with tcp_info`);
      assert.equal(inPlace, compared, 'every socket read in place');
      assert.ok(owners.size > 0, 'the holder owns sockets');
    } finally {
      sd.close();
      await h.close();
    }
  }, 'ssb');
});
