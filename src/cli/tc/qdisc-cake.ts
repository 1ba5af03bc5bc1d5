/**
 * cake as tc 6.1's q_cake.c reads it: bandwidth, rtt presets, diffserv and flow modes, the link-layer framing
 * keywords (each adds its overhead), and TCA_OPTIONS in the order tc writes it.
 */
import { parseRate64 } from './numbers.js';
import { Args, duparg, parseSize, parseTime, tcFail, unsigned } from './words.js';

const usage = `Usage: ... cake [ bandwidth RATE | unlimited* | autorate-ingress ]
                [ rtt TIME | datacentre | lan | metro | regional |
                  internet* | oceanic | satellite | interplanetary ]
                [ besteffort | diffserv8 | diffserv4 | diffserv3* ]
                [ flowblind | srchost | dsthost | hosts | flows |
                  dual-srchost | dual-dsthost | triple-isolate* ]
                [ nat | nonat* ]
                [ wash | nowash* ]
                [ split-gso* | no-split-gso ]
                [ ack-filter | ack-filter-aggressive | no-ack-filter* ]
                [ memlimit LIMIT ]
                [ fwmark MASK ]
                [ ptm | atm | noatm* ] [ overhead N | conservative | raw* ]
                [ mpu N ] [ ingress | egress* ]
                (* marks defaults)`;

/** rtt presets: target and interval in microseconds. */
const presets: Record<string, [target: number, interval: number]> = {
  datacentre: [5, 100], lan: [50, 1000], metro: [500, 10000], regional: [1500, 30000], internet: [5000, 100000],
  oceanic: [15000, 300000], satellite: [50000, 1000000], interplanetary: [50000000, 1000000000],
};

// CAKE_DIFFSERV_*, CAKE_FLOW_*, CAKE_ATM_*, CAKE_ACK_*
const diffserv: Record<string, number> = { besteffort: 3, precedence: 4, diffserv8: 2, diffserv4: 1, diffserv: 1, diffserv3: 0 };
const flowModes: Record<string, number> = {
  flowblind: 0, srchost: 1, dsthost: 2, hosts: 3, flows: 4, 'dual-srchost': 5, 'dual-dsthost': 6, 'triple-isolate': 7,
};
const ATM_NONE = 0;
const ATM_ATM = 1;
const ATM_PTM = 2;
/** Framing keywords: the link layer they set (undefined: left as it is), the overhead they add, the mpu they set. */
const framings: Record<string, [atm: number | undefined, overhead: number, mpu?: number]> = {
  'ipoa-vcmux': [ATM_ATM, 8], 'ipoa-llcsnap': [ATM_ATM, 16], 'bridged-vcmux': [ATM_ATM, 24], 'bridged-llcsnap': [ATM_ATM, 32],
  'pppoa-vcmux': [ATM_ATM, 10], 'pppoa-llc': [ATM_ATM, 14], 'pppoe-vcmux': [ATM_ATM, 32], 'pppoe-llcsnap': [ATM_ATM, 40],
  'pppoe-ptm': [ATM_PTM, 30], 'bridged-ptm': [ATM_PTM, 22], ethernet: [undefined, 38, 84], 'ether-vlan': [undefined, 4],
  docsis: [ATM_NONE, 18, 64],
};
const switches: Record<string, [field: 'wash' | 'splitGso' | 'nat' | 'atm' | 'ingress' | 'ackFilter' | 'autorate', value: number]> = {
  nowash: ['wash', 0], wash: ['wash', 1], 'split-gso': ['splitGso', 1], 'no-split-gso': ['splitGso', 0], nat: ['nat', 1], nonat: ['nat', 0],
  ptm: ['atm', ATM_PTM], atm: ['atm', ATM_ATM], noatm: ['atm', ATM_NONE], ingress: ['ingress', 1], egress: ['ingress', 0],
  'no-ack-filter': ['ackFilter', 0], 'ack-filter': ['ackFilter', 1], 'ack-filter-aggressive': ['ackFilter', 2], 'autorate-ingress': ['autorate', 1],
};

/** strtol(word, &p, 10) into an int: the whole word, or undefined. */
function int10(word: string): number | undefined {
  const m = /^[ \t\n\v\f\r]*([+-]?)([0-9]+)$/.exec(word);
  if (!m) return word === '' ? 0 : undefined;
  const v = BigInt(m[2]!) * (m[1] === '-' ? -1n : 1n);
  const long = v > 2n ** 63n - 1n ? 2n ** 63n - 1n : v < -(2n ** 63n) ? -(2n ** 63n) : v;
  return Number(BigInt.asIntN(32, long));
}

export function cake(a: Args): Record<string, unknown> {
  const s = { wash: -1, splitGso: -1, nat: -1, atm: -1, ingress: -1, ackFilter: -1, autorate: -1 };
  let bandwidth = 0n;
  let unlimited = false;
  let interval = 0;
  let target = 0;
  let preset: string | undefined;
  let mode = -1;
  let flowMode = -1;
  let overhead = 0;
  let overheadSet = false;
  let raw = false;
  let mpu = 0;
  let memlimit = 0;
  let fwmark = 0;
  for (; !a.done; a.skip()) {
    const w = a.word;
    const framing = framings[w];
    const sw = switches[w];
    if (w === 'bandwidth') {
      const v = parseRate64(a.next());
      if (v === undefined) throw tcFail('Illegal "bandwidth"');
      bandwidth = v;
      unlimited = false;
      s.autorate = 0;
    } else if (w === 'unlimited') {
      bandwidth = 0n;
      unlimited = true;
      s.autorate = 0;
    } else if (w === 'rtt') {
      const v = parseTime(a.next());
      if (v === undefined) throw tcFail('Illegal "rtt"');
      interval = v;
      target = Math.trunc(v / 20) || 1;
    } else if (presets[w]) {
      if (preset !== undefined) throw duparg(w, preset);
      preset = w;
      [target, interval] = presets[w]!;
    } else if (diffserv[w] !== undefined) mode = diffserv[w]!;
    else if (flowModes[w] !== undefined) flowMode = flowModes[w]!;
    else if (sw) s[sw[0]] = sw[1];
    else if (w === 'raw') {
      s.atm = ATM_NONE;
      overhead = 0;
      overheadSet = true;
      raw = true;
    } else if (w === 'conservative') {
      s.atm = ATM_ATM;
      overhead = 48;
      overheadSet = true;
    } else if (framing) {
      if (framing[0] !== undefined) s.atm = framing[0];
      overhead += framing[1];
      overheadSet = true;
      if (framing[2] !== undefined) mpu = framing[2];
    } else if (w === 'via-ethernet') {
      // Accepted and ignored, as tc does: cake now compensates for the Ethernet header itself.
    } else if (w === 'overhead') {
      const v = int10(a.next());
      // tc prints the "\n" of this message as the two characters.
      if (v === undefined || v < -64 || v > 256) throw tcFail('Illegal "overhead", valid range is -64 to 256\\n');
      overhead = v;
      overheadSet = true;
    } else if (w === 'mpu') {
      const v = int10(a.next());
      if (v === undefined || v < 0 || v > 256) throw tcFail('Illegal "mpu", valid range is 0 to 256\\n');
      mpu = v;
    } else if (w === 'memlimit') {
      const v = parseSize(a.next());
      if (v === undefined) throw tcFail(`Illegal value for "memlimit": "${a.word}"`);
      memlimit = v;
    } else if (w === 'fwmark') {
      const v = unsigned(a.next());
      if (v === undefined) throw tcFail(`Illegal value for "fwmark": "${a.word}"`);
      fwmark = v;
    } else throw tcFail(w === 'help' ? usage : `What is "${w}"?\n${usage}`);
  }
  const o: Record<string, unknown> = {};
  if (bandwidth || unlimited) o.baseRate64 = bandwidth;
  if (mode !== -1) o.diffservMode = mode;
  if (s.atm !== -1) o.atm = s.atm;
  if (flowMode !== -1) o.flowMode = flowMode;
  if (overheadSet) o.overhead = overhead;
  if (raw) o.raw = 0;
  if (mpu > 0) o.mpu = mpu;
  if (interval) o.rtt = interval;
  if (target) o.target = target;
  if (s.autorate !== -1) o.autorate = s.autorate;
  if (memlimit) o.memory = memlimit;
  if (fwmark) o.fwmark = fwmark;
  if (s.nat !== -1) o.nat = s.nat;
  if (s.wash !== -1) o.wash = s.wash;
  if (s.splitGso !== -1) o.splitGso = s.splitGso;
  if (s.ingress !== -1) o.ingress = s.ingress;
  if (s.ackFilter !== -1) o.ackFilter = s.ackFilter;
  return o;
}
