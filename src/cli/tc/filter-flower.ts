/**
 * `tc filter … flower` as tc 6.1's f_flower.c reads it: TCA_OPTIONS under the flower attribute names the tc
 * declaration gives, keys in the order tc adds them (an object's key order is the wire order). A key given twice
 * is sent once, at its first place with its last value (tc sends both; the kernel keeps the last).
 */
import { parseClassid } from '../../api/tc-handle.js';
import { lladdr, notPrefix } from '../args.js';
import { llProtoIds } from '../link-kind-bridge.js';
import { parseActions, type ActionContext } from './actions.js';
import { Args, invarg, matches, tcExit, tcFail, unsigned } from './words.js';

const usage = `Usage: ... flower	[ MATCH-LIST ] [ verbose ]
			[ skip_sw | skip_hw ]
			[ action ACTION-SPEC ] [ classid CLASSID ]

Where: MATCH-LIST := [ MATCH-LIST ] MATCH
       MATCH      := {	indev DEV-NAME |
			num_of_vlans VLANS_COUNT |
			vlan_id VID |
			vlan_prio PRIORITY |
			vlan_ethtype [ ipv4 | ipv6 | ETH-TYPE ] |
			cvlan_id VID |
			cvlan_prio PRIORITY |
			cvlan_ethtype [ ipv4 | ipv6 | ETH-TYPE ] |
			pppoe_sid PSID |
			ppp_proto [ ipv4 | ipv6 | mpls_uc | mpls_mc | PPP_PROTO ]			dst_mac MASKED-LLADDR |
			src_mac MASKED-LLADDR |
			ip_proto [tcp | udp | sctp | icmp | icmpv6 | IP-PROTO ] |
			ip_tos MASKED-IP_TOS |
			ip_ttl MASKED-IP_TTL |
			mpls LSE-LIST |
			mpls_label LABEL |
			mpls_tc TC |
			mpls_bos BOS |
			mpls_ttl TTL |
			dst_ip PREFIX |
			src_ip PREFIX |
			dst_port PORT-NUMBER |
			src_port PORT-NUMBER |
			tcp_flags MASKED-TCP_FLAGS |
			type MASKED-ICMP-TYPE |
			code MASKED-ICMP-CODE |
			arp_tip IPV4-PREFIX |
			arp_sip IPV4-PREFIX |
			arp_op [ request | reply | OP ] |
			arp_tha MASKED-LLADDR |
			arp_sha MASKED-LLADDR |
			enc_dst_ip [ IPV4-ADDR | IPV6-ADDR ] |
			enc_src_ip [ IPV4-ADDR | IPV6-ADDR ] |
			enc_key_id [ KEY-ID ] |
			enc_tos MASKED-IP_TOS |
			enc_ttl MASKED-IP_TTL |
			geneve_opts MASKED-OPTIONS |
			vxlan_opts MASKED-OPTIONS |
                       erspan_opts MASKED-OPTIONS |
			gtp_opts MASKED-OPTIONS |
			ip_flags IP-FLAGS |
			enc_dst_port [ port_number ] |
			ct_state MASKED_CT_STATE |
			ct_label MASKED_CT_LABEL |
			ct_mark MASKED_CT_MARK |
			ct_zone MASKED_CT_ZONE }
	LSE-LIST := [ LSE-LIST ] LSE
	LSE := lse depth DEPTH { label LABEL | tc TC | bos BOS | ttl TTL }
	FILTERID := X:Y:Z
	MASKED_LLADDR := { LLADDR | LLADDR/MASK | LLADDR/BITS }
	MASKED_CT_STATE := combination of {+|-} and flags trk,est,new,rel,rpl,inv
	ACTION-SPEC := ... look at individual actions

NOTE:	CLASSID, IP-PROTO are parsed as hexadecimal input.
NOTE:	There can be only used one mask per one prio. If user needs
	to specify different mask, he has to use different prio.`;

// ETH_P_* (linux/if_ether.h) and IPPROTO_* the grammar tests for.
const ETH_P_IP = 0x0800;
const ETH_P_IPV6 = 0x86dd;
const ETH_P_ARP = 0x0806;
const ETH_P_RARP = 0x8035;
const ETH_P_ALL = 0x0003;
const ETH_P_8021Q = 0x8100;
const ETH_P_8021AD = 0x88a8;
const ETH_P_MPLS_UC = 0x8847;
const ETH_P_MPLS_MC = 0x8848;
const ETH_P_PPP_SES = 0x8864;
const IPPROTO = { icmp: 1, tcp: 6, udp: 17, icmpv6: 58, sctp: 132 };

/** lib/ppp_proto.c's names and the PPP_* numbers of linux/ppp_defs.h. */
const pppProtoIds: Readonly<Record<string, number>> = {
  ip: 0x21, at: 0x29, ipx: 0x2b, vjc_comp: 0x2d, vjc_uncomp: 0x2f, mp: 0x3d, ipv6: 0x57, compfrag: 0xfb, comp: 0xfd,
  mpls_uc: 0x281, mpls_mc: 0x283, ipcp: 0x8021, atcp: 0x8029, ipxcp: 0x802b, ipv6cp: 0x8057, ccpfrag: 0x80fb,
  ccp: 0x80fd, mplscp: 0x80fd, lcp: 0xc021, pap: 0xc023, lqr: 0xc025, chap: 0xc223, cbcp: 0xc029,
};

/** proto_a2n: a name of the table (any case), else get_be16 in base 0. */
const protoA2n = (table: Readonly<Record<string, number>>, word: string): number | undefined =>
  table[word.toLowerCase()] ?? unsigned(word, 0, 0xffff);

/** get_addr_ipv4: up to four parts of strtoul in base 0, the missing ones 0. */
function ipv4(word: string): number[] | undefined {
  const out = [0, 0, 0, 0];
  let rest = word;
  for (let i = 0; i < 4; i++) {
    const m = /^\s*(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9]\d*)/.exec(rest);
    if (!m) return undefined;
    const n = Number(m[1]!.length > 1 && m[1]![0] === '0' && !/^0[xX]/.test(m[1]!) ? parseInt(m[1]!, 8) : m[1]);
    if (n > 255) return undefined;
    out[i] = n;
    rest = rest.slice(m[0].length);
    if (rest === '') return out;
    if (i === 3 || rest[0] !== '.') return undefined;
    rest = rest.slice(1);
  }
  return out;
}

const ipv6 = (word: string): number[] | undefined => {
  const b = Buffer.alloc(16);
  // Node's parser via URL is loose; a strict one: at most one '::', hex groups, an optional IPv4 tail.
  const m = /^([0-9a-fA-F:]*?)(?::(\d+\.\d+\.\d+\.\d+))?$/.exec(word);
  if (!m) return undefined;
  let head = m[1]!;
  const tail = m[2] ? ipv4(m[2]) : [];
  if (!tail || (m[2] && tail.length !== 4)) return undefined;
  if (m[2]) head += ':';
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const groups = (s: string) => (s === '' ? [] : s.replace(/:$/, '').split(':'));
  const left = groups(halves[0]!);
  const right = halves.length === 2 ? groups(halves[1]!) : [];
  const n = left.length + right.length + (m[2] ? 2 : 0);
  if (left.concat(right).some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g)) || n > 8 || (halves.length === 1 && n !== 8) || (halves.length === 2 && n > 7)) return undefined;
  left.forEach((g, i) => b.writeUInt16BE(parseInt(g, 16), i * 2));
  const end = 16 - (m[2] ? 4 : 0);
  right.forEach((g, i) => b.writeUInt16BE(parseInt(g, 16), end - (right.length - i) * 2));
  if (m[2]) tail.forEach((v, i) => (b[12 + i] = v));
  return [...b];
};

const familyName = (f: 0 | 4 | 6) => (f === 4 ? 'inet' : f === 6 ? 'inet6' : undefined);

/** get_prefix of the family (0: either), as the address and mask bytes flower sends; tc exits 1 on a bad one. */
function prefix(word: string, family: 0 | 4 | 6): { v: 4 | 6; addr: number[]; mask: number[] } {
  const [text, len, ...more] = word.split('/');
  const bad = () => notPrefix(familyName(family), word);
  if (text === 'any' || text === 'all') throw tcFail(`nlkit sends no empty key: "${text}" is refused`);
  let v: 4 | 6;
  let addr: number[] | undefined;
  if (text === 'default') {
    if (family === 0 || len !== undefined) throw bad();
    v = family;
    addr = new Array<number>(family === 4 ? 4 : 16).fill(0);
  } else if (text!.includes(':')) {
    v = 6;
    addr = family === 4 ? undefined : ipv6(text!);
  } else {
    v = 4;
    addr = family === 6 ? undefined : ipv4(text!);
  }
  if (!addr || more.length) throw bad();
  let bits = text === 'default' ? 0 : v === 4 ? 32 : 128;
  if (len !== undefined) {
    let plen = unsigned(len);
    if (plen === undefined && v === 4) {
      const m = ipv4(len);
      const n = m ? ((m[0]! << 24) | (m[1]! << 16) | (m[2]! << 8) | m[3]!) >>> 0 : undefined;
      // mask2bits: a contiguous mask.
      if (n !== undefined && ((~n >>> 0) & ((~n >>> 0) + 1)) === 0) plen = 32 - Math.log2((~n >>> 0) + 1);
    }
    if (plen === undefined || plen > bits) throw bad();
    bits = plen;
  }
  const mask = addr.map((_, i) => (bits >= (i + 1) * 8 ? 0xff : bits <= i * 8 ? 0 : (0xff << (8 - (bits - i * 8))) & 0xff));
  return { v, addr, mask };
}

/** A key's value and mask: `V[/M]`, each read by `read`, the mask `full` when none is given. */
function masked(word: string, read: (w: string) => number | undefined, full: number, readMask = read): [number, number] | undefined {
  const [v, m, ...more] = word.split('/');
  if (more.length) return undefined;
  const value = read(v!);
  const mask = m === undefined ? full : readMask(m);
  return value === undefined || mask === undefined ? undefined : [value, mask];
}

/** Hex text as bytes (hex2mem of its length / 2), undefined on a non-hex digit. */
const hexBytes = (s: string): number[] | undefined => {
  const out: number[] = [];
  for (let i = 0; i + 1 < s.length; i += 2) {
    if (!/^[0-9a-fA-F]{2}$/.test(s.slice(i, i + 2))) return undefined;
    out.push(parseInt(s.slice(i, i + 2), 16));
  }
  return out;
};

/**
 * ll_addr_a2n into 6 bytes: up to six parts of sscanf %x (more are ignored). Fewer leave bytes tc never set (it
 * sends whatever its stack held), and a dotted IPv4 address fills four: both refused here.
 */
function lladdr6(text: string, ctx: ActionContext): number[] | undefined {
  if (text.includes('.')) {
    if (!ipv4(text)) ctx.err(`"${text}" is invalid lladdr.`);
    return undefined;
  }
  const parts = text.split(':').slice(0, 6);
  const bytes: number[] = [];
  for (const part of parts) {
    const b = lladdr(part)?.[0];
    if (b === undefined || !/^\s*[+-]?(0[xX])?[0-9a-fA-F]/.test(part)) {
      ctx.err(`"${part}" is invalid lladdr.`);
      return undefined;
    }
    bytes.push(b);
  }
  return bytes.length === 6 ? bytes : undefined;
}

/** ct_state's flags (TCA_FLOWER_KEY_CT_FLAGS_*), in the order tc tries them. */
const ctStates: [string, number][] = [['trk', 8], ['new', 1], ['est', 2], ['rel', 4], ['inv', 16], ['rpl', 32]];

/** The handle and TCA_OPTIONS of a flower filter, or tc's refusal. */
export async function flower(a: Args, handle: string | undefined, ctx: ActionContext, info: { protocol: number; parent: number }): Promise<{ handle?: number; options: Record<string, unknown> }> {
  let h: number | undefined;
  if (handle !== undefined) {
    h = unsigned(handle);
    if (h === undefined) throw tcFail('Illegal "handle"');
  }
  const o: Record<string, unknown> = {};
  const tcProto = info.protocol;
  let ethType = tcProto;
  let vlanEthType = 0;
  let numOfVlans = 0;
  let ipProto = 0xff;
  let flags = 0;
  let mtf = 0;
  let mtfMask = 0;
  let mplsOld = false;
  let mplsNew = false;
  const illegal = (w: string) => tcFail(`Illegal "${w}"`);
  const isVlan = (t: number, good: boolean) => t === ETH_P_8021Q || t === ETH_P_8021AD || good;
  const pair = (key: string, v: unknown, maskKey: string, m: unknown) => {
    o[key] = v;
    o[maskKey] = m;
  };
  const mplsOnly = (w: string) => {
    if (ethType !== ETH_P_MPLS_UC && ethType !== ETH_P_MPLS_MC) throw tcFail(`Can't set "${w}" if ethertype isn't MPLS`);
  };
  const mplsField = (w: string, key: string, max: number) => {
    const v = a.next();
    mplsOnly(w);
    if (mplsNew) throw tcFail(`Can't set "${w}" if "mpls" is set`);
    mplsOld = true;
    const n = unsigned(v, 10, key === 'keyMplsLabel' ? 0xffffffff : 0xff);
    if (n === undefined || n > max) throw illegal(w);
    o[key] = n;
  };
  const mac = (w: string, key: string, maskKey: string) => {
    const [addr, m] = a.next().split('/');
    const bytes = lladdr6(addr!, ctx);
    if (!bytes) throw illegal(w);
    let mask: number[] | undefined = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
    if (m !== undefined) {
      const bits = unsigned(m, 10);
      if (bits !== undefined) {
        // htonll(0xffffffffffff << (16 + 48 - bits)): a shift of 64 or more is x86's shift by its low 6 bits.
        const shift = BigInt((64 - bits) & 63);
        const v = BigInt.asUintN(64, 0xffffffffffffn << shift);
        mask = [...Array(6).keys()].map((i) => Number((v >> BigInt(56 - i * 8)) & 0xffn));
      } else {
        mask = lladdr6(m, ctx);
        if (!mask) throw illegal(w);
      }
    }
    pair(key, Uint8Array.from(bytes), maskKey, Uint8Array.from(mask));
  };
  const u8 = (w: string) => unsigned(w, 10, 0xff);
  const tosTtl = (w: string, key: string, maskKey: string) => {
    const r = masked(a.next(), (s) => u8(s) ?? unsigned(s, 16, 0xff), 0xff, (s) => unsigned(s, 16, 0xff));
    if (!r) throw illegal(w);
    pair(key, r[0], maskKey, r[1]);
  };
  const ip = (w: string, enc: boolean, src: boolean) => {
    const word = a.next();
    const family = enc ? 0 : ethType === ETH_P_IP ? 4 : ethType === ETH_P_IPV6 ? 6 : ethType === 0 ? 0 : undefined;
    if (family === undefined) throw illegal(w);
    const p = prefix(word, family);
    const base = `key${enc ? 'Enc' : ''}Ipv${p.v}${src ? 'Src' : 'Dst'}`;
    if (p.v === 4) pair(base, p.addr.join('.'), `${base}Mask`, p.mask.join('.'));
    else pair(base, Uint8Array.from(p.addr), `${base}Mask`, Uint8Array.from(p.mask));
  };
  const port = (w: string, src: boolean) => {
    const word = a.next();
    const proto = ipProto === IPPROTO.tcp ? 'Tcp' : ipProto === IPPROTO.udp ? 'Udp' : ipProto === IPPROTO.sctp ? 'Sctp' : undefined;
    const end = src ? 'Src' : 'Dst';
    const range = /^([^-]*)-(.*)$/.exec(word);
    const min = unsigned(range ? range[1]! : word, 10, 0xffff);
    const max = range ? unsigned(range[2]!, 10, 0xffff) : 0;
    if (min === undefined || max === undefined) {
      if (!word.includes('/') || range) throw illegal(w);
      const r = masked(word, (s) => unsigned(s, 0, 0xffff), 0xffff);
      if (!r || !proto) throw illegal(w);
      pair(`key${proto}${end}`, r[0], `key${proto}${end}Mask`, r[1]);
    } else if (min && max) {
      if (max <= min) {
        ctx.err('max value should be greater than min value');
        throw illegal(w);
      }
      if (!proto) throw illegal(w);
      pair(`keyPort${end}Min`, min, `keyPort${end}Max`, max);
    } else if (min && !max) {
      if (!proto) throw illegal(w);
      o[`key${proto}${end}`] = min;
    } else throw illegal(w);
  };
  const icmp = (w: string, field: 'Type' | 'Code') => {
    const word = a.next();
    const v = ethType === ETH_P_IP && ipProto === IPPROTO.icmp ? 4 : ethType === ETH_P_IPV6 && ipProto === IPPROTO.icmpv6 ? 6 : undefined;
    const r = masked(word, u8, 0xff);
    if (!v || !r) throw illegal(`icmp ${w}`);
    pair(`keyIcmpv${v}${field}`, r[0], `keyIcmpv${v}${field}Mask`, r[1]);
  };
  const arpIp = (w: string, key: string) => {
    const word = a.next();
    if (ethType !== ETH_P_ARP && ethType !== ETH_P_RARP) throw illegal(w);
    const p = prefix(word, 4);
    const n = (b: number[]) => ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
    pair(key, n(p.addr), `${key}Mask`, n(p.mask));
  };
  const vlanEth = (w: string, outer: boolean) => {
    const word = a.next();
    const current = outer ? ethType : vlanEthType;
    if (!isVlan(current, outer ? numOfVlans > 0 : numOfVlans > 1)) {
      throw tcFail(`Can't set "${w}" if ethertype isn't 802.1Q or 802.1AD and num_of_vlans ${outer ? 'is 0' : 'less than 2'}`);
    }
    const t = protoA2n(llProtoIds, word);
    if (t === undefined) throw invarg(`invalid ${w}`, word);
    o[outer ? 'keyVlanEthType' : 'keyCvlanEthType'] = t;
    if (outer) vlanEthType = t;
    ethType = t;
  };
  const vlanField = (w: string, inner: boolean, prio: boolean) => {
    const word = a.next();
    if (!isVlan(inner ? vlanEthType : tcProto, inner ? numOfVlans > 1 : numOfVlans > 0)) {
      const what = inner ? 'inner vlan ethertype' : 'ethertype';
      throw tcFail(`Can't set "${w}" if ${what} isn't 802.1Q or 802.1AD and num_of_vlans is ${inner ? 'less than 2' : '0'}`);
    }
    const v = unsigned(word, 10, prio ? 0xff : 0xffff);
    if (v === undefined || v & (prio ? ~7 : ~0xfff)) throw illegal(w);
    o[`key${inner ? 'Cvlan' : 'Vlan'}${prio ? 'Prio' : 'Id'}`] = v;
  };
  const encOpts = (w: string, kind: 'vxlan' | 'erspan' | 'gtp') => {
    const word = a.next();
    const slash = word.indexOf('/');
    const key = slash < 0 ? word : word.slice(0, slash);
    let mask: string;
    if (slash >= 0) mask = word.slice(slash + 1);
    else if (kind === 'vxlan') mask = '0xffffffff';
    else if (kind === 'gtp') mask = 'ff:ff';
    else mask = `${key.split(':')[0]}:0xffffffff:0xff:0xff`;
    const read = (s: string): Record<string, number> | undefined => {
      if (kind === 'vxlan') {
        const gbp = unsigned(s);
        return gbp === undefined ? undefined : { gbp };
      }
      const parts = s.split(':');
      const names = kind === 'gtp' ? ['pduType', 'qfi'] : ['ver', 'index', 'dir', 'hwid'];
      // erspan's parser refuses a fifth part (with geneve's message); gtp's reads two and ignores the rest.
      if (kind === 'erspan' && parts.length > names.length) {
        ctx.err('Unknown "geneve_opts" type');
        return undefined;
      }
      const r: Record<string, number> = {};
      for (const [i, p] of parts.slice(0, names.length).entries()) {
        if (p === '') continue;
        const n = unsigned(p, kind === 'gtp' ? 16 : 0, names[i] === 'index' ? 0xffffffff : 0xff);
        if (n === undefined) return undefined;
        r[names[i]!] = n;
      }
      return r;
    };
    const k = read(key);
    const m = k && read(mask);
    if (!k || !m) throw illegal(w);
    pair('keyEncOpts', { [kind]: k }, 'keyEncOptsMask', { [kind]: m });
  };
  const mpls = () => {
    const lses: Record<string, number>[] = [];
    while (!a.done && matches(a.word, 'lse')) {
      const lse: Record<string, number> = {};
      a.next();
      const fields: [string, string, number][] = [['depth', 'depth', 0xff], ['label', 'label', 0xfffff], ['tc', 'tc', 7], ['bos', 'bos', 1], ['ttl', 'ttl', 0xff]];
      for (; !a.done; a.skip()) {
        const f = fields.find(([word]) => matches(a.word, word));
        if (!f) break;
        const v = unsigned(a.next(), 10, f[0] === 'label' ? 0xffffffff : 0xff);
        if (v === undefined || v > f[2] || (f[0] === 'depth' && v < 1)) throw illegal(f[0]);
        lse[f[1]] = v;
      }
      if (!lse.depth) throw tcExit('Error: argument "depth" is required');
      lses.push(lse);
    }
    o.keyMplsOpts = { lse: lses };
  };

  for (; !a.done; a.skip()) {
    const w = a.word;
    if (matches(w, 'classid') || matches(w, 'flowid')) {
      const v = a.next();
      try {
        o.classid = parseClassid(v, 'classid');
      } catch {
        throw illegal('classid');
      }
    } else if (matches(w, 'hw_tc')) {
      const v = a.next();
      const tc = v === '' ? 0 : unsigned(v);
      if (tc === undefined) throw tcFail('Illegal TC index');
      if (tc >= 16) throw tcFail('TC index exceeds max range');
      o.classid = ((info.parent & 0xffff0000) | ((tc + 0xffe0) & 0xffff)) >>> 0;
    } else if (matches(w, 'ip_flags')) {
      for (const token of a.next().split('/').filter((t) => t !== '')) {
        const no = token.startsWith('no');
        const name = no ? token.slice(2) : token;
        const bit = name === 'frag' ? 1 : name === 'firstfrag' ? 2 : 0;
        if (!bit) throw illegal('ip_flags');
        mtf = no ? mtf & ~bit : mtf | bit;
        mtfMask |= bit;
      }
    } else if (matches(w, 'verbose')) flags |= 16;
    else if (matches(w, 'skip_hw')) flags |= 1;
    else if (matches(w, 'skip_sw')) flags |= 2;
    else if (matches(w, 'ct_state')) {
      let s = a.next();
      let value = 0;
      let mask = 0;
      while (s !== '') {
        const plus = s[0] === '+';
        const f = s[0] === '+' || s[0] === '-' ? ctStates.find(([n]) => s.startsWith(n, 1)) : undefined;
        if (!f) throw illegal('ct_state');
        if (plus) value |= f[1];
        mask |= f[1];
        s = s.slice(f[0].length + 1);
      }
      pair('keyCtState', value, 'keyCtStateMask', mask);
    } else if (matches(w, 'ct_zone')) {
      const r = masked(a.next(), (s) => unsigned(s, 0, 0xffff), 0xffff);
      if (!r) throw illegal('ct_zone');
      pair('keyCtZone', r[0], 'keyCtZoneMask', r[1]);
    } else if (matches(w, 'ct_mark')) {
      const r = masked(a.next(), (s) => unsigned(s), 0xffffffff);
      if (!r) throw illegal('ct_mark');
      pair('keyCtMark', r[0], 'keyCtMarkMask', r[1]);
    } else if (matches(w, 'ct_label')) {
      const word = a.next();
      const [v, m] = word.split('/', 2) as [string, string | undefined];
      if (v.length > 32 || (m ?? '').length > 32) throw invarg(`${v.length} Max allowed size 32`, v);
      const labels = hexBytes(v);
      if (!labels) throw invarg('labels must be a hex string\n', v);
      const lmask = m === undefined ? new Array<number>(16).fill(0xff) : hexBytes(m);
      if (!lmask) throw invarg('labels mask must be a hex string\n', m!);
      pair('keyCtLabels', Uint8Array.from(labels), 'keyCtLabelsMask', Uint8Array.from(lmask));
    } else if (matches(w, 'indev')) {
      const v = a.next();
      if (v === '' || v.length >= 16 || /[/\s]/.test(v)) throw invarg('"indev" not a valid ifname', v);
      o.indev = v;
    } else if (w === 'num_of_vlans') {
      const v = u8(a.next());
      if (v === undefined) throw illegal('num_of_vlans');
      numOfVlans = v;
      o.keyNumOfVlans = v;
    } else if (matches(w, 'vlan_id')) vlanField('vlan_id', false, false);
    else if (matches(w, 'vlan_prio')) vlanField('vlan_prio', false, true);
    else if (matches(w, 'vlan_ethtype')) vlanEth('vlan_ethtype', true);
    else if (matches(w, 'cvlan_id')) vlanField('cvlan_id', true, false);
    else if (matches(w, 'cvlan_prio')) vlanField('cvlan_prio', true, true);
    else if (matches(w, 'cvlan_ethtype')) vlanEth('cvlan_ethtype', false);
    else if (matches(w, 'mpls')) {
      a.next();
      mplsOnly('mpls');
      if (mplsOld) throw tcFail(`Can't set "mpls" if "mpls_label", "mpls_tc", "mpls_bos" or "mpls_ttl" is set`);
      mplsNew = true;
      mpls();
      a.seek(a.at - 1);
    } else if (matches(w, 'mpls_label')) mplsField('mpls_label', 'keyMplsLabel', 0xfffff);
    else if (matches(w, 'mpls_tc')) mplsField('mpls_tc', 'keyMplsTc', 7);
    else if (matches(w, 'mpls_bos')) mplsField('mpls_bos', 'keyMplsBos', 1);
    else if (matches(w, 'mpls_ttl')) mplsField('mpls_ttl', 'keyMplsTtl', 0xff);
    else if (matches(w, 'dst_mac')) mac('dst_mac', 'keyEthDst', 'keyEthDstMask');
    else if (matches(w, 'src_mac')) mac('src_mac', 'keyEthSrc', 'keyEthSrcMask');
    else if (matches(w, 'ip_proto')) {
      const v = a.next();
      let p: number | undefined;
      if (ethType !== ETH_P_IP && ethType !== ETH_P_IPV6) p = undefined;
      else if (matches(v, 'tcp')) p = IPPROTO.tcp;
      else if (matches(v, 'udp')) p = IPPROTO.udp;
      else if (matches(v, 'sctp')) p = IPPROTO.sctp;
      else if (matches(v, 'icmp')) p = ethType === ETH_P_IP ? IPPROTO.icmp : undefined;
      else if (matches(v, 'icmpv6')) p = ethType === ETH_P_IPV6 ? IPPROTO.icmpv6 : undefined;
      else {
        p = unsigned(v, 16, 0xff);
        if (p === undefined) throw illegal('ip_proto');
      }
      if (p === undefined) {
        ctx.err('Illegal "eth_type" for ip proto');
        throw illegal('ip_proto');
      }
      o.keyIpProto = p;
      ipProto = p;
    } else if (matches(w, 'ip_tos')) tosTtl('ip_tos', 'keyIpTos', 'keyIpTosMask');
    else if (matches(w, 'ip_ttl')) tosTtl('ip_ttl', 'keyIpTtl', 'keyIpTtlMask');
    else if (matches(w, 'dst_ip')) ip('dst_ip', false, false);
    else if (matches(w, 'src_ip')) ip('src_ip', false, true);
    else if (matches(w, 'dst_port')) port('dst_port', false);
    else if (matches(w, 'src_port')) port('src_port', true);
    else if (matches(w, 'tcp_flags')) {
      const r = masked(a.next(), (s) => unsigned(s, 16, 0xfff), 0xfff);
      if (!r) throw illegal('tcp_flags');
      pair('keyTcpFlags', r[0], 'keyTcpFlagsMask', r[1]);
    } else if (matches(w, 'type')) icmp('type', 'Type');
    else if (matches(w, 'code')) icmp('code', 'Code');
    else if (matches(w, 'arp_tip')) arpIp('arp_tip', 'keyArpTip');
    else if (matches(w, 'arp_sip')) arpIp('arp_sip', 'keyArpSip');
    else if (matches(w, 'arp_op')) {
      const word = a.next();
      if (ethType !== ETH_P_ARP && ethType !== ETH_P_RARP) throw illegal('arp_op');
      const r = masked(word, (s) => (s === 'request' ? 1 : s === 'reply' ? 2 : u8(s)), 0xff, u8);
      if (!r || r[0] > 2) throw illegal('arp_op');
      pair('keyArpOp', r[0], 'keyArpOpMask', r[1]);
    } else if (matches(w, 'arp_tha')) mac('arp_tha', 'keyArpTha', 'keyArpThaMask');
    else if (matches(w, 'arp_sha')) mac('arp_sha', 'keyArpSha', 'keyArpShaMask');
    else if (w === 'pppoe_sid' || w === 'ppp_proto') {
      const v = a.next();
      if (ethType !== ETH_P_PPP_SES) throw tcFail(`Can't set "${w}" if ethertype isn't PPPoE session`);
      if (w === 'pppoe_sid') {
        const sid = unsigned(v, 10, 0xffff);
        if (sid === undefined) throw illegal('pppoe_sid');
        o.keyPppoeSid = sid;
      } else {
        const p = protoA2n(pppProtoIds, v);
        if (p === undefined) throw invarg('invalid ppp_proto', v);
        const next: Record<number, number> = { 0x21: ETH_P_IP, 0x57: ETH_P_IPV6, 0x281: ETH_P_MPLS_UC, 0x283: ETH_P_MPLS_MC };
        ethType = next[p] ?? ethType;
        o.keyPppProto = p;
      }
    } else if (matches(w, 'enc_dst_ip')) ip('enc_dst_ip', true, false);
    else if (matches(w, 'enc_src_ip')) ip('enc_src_ip', true, true);
    else if (matches(w, 'enc_key_id')) {
      const v = unsigned(a.next(), 10);
      if (v === undefined) throw illegal('enc_key_id');
      o.keyEncKeyId = v;
    } else if (matches(w, 'enc_dst_port')) {
      const v = unsigned(a.next(), 10, 0xffff);
      if (v === undefined) throw illegal('enc_dst_port');
      o.keyEncUdpDstPort = v;
    } else if (matches(w, 'enc_tos')) tosTtl('enc_tos', 'keyEncIpTos', 'keyEncIpTosMask');
    else if (matches(w, 'enc_ttl')) tosTtl('enc_ttl', 'keyEncIpTtl', 'keyEncIpTtlMask');
    else if (matches(w, 'geneve_opts')) throw tcFail('flower geneve_opts is not supported by nlkit tc');
    else if (matches(w, 'vxlan_opts')) encOpts('vxlan_opts', 'vxlan');
    else if (matches(w, 'erspan_opts')) encOpts('erspan_opts', 'erspan');
    else if (w === 'gtp_opts') encOpts('gtp_opts', 'gtp');
    else if (matches(w, 'action')) {
      a.next();
      const act = await parseActions(a, ctx);
      if (!act) throw illegal('action');
      o.act = act;
      a.seek(a.at - 1);
    } else {
      throw tcFail(`${w === 'help' ? '' : `What is "${w}"?\n`}${usage}`);
    }
  }
  o.flags = flags;
  if (mtfMask) pair('keyFlags', mtf, 'keyFlagsMask', mtfMask);
  if (tcProto !== ETH_P_ALL) o.keyEthType = tcProto;
  return { handle: h, options: o };
}
