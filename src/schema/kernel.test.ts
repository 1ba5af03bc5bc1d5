import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NetlinkSocket } from '../socket/socket.js';
import { withNetns } from '../testing/netns.js';
import { addressSchema, linkSchema, neighbourSchema, routeSchema } from '../families/route/index.js';
import { JIT_AFTER, Schema } from './codec.js';
import { NetlinkError } from '../wire/errors.js';
import { payloadEnd, type Message } from '../wire/index.js';

const NLM_F_REQUEST = 1;
const NLM_F_DUMP = 0x300;

function decodeAll(schema: typeof routeSchema | typeof linkSchema, name: string, messages: Message[]): Record<string, unknown>[] {
  return messages.map((m) => schema.decodeBody(name, m.buf, m.payload, payloadEnd(m), m.view));
}

test('decodes real link and route dumps, including veth, IPv6 and multipath routes', async () => {
  await withNetns(async (ns) => {
    await ns.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
    await ns.ip('link', 'set', 'v0', 'address', '02:00:00:00:00:01', 'up');
    await ns.ip('link', 'set', 'v1', 'up');
    await ns.ip('addr', 'add', '192.0.2.1/24', 'dev', 'v0');
    await ns.ip('addr', 'add', '2001:db8::1/64', 'dev', 'v0', 'nodad');
    await ns.ip('route', 'add', '198.51.100.0/24', 'nexthop', 'via', '192.0.2.2', 'dev', 'v0', 'nexthop', 'via', '192.0.2.3', 'dev', 'v0');
    await ns.ip('route', 'add', '2001:db8:1::/48', 'via', '2001:db8::2', 'dev', 'v0', 'mtu', '1400');
    const sock = NetlinkSocket.open(0, { netns: { path: ns.path } });
    try {
      const links = decodeAll(linkSchema, 'newlink', (await sock.dumpAll(linkSchema.encodeMessage('getlink', {}, { flags: NLM_F_REQUEST | NLM_F_DUMP }).bytes)).messages);
      const v0 = links.find((l) => l.ifname === 'v0');
      assert.ok(v0);
      assert.equal(v0.address, '02:00:00:00:00:01');
      assert.deepEqual((v0.linkinfo as { kind: string }).kind, 'veth');
      assert.ok((v0.flags as string[]).includes('up'));

      const req4 = routeSchema.encodeMessage('getroute', { family: 2 }, { flags: NLM_F_REQUEST | NLM_F_DUMP }).bytes;
      const routes4 = decodeAll(routeSchema, 'newroute', (await sock.dumpAll(req4)).messages);
      const mp = routes4.find((r) => r.dst === '198.51.100.0');
      assert.ok(mp);
      assert.equal(mp.dstLen, 24);
      assert.deepEqual((mp.multipath as { gateway: string }[]).map((n) => n.gateway), ['192.0.2.2', '192.0.2.3']);

      const req6 = routeSchema.encodeMessage('getroute', { family: 10 }, { flags: NLM_F_REQUEST | NLM_F_DUMP }).bytes;
      const routes6 = decodeAll(routeSchema, 'newroute', (await sock.dumpAll(req6)).messages);
      const r6 = routes6.find((r) => r.dst === '2001:db8:1::');
      assert.ok(r6);
      assert.equal(r6.gateway, '2001:db8::2');
      assert.equal((r6.metrics as { mtu: number }).mtu, 1400);
      assert.equal(r6.type, 'unicast');
    } finally {
      sock.close();
    }
  }, 'schema');
});

test("a kernel error's offending-attribute offset maps back to the attribute our encoder wrote", async () => {
  await withNetns(async (ns) => {
    const socket = NetlinkSocket.open(0, { netns: ns.name });
    try {
      // NDA_FLAGS_EXT has a policy mask in the kernel: an unknown bit fails validation, pointing at the attribute.
      const { bytes, paths } = neighbourSchema.encodeMessage('newneigh', {
        family: 2, ifindex: 1, state: ['permanent'], dst: '127.0.0.9', flagsExt: 0x40000000,
      }, { flags: 0x600 });
      await assert.rejects(socket.request(bytes, { describeOffset: paths }), (e: unknown) => {
        assert.ok(e instanceof NetlinkError);
        assert.equal(e.code, 'EINVAL');
        assert.equal(e.extack.attribute, 'flagsExt');
        assert.equal(typeof e.extack.offset, 'number');
        assert.match(e.message, /\(attribute flagsExt\)$/);
        return true;
      });
    } finally {
      socket.close();
    }
  });
});

test('generic and JIT decoders give the same objects for real links, addresses, routes and neighbours', async () => {
  await withNetns(async (ns) => {
    await ns.vethPair();
    await ns.ip('link', 'add', 'br0', 'type', 'bridge');
    await ns.ip('link', 'set', 'v1', 'master', 'br0');
    await ns.ip('link', 'add', 'vx0', 'type', 'vxlan', 'id', '42', 'dstport', '4789', 'local', '192.0.2.1');
    await ns.ip('addr', 'add', '2001:db8::1/64', 'dev', 'v0', 'nodad');
    await ns.ip('route', 'add', '198.51.100.0/24', 'nexthop', 'via', '192.0.2.2', 'dev', 'v0', 'nexthop', 'via', '192.0.2.3', 'dev', 'v0');
    await ns.ip('route', 'add', '2001:db8:1::/48', 'via', '2001:db8::2', 'dev', 'v0', 'mtu', '1400');
    await ns.ip('neigh', 'add', '192.0.2.7', 'lladdr', '02:00:00:00:00:07', 'dev', 'v0');
    const sock = NetlinkSocket.open(0, { netns: ns.name });
    try {
      for (const [schema, request, reply, value] of [
        [linkSchema, 'getlink', 'newlink', {}], [addressSchema, 'getaddr', 'newaddr', {}],
        [routeSchema, 'getroute', 'newroute', { family: 0 }], [neighbourSchema, 'getneigh', 'newneigh', {}],
      ] as const) {
        const { messages } = await sock.dumpAll(schema.encodeMessage(request, value, { flags: NLM_F_REQUEST | NLM_F_DUMP }).bytes);
        assert.ok(messages.length > 1, request);
        const jit = new Schema(schema.decl);
        for (let i = 0; i < JIT_AFTER; i++) jit.decodeBody(reply, messages[0]!.buf, messages[0]!.payload, payloadEnd(messages[0]!), messages[0]!.view);
        assert.ok(jit.message(reply).fast, 'the JIT decoder is built');
        for (const m of messages) {
          // A fresh schema decodes its first message the generic way.
          const generic = new Schema(schema.decl).decodeBody(reply, m.buf, m.payload, payloadEnd(m), m.view);
          assert.deepEqual(jit.decodeBody(reply, m.buf, m.payload, payloadEnd(m), m.view), generic, `${reply} ${JSON.stringify(generic, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`);
        }
      }
    } finally {
      sock.close();
    }
  });
});
