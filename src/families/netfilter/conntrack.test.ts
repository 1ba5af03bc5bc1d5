import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Schema } from '../../schema/codec.js';
import { conntrack } from './conntrack.js';
import { NFNL_MSG_BATCH_BEGIN, NFNL_MSG_BATCH_END, NFNL_SUBSYS, NFNLGRP, nfnlMessageType } from './nfnetlink.js';

const uapi = resolve(process.env.NLKIT_UAPI ?? join(fileURLToPath(new URL('../../../../', import.meta.url)), '..', 'shared', 'uapi-6.12'), 'linux', 'netfilter');
const haveUapi = existsSync(join(uapi, 'nfnetlink_conntrack.h'));

/** The enums of a uapi header: each enum's constants with their values (implicit ones counted, aliases resolved). */
function headerEnums(text: string): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  for (const m of text.matchAll(/enum\s+(\w+)\s*\{([^}]*)\}/g)) {
    const entries = new Map<string, number>();
    let next = 0;
    for (const raw of m[2]!.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^#.*$/gm, '').split(',')) {
      const item = raw.trim();
      if (!item) continue;
      const [name, value] = item.split('=').map((s) => s.trim()) as [string, string | undefined];
      const v = value === undefined ? next : /^\d+$/.test(value) ? Number(value) : entries.get(value)!;
      entries.set(name, v);
      next = v + 1;
    }
    out.set(m[1]!, entries);
  }
  return out;
}

/** The declared set's attributes against the header's enum: same numbers for the same names (C prefix dropped). */
function sameSet(set: keyof typeof conntrack.attributeSets, cEnum: Map<string, number>, prefix: string, rename: Record<string, string> = {}): void {
  const byValue = new Map<number, string>();
  for (const [name, v] of cEnum) if (!name.startsWith('__') && !name.endsWith('_UNSPEC')) byValue.set(v, byValue.get(v) ?? name);
  const attrs = conntrack.attributeSets[set].attributes;
  assert.equal(attrs.length, byValue.size, `${set}: every constant of the header is declared`);
  for (const a of attrs) {
    const c = byValue.get(a.value);
    assert.ok(c, `${set}.${a.name} = ${a.value} is in the header`);
    const expected = rename[c] ?? c.slice(prefix.length).toLowerCase().replace(/_([a-z0-9])/g, (_, x: string) => x.toUpperCase());
    assert.equal(a.name.toLowerCase(), expected.toLowerCase(), `${set}: ${c} is ${a.name}`);
  }
}

test('conntrack declaration: every attribute and message number as nfnetlink_conntrack.h of 6.12 has it', { skip: haveUapi ? undefined : `extra coverage: the 6.12 uapi headers are not at ${uapi} (../shared/uapi-6.12, or $NLKIT_UAPI)` }, () => {
  const e = headerEnums(readFileSync(join(uapi, 'nfnetlink_conntrack.h'), 'utf8'));
  sameSet('conntrack', e.get('ctattr_type')!, 'CTA_', { CTA_SEQ_ADJ_ORIG: 'seqAdjOrig', CTA_SEQ_ADJ_REPLY: 'seqAdjReply' });
  sameSet('tuple', e.get('ctattr_tuple')!, 'CTA_TUPLE_');
  sameSet('tupleIp', e.get('ctattr_ip')!, 'CTA_IP_');
  sameSet('tupleProto', e.get('ctattr_l4proto')!, 'CTA_PROTO_');
  sameSet('protoinfo', e.get('ctattr_protoinfo')!, 'CTA_PROTOINFO_');
  sameSet('protoinfoTcp', e.get('ctattr_protoinfo_tcp')!, 'CTA_PROTOINFO_TCP_');
  sameSet('protoinfoDccp', e.get('ctattr_protoinfo_dccp')!, 'CTA_PROTOINFO_DCCP_');
  sameSet('protoinfoSctp', e.get('ctattr_protoinfo_sctp')!, 'CTA_PROTOINFO_SCTP_');
  sameSet('counters', e.get('ctattr_counters')!, 'CTA_COUNTERS_', { CTA_COUNTERS32_PACKETS: 'packets32', CTA_COUNTERS32_BYTES: 'bytes32' });
  sameSet('timestamp', e.get('ctattr_tstamp')!, 'CTA_TIMESTAMP_');
  sameSet('nat', e.get('ctattr_nat')!, 'CTA_NAT_');
  sameSet('protonat', e.get('ctattr_protonat')!, 'CTA_PROTONAT_');
  sameSet('seqadj', e.get('ctattr_seqadj')!, 'CTA_SEQADJ_');
  sameSet('synproxy', e.get('ctattr_synproxy')!, 'CTA_SYNPROXY_');
  sameSet('help', e.get('ctattr_help')!, 'CTA_HELP_');
  sameSet('secctx', e.get('ctattr_secctx')!, 'CTA_SECCTX_');
  sameSet('statsCpu', e.get('ctattr_stats_cpu')!, 'CTA_STATS_');
  sameSet('statsGlobal', e.get('ctattr_stats_global')!, 'CTA_STATS_GLOBAL_');
  sameSet('expect', e.get('ctattr_expect')!, 'CTA_EXPECT_');
  sameSet('expectNat', e.get('ctattr_expect_nat')!, 'CTA_EXPECT_NAT_');
  sameSet('expectStats', e.get('ctattr_expect_stats')!, 'CTA_STATS_EXP_');
  sameSet('filter', e.get('ctattr_filter')!, 'CTA_FILTER_');
  const ct = e.get('cntl_msg_types')!;
  const m = conntrack.messages;
  assert.deepEqual(
    [m.newct, m.getct, m.delct, m.getctCtrzero, m.getctStatsCpu, m.getctStats, m.getctDying, m.getctUnconfirmed].map((x) => x.value),
    ['NEW', 'GET', 'DELETE', 'GET_CTRZERO', 'GET_STATS_CPU', 'GET_STATS', 'GET_DYING', 'GET_UNCONFIRMED'].map((n) => (1 << 8) | ct.get(`IPCTNL_MSG_CT_${n}`)!),
  );
  const ex = e.get('ctnl_exp_msg_types')!;
  assert.deepEqual([m.newexp, m.getexp, m.delexp, m.getexpStatsCpu].map((x) => x.value), ['NEW', 'GET', 'DELETE', 'GET_STATS_CPU'].map((n) => (2 << 8) | ex.get(`IPCTNL_MSG_EXP_${n}`)!));
  const nf = readFileSync(join(uapi, 'nfnetlink.h'), 'utf8');
  const define = (n: string): number => Number(new RegExp(`#define ${n}\\s+(\\d+)`).exec(nf)![1]);
  assert.equal(NFNL_SUBSYS.ctnetlink, define('NFNL_SUBSYS_CTNETLINK'));
  assert.equal(NFNL_SUBSYS.ctnetlinkExp, define('NFNL_SUBSYS_CTNETLINK_EXP'));
  assert.equal(NFNL_SUBSYS.nftables, define('NFNL_SUBSYS_NFTABLES'));
  const groups = headerEnums(nf).get('nfnetlink_groups')!;
  assert.equal(NFNLGRP.conntrackNew, groups.get('NFNLGRP_CONNTRACK_NEW'));
  assert.equal(NFNLGRP.conntrackExpDestroy, groups.get('NFNLGRP_CONNTRACK_EXP_DESTROY'));
  assert.equal(NFNLGRP.nftrace, groups.get('NFNLGRP_NFTRACE'));
});

test('nfnetlink framing: subsystem in the high byte, nfgenmsg with a big-endian resource id, batch types', () => {
  assert.equal(nfnlMessageType(NFNL_SUBSYS.ctnetlink, 1), 0x101);
  assert.equal(NFNL_MSG_BATCH_BEGIN, 0x10);
  assert.equal(NFNL_MSG_BATCH_END, 0x11);
  const s = new Schema(conntrack);
  const { bytes } = s.encodeMessage('getctStatsCpu', { family: 2, version: 0, resId: 0x0102 });
  assert.equal(bytes.readUInt16LE(4), 0x104);
  assert.deepEqual([...bytes.subarray(16, 20)], [2, 0, 0x01, 0x02]);
  // Attributes in network byte order: CTA_MARK 7 → 00 00 00 07; an IPv4 address as its four bytes.
  const m = s.encodeMessage('newct', { family: 2, mark: 7, tupleOrig: { ip: { v4Src: '10.0.0.1' } } }).bytes;
  const hex = m.subarray(20).toString('hex');
  assert.ok(hex.includes('0800080000000007'), hex);
  assert.ok(hex.includes('080001000a000001'), hex);
  const back = s.decodeBody(s.message('newct'), m, 16, m.length, new DataView(m.buffer, m.byteOffset, m.length)) as Record<string, unknown>;
  assert.equal(back.mark, 7);
  assert.deepEqual(back.tupleOrig, { ip: { v4Src: '10.0.0.1' } });
});
