import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asNlmonPcap, hasTool, tsharkHeaders } from '../testing/capture.js';
import { loadCorpus } from '../testing/corpus.js';
import { parseMessages } from './message.js';
import { enhancedPacket, interfaceDescription, readCapture, sectionHeader, withComment, type CapturedDatagram } from './pcapng.js';
import { DecodeError } from './errors.js';

/** Real kernel replies, and a request of each protocol, as a socket of ours would record them. */
function sample(): CapturedDatagram[] {
  const out: CapturedDatagram[] = [];
  let t = 1_700_000_000_123_456_789n;
  for (const d of loadCorpus().slice(0, 120)) {
    out.push({ direction: 'received', protocol: d.protocol, peer: { portId: 0, group: 0 }, timestamp: t++, interfaceId: d.protocol === 0 ? 0 : 1, data: d.bytes });
  }
  // RTM_GETLINK dump request and CTRL_CMD_GETFAMILY dump request, as nlkit sends them.
  const getlink = Buffer.from('2000000012000103010000003930000011000000000000000000000000000000', 'hex');
  const getfamily = Buffer.from('1400000010000103020000003930000003010000', 'hex');
  out.push({ direction: 'sent', protocol: 0, peer: { portId: 0, group: 0 }, timestamp: t++, interfaceId: 0, data: getlink });
  out.push({ direction: 'sent', protocol: 16, peer: { portId: 0, group: 0 }, timestamp: t++, interfaceId: 1, data: getfamily });
  out.push({ direction: 'received', protocol: 0, peer: { portId: 0, group: 1 }, timestamp: t++, interfaceId: 0, data: loadCorpus()[0]!.bytes });
  return out;
}

function file(datagrams: CapturedDatagram[]): Buffer {
  return Buffer.concat([sectionHeader(), interfaceDescription('route'), interfaceDescription('generic'), ...datagrams.map(enhancedPacket)]);
}

test('pcapng: what is written reads back the same', () => {
  const datagrams = sample();
  const back = [...readCapture(file(datagrams))];
  assert.equal(back.length, datagrams.length);
  for (let i = 0; i < datagrams.length; i++) {
    const a = datagrams[i]!;
    const b = back[i]!;
    assert.deepEqual({ ...b, data: Buffer.from(b.data) }, { ...a, data: Buffer.from(a.data) }, `datagram ${i}`);
  }
});

test('pcapng: a comment in the section header (what the recording is of) leaves the packets as they were', { skip: hasTool('capinfos') ? false : 'capinfos (with tshark) is not installed' }, () => {
  const datagrams = sample();
  const commented = withComment(file(datagrams), 'state:\n  ip link add v0 type veth peer name v1');
  assert.deepEqual([...readCapture(commented)].map((d) => Buffer.from(d.data)), datagrams.map((d) => Buffer.from(d.data)));
  const dir = mkdtempSync(join(tmpdir(), 'nlkit-pcapng-'));
  try {
    writeFileSync(join(dir, 'c.pcapng'), commented);
    const info = execFileSync('capinfos', [join(dir, 'c.pcapng')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    assert.match(info, /ip link add v0 type veth peer name v1/);
    assert.match(info, new RegExp(`Number of packets:\\s+${datagrams.length}\\n`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('pcapng: a file cut inside a block, or not a capture at all, is a DecodeError', () => {
  const f = file(sample());
  assert.throws(() => [...readCapture(f.subarray(0, f.length - 10))], DecodeError);
  assert.throws(() => [...readCapture(Buffer.from('hello, world'))], /not a pcap or pcapng file/);
});

test('classic pcap from nlmon: the direction comes from NLM_F_REQUEST, microsecond timestamps', () => {
  const datagrams = sample();
  const back = [...readCapture(asNlmonPcap(datagrams))];
  assert.deepEqual(back.map((d) => d.direction), datagrams.map((d) => d.direction));
  assert.deepEqual(back.map((d) => d.protocol), datagrams.map((d) => d.protocol));
  assert.ok(back.every((d) => d.peer === undefined));
  assert.equal(back[0]!.timestamp, 1_700_000_000_123_456_000n);
  assert.deepEqual(Buffer.from(back[5]!.data), Buffer.from(datagrams[5]!.data));
});

test('tshark reads our pcapng and finds the same message types and lengths', { skip: hasTool('tshark') ? false : 'tshark is not installed (.ci/run installs it)' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'nlkit-pcapng-'));
  try {
    const datagrams = sample();
    for (const [name, bytes] of [['ours.pcapng', file(datagrams)], ['nlmon.pcap', asNlmonPcap(datagrams)]] as const) {
      const path = join(dir, name);
      writeFileSync(path, bytes);
      const packets = tsharkHeaders(path);
      assert.equal(packets.length, datagrams.length, name);
      packets.forEach((shown, i) => {
        const d = datagrams[i]!;
        assert.equal(shown.family, d.protocol, `${name} packet ${i + 1}: family`);
        // Every message header tshark shows, by its offset in the datagram: an ERROR's echoed request is one too.
        const want: [number, number, number][] = [];
        for (const m of parseMessages(Buffer.from(d.data))) {
          want.push([m.offset, m.length, m.type]);
          if (m.type === 2 && m.length >= 36) want.push([m.payload + 4, m.view.getUint32(m.payload + 4, true), m.view.getUint16(m.payload + 8, true)]);
        }
        assert.deepEqual(shown.headers, want, `${name} packet ${i + 1}`);
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
