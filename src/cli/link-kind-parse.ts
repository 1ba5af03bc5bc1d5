/**
 * The words after `ip link add … type KIND`, read as iproute2 6.1's link_util parsers read them: vxlan, vlan, vrf,
 * macvlan/macvtap, ipvlan/ipvtap, the IP tunnels (link-kind-tunnel.ts), geneve, bareudp, amt and hsr
 * (link-kind-udp.ts), macsec (link-kind-macsec.ts), batadv, dsa, gtp, ipoib, rmnet, wwan (link-kind-small.ts), bridge and bond (link-kind-bridge.ts, link-kind-bond.ts). Kinds whose ip helper has no options (dummy, ifb, nlmon, …) take any words and send an empty
 * IFLA_INFO_DATA, as ip does; kinds ip has no helper for refuse them as garbage; kinds whose options nlkit does not
 * read are refused by name.
 */
import { isIP } from 'node:net';
import type { LinkInput } from '../api/links.js';
import { addAttribute } from '../schema/sequence.js';
import { duparg, fail, integer, invarg, matches, notPrefix, refuse, type Words } from './args.js';
import { bond, bondSlave } from './link-kind-bond.js';
import { bridge, bridgeSlave } from './link-kind-bridge.js';
import { iptnlKind } from './link-kind-iptnl.js';
import { greKind } from './link-kind-tunnel.js';
import { macsec } from './link-kind-macsec.js';
import { batadv, dsa, gtp, ipoib, rmnet, wwan } from './link-kind-small.js';
import { amt, bareudp, geneve, hsr } from './link-kind-udp.js';
import { vtiKind, xfrmKind } from './link-kind-vti.js';
import type { LinkLookup } from './link-lookup.js';

export type { LinkLookup };

/** ip's helpers without a parse_opt: any words after the kind are ignored. */
const noOptions = new Set(['dummy', 'ifb', 'nlmon', 'netdevsim', 'team', 'vcan', 'virt_wifi', 'tun']);
/** ip's port helpers without a parse_opt: any words send an empty IFLA_INFO_SLAVE_DATA. */
const noPortOptions = new Set(['vrf_slave', 'team_slave']);
/** ip's helpers with options nlkit does not read yet. */
const unread = new Set(['can']);

type Parser = (w: Words, create: boolean, look: LinkLookup, dev?: string) => Promise<Partial<LinkInput>>;

/** The options of `type KIND` (at least one word left), as fields of the link's input. */
export async function kindOptions(kind: string, w: Words, create: boolean, look: LinkLookup, dev?: string): Promise<Partial<LinkInput>> {
  const parser = parsers[kind];
  if (parser) return parser(w, create, look, dev);
  if (noOptions.has(kind)) return { data: {} };
  if (noPortOptions.has(kind)) return { portData: {} };
  if (unread.has(kind)) throw refuse(`Options of "type ${kind}" are not supported by nlkit.`);
  if (matches(w.word!, 'help')) throw refuse('Usage: nlkit link help');
  throw fail(`Garbage instead of arguments "${w.word!} ...". Try "nlkit link help".`);
}

const vxlanUsage = `Usage: ... vxlan id VNI
		[ { group | remote } IP_ADDRESS ]
		[ local ADDR ]
		[ ttl TTL ]
		[ tos TOS ]
		[ df DF ]
		[ flowlabel LABEL ]
		[ dev PHYS_DEV ]
		[ dstport PORT ]
		[ srcport MIN MAX ]
		[ [no]learning ]
		[ [no]proxy ]
		[ [no]rsc ]
		[ [no]l2miss ]
		[ [no]l3miss ]
		[ ageing SECONDS ]
		[ maxaddress NUMBER ]
		[ [no]udpcsum ]
		[ [no]udp6zerocsumtx ]
		[ [no]udp6zerocsumrx ]
		[ [no]remcsumtx ] [ [no]remcsumrx ]
		[ [no]external ] [ gbp ] [ gpe ]
		[ [no]vnifilter ]

Where:	VNI	:= 0-16777215
	ADDR	:= { IP_ADDRESS | any }
	TOS	:= { NUMBER | inherit }
	TTL	:= { 1..255 | auto | inherit }
	DF	:= { unset | set | inherit }
	LABEL := 0-1048575
`;

const multicast = (a: string) => (isIP(a) === 4 ? Number(a.split('.')[0]) >> 4 === 14 : /^ff/i.test(a));

/** iplink_vxlan.c's vxlan_parse_opt, for what the library's vxlan data holds. */
async function vxlan(w: Words, create: boolean, look: LinkLookup): Promise<Partial<LinkInput>> {
  const data: Record<string, unknown> = {};
  const seen = new Set<string>();
  const once = (key: string, value: string) => {
    if (seen.has(key)) throw duparg(key, value);
    seen.add(key);
  };
  let vni: number | undefined;
  let learning = 1;
  let metadata = 0;
  let dstport: number | undefined;
  let local: string | undefined;
  let remote: string | undefined;
  const u8 = (key: string, on: number) => {
    once(key, w.word!);
    data[key] = on;
  };
  const pairs: [string, string][] = [
    ['proxy', 'proxy'], ['rsc', 'rsc'], ['l2miss', 'l2miss'], ['l3miss', 'l3miss'], ['udpcsum', 'udpCsum'],
    ['udp6zerocsumtx', 'udpZeroCsum6Tx'], ['udp6zerocsumrx', 'udpZeroCsum6Rx'], ['remcsumtx', 'remcsumTx'], ['remcsumrx', 'remcsumRx'],
  ];
  for (; !w.done; w.skip()) {
    const a = w.word!;
    const pair = pairs.find(([k]) => matches(a, k) || matches(a, `no${k}`));
    if (matches(a, 'id') || matches(a, 'vni')) {
      const v = w.next();
      once('id', v);
      const n = integer(v, { min: 0, max: 0xffffffff });
      if (n === undefined || n >= 1 << 24) throw invarg('invalid id', v);
      vni = n;
    } else if (matches(a, 'group') || matches(a, 'remote')) {
      const key = matches(a, 'group') ? 'group' : 'remote';
      const v = w.next();
      once('group', v);
      if (!isIP(v)) throw notPrefix(local === undefined ? undefined : isIP(local) === 6 ? 'inet6' : 'inet', v, 'address');
      if (multicast(v) !== (key === 'group')) throw invarg(`invalid ${key} address`, v);
      remote = v;
    } else if (matches(a, 'local')) {
      const v = w.next();
      once('local', v);
      if (!isIP(v)) throw notPrefix(remote === undefined ? undefined : isIP(remote) === 6 ? 'inet6' : 'inet', v, 'address');
      if (multicast(v)) throw invarg('invalid local address', v);
      local = v;
    } else if (matches(a, 'dev')) {
      const v = w.next();
      once('dev', v);
      const index = await look.ifindex(v);
      // ip exits with nodev()'s -1 here.
      if (!index) throw refuse(`Cannot find device "${v}"`);
      data.link = index;
    } else if (matches(a, 'ttl') || matches(a, 'hoplimit')) {
      const v = w.next();
      once('ttl', v);
      if (v === 'inherit') data.ttlInherit = true;
      else if (v === 'auto') data.ttl = 0;
      else {
        const n = integer(v, { min: 0, max: 0xffffffff });
        if (n === undefined) throw invarg('invalid TTL', v);
        if (n > 255) throw invarg('TTL must be <= 255', v);
        data.ttl = n;
      }
    } else if (matches(a, 'tos') || matches(a, 'dsfield')) {
      const v = w.next();
      once('tos', v);
      const n = v === 'inherit' ? 1 : integer(v, { min: 0, max: 255 });
      if (n === undefined) throw invarg('bad TOS value', v);
      data.tos = n;
    } else if (matches(a, 'df')) {
      const v = w.next();
      once('df', v);
      const df = ['unset', 'set', 'inherit'].indexOf(v);
      if (df < 0) throw invarg("DF must be 'unset', 'set' or 'inherit'", v);
      data.df = df;
    } else if (matches(a, 'label') || matches(a, 'flowlabel')) {
      const v = w.next();
      once('flowlabel', v);
      const n = integer(v, { min: 0, max: 0xffffffff });
      if (n === undefined || n > 0xfffff) throw invarg('invalid flowlabel', v);
      data.label = n;
    } else if (matches(a, 'ageing')) {
      const v = w.next();
      once('ageing', v);
      const n = v === 'none' ? 0 : integer(v, { min: 0, max: 0xffffffff });
      if (n === undefined) throw invarg('ageing timer', v);
      data.ageing = n;
    } else if (matches(a, 'maxaddress')) {
      const v = w.next();
      once('maxaddress', v);
      const n = v === 'unlimited' ? 0 : integer(v, { min: 0, max: 0xffffffff });
      if (n === undefined) throw invarg('max addresses', v);
      data.limit = n;
    } else if (matches(a, 'port') || matches(a, 'srcport')) {
      const low = w.next();
      once('srcport', low);
      const lo = integer(low, { min: 0, max: 0xffff });
      if (lo === undefined) throw invarg('min port', low);
      const high = w.next();
      const hi = integer(high, { min: 0, max: 0xffff });
      if (hi === undefined) throw invarg('max port', high);
      if (lo || hi) data.portRange = { low: lo, high: hi };
    } else if (matches(a, 'dstport')) {
      const v = w.next();
      once('dstport', v);
      const n = integer(v, { min: 0, max: 0xffff });
      if (n === undefined) throw invarg('dst port', v);
      dstport = n;
    } else if (matches(a, 'nolearning') || matches(a, 'learning')) {
      once(a, a);
      learning = matches(a, 'nolearning') ? 0 : 1;
    } else if (pair) u8(pair[1], matches(a, pair[0]) ? 1 : 0);
    else if (matches(a, 'external') || matches(a, 'noexternal')) {
      once('external', a);
      metadata = matches(a, 'external') ? 1 : 0;
      if (metadata) learning = 0;
      data.collectMetadata = metadata;
    } else if (matches(a, 'gbp')) data.gbp = true;
    else if (matches(a, 'gpe')) data.gpe = true;
    else if (a === 'vnifilter' || a === 'novnifilter') data.vnifilter = a === 'vnifilter' ? 1 : 0;
    else if (matches(a, 'help')) throw fail(vxlanUsage.trimEnd());
    else throw fail(`vxlan: unknown command "${a}"?\n${vxlanUsage.trimEnd()}`);
  }
  if (!metadata && data.vnifilter === 1) throw fail("vxlan: vnifilter is valid only when 'external' is set");
  if (metadata && vni !== undefined) throw fail("vxlan: both 'external' and vni cannot be specified");
  if (!metadata && data.vnifilter !== 1 && vni === undefined && create) throw fail('vxlan: missing virtual network identifier');
  if (remote !== undefined && multicast(remote) && data.link === undefined) throw fail("vxlan: 'group' requires 'dev' to be specified");
  if (dstport === undefined && data.gpe) dstport = 4790;
  else if (dstport === undefined && create) {
    process.stderr.write("vxlan: destination port not specified\nWill use Linux kernel default (non-standard value)\nUse 'dstport 4789' to get the IANA assigned value\nUse 'dstport 0' to get default and quiet this message\n");
  }
  if (vni !== undefined) data.id = vni;
  if (local !== undefined) data[isIP(local) === 6 ? 'local6' : 'local'] = local;
  if (remote !== undefined) data[isIP(remote) === 6 ? 'group6' : 'group'] = remote;
  if (create || seen.has('learning') || seen.has('nolearning')) data.learning = learning;
  if (dstport !== undefined) data.port = dstport;
  return { data };
}

const vlanUsage = `Usage: ... vlan id VLANID
		[ protocol VLANPROTO ]
		[ reorder_hdr { on | off } ]
		[ gvrp { on | off } ]
		[ mvrp { on | off } ]
		[ loose_binding { on | off } ]
		[ bridge_binding { on | off } ]
		[ ingress-qos-map QOS-MAP ]
		[ egress-qos-map QOS-MAP ]

VLANID := 0-4095
VLANPROTO: [ 802.1Q | 802.1ad ]
QOS-MAP := [ QOS-MAP ] QOS-MAPPING
QOS-MAPPING := FROM:TO`;

/** iplink_vlan.c's vlan_parse_opt (the QoS maps excepted). */
async function vlan(w: Words): Promise<Partial<LinkInput>> {
  const data: Record<string, unknown> = {};
  let flags = 0;
  let mask = 0;
  const bits: [string, number][] = [['reorder_hdr', 1], ['gvrp', 2], ['loose_binding', 4], ['mvrp', 8], ['bridge_binding', 16]];
  for (; !w.done; w.skip()) {
    const a = w.word!;
    const bit = bits.find(([k]) => matches(a, k));
    if (matches(a, 'protocol')) {
      const v = w.next();
      const proto = ({ '802.1q': '8021q', '802.1ad': '8021ad' } as Record<string, string>)[v.toLowerCase()];
      if (!proto) throw invarg('protocol is invalid', v);
      addAttribute(data, 'protocol', proto);
    } else if (matches(a, 'id')) {
      const v = w.next();
      const n = integer(v, { min: 0, max: 0xffff });
      if (n === undefined) throw invarg('id is invalid', v);
      addAttribute(data, 'id', n);
    } else if (bit) {
      const v = w.next();
      mask |= bit[1];
      if (v === 'on') flags |= bit[1];
      else if (v === 'off') flags &= ~bit[1];
      else throw fail(`Error: argument of "${bit[0]}" must be "on" or "off", not "${v}"`);
    } else if (matches(a, 'ingress-qos-map') || matches(a, 'egress-qos-map')) throw refuse(`"${a}" is not supported by nlkit link.`);
    else if (matches(a, 'help')) throw fail(vlanUsage);
    else throw fail(`vlan: unknown command "${a}"?\n${vlanUsage}`);
  }
  if (mask) data.flag = { flags, mask };
  return { data };
}

/** iplink_vrf.c: `table ID`. */
async function vrf(w: Words): Promise<Partial<LinkInput>> {
  const data: Record<string, unknown> = {};
  for (; !w.done; w.skip()) {
    const a = w.word!;
    if (matches(a, 'table')) {
      const v = w.next();
      const n = ({ main: 254, local: 255, default: 253 } as Record<string, number>)[v] ?? integer(v, { min: 0, max: 0xffffffff });
      if (n === undefined) throw invarg('invalid table ID\n', v);
      addAttribute(data, 'table', n);
    } else if (matches(a, 'help')) throw fail('Usage: ... vrf table TABLEID');
    else throw fail(`vrf: unknown option "${a}"?\nUsage: ... vrf table TABLEID`);
  }
  return { data };
}

const macvlanModes = ['private', 'vepa', 'bridge', 'passthru', 'source'];

const macvlanUsage = (kind: string) => `Usage: ... ${kind} mode MODE [flag MODE_FLAG] MODE_OPTS [bcqueuelen BC_QUEUE_LEN]

MODE: private | vepa | bridge | passthru | source
MODE_FLAG: null | nopromisc | nodst
MODE_OPTS: for mode "source":
\tmacaddr { { add | del } <macaddr> | set [ <macaddr> [ <macaddr>  ... ] ] | flush }
BC_QUEUE_LEN: Length of the rx queue for broadcast/multicast: [0-4294967295]`;

/**
 * iplink_macvlan.c: `mode MODE` (the last one counts), `flag FLAG` and the words `nopromisc`, `nodst` (they add
 * up), both sent after the loop; `bcqueuelen` where it comes. The source mode's `macaddr` lists are not read.
 */
function macvlan(kind: string): Parser {
  return async (w) => {
    const data: Record<string, unknown> = {};
    let mode: string | undefined;
    let flags: Set<string> | undefined;
    for (; !w.done; w.skip()) {
      const a = w.word!;
      if (matches(a, 'mode')) {
        const v = w.next();
        if (!macvlanModes.includes(v)) throw fail(`Error: argument of "mode" must be "private", "vepa", "bridge", "passthru" or "source", not "${v}"`);
        mode = v;
      } else if (matches(a, 'flag')) {
        const v = w.next();
        if (!['nopromisc', 'nodst', 'null'].includes(v)) throw fail(`Error: argument of "flag" must be "nopromisc", "nodst" or "null", not "${v}"`);
        flags ??= new Set();
        if (v !== 'null') flags.add(v);
      } else if (matches(a, 'macaddr')) throw refuse(`"${a}" of "type ${kind}" is not supported by nlkit.`);
      else if (matches(a, 'nopromisc') || matches(a, 'nodst')) (flags ??= new Set()).add(matches(a, 'nopromisc') ? 'nopromisc' : 'nodst');
      else if (matches(a, 'bcqueuelen')) {
        const v = w.next();
        const n = integer(v, { min: 0, max: 0xffffffff });
        if (n === undefined) throw fail(`Error: argument of "bcqueuelen" must be a positive integer [0-4294967295], not "${v}"`);
        addAttribute(data, 'bcQueueLen', n);
      } else if (matches(a, 'help')) throw fail(macvlanUsage(kind));
      else throw fail(`${kind}: unknown option "${a}"?\n${macvlanUsage(kind)}`);
    }
    if (mode !== undefined) data.mode = mode;
    if (flags) {
      if (flags.has('nopromisc') && mode !== 'passthru') throw fail(`${kind}: nopromisc flag only valid in passthru mode\n${macvlanUsage(kind)}`);
      data.flags = ['nopromisc', 'nodst'].filter((f) => flags!.has(f));
    }
    return { data };
  };
}

/** iplink_ipvlan.c: `mode l2|l3|l3s`, one of the flags `bridge`, `private`, `vepa`; the flags are always sent. */
function ipvlan(kind: string): Parser {
  const usage = `Usage: ... ${kind} [ mode MODE ] [ FLAGS ]\n\nMODE: l3 | l3s | l2\nFLAGS: bridge | private | vepa\n(first values are the defaults if nothing is specified).`;
  return async (w) => {
    const data: Record<string, unknown> = {};
    let flags: string[] = [];
    let flagGiven = false;
    for (; !w.done; w.skip()) {
      const a = w.word!;
      if (matches(a, 'mode')) {
        const v = w.next();
        if (v !== 'l2' && v !== 'l3' && v !== 'l3s') throw fail('Error: argument of "mode" must be either "l2", "l3" or "l3s"');
        addAttribute(data, 'mode', v);
      } else if (!flagGiven && (matches(a, 'private') || matches(a, 'vepa') || matches(a, 'bridge'))) {
        flags = matches(a, 'private') ? ['private'] : matches(a, 'vepa') ? ['vepa'] : [];
        flagGiven = true;
      } else if (matches(a, 'help')) throw fail(usage);
      else throw fail(`${kind}: unknown option "${a}"?\n${usage}`);
    }
    data.flags = flags;
    return { data };
  };
}

const parsers: Partial<Record<string, Parser>> = {
  vxlan, vlan, vrf, macvlan: macvlan('macvlan'), macvtap: macvlan('macvtap'), ipvlan: ipvlan('ipvlan'), ipvtap: ipvlan('ipvtap'),
  ...Object.fromEntries(['gre', 'gretap', 'erspan', 'ip6gre', 'ip6gretap', 'ip6erspan'].map((k) => [k, greKind(k)])),
  ...Object.fromEntries(['ipip', 'sit', 'ip6tnl'].map((k) => [k, iptnlKind(k)])),
  vti: vtiKind('vti'), vti6: vtiKind('vti6'), xfrm: xfrmKind,
  bridge, bridge_slave: bridgeSlave, bond, bond_slave: bondSlave, geneve, bareudp, amt, hsr, macsec,
  batadv, dsa, gtp, ipoib, rmnet, wwan,
};

/** Whether ip 6.1 has a helper for the kind (get_link_kind finds it): veth, and every kind above. */
export const knownKind = (kind: string): boolean => kind === 'veth' || parsers[kind] !== undefined || noOptions.has(kind) || noPortOptions.has(kind) || unread.has(kind);
