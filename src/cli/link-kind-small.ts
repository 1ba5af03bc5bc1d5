/**
 * The words after `ip link add … type batadv|dsa|gtp|ipoib|rmnet|wwan`, read as iproute2 6.1's helpers for these
 * kinds of one to three options read them, each option's attribute where its words come.
 */
import type { LinkInput } from '../api/links.js';
import { addAttribute } from '../schema/sequence.js';
import { duparg2, fail, invarg, matches, type Words } from './args.js';
import { unsigned } from './link-kind-tunnel.js';
import type { LinkLookup } from './link-lookup.js';

type Parser = (w: Words, create: boolean, look: LinkLookup) => Promise<Partial<LinkInput>>;

/** What one keyword adds: its attribute and value. */
type Option = (v: string, look: LinkLookup) => Promise<[key: string, value: unknown]> | [key: string, value: unknown];

interface Helper {
  usage: string;
  /** ip's words for a word no keyword takes (the usage follows). */
  unknown: string;
  /** strcmp (whole words) rather than matches (abbreviations). */
  exact?: boolean;
  options: Record<string, Option>;
}

/** One helper's loop: keywords in ip's order, each taking the next word and adding its attribute, repeats too. */
function helper(h: Helper): Parser {
  return async (w, _create, look) => {
    const data: Record<string, unknown> = {};
    for (; !w.done; w.skip()) {
      const a = w.word!;
      const word = Object.keys(h.options).find((k) => (h.exact ? a === k : matches(a, k)));
      if (word !== undefined) {
        const [key, value] = await h.options[word]!(w.next(), look);
        addAttribute(data, key, value);
      } else if (h.exact ? a === 'help' : matches(a, 'help')) throw fail(h.usage);
      else throw fail(`${h.unknown.replace('%s', a)}\n${h.usage}`);
    }
    return { data };
  };
}

const u16 = (key: string, message: string): Option => (v) => {
  const n = unsigned(v, 0xffff);
  if (n === undefined) throw invarg(message, v);
  return [key, n];
};

/** iplink_batadv.c: `ra ROUTING_ALG`, sent as given. */
export const batadv = helper({
  usage: 'Usage: ... batadv [ ra ROUTING_ALG ]\n\nWhere: ROUTING_ALG := { BATMAN_IV | BATMAN_V }',
  unknown: 'batadv: unknown command "%s"?',
  options: { ra: (v) => ['algoName', v] },
});

const dsaMaster: Option = async (v, look) => {
  const index = await look.ifindex(v);
  if (!index) throw invarg('Device does not exist\n', v);
  return ['master', index];
};

/** iplink_dsa.c: `conduit DEVICE` (or `master`), whole words. */
export const dsa = helper({
  usage: 'Usage: ... dsa [ conduit DEVICE ]',
  unknown: 'dsa: unknown command "%s"?',
  exact: true,
  options: { conduit: dsaMaster, master: dsaMaster },
});

/** iplink_ipoib.c: `pkey`, `mode datagram|connected`, `umcast`, each a u16. */
export const ipoib = helper({
  usage: 'Usage: ... ipoib [ pkey PKEY ]\n\t\t [ mode {datagram | connected} ]\n\t\t [ umcast {0|1} ]\n\nPKEY  := 0x8001-0xffff',
  unknown: 'ipoib: unknown option "%s"?',
  options: {
    pkey: u16('pkey', 'pkey is invalid'),
    mode: (v) => {
      const mode = ['datagram', 'connected'].indexOf(v);
      if (mode < 0) throw fail('Error: argument of "mode" must be "datagram"or "connected"');
      return ['mode', mode];
    },
    umcast: u16('umcast', 'umcast is invalid'),
  },
});

/** iplink_rmnet.c: `mux_id`. */
export const rmnet = helper({
  usage: 'Usage: ... rmnet mux_id MUXID\n\nMUXID := 1-254',
  unknown: 'rmnet: unknown command "%s"?',
  options: { mux_id: u16('muxId', 'mux_id is invalid') },
});

/** iplink_wwan.c: `linkid`. */
export const wwan = helper({
  usage: 'Usage: ... wwan linkid LINKID\n\nWhere: LINKID := 0-4294967295',
  unknown: 'wwan: unknown command "%s"?',
  options: {
    linkid: (v) => {
      const n = unsigned(v, 0xffffffff);
      if (n === undefined) throw invarg('linkid', v);
      return ['linkId', n];
    },
  },
});

const gtpUsage = `Usage: ... gtp role ROLE
		[ hsize HSIZE ]
		[ restart_count RESTART_COUNT ]

Where:	ROLE		:= { sgsn | ggsn }
	HSIZE		:= 1-131071
	RESTART_COUNT	:= 0-255`;

/**
 * iplink_gtp.c: whole words, each once; ip passes over a word it does not know. It asks the kernel to make the
 * sockets first, and a hash size of 1024 last when none is given.
 */
export const gtp: Parser = async (w) => {
  const data: Record<string, unknown> = { createSockets: 1 };
  const given = new Set<string>();
  const check = (word: string, v: string) => {
    if (given.has(word)) throw duparg2(word, v);
    given.add(word);
  };
  for (; !w.done; w.skip()) {
    const a = w.word!;
    if (a === 'role') {
      const v = w.next();
      check(a, v);
      // GTP_ROLE_GGSN 0, GTP_ROLE_SGSN 1.
      const role = ['ggsn', 'sgsn'].indexOf(v);
      if (role < 0) throw invarg('invalid role, use sgsn or ggsn', v);
      data.role = role;
    } else if (a === 'hsize') {
      const v = w.next();
      check(a, v);
      const n = unsigned(v, 0xffffffff);
      if (n === undefined) throw invarg('invalid PDP hash size', v);
      if (n >= 1 << 17) throw invarg('PDP hash size too big', v);
      data.pdpHashsize = n;
    } else if (a === 'restart_count') {
      const v = w.next();
      check(a, v);
      const n = /^\s*[+-]?\d+$/.test(v) ? unsigned(v, 0xff) : undefined;
      if (n === undefined) throw invarg('invalid restart_count', v);
      data.restartCount = n;
    } else if (a === 'help') throw fail(gtpUsage);
  }
  if (!given.has('role')) throw fail('gtp: role of the gtp device was not specified');
  if (!given.has('hsize')) data.pdpHashsize = 1024;
  return { data };
};
