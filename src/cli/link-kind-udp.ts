/**
 * The words after `ip link add … type geneve|bareudp|amt|hsr`, read as iproute2 6.1's iplink_geneve.c,
 * iplink_bareudp.c, iplink_amt.c and iplink_hsr.c read them, with the data in the order ip sends its attributes.
 */
import { isIP } from 'node:net';
import type { LinkInput } from '../api/links.js';
import { addAttribute } from '../schema/sequence.js';
import { duparg2, fail, invarg, matches, missarg, notPrefix, type Words } from './args.js';
import { llProtoIds } from './link-kind-bridge.js';
import { ipv4Bytes, lowerDevice, unsigned } from './link-kind-tunnel.js';
import type { LinkLookup } from './link-lookup.js';
import { dsfield } from './route-words.js';

type Parser = (w: Words, create: boolean, look: LinkLookup, dev?: string) => Promise<Partial<LinkInput>>;

/** What ip's get_addr makes of a word: its family, its text, and set_address_type's class of it. */
interface Address {
  family?: 'inet' | 'inet6';
  text?: string;
  /** ADDRTYPE_INET is set: an address of a family (0.0.0.0 and :: too), not `any`/`default`. */
  inet: boolean;
  multicast: boolean;
}

/** get_addr(…, family): `default`/`any`/`all` keep the family and are no address; anything else exits 1. */
function address(word: string, family: 'inet' | 'inet6' | undefined): Address {
  if (word === 'default' || word === 'any' || word === 'all') return { family, inet: false, multicast: false };
  if (word.includes(':')) {
    if (family !== 'inet' && !word.includes('%') && isIP(word) === 6) return { family: 'inet6', text: word, inet: true, multicast: /^ff/i.test(word) };
  } else if (family !== 'inet6') {
    const b = ipv4Bytes(word);
    if (b) return { family: 'inet', text: b.join('.'), inet: true, multicast: b[0]! >> 4 === 14 };
  }
  throw notPrefix(family, word, 'address');
}

const geneveUsage = `Usage: ... geneve id VNI
		remote ADDR
		[ ttl TTL ]
		[ tos TOS ]
		[ df DF ]
		[ flowlabel LABEL ]
		[ dstport PORT ]
		[ [no]external ]
		[ [no]udpcsum ]
		[ [no]udp6zerocsumtx ]
		[ [no]udp6zerocsumrx ]
		[ innerprotoinherit ]

Where:	VNI   := 0-16777215
	ADDR  := IP_ADDRESS
	TOS   := { NUMBER | inherit }
	TTL   := { 1..255 | auto | inherit }
	DF    := { unset | set | inherit }
	LABEL := 0-1048575`;

/** geneve's on/off words, in ip's order: each pair shares one "given" bit, and the first match wins. */
const genevePairs = [
  ['external', 'collectMetadata'], ['udpcsum', 'udpCsum'], ['udp6zerocsumtx', 'udpZeroCsum6Tx'], ['udp6zerocsumrx', 'udpZeroCsum6Rx'],
] as const;

/** geneve_parse_opt: each option once (duparg2), the VNI and (for `add`) the remote required unless `external`. */
export const geneve: Parser = async (w, create) => {
  const data: Record<string, unknown> = {};
  const given = new Set<string>();
  const check = (bit: string, key: string, arg: string) => {
    if (given.has(bit)) throw duparg2(key, arg);
    given.add(bit);
  };
  let vni = 0;
  let remote: Address | undefined;
  let label = 0;
  let ttl = 0;
  let tos = 0;
  let dstport = 0;
  const on: Record<string, boolean> = {};
  for (; !w.done; w.skip()) {
    const a = w.word!;
    const pair = genevePairs.find(([k]) => matches(a, k) || matches(a, `no${k}`));
    if (matches(a, 'id') || matches(a, 'vni')) {
      const v = w.next();
      check('id', 'id', v);
      const n = unsigned(v, 0xffffffff);
      if (n === undefined || n >= 1 << 24) throw invarg('invalid id', v);
      vni = n;
    } else if (matches(a, 'remote')) {
      const v = w.next();
      check('remote', 'remote', v);
      remote = address(v, undefined);
      if (!remote.inet || remote.multicast) throw invarg('invalid remote address', v);
    } else if (matches(a, 'ttl') || matches(a, 'hoplimit')) {
      const v = w.next();
      check('ttl', 'ttl', v);
      if (v === 'inherit') data.ttlInherit = 1;
      else if (v !== 'auto') {
        const n = unsigned(v, 0xffffffff);
        if (n === undefined) throw invarg('invalid TTL', v);
        if (n > 255) throw invarg('TTL must be <= 255', v);
        ttl = n;
      }
    } else if (matches(a, 'tos') || matches(a, 'dsfield')) {
      const v = w.next();
      check('tos', 'tos', v);
      const n = v === 'inherit' ? 1 : dsfield(v);
      if (n === undefined) throw invarg('bad TOS value', v);
      tos = n;
    } else if (matches(a, 'df')) {
      const v = w.next();
      check('df', 'df', v);
      const df = ['unset', 'set', 'inherit'].indexOf(v);
      if (df < 0) throw invarg("DF must be 'unset', 'set' or 'inherit'", v);
      data.df = df;
    } else if (matches(a, 'label') || matches(a, 'flowlabel')) {
      const v = w.next();
      check('label', 'flowlabel', v);
      const n = unsigned(v, 0xffffffff);
      if (n === undefined || n > 0xfffff) throw invarg('invalid flowlabel', v);
      label = n;
    } else if (matches(a, 'dstport')) {
      const v = w.next();
      check('dstport', 'dstport', v);
      const n = unsigned(v, 0xffff);
      if (n === undefined) throw invarg('dstport', v);
      dstport = n;
    } else if (pair) {
      check(pair[0], a, a);
      on[pair[0]] = matches(a, pair[0]);
    } else if (a === 'innerprotoinherit') check(a, a, a);
    else if (matches(a, 'help')) throw fail(geneveUsage);
    else throw fail(`geneve: unknown command "${a}"?\n${geneveUsage}`);
  }
  const metadata = on.external === true;
  if (metadata && given.has('id')) throw fail("geneve: both 'external' and vni cannot be specified");
  if (!metadata && !given.has('id')) throw fail('geneve: missing virtual network identifier');
  if (!metadata && create && !remote?.inet) throw fail('geneve: remote link partner not specified');
  data.id = vni;
  if (remote?.inet) data[remote.family === 'inet6' ? 'remote6' : 'remote'] = remote.text;
  // `ip link set` sends only what was given; `add` sends the label, TTL and TOS always.
  if (create || given.has('label')) data.label = label;
  if (create || given.has('ttl')) data.ttl = ttl;
  if (create || given.has('tos')) data.tos = tos;
  if (dstport) data.port = dstport;
  if (metadata) data.collectMetadata = true;
  if (given.has('innerprotoinherit')) data.innerProtoInherit = true;
  for (const [word, key] of genevePairs.slice(1)) if (given.has(word)) data[key] = on[word] ? 1 : 0;
  return { data };
};

const bareudpUsage = `Usage: ... bareudp dstport PORT
		ethertype PROTO
		[ srcportmin PORT ]
		[ [no]multiproto ]

Where:	PORT  := UDP_PORT
	PROTO := ETHERTYPE

Note: ETHERTYPE can be given as number or as protocol name ("ipv4", "ipv6",
      "mpls_uc", etc.).`;

/** bareudp_parse_opt: each option once; dstport and ethertype are required. */
export const bareudp: Parser = async (w) => {
  const given = new Set<string>();
  const check = (bit: string, key: string, arg: string) => {
    if (given.has(bit)) throw duparg2(key, arg);
    given.add(bit);
  };
  let port = 0;
  let ethertype = 0;
  let srcportMin = 0;
  let multiproto = false;
  for (; !w.done; w.skip()) {
    const a = w.word!;
    if (matches(a, 'dstport')) {
      const v = w.next();
      check('dstport', 'dstport', v);
      const n = unsigned(v, 0xffff);
      if (n === undefined) throw invarg('dstport', v);
      port = n;
    } else if (matches(a, 'ethertype')) {
      const v = w.next();
      check('ethertype', 'ethertype', v);
      const n = Object.hasOwn(llProtoIds, v.toLowerCase()) ? llProtoIds[v.toLowerCase()] : unsigned(v, 0xffff);
      if (n === undefined) throw invarg('ethertype', v);
      ethertype = n;
    } else if (matches(a, 'srcportmin')) {
      const v = w.next();
      check('srcportmin', 'srcportmin', v);
      const n = unsigned(v, 0xffff);
      if (n === undefined) throw invarg('srcportmin', v);
      srcportMin = n;
    } else if (matches(a, 'multiproto') || matches(a, 'nomultiproto')) {
      check('multiproto', a, a);
      multiproto = matches(a, 'multiproto');
    } else if (matches(a, 'help')) throw fail(bareudpUsage);
    else throw fail(`bareudp: unknown command "${a}"?\n${bareudpUsage}`);
  }
  if (!given.has('dstport')) throw missarg('dstport');
  if (!given.has('ethertype')) throw missarg('ethertype');
  const data: Record<string, unknown> = { port, ethertype };
  if (given.has('srcportmin')) data.srcportMin = srcportMin;
  if (multiproto) data.multiprotoMode = true;
  return { data };
};

const amtUsage = `Usage: ... amt
               [ discovery IP_ADDRESS ]
               [ mode MODE ]
               [ local ADDR ]
               [ dev PHYS_DEV ]
               [ relay_port PORT ]
               [ gateway_port PORT ]
               [ max_tunnels NUMBER ]

Where: ADDR	:= { IP_ADDRESS }
       MODE	:= { gateway | relay }`;

/** amt_parse_opt: whole words only; every option is added where it comes, the addresses once each. */
export const amt: Parser = async (w, _create, look) => {
  const data: Record<string, unknown> = {};
  const seen = new Set<string>();
  // The discovery address's family binds a later `local`; `discovery` itself is read with its own (none yet).
  let discoveryFamily: 'inet' | 'inet6' | undefined;
  const port = (v: string, word: string) => {
    const n = unsigned(v, 0xffff);
    if (n === undefined) throw invarg(word, v);
    return n;
  };
  for (; !w.done; w.skip()) {
    const a = w.word!;
    if (a === 'mode') {
      const v = w.next();
      const mode = ['gateway', 'relay'].indexOf(v);
      if (mode < 0) throw fail(amtUsage);
      addAttribute(data, 'mode', mode);
    } else if (a === 'relay_port') {
      addAttribute(data, 'relayPort', port(w.next(), a));
    } else if (a === 'gateway_port') {
      addAttribute(data, 'gatewayPort', port(w.next(), a));
    } else if (a === 'max_tunnels') {
      const v = w.next();
      const n = unsigned(v, 0xffffffff);
      if (n === undefined) throw invarg(a, v);
      addAttribute(data, 'maxTunnels', n);
    } else if (a === 'dev') {
      addAttribute(data, 'link', await lowerDevice(look, w.next()));
    } else if (a === 'local' || a === 'discovery') {
      const v = w.next();
      if (seen.has(a)) throw duparg2(a, v);
      seen.add(a);
      const addr = address(v, a === 'local' ? discoveryFamily : undefined);
      if (a === 'discovery') discoveryFamily = addr.family;
      if (addr.inet) addAttribute(data, a === 'local' ? 'localIp' : 'discoveryIp', addr.text);
    } else if (a === 'help') throw fail(amtUsage);
    else throw fail(`amt: unknown command "${a}"?\n${amtUsage}`);
  }
  return { data };
};

const hsrUsage = `Usage:	ip link add name NAME type hsr slave1 SLAVE1-IF slave2 SLAVE2-IF
	[ supervision ADDR-BYTE ] [version VERSION] [proto PROTOCOL]

NAME
	name of new hsr device (e.g. hsr0)
SLAVE1-IF, SLAVE2-IF
	the two slave devices bound to the HSR device
ADDR-BYTE
	0-255; the last byte of the multicast address used for HSR supervision
	frames (default = 0)
VERSION
	0,1; the protocol version to be used. (default = 0)
PROTOCOL
	0 - HSR, 1 - PRP. (default = 0 - HSR)`;

/**
 * hsr_parse_opt: every option is added where it comes. ip's checks of the version and protocol compare get_u8's
 * status with 0 and 1, so any byte passes.
 */
export const hsr: Parser = async (w, _create, look) => {
  const data: Record<string, unknown> = {};
  const byte = (message: string) => {
    const v = w.next();
    const n = unsigned(v, 0xff);
    if (n === undefined) throw invarg(message, v);
    return n;
  };
  const slave = async () => {
    const v = w.next();
    const index = await look.ifindex(v);
    if (!index) throw invarg('No such interface', v);
    return index;
  };
  for (; !w.done; w.skip()) {
    const a = w.word!;
    let key: string;
    let value: number;
    if (matches(a, 'supervision')) [key, value] = ['multicastSpec', byte('ADDR-BYTE is invalid')];
    else if (matches(a, 'version')) [key, value] = ['version', byte('version is invalid')];
    else if (matches(a, 'proto')) [key, value] = ['protocol', byte('protocol is invalid')];
    else if (matches(a, 'slave1')) [key, value] = ['slave1', await slave()];
    else if (matches(a, 'slave2')) [key, value] = ['slave2', await slave()];
    else if (matches(a, 'help')) throw fail(hsrUsage);
    else throw fail(`hsr: what is "${a}"?\n${hsrUsage}`);
    addAttribute(data, key, value);
  }
  return { data };
};
