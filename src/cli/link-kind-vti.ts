/**
 * The words after `ip link add … type vti|vti6|xfrm`, read as iproute2 6.1's link_vti.c, link_vti6.c and
 * link_xfrm.c read them, with the data in the order ip sends its attributes.
 */
import type { LinkInput } from '../api/links.js';
import { fail, invarg, missarg, refuse, type Words } from './args.js';
import { existingData, seed } from './link-kind-existing.js';
import { endpoint, lowerDevice, readWords, tunnelKey, unsigned, type Keyword } from './link-kind-tunnel.js';
import type { LinkLookup } from './link-lookup.js';

interface Vti {
  look: LinkLookup;
  family: 'inet' | 'inet6';
  ikey: number;
  okey: number;
  local?: string;
  remote?: string;
  link: number;
  fwmark: number;
}

const vtiTable: Keyword<Vti>[] = [
  { words: ['key'], value: true, apply: (s, v) => { s.ikey = s.okey = tunnelKey('key', v); } },
  { words: ['ikey'], value: true, apply: (s, v) => { s.ikey = tunnelKey('ikey', v); } },
  { words: ['okey'], value: true, apply: (s, v) => { s.okey = tunnelKey('okey', v); } },
  { words: ['remote'], value: true, apply: (s, v) => { s.remote = endpoint(v, s.family).text; } },
  { words: ['local'], value: true, apply: (s, v) => { s.local = endpoint(v, s.family).text; } },
  { words: ['dev'], value: true, apply: async (s, v) => { s.link = await lowerDevice(s.look, v); } },
  {
    words: ['fwmark'], exact: true, value: true, apply: (s, v) => {
      const n = unsigned(v, 0xffffffff);
      if (n === undefined) throw invarg('invalid fwmark\n', v);
      s.fwmark = n;
    },
  },
];

function vtiUsage(kind: string): string {
  return `Usage: ... ${kind.padEnd(4)}	[ remote ADDR ]
		[ local ADDR ]
		[ [i|o]key KEY ]
		[ dev PHYS_DEV ]
		[ fwmark MARK ]

Where:	ADDR := { ${kind === 'vti6' ? 'IPV6_ADDRESS' : 'IP_ADDRESS'} }
	KEY  := { DOTTED_QUAD | NUMBER }
	MARK := { 0x0..0xffffffff }`;
}

type Parser = (w: Words, create: boolean, look: LinkLookup, dev?: string) => Promise<Partial<LinkInput>>;

/** vti (link_vti.c) and vti6 (link_vti6.c): the same words, v4 or v6 endpoints. */
export function vtiKind(kind: 'vti' | 'vti6'): Parser {
  const usage = vtiUsage(kind);
  return async (w, create, look, dev) => {
    const s: Vti = { look, family: kind === 'vti6' ? 'inet6' : 'inet', ikey: 0, okey: 0, link: 0, fwmark: 0 };
    if (!create) {
      // IFLA_VTI_* as link_vti.c and link_vti6.c read them; both read the lower device's index as one byte.
      const d = await existingData(look, dev);
      seed(s, [['local', d.endpoint(4, s.family)?.text], ['remote', d.endpoint(5, s.family)?.text], ['ikey', d.u32be(2)],
        ['okey', d.u32be(3)], ['link', d.u8(1)], ['fwmark', d.u32(6)]]);
    }
    await readWords(w, vtiTable, s, usage);
    const data: Record<string, unknown> = { ikey: s.ikey, okey: s.okey };
    if (s.local !== undefined) data.local = s.local;
    if (s.remote !== undefined) data.remote = s.remote;
    data.fwmark = s.fwmark;
    if (s.link) data.link = s.link;
    return { data };
  };
}

const xfrmUsage = 'Usage: ... xfrm dev [ PHYS_DEV ] [ if_id IF-ID ]\n\t\t[ external ]\n\nWhere: IF-ID := { 0x1..0xffffffff }';

interface Xfrm {
  look: LinkLookup;
  link: number;
  ifId: number;
  metadata: boolean;
}

const xfrmTable: Keyword<Xfrm>[] = [
  { words: ['dev'], value: true, apply: async (s, v) => { s.link = await lowerDevice(s.look, v); } },
  {
    words: ['if_id'], value: true, apply: (s, v) => {
      const n = unsigned(v, 0xffffffff);
      if (!n) throw invarg('if_id value is invalid', v);
      // ip sends one IFLA_XFRM_IF_ID per word (the kernel keeps the last); the library's data holds one.
      if (s.ifId) throw refuse('A second "if_id" is not supported by nlkit.');
      s.ifId = n;
    },
  },
  { words: ['external'], exact: true, apply: (s) => { s.metadata = true; } },
];

/** xfrm (link_xfrm.c): no pre-read of the link for `set`, an if_id required unless `external`. */
export const xfrmKind: Parser = async (w, _create, look) => {
  const s: Xfrm = { look, link: 0, ifId: 0, metadata: false };
  await readWords(w, xfrmTable, s, xfrmUsage);
  if (s.metadata) {
    if (s.ifId || s.link) throw fail("xfrmi: both 'external' and if_id/link cannot be specified");
    return { data: { collectMetadata: true } };
  }
  if (!s.ifId) throw missarg('IF_ID');
  return { data: s.link ? { ifId: s.ifId, link: s.link } : { ifId: s.ifId } };
};
