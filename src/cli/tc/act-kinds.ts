/**
 * tc 6.1's parsers of the actions that set or rewrite packet fields, each as its m_*.c reads its words: skbedit,
 * vlan, csum, connmark, nat, simple, sample, skbmod and mpls. Each returns the kind's options in the order tc adds
 * their attributes, or throws tc's refusal (Refused: "bad action parsing" follows) or exit (usage, invarg).
 */
import { parseClassid } from '../../api/tc-handle.js';
import { llProtoIds } from '../link-kind-bridge.js';
import { type Act, type ActionContext, TC_ACT_OK, TC_ACT_PIPE, controlOr, gen, refuse, trailingIndex } from './act-common.js';
import { Args, invarg, matches, tcExit, unsigned } from './words.js';

/** ll_proto_a2n: a name of lib/ll_proto.c (any case) or a number, as its network-order value's host number. */
function llProto(word: string): number | undefined {
  return llProtoIds[word.toLowerCase()] ?? unsigned(word, 0, 0xffff);
}

/** sscanf("%hhx") on each of six ':'-separated parts (trailing text after the sixth ignored); undefined if fewer. */
function scanMac(word: string): string | undefined {
  const bytes: number[] = [];
  let rest = word;
  for (let i = 0; i < 6; i++) {
    const m = /^\s*([+-]?)(?:0[xX])?([0-9a-fA-F]+)/.exec(rest);
    if (!m) return undefined;
    const n = Number(BigInt.asUintN(8, (m[1] === '-' ? -1n : 1n) * BigInt(`0x${m[2]!}`)));
    bytes.push(n);
    rest = rest.slice(m[0].length);
    if (i < 5) {
      if (rest[0] !== ':') return undefined;
      rest = rest.slice(1);
    }
  }
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/** ll_addr_a2n for a MAC of 6 bytes: `aa:bb:…` parts read as hex; undefined where tc refuses it. */
function llAddr(word: string): string | undefined {
  const parts = word.split(':');
  if (parts.length > 6) return undefined;
  const bytes = [0, 0, 0, 0, 0, 0];
  for (const [i, p] of parts.entries()) {
    const m = /^\s*(?:0[xX])?([0-9a-fA-F]+)/.exec(p);
    if (!m) return undefined;
    const n = parseInt(m[1]!, 16);
    if (n > 255) return undefined;
    bytes[i] = n;
  }
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

const skbeditUsage = `Usage: ... skbedit <[QM] [PM] [MM] [PT] [IF]>
QM = queue_mapping QUEUE_MAPPING
PM = priority PRIORITY
MM = mark MARK[/MASK]
PT = ptype PACKETYPE
IF = inheritdsfield
PACKETYPE = is one of:
  host, otherhost, broadcast, multicast
QUEUE_MAPPING = device transmit queue to use
PRIORITY = classID to assign to priority field
MARK = firewall mark to set
MASK = mask applied to firewall mark (0xffffffff by default)
note: inheritdsfield maps DS field to skb->priority`;

export function skbedit(a: Args, ctx: ActionContext): Act {
  a.next();
  let ok = 0;
  const o: Act = {};
  let queueMapping: number | undefined;
  let priority: number | undefined;
  let mark: number | undefined;
  let mask: number | undefined;
  let ptype: number | undefined;
  let flags = 0n;
  while (!a.done) {
    const w = a.word;
    if (matches(w, 'queue_mapping')) {
      const v = unsigned(a.next(), 10, 0xffff);
      if (v === undefined) throw refuse(ctx, 'Illegal queue_mapping');
      queueMapping = v;
    } else if (matches(w, 'priority')) {
      const v = a.next();
      try {
        priority = parseClassid(v, 'priority');
      } catch {
        throw refuse(ctx, 'Illegal priority');
      }
    } else if (matches(w, 'mark')) {
      const [m, k] = a.next().split('/', 2) as [string, string | undefined];
      const v = unsigned(m);
      if (v === undefined) throw refuse(ctx, 'Illegal mark');
      mark = v;
      if (k !== undefined) {
        const x = unsigned(k);
        if (x === undefined) throw refuse(ctx, 'Illegal mask');
        mask = x;
      }
    } else if (matches(w, 'ptype')) {
      const t = a.next();
      // PACKET_HOST 0, _BROADCAST 1, _MULTICAST 2, _OTHERHOST 3
      const i = ['host', 'broadcast', 'multicast', 'otherhost'].findIndex((n) => matches(t, n));
      if (i < 0) throw refuse(ctx, `Illegal ptype (${t})`);
      ptype = i;
    } else if (matches(w, 'inheritdsfield')) flags |= 0x20n;
    else if (matches(w, 'help')) throw tcExit(skbeditUsage);
    else break;
    ok++;
    a.skip();
  }
  const action = controlOr(a, ctx, TC_ACT_PIPE);
  const index = trailingIndex(a, ctx, () => 'skbedit: Illegal "index"');
  if (index !== undefined) ok++;
  if (!ok) throw refuse(ctx, skbeditUsage);
  o.parms = gen(action, index);
  if (queueMapping !== undefined) o.queueMapping = queueMapping;
  if (priority !== undefined) o.priority = priority;
  if (mark !== undefined) o.mark = mark;
  if (mask !== undefined) o.mask = mask;
  if (ptype !== undefined) o.ptype = ptype;
  if (flags) o.flags = flags;
  return o;
}

const vlanUsage = `Usage: vlan pop [CONTROL]
       vlan push [ protocol VLANPROTO ] id VLANID [ priority VLANPRIO ] [CONTROL]
       vlan modify [ protocol VLANPROTO ] id VLANID [ priority VLANPRIO ] [CONTROL]
       vlan pop_eth [CONTROL]
       vlan push_eth dst_mac LLADDR src_mac LLADDR [CONTROL]
       VLANPROTO is one of 802.1Q or 802.1AD
            with default: 802.1Q
       CONTROL := reclassify | pipe | drop | continue | pass |
                  goto chain <CHAIN_INDEX>`;

// TCA_VLAN_ACT_POP 1, PUSH 2, MODIFY 3, POP_ETH 4, PUSH_ETH 5
const vlanActions = ['', 'pop', 'push', 'modify', 'pop_eth', 'push_eth'];

export function vlan(a: Args, ctx: ActionContext): Act {
  a.next();
  let action = 0;
  let id: number | undefined;
  let proto: number | undefined;
  let prio: number | undefined;
  let dst: string | undefined;
  let src: string | undefined;
  const pushAttribs = () => action === 2 || action === 3;
  while (!a.done) {
    const w = a.word;
    const verb = ['pop', 'push', 'modify', 'pop_eth', 'push_eth'].findIndex((n) => matches(w, n));
    if (verb >= 0) {
      if (action) throw refuse(ctx, `unexpected "${w}" - action already specified\n${vlanUsage}`);
      action = verb + 1;
    } else if (matches(w, 'id')) {
      if (!pushAttribs()) throw invarg('only valid for push/modify', w);
      const v = a.next();
      id = unsigned(v, 0, 0xffff);
      if (id === undefined) throw invarg('id is invalid', v);
    } else if (matches(w, 'protocol')) {
      if (!pushAttribs()) throw invarg('only valid for push/modify', w);
      const v = a.next();
      proto = llProto(v);
      if (proto === undefined) throw invarg('protocol is invalid', v);
    } else if (matches(w, 'priority')) {
      if (!pushAttribs()) throw invarg('only valid for push/modify', w);
      const v = a.next();
      prio = unsigned(v, 0, 0xff);
      if (prio === undefined || prio & ~7) throw invarg('prio is invalid', v);
    } else if (matches(w, 'dst_mac') || matches(w, 'src_mac')) {
      if (action !== 5) throw invarg('only valid for push_eth', w);
      const v = a.next();
      const mac = llAddr(v);
      const which = matches(w, 'dst_mac') ? 'dst_mac' : 'src_mac';
      if (mac === undefined) throw invarg(`${which} is invalid`, v);
      if (which === 'dst_mac') dst = mac;
      else src = mac;
    } else if (matches(w, 'help')) throw tcExit(vlanUsage);
    else break;
    a.skip();
  }
  const control = controlOr(a, ctx, TC_ACT_PIPE);
  const index = trailingIndex(a, ctx, () => 'vlan: Illegal "index"');
  if (pushAttribs() && id === undefined) throw refuse(ctx, `id needs to be set for ${vlanActions[action]}\n${vlanUsage}`);
  if (action === 5) {
    if (dst === undefined) throw refuse(ctx, `dst_mac needs to be set for ${vlanActions[action]}\n${vlanUsage}`);
    if (src === undefined) throw refuse(ctx, `src_mac needs to be set for ${vlanActions[action]}\n${vlanUsage}`);
  }
  const o: Act = { parms: { ...gen(control, index), vAction: action } };
  if (id !== undefined) o.pushVlanId = id;
  if (proto !== undefined) {
    if (proto !== 0x8100 && proto !== 0x88a8) throw refuse(ctx, `protocol not supported\n${vlanUsage}`);
    o.pushVlanProtocol = proto;
  }
  if (prio !== undefined) o.pushVlanPriority = prio;
  if (dst !== undefined) o.pushEthDst = dst;
  if (src !== undefined) o.pushEthSrc = src;
  return o;
}

const csumUsage = `Usage: ... csum <UPDATE>
Where: UPDATE := <TARGET> [<UPDATE>]
       TARGET := { ip4h | icmp | igmp | tcp | udp | udplite | sctp | <SWEETS> }
       SWEETS := { and | or | '+' }`;

// TCA_CSUM_UPDATE_FLAG_*: IPV4HDR 1, ICMP 2, IGMP 4, TCP 8, UDP 16, UDPLITE 32, SCTP 64
const csumTargets: [string[], number][] = [
  [['iph', 'ip4h', 'ipv4h'], 1], [['icmp'], 2], [['igmp'], 4], [['tcp'], 8], [['udp'], 16], [['udplite'], 32], [['sctp'], 64], [['and', 'or', '+'], 0],
];

export function csum(a: Args, ctx: ActionContext): Act {
  let ok = 0;
  let updateFlags = 0;
  while (!a.done) {
    if (matches(a.word, 'csum')) {
      a.next();
      // parse_csum_args reads targets up to the first word that is none (there is always one word here).
      for (; !a.done; a.skip()) {
        const w = a.word;
        const t = csumTargets.find(([names]) => names.some((n) => matches(w, n)));
        if (!t) break;
        updateFlags |= t[1];
      }
      ok++;
    } else if (matches(a.word, 'help')) throw tcExit(csumUsage);
    else break;
  }
  if (!ok) throw refuse(ctx, csumUsage);
  if (!updateFlags) throw refuse(ctx, 'Illegal csum construct, empty <UPDATE> list');
  const action = controlOr(a, ctx, TC_ACT_OK);
  const index = trailingIndex(a, ctx, (w) => `Illegal "index" (${w}) <csum>`);
  return { parms: { ...gen(action, index), updateFlags } };
}

const connmarkUsage = `Usage: ... connmark [zone ZONE] [CONTROL] [index <INDEX>]
where :
	ZONE is the conntrack zone
	CONTROL := reclassify | pipe | drop | continue | ok |
	           goto chain <CHAIN_INDEX>`;

export function connmark(a: Args, ctx: ActionContext): Act {
  let ok = false;
  while (!a.done) {
    if (matches(a.word, 'connmark')) {
      ok = true;
      a.skip();
    } else if (matches(a.word, 'help')) throw tcExit(connmarkUsage);
    else break;
  }
  if (!ok) throw refuse(ctx, connmarkUsage);
  let zone = 0;
  if (!a.done && matches(a.word, 'zone')) {
    const v = unsigned(a.next(), 10, 0xffff);
    if (v === undefined) throw refuse(ctx, 'connmark: Illegal "zone"');
    zone = v;
    a.skip();
  }
  const action = controlOr(a, ctx, TC_ACT_PIPE);
  const index = trailingIndex(a, ctx, () => 'connmark: Illegal "index"');
  return { parms: { ...gen(action, index), zone } };
}

const natUsage = `Usage: ... nat NAT
NAT := DIRECTION OLD NEW
DIRECTION := { ingress | egress }
OLD := PREFIX
NEW := ADDRESS`;

/** get_prefix_1 for AF_INET: the address (get_addr_ipv4, or default/any/all) and its length. */
function ipv4Prefix(word: string): { addr: string; len: number } | undefined {
  const [text, plen] = word.split('/', 2) as [string, string | undefined];
  let bytes = [0, 0, 0, 0];
  let whole = false;
  if (text === 'default' || text === 'any' || text === 'all') whole = true;
  else {
    if (text.includes(':')) return undefined;
    const parts = text.split('.');
    if (parts.length > 4) return undefined;
    bytes = [0, 0, 0, 0];
    for (const [i, p] of parts.entries()) {
      const n = unsigned(p, 0, 255);
      if (n === undefined) return undefined;
      bytes[i] = n;
    }
  }
  let len = whole ? 0 : 32;
  if (plen !== undefined) {
    if (whole && text !== 'default') return undefined;
    if (text === 'default') return undefined;
    const n = unsigned(plen, 0);
    if (n === undefined || n > 32) return undefined;
    len = n;
  }
  return { addr: bytes.join('.'), len };
}

export function nat(a: Args, ctx: ActionContext): Act {
  let ok = 0;
  let p = { ...gen(0), oldAddr: '0.0.0.0', newAddr: '0.0.0.0', mask: '0.0.0.0', flags: 0 };
  while (!a.done) {
    if (matches(a.word, 'nat')) {
      const dir = a.next();
      const at = a.at;
      // parse_nat_args moves no word on when it fails: tc names the direction.
      const bad = () => {
        a.seek(at);
        return refuse(ctx, `Illegal nat construct (${dir})\n${natUsage}`);
      };
      // TCA_NAT_FLAG_EGRESS 1
      let flags = p.flags;
      if (matches(dir, 'egress')) flags |= 1;
      else if (!matches(dir, 'ingress')) throw bad();
      const old = ipv4Prefix(a.next());
      if (!old) throw bad();
      const neu = ipv4Prefix(a.next());
      if (!neu) throw bad();
      // htonl(~0u << (32 - len)): x86 shifts by the count mod 32, so a length of 0 keeps every bit.
      const m = (0xffffffff << ((32 - old.len) & 31)) >>> 0;
      p = { ...p, oldAddr: old.addr, newAddr: neu.addr, mask: [m >>> 24, (m >>> 16) & 255, (m >>> 8) & 255, m & 255].join('.'), flags };
      a.skip();
      ok++;
    } else if (matches(a.word, 'help')) throw tcExit(natUsage);
    else break;
  }
  if (!ok) throw refuse(ctx, natUsage);
  p.action = controlOr(a, ctx, TC_ACT_OK);
  p.index = trailingIndex(a, ctx, () => 'Nat: Illegal "index"') ?? 0;
  return { parms: p };
}

const simpleUsage = `Usage:... simple [sdata STRING] [index INDEX] [CONTROL]
	STRING being an arbitrary string
	INDEX := optional index value used
	CONTROL := reclassify|pipe|drop|continue|ok`;

export function simple(a: Args, ctx: ActionContext): Act {
  let ok = 0;
  let data: string | undefined;
  while (!a.done) {
    if (matches(a.word, 'simple')) a.next();
    else if (matches(a.word, 'sdata')) {
      data = a.next();
      ok++;
      a.skip();
    } else if (matches(a.word, 'help')) throw tcExit(simpleUsage);
    else break;
  }
  const action = controlOr(a, ctx, TC_ACT_PIPE);
  const index = trailingIndex(a, ctx, (w) => `simple: Illegal "index" (${w})`);
  if (index !== undefined) ok++;
  if (!ok) throw refuse(ctx, simpleUsage);
  const bytes = data === undefined ? undefined : Buffer.from(data);
  // SIMP_MAX_DATA 32, with the NUL.
  if (bytes && bytes.length > 31) throw refuse(ctx, `simple: Illegal string len ${bytes.length} <${data}>`);
  const o: Act = { parms: gen(action, index) };
  // tc copies 32 bytes from where the string starts; nlkit sends the string and zeros after it.
  if (bytes) o.data = Uint8Array.from(Buffer.concat([bytes, Buffer.alloc(32 - bytes.length)]));
  return o;
}

const sampleUsage = `Usage: sample SAMPLE_CONF
where:
	SAMPLE_CONF := SAMPLE_PARAMS | SAMPLE_INDEX
	SAMPLE_PARAMS := rate RATE group GROUP [trunc SIZE] [SAMPLE_INDEX]
	SAMPLE_INDEX := index INDEX
	RATE := The ratio of packets observed at the data source to the samples generated.
	GROUP := the psample sampling group
	SIZE := the truncation size
	INDEX := integer index of the sample action`;

export function sample(a: Args, ctx: ActionContext): Act {
  if (a.rest.length <= 1) {
    ctx.err(`sample bad argument count ${a.rest.length}`);
    throw tcExit(sampleUsage);
  }
  a.next();
  let rate: number | undefined;
  let group: number | undefined;
  let trunc: number | undefined;
  while (!a.done) {
    const w = a.word;
    const read = (what: string) => {
      const v = a.next();
      const n = unsigned(v, 10);
      if (n === undefined) {
        ctx.err(`${what} ${v}`);
        throw tcExit(sampleUsage);
      }
      return n;
    };
    if (matches(w, 'rate')) rate = read('Illegal rate');
    else if (matches(w, 'group')) group = read('Illegal group num');
    else if (matches(w, 'trunc')) trunc = read('Illegal truncation size');
    else if (matches(w, 'help')) throw tcExit(sampleUsage);
    else break;
    a.skip();
  }
  const action = controlOr(a, ctx, TC_ACT_PIPE);
  const index = trailingIndex(a, ctx, () => 'sample: Illegal "index"') ?? 0;
  if (!index && group === undefined) {
    ctx.err('param "group" not set');
    throw tcExit(sampleUsage);
  }
  if (!index && rate === undefined) {
    ctx.err('param "rate" not set');
    throw tcExit(sampleUsage);
  }
  const o: Act = { parms: gen(action, index) };
  if (rate !== undefined) o.rate = rate;
  if (group !== undefined) o.psampleGroup = group;
  if (trunc !== undefined) o.truncSize = trunc;
  return o;
}

const skbmodUsage = `Usage:... skbmod { set <SETTABLE> | swap <SWAPPABLE> | ecn } [CONTROL] [index INDEX]
where SETTABLE is: [dmac DMAC] [smac SMAC] [etype ETYPE]
where SWAPPABLE is: "mac" to swap mac addresses
	DMAC := 6 byte Destination MAC address
	SMAC := optional 6 byte Source MAC address
	ETYPE := optional 16 bit ethertype
	CONTROL := reclassify | pipe | drop | continue | ok |
	           goto chain <CHAIN_INDEX>
	INDEX := skbmod index value to use`;

export function skbmod(a: Args, ctx: ActionContext): Act {
  let ok = 0;
  // SKBMOD_F_DMAC 1, _SMAC 2, _ETYPE 4, _SWAPMAC 8, _ECN 16
  let flags = 0;
  let dmac: string | undefined;
  let smac: string | undefined;
  let etype = 0;
  while (!a.done) {
    const w = a.word;
    if (matches(w, 'skbmod') || matches(w, 'swap') || matches(w, 'set')) {
      a.next();
      continue;
    } else if (matches(w, 'mac')) {
      flags |= 8;
      ok++;
    } else if (matches(w, 'etype')) {
      const v = a.next();
      const n = unsigned(v, 0, 0xffff);
      if (n === undefined) throw invarg('ethertype is invalid', v);
      etype = n;
      ctx.err(`skbmod etype 0x${n.toString(16)}`);
      flags |= 4;
      ok++;
    } else if (matches(w, 'dmac') || matches(w, 'smac')) {
      const v = a.next();
      const mac = scanMac(v);
      const d = matches(w, 'dmac');
      if (mac === undefined) throw refuse(ctx, d ? `Invalid dst mac address ${v}` : `Invalid smac address ${v}`);
      if (d) (dmac = mac), (flags |= 1), ctx.err(`dst MAC address <${v}>`);
      else (smac = mac), (flags |= 2), ctx.err(`src MAC address <${v}>`);
      ok++;
    } else if (matches(w, 'ecn')) {
      flags |= 16;
      ok++;
    } else if (matches(w, 'help')) throw tcExit(skbmodUsage);
    else break;
    a.skip();
  }
  const action = controlOr(a, ctx, TC_ACT_PIPE);
  const index = trailingIndex(a, ctx, () => 'skbmod: Illegal "index"', 0);
  if (index !== undefined) ok++;
  if (!ok) {
    ctx.err('skbmod requires at least one option');
    throw tcExit(skbmodUsage);
  }
  const o: Act = { parms: { ...gen(action, index), flags: BigInt(flags) } };
  if (dmac !== undefined) o.dmac = dmac;
  if (etype) o.etype = etype;
  if (smac !== undefined) o.smac = smac;
  return o;
}

const mplsUsage = `Usage: mpls pop [ protocol MPLS_PROTO ] [CONTROL]
       mpls push [ protocol MPLS_PROTO ] [ label MPLS_LABEL ] [ tc MPLS_TC ]
                 [ ttl MPLS_TTL ] [ bos MPLS_BOS ] [CONTROL]
       mpls mac_push [ protocol MPLS_PROTO ] [ label MPLS_LABEL ] [ tc MPLS_TC ]
                     [ ttl MPLS_TTL ] [ bos MPLS_BOS ] [CONTROL]
       mpls modify [ label MPLS_LABEL ] [ tc MPLS_TC ] [ ttl MPLS_TTL ]
                   [ bos MPLS_BOS ] [CONTROL]
           for pop, MPLS_PROTO is next header of packet - e.g. ip or mpls_uc
           for push and mac_push, MPLS_PROTO is one of mpls_uc or mpls_mc
               with default: mpls_uc
       CONTROL := reclassify | pipe | drop | continue | pass |
                  goto chain <CHAIN_INDEX>`;

// TCA_MPLS_ACT_POP 1, PUSH 2, MODIFY 3, DEC_TTL 4, MAC_PUSH 5 (matched in this order, as tc does)
const mplsVerbs: [string, number][] = [['pop', 1], ['push', 2], ['modify', 3], ['mac_push', 5], ['dec_ttl', 4]];
const mplsNames = ['', 'pop', 'push', 'modify', 'dec_ttl', 'mac_push'];

export function mpls(a: Args, ctx: ActionContext): Act {
  a.next();
  let action = 0;
  let label = 0xffffffff;
  let proto = 0;
  let tc = 0xff;
  let ttl = 0;
  let bos = 0xff;
  const fields = () => action === 2 || action === 5 || action === 3;
  const need = (ok: boolean, text: string, w: string) => {
    if (!ok) throw invarg(text, w);
  };
  while (!a.done) {
    const w = a.word;
    const verb = mplsVerbs.find(([n]) => matches(w, n));
    if (verb) {
      if (action) throw refuse(ctx, `Error: got "${w}" but action already set to "${mplsNames[action]}"\n${mplsUsage}`);
      action = verb[1];
    } else if (matches(w, 'label')) {
      need(fields(), 'only valid for push, mac_push and modify', w);
      const v = a.next();
      const n = unsigned(v, 0);
      need(n !== undefined && n <= 0xfffff, 'label must be <=0xFFFFF', v);
      label = n!;
    } else if (matches(w, 'tc')) {
      need(fields(), 'only valid for push, mac_push and modify', w);
      const v = a.next();
      const n = unsigned(v, 0, 0xff);
      need(n !== undefined && !(n & ~7), 'tc field is 3 bits max', v);
      tc = n!;
    } else if (matches(w, 'ttl')) {
      need(fields(), 'only valid for push, mac_push and modify', w);
      const v = a.next();
      const n = unsigned(v, 0, 0xff);
      need(!!n, 'ttl must be >0 and <=255', v);
      ttl = n!;
    } else if (matches(w, 'bos')) {
      need(fields(), 'only valid for push, mac_push and modify', w);
      const v = a.next();
      const n = unsigned(v, 0, 0xff);
      need(n !== undefined && !(n & ~1), 'bos must be 0 or 1', v);
      bos = n!;
    } else if (matches(w, 'protocol')) {
      need(action === 2 || action === 5 || action === 1, 'only valid for push, mac_push and pop', w);
      const v = a.next();
      const n = llProto(v);
      need(n !== undefined, 'protocol is invalid', v);
      proto = n!;
    } else if (matches(w, 'help')) throw tcExit(mplsUsage);
    else break;
    a.skip();
  }
  if (!action) throw tcExit('Command line is not complete. Try option "help"');
  const control = controlOr(a, ctx, TC_ACT_PIPE);
  let index = 0;
  if (!a.done && matches(a.word, 'index')) {
    const v = a.next();
    const n = unsigned(v, 10);
    if (n === undefined) throw invarg('illegal index', v);
    index = n;
    a.skip();
  }
  if (action === 2 && label === 0xffffffff) throw tcExit('Error: argument "label" is required');
  if ((action === 2 || action === 5) && proto && proto !== 0x8847 && proto !== 0x8848) {
    throw refuse(ctx, `invalid ${action === 5 ? 'mac_' : ''}push protocol "0x${proto.toString(16).padStart(4, '0')}" - use mpls_(uc|mc)`);
  }
  if (action === 1 && !proto) throw tcExit('Error: argument "protocol" is required');
  const o: Act = { parms: { ...gen(control, index), mAction: action } };
  if (label !== 0xffffffff) o.label = label;
  if (proto) o.proto = proto;
  if (tc !== 0xff) o.tc = tc;
  if (ttl) o.ttl = ttl;
  if (bos !== 0xff) o.bos = bos;
  return o;
}
