/**
 * The parms structs of tc actions (linux/tc_act/tc_*.h) that the 6.12 spec leaves as untyped binary, and the
 * attributes it types wrongly: each kind's parms begin with tc_gen (index, capab, action, refcnt, bindcnt), and
 * some follow it with fields of their own. tc.ts merges these into the route family's tc declaration.
 */
import { tc } from './generated/tc.js';

const sets = tc.attributeSets;
const gen = tc.structs.tcGen.members;
const BE = 'big-endian' as const;

export const actStructs = {
  tcConnmark: { members: [...gen, { name: 'zone', type: 'u16' }, { name: 'pad', type: 'pad', len: 2 }] },
  tcCsum: { members: [...gen, { name: 'updateFlags', type: 'u32' }] },
  tcNat: {
    members: [
      ...gen,
      { name: 'oldAddr', type: 'u32', byteOrder: BE, display: 'ipv4' },
      { name: 'newAddr', type: 'u32', byteOrder: BE, display: 'ipv4' },
      { name: 'mask', type: 'u32', byteOrder: BE, display: 'ipv4' },
      { name: 'flags', type: 'u32' },
    ],
  },
  // tc_gen is 20 bytes; the u64 after it is aligned to 8.
  tcSkbmod: { members: [...gen, { name: 'pad', type: 'pad', len: 4 }, { name: 'flags', type: 'u64' }] },
  tcTunnelKey: { members: [...gen, { name: 'tAction', type: 's32' }] },
  tcIfe: { members: [...gen, { name: 'flags', type: 'u16' }, { name: 'pad', type: 'pad', len: 2 }] },
} as const;

/** An attribute set with the named attributes replaced. */
const patch = <A extends { readonly name: string }>(attributes: readonly A[], by: Record<string, Record<string, unknown>>) => ({
  attributes: attributes.map((a) => (by[a.name] ? { ...a, ...by[a.name] } : a)),
});

export const actAttributeSets = {
  'tc-act-connmark-attrs': patch(sets['tc-act-connmark-attrs'].attributes, { parms: { struct: 'tcConnmark' } }),
  'tc-act-csum-attrs': patch(sets['tc-act-csum-attrs'].attributes, { parms: { struct: 'tcCsum' } }),
  'tc-act-nat-attrs': patch(sets['tc-act-nat-attrs'].attributes, { parms: { struct: 'tcNat' } }),
  'tc-act-simple-attrs': patch(sets['tc-act-simple-attrs'].attributes, { parms: { struct: 'tcGen' } }),
  // The ethertype is written in host order by tc (addattr16), read so by the kernel.
  'tc-act-skbmod-attrs': patch(sets['tc-act-skbmod-attrs'].attributes, { parms: { struct: 'tcSkbmod' }, dmac: { display: 'mac' }, smac: { display: 'mac' }, etype: { type: 'u16' } }),
  'tc-act-ct-attrs': patch(sets['tc-act-ct-attrs'].attributes, { parms: { struct: 'tcGen' } }),
  'tc-act-ctinfo-attrs': patch(sets['tc-act-ctinfo-attrs'].attributes, { act: { struct: 'tcGen' } }),
  'tc-act-tunnel-key-attrs': patch(sets['tc-act-tunnel-key-attrs'].attributes, { parms: { struct: 'tcTunnelKey' } }),
  'tc-act-ife-attrs': patch(sets['tc-act-ife-attrs'].attributes, { parms: { struct: 'tcIfe' } }),
  'tc-act-gate-attrs': patch(sets['tc-act-gate-attrs'].attributes, { parms: { struct: 'tcGen' } }),
  // The VLAN protocol goes in network order (tc's ll_proto_a2n value), as the kernel reads it.
  'tc-act-vlan-attrs': patch(sets['tc-act-vlan-attrs'].attributes, { pushVlanProtocol: { byteOrder: BE }, pushEthDst: { display: 'mac' }, pushEthSrc: { display: 'mac' } }),
} as const;
