import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sockDiagFamily } from '../../families/sock_diag/index.js';
import { SchemaError } from '../../schema/codec.js';
import { NLMSG_HDRLEN } from '../../wire/message.js';
import { withNetns } from '../../testing/netns.js';
import { holdSockets } from '../../testing/sockets.js';
import { compileFilter, inetSocket, parseFilter, runFilter, SockDiag, sockDiagSchema, type InetSocket, type UnixSocket } from './index.js';
import { parseIP } from '../../schema/address-text.js';

test('the declaration has the kernel\'s struct sizes (uapi 6.12)', () => {
  const sizes: Record<string, number> = {
    inet_diag_sockid: 48, inet_diag_req_v2: 56, inet_diag_msg: 72, inet_diag_meminfo: 16, sk_meminfo: 36,
    tcpvegas_info: 16, tcp_dctcp_info: 16, tcp_bbr_info: 20, tcp_info: 248, unix_diag_req: 24, unix_diag_msg: 16,
    unix_diag_vfs: 8, unix_diag_rqlen: 8, netlink_diag_req: 20, netlink_diag_msg: 28, netlink_diag_ring: 16,
    packet_diag_req: 20, packet_diag_msg: 16, packet_diag_info: 24, packet_diag_mclist: 44, packet_diag_ring: 28,
    vsock_diag_req: 24, xdp_diag_req: 20, tipc_sock_diag_req: 8,
  };
  for (const [name, size] of Object.entries(sizes)) assert.equal(sockDiagSchema.struct(name).size, size, name);
  assert.deepEqual(Object.keys(sockDiagFamily.structs).sort(), Object.keys(sizes).concat('inet_diag_sockopt').sort());
});

test('bad input is a SchemaError naming the word, before anything is sent', () => {
  const sd = SockDiag.open();
  try {
    const cases: [unknown, RegExp][] = [
      [{ states: ['listening'] }, /states\[0\]: "listening" is not one of/],
      [{ kinds: ['tcp', 'icmp'] }, /kinds\[1\]: "icmp"/],
      [{ filter: 'sport = :ssh-nope' }, /ssh-nope": does not look like a port/],
      [{ filter: 'dst 10.0.0.300/8' }, /"10.0.0.300\/8": an inet prefix is expected/],
      [{ filter: 'sport = :22 and' }, /the filter ends too early/],
      [{ filter: '( sport = :22' }, /closing parenthesis/],
      // ss's lexer reads a stray word as an address first: one that is not is refused as such.
      [{ filter: 'bogus' }, /"bogus": an inet prefix is expected/],
      [{ filter: '1.2.3.4' }, /"1.2.3.4": syntax error/],
      [{ filter: 'sport = :22 bogus' }, /"bogus": does not look like a port/],
      [{ extensions: ['info', 'tcpinfo'] }, /extensions\[1\]/],
      [{ family: 'inet4' }, /family/],
      [{ bogus: 1 }, /bogus: unknown field/],
    ];
    for (const [query, message] of cases) {
      assert.throws(() => sd.sockets.plan(query as never), (e: unknown) => e instanceof SchemaError && message.test(e.message), JSON.stringify(query));
    }
    assert.equal(sd.socket.stats.messages, 0, "no request went out, so no answer came");
  } finally {
    sd.close();
  }
});

test('sockets.list: typed TCP, UDP, unix, netlink and packet sockets, extensions on request', async () => {
  await withNetns(async (ns) => {
    const h = await holdSockets(ns);
    const sd = SockDiag.open({ netns: ns.name });
    try {
      const tcp = (await sd.sockets.list({ kinds: ['tcp'], extensions: ['info', 'congestion', 'skmeminfo', 'meminfo', 'tos'] })) as InetSocket[];
      const listener = tcp.find((s) => s.state === 'listen' && s.sport === 5555)!;
      assert.equal(listener.src, '127.0.0.1');
      assert.equal(listener.family, 'inet');
      assert.equal(listener.dst, '0.0.0.0');
      assert.ok(listener.inode > 0 && typeof listener.cookie === 'bigint');
      const server = tcp.find((s) => s.state === 'established' && s.sport === 5555)!;
      assert.ok(server.rqueue > 0, 'what the client wrote waits on the server side');
      assert.ok(server.tcpInfo && server.tcpInfo.sndMss > 0 && server.tcpInfo.state === 1);
      assert.equal(typeof server.congestion, 'string');
      assert.ok(server.skmeminfo && server.skmeminfo.rcvbuf > 0);
      assert.ok(server.meminfo);
      const v6 = tcp.find((s) => s.family === 'inet6' && s.state === 'listen' && s.sport === 6666)!;
      assert.equal(v6.src, '::1');
      assert.ok(tcp.some((s) => s.state === 'timeWait' && s.dport === 8888), 'the TIME-WAIT socket');
      if (h.python) assert.equal(tcp.find((s) => s.sport === 9999)!.mark, 0x2a, 'SO_MARK (reported to CAP_NET_ADMIN)');

      const listening = (await sd.sockets.list({ kinds: ['tcp'], states: ['listen'], family: 'inet' })) as InetSocket[];
      assert.ok(listening.length >= 2 && listening.every((s) => s.state === 'listen' && s.family === 'inet'));

      const udp = (await sd.sockets.list({ kinds: ['udp'] })) as InetSocket[];
      assert.ok(udp.some((s) => s.sport === 5353 && s.state === 'close'));
      assert.ok(udp.some((s) => s.dport === 5353 && s.state === 'established' && s.family === 'inet6'));

      const unix = (await sd.sockets.list({ kinds: ['unix'], extensions: ['vfs', 'pending', 'uid'] })) as UnixSocket[];
      const server2 = unix.find((s) => s.path === h.path && s.state === 'listen')!;
      assert.equal(server2.type, 'stream');
      assert.ok(server2.vfs && server2.vfs.ino > 0);
      assert.ok(unix.some((s) => s.path?.startsWith('@nlkit-test-abstract')));
      const accepted = unix.find((s) => s.path === h.path && s.state === 'established')!;
      assert.ok(unix.some((s) => s.inode === accepted.peer && s.peer === accepted.inode), 'peers point at each other');
      if (h.python) {
        assert.ok(unix.some((s) => s.type === 'seqpacket'));
        assert.ok(unix.some((s) => s.type === 'dgram' && s.path === `${h.path}.dgram`));
        const packet = await sd.sockets.list({ kinds: ['packet'] });
        assert.ok(packet.some((s) => s.kind === 'packet' && s.type === 'raw' && s.protocol === 0x88b5 && s.info?.index === 1));
        const netlink = await sd.sockets.list({ kinds: ['netlink'] });
        assert.ok(netlink.some((s) => s.kind === 'netlink' && s.protocol === 0 && s.groups?.includes(1)), 'a route socket in group 1');
      }
    } finally {
      sd.close();
      await h.close();
    }
  }, 'sd');
});

test('every filter form compiles to bytecode the kernel accepts, and the kernel selects what ss would', async () => {
  await withNetns(async (ns) => {
    const h = await holdSockets(ns);
    const sd = SockDiag.open({ netns: ns.name });
    try {
      const all = (await sd.sockets.list({ kinds: ['tcp'] })) as InetSocket[];
      const forms = [
        'sport = :5555', 'dport = :5555', 'sport == :5555', 'sport eq :5555', 'src 127.0.0.1', 'dst 127.0.0.1', 'src 127.0.0.0/8',
        'dst [::1]', 'src [::1]:6666', 'dst inet6:[::1]', 'src *:7777', 'sport >= :6000', 'sport <= :6000', 'sport > :5555',
        'sport < :5555', 'sport != :5555', 'dport ge :1024', 'dport le :9000', 'dport gt :5555', 'dport lt :5555',
        'not sport = :5555', '! dport = :6666', 'sport = :5555 and dport = :0', 'sport = :5555 & dst 0.0.0.0',
        'sport = :5555 or sport = :6666', 'sport = :5555 | sport = :6666 || sport = :7777', 'sport = :5555 dport = :0',
        '( sport = :5555 or dport = :5555 ) and src 127.0.0.1', 'not ( src [::1] or dst [::1] )', 'autobound',
        'fwmark = 0x2a', 'fwmark = 0x20/0xf0', 'fwmark != 0x2a', 'src 127.0.0.1/32 or dst 127.0.0.1/32 or autobound',
      ];
      const ephemeral = [32768, 60999] as const;
      for (const form of forms) {
        const f = parseFilter(form)!;
        const bytecode = compileFilter(f);
        assert.ok(bytecode, `${form}: compiles`);
        const plan = sd.sockets.plan({ kinds: ['tcp'] });
        plan.bytecode = bytecode;
        const kernel: InetSocket[] = [];
        for (const family of [2, 10]) {
          for await (const c of sd.socket.dump(sd.sockets.inetRequest('tcp', family, plan)).chunks()) {
            for (let at = c.start; at < c.end; ) {
              const len = c.view.getUint32(at, true);
              kernel.push(inetSocket(sockDiagSchema.decodeBody('inetDiagMsg', c.buf, at + NLMSG_HDRLEN, at + len, c.view), 'tcp'));
              at += (len + 3) & ~3;
            }
          }
        }
        const here = all.filter((s) => runFilter(f, {
          family: s.family === 'inet' ? 2 : 10, local: parseIP(s.src), remote: parseIP(s.dst), lport: s.sport, rport: s.dport,
          ifindex: s.ifindex, mark: s.mark ?? 0, cgroupId: 0n,
        }, ephemeral));
        const key = (s: InetSocket) => `${s.family} ${s.src}:${s.sport} ${s.dst}:${s.dport} ${s.state}`;
        // The mark is filtered by the kernel only (it is reported with CAP_NET_ADMIN: compare where it is known).
        if (form.startsWith('fwmark') && all.every((s) => s.mark === undefined)) continue;
        // autobound: the kernel asks whether the port was bound by hand, ss then whether it is ephemeral; ss (and
        // sockets.stream) keep what passes both, so the kernel's choice must hold ss's.
        if (form.includes('autobound')) {
          const k = new Set(kernel.map(key));
          for (const s of here) if (!form.includes(' or ')) assert.ok(k.has(key(s)), `${form}: ${key(s)}`);
        } else assert.deepEqual(kernel.map(key).sort(), here.map(key).sort(), form);
      }
    } finally {
      sd.close();
      await h.close();
    }
  }, 'bc');
});
