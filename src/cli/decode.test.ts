import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { asNlmonPcap, hasTool, tsharkHeaders } from '../testing/capture.js';
import { fixturePath, loadFixtures } from '../testing/fixtures.js';
import { withNetns } from '../testing/netns.js';
import { readCapture } from '../wire/pcapng.js';
import type { DecodedMessage } from './decode.js';

const run = promisify(execFile);
const main = fileURLToPath(new URL('./nlkit.js', import.meta.url));
const nlkit = async (...args: string[]) => (await run(process.execPath, [main, ...args])).stdout;

async function withDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'nlkit-decode-'));
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('nlkit --record, then nlkit decode: links and addresses of a namespace as ip shows them, text and -j, and as nlmon would have captured them', () =>
  withDir((dir) => withNetns(async (ns) => {
    await ns.vethPair('192.0.2.1/24');
    await ns.ip('addr', 'add', '2001:db8::1/64', 'dev', 'v0', 'nodad');
    const file = join(dir, 'addr.pcapng');
    await nlkit('-n', ns.name, '--record', file, 'addr', 'show');
    const decoded = JSON.parse(await nlkit('decode', file, '-j')) as DecodedMessage[];

    const requests = decoded.filter((m) => m.direction === 'sent');
    assert.ok(requests.length > 0 && requests.every((m) => m.flags.includes('REQUEST') && m.protocol === 'route'));
    assert.ok(requests.some((m) => m.type === 'RTM_GETADDR' && m.flags.includes('DUMP')));
    // Every reply answers a request of the recording.
    const seqs = new Set(requests.map((m) => m.seq));
    assert.ok(decoded.every((m) => m.direction === 'sent' || seqs.has(m.seq)));

    const ipLinks = JSON.parse(await ns.ip('-j', 'link', 'show')) as { ifname: string; mtu: number }[];
    const links = decoded.filter((m) => m.type === 'RTM_NEWLINK').map((m) => m.value!);
    assert.deepEqual(links.map((l) => [l.ifname, l.mtu]).sort(), ipLinks.map((l) => [l.ifname, l.mtu]).sort());
    const ipAddrs = (JSON.parse(await ns.ip('-j', 'addr', 'show')) as { addr_info: { local: string; prefixlen: number }[] }[]).flatMap((l) => l.addr_info);
    const addrs = decoded.filter((m) => m.type === 'RTM_NEWADDR').map((m) => m.value!);
    assert.deepEqual(addrs.map((a) => `${String(a.address)}/${String(a.prefixlen)}`).sort(), ipAddrs.map((a) => `${a.local}/${a.prefixlen}`).sort());
    const done = decoded.filter((m) => m.type === 'NLMSG_DONE');
    assert.equal(done.length, requests.length, 'each dump ends in DONE');

    const text = await nlkit('decode', file);
    assert.match(text, /^1 \d\d:\d\d:\d\d\.\d{9} > route RTM_GET\w+ len \d+ REQUEST,DUMP seq \d+ port \d+$/m);
    assert.match(text, /^\d+ \S+ < route RTM_NEWLINK len \d+ MULTI seq \d+ port \d+\n(    .*\n)*    ifname v0$/m);
    assert.match(text, /^    address 2001:db8::1$/m);

    // The same datagrams as `tcpdump -i nlmon0 -w` writes them decode the same (to the microsecond).
    const nlmon = join(dir, 'nlmon.pcap');
    writeFileSync(nlmon, asNlmonPcap([...readCapture(readFileSync(file))]));
    const fromNlmon = JSON.parse(await nlkit('-j', 'decode', nlmon)) as DecodedMessage[];
    const strip = (m: DecodedMessage) => ({ ...m, time: String(BigInt(m.time) / 1000n) });
    assert.deepEqual(fromNlmon.map(strip), decoded.map(strip));
  })));

test('nlkit decode: generic families by the ids the capture resolved, errors with their errno, --spec over what nlkit ships', () =>
  withDir((dir) => withNetns(async (ns) => {
    await ns.vethPair();
    const file = join(dir, 'ethtool.pcapng');
    const ynl = ['ynl', '--family', 'ethtool', '--do', 'linkinfo-get', '--json', '{"header":{"devName":"v0"}}'];
    const live = await nlkit('-n', ns.name, '--record', file, ...ynl);
    // Replayed, the family id is resolved from the recorded CTRL reply and the answer is the same.
    assert.equal(await nlkit('--replay', file, ...ynl), live);
    assert.match(live, /"devName":"v0"/);
    const decoded = JSON.parse(await nlkit('decode', '-j', file)) as DecodedMessage[];
    const reply = decoded.find((m) => m.type === 'ethtool linkinfoGetReply');
    assert.ok(reply, `an ethtool reply among ${decoded.map((m) => m.type).join(', ')}`);
    assert.deepEqual((reply.value!.header as { devName: string }).devName, 'v0');
    assert.ok(decoded.some((m) => m.type === 'ethtool linkinfoGet' && m.direction === 'sent'));
    assert.ok(decoded.some((m) => m.error?.name === 'ACK' && m.error.request === 'ethtool'));
    const family = decoded.find((m) => m.type === 'nlctrl getfamilyReply')!;
    assert.ok('ops' in family.value!, 'the shipped nlctrl declaration knows CTRL_ATTR_OPS');

    // A spec given on the command line is used instead: this one knows three attributes of the controller's.
    const spec = join(dir, 'nlctrl.yaml');
    writeFileSync(spec, `name: nlctrl
doc: the controller, in part
protocol: genetlink-legacy
attribute-sets:
  - name: ctrl-attrs
    attributes:
      - { name: family-id, type: u16, value: 1 }
      - { name: family-name, type: string }
      - { name: version, type: u32 }
operations:
  enum-model: directional
  list:
    - name: getfamily
      doc: the family by name
      value: 3
      attribute-set: ctrl-attrs
      do:
        request: { value: 3, attributes: [ family-name ] }
        reply: { value: 1, attributes: [ family-id, family-name, version ] }
`);
    const withSpec = JSON.parse(await nlkit('decode', file, '--spec', spec, '-j')) as DecodedMessage[];
    const viaSpec = withSpec.find((m) => m.type === 'nlctrl getfamilyReply')!;
    assert.deepEqual(Object.keys(viaSpec.value!).sort(), ['familyId', 'familyName', 'version']);

    // A kernel error, with its name and the request it answers.
    const failed = join(dir, 'failed.pcapng');
    await assert.rejects(nlkit('-n', ns.name, '--record', failed, 'link', 'set', 'v0', 'mtu', '10'));
    const errors = (JSON.parse(await nlkit('decode', failed, '-j')) as DecodedMessage[]).filter((m) => m.error && m.error.errno !== 0);
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.error!.name, 'EINVAL');
    assert.equal(errors[0]!.error!.request, 'RTM_NEWLINK');
  })));

test('nlkit decode of a committed fixture, without root: the state its commands made, and tshark finds the same messages', async () => {
  const fixture = loadFixtures().find((f) => f.name === 'basic')!;
  const path = fixturePath(fixture.api);
  const decoded = JSON.parse(await nlkit('decode', path, '-j')) as DecodedMessage[];
  // ip route add 10.0.0.0/24 via 192.0.2.2 dev v0; ip rule add from 10.0.0.0/8 table 100 pref 1000
  const route = decoded.find((m) => m.type === 'RTM_NEWROUTE' && m.value?.dst === '10.0.0.0')!;
  assert.deepEqual([route.direction, route.value!.gateway, route.value!.dstLen], ['received', '192.0.2.2', 24]);
  assert.ok(decoded.some((m) => m.type === 'RTM_NEWRULE' && m.value?.priority === 1000 && m.value.src === '10.0.0.0'));
  assert.deepEqual(decoded.filter((m) => m.direction === 'sent').map((m) => m.type), ['RTM_GETLINK', 'RTM_GETADDR', 'RTM_GETROUTE', 'RTM_GETNEIGH', 'RTM_GETRULE', 'RTM_GETNEXTHOP']);
  if (!hasTool('tshark')) return; // the comparison below needs tshark (.ci/run installs it)
  const packets = tsharkHeaders(path);
  const byPacket = new Map<number, DecodedMessage[]>();
  for (const m of decoded) byPacket.set(m.packet, [...(byPacket.get(m.packet) ?? []), m]);
  assert.equal(packets.length, Math.max(...byPacket.keys()));
  packets.forEach((p, i) => {
    // The top-level headers only (tshark also shows the request an error echoes).
    const top: number[] = [];
    for (let at = 0, k = 0; k < p.headers.length; k++) {
      const [offset, length] = p.headers[k]!;
      if (offset !== at) continue;
      top.push(length);
      at += (length + 3) & ~3;
    }
    assert.deepEqual(top, (byPacket.get(i + 1) ?? []).map((m) => m.length), `packet ${i + 1}`);
  });
  const tsharkRoutes = packets.flatMap((p) => p.headers).filter(([, , type]) => type === 24).length;
  assert.equal(decoded.filter((m) => m.type === 'RTM_NEWROUTE').length, tsharkRoutes);
});

test('nlkit decode refuses what it cannot read, naming it', () =>
  withDir(async (dir) => {
    const junk = join(dir, 'junk.pcapng');
    writeFileSync(junk, 'not a capture');
    await assert.rejects(nlkit('decode', join(dir, 'missing.pcapng')), (e: { code: number; stderr: string }) => e.code === 1 && /cannot read ".*missing\.pcapng"/.test(e.stderr));
    await assert.rejects(nlkit('decode', junk), (e: { code: number; stderr: string }) => e.code !== 0 && /not a pcap or pcapng file/.test(e.stderr));
    await assert.rejects(nlkit('decode'), (e: { code: number; stderr: string }) => e.code === 1 && /which capture file/.test(e.stderr));
  }));
