/**
 * The words after `ip link add … type macsec`, read as iproute2 6.1's ipmacsec.c reads them: first an optional SCI
 * (`sci`, or `port` with an optional `address` before it), then whole-word options, with the data in the order ip
 * sends its attributes.
 */
import type { LinkInput } from '../api/links.js';
import { addAttribute } from '../schema/sequence.js';
import { duparg, duparg2, fail, integer, invarg, matches, type Words } from './args.js';
import { ipv4Bytes, unsigned } from './link-kind-tunnel.js';
import { UsageError } from './usage.js';

const usage = `Usage: ... macsec [ [ address <lladdr> ] port { 1..2^16-1 } | sci <u64> ]
                  [ cipher { default | gcm-aes-128 | gcm-aes-256 | gcm-aes-xpn-128 | gcm-aes-xpn-256 } ]
                  [ icvlen { 8..16 } ]
                  [ encrypt { on | off } ]
                  [ send_sci { on | off } ]
                  [ end_station { on | off } ]
                  [ scb { on | off } ]
                  [ protect { on | off } ]
                  [ replay { on | off} window { 0..2^32-1 } ]
                  [ validate { strict | check | disabled } ]
                  [ encodingsa { 0..3 } ]
                  [ offload { mac | phy | off } ]`;

/** MACSEC_DEFAULT_CIPHER_ID and MACSEC_CIPHER_ID_* (linux/if_macsec.h), by ip's names (either case for the named ones). */
const ciphers: Readonly<Record<string, bigint>> = {
  default: 0x0080020001000001n,
  'gcm-aes-128': 0x0080c20001000001n,
  'gcm-aes-256': 0x0080c20001000002n,
  'gcm-aes-xpn-128': 0x0080c20001000003n,
  'gcm-aes-xpn-256': 0x0080c20001000004n,
};

/** The options ip adds where they come, each parse_one_of's list (matched by abbreviation, in ip's order). */
const choices: Readonly<Record<string, [key: string, values: readonly string[]]>> = {
  encrypt: ['encrypt', ['off', 'on']],
  send_sci: ['incSci', ['off', 'on']],
  end_station: ['es', ['off', 'on']],
  scb: ['scb', ['off', 'on']],
  protect: ['protect', ['off', 'on']],
  validate: ['validation', ['disabled', 'check', 'strict']],
  offload: ['offload', ['off', 'phy', 'mac']],
};

/** parse_one_of: the index of the first value the word abbreviates, or ip's message (the command fails). */
function oneOf(word: string, v: string, values: readonly string[]): number {
  const i = values.findIndex((x) => matches(v, x));
  if (i < 0) throw fail(`Error: argument of "${word}" must be one of ${values.map((x) => `"${x}", `).join('')}not "${v}"`);
  return i;
}

/** get_be64(…, 16): strtoull in base 16 (an optional 0x; a minus sign wraps), the whole word. */
function hex64(word: string): bigint | undefined {
  const m = /^\s*([+-]?)(?:0[xX])?([0-9a-fA-F]+)$/.exec(word);
  if (!m) return undefined;
  const n = BigInt(`0x${m[2]!}`);
  if (n > 0xffffffffffffffffn) return undefined;
  return m[1] === '-' ? BigInt.asUintN(64, -n) : n;
}

/** ll_addr_a2n into six bytes: its message names the part it could not read. */
function lladdr6(word: string): number[] {
  // ip cuts the word at each colon as it reads it, so its second message names the word's first part only.
  const bad = (part: string) => new UsageError(`"${part}" is invalid lladdr.\nError: argument "${word.split(':')[0]!}" is wrong: expected lladdr`, { status: 255, bare: true });
  if (word.includes('.')) {
    const b = word.includes(':') ? undefined : ipv4Bytes(word);
    if (!b) throw new UsageError(`"${word}" is invalid lladdr.\nError: argument "${word}" is wrong: expected lladdr`, { status: 255, bare: true });
    return [...b, 0, 0];
  }
  const bytes = [0, 0, 0, 0, 0, 0];
  const parts = word.split(':');
  for (let i = 0; i < 6 && i < parts.length; i++) {
    const m = /^\s*([+-]?)(?:0[xX])?([0-9a-fA-F]+)/.exec(parts[i]!);
    const n = m ? parseInt(m[2]!, 16) * (m[1] === '-' ? -1 : 1) : NaN;
    if (!(n >= 0 && n <= 255)) throw bad(parts[i]!);
    bytes[i] = n;
  }
  return bytes;
}

/** get_sci_portaddr(…, port_only, optional): stops once an SCI is complete (`sci`, or `port`). */
function sciWords(w: Words, data: Record<string, unknown>): void {
  let sci: bigint | undefined;
  let port: number | undefined;
  let addr: number[] | undefined;
  for (; !w.done; ) {
    const a = w.word!;
    if (a === 'sci') {
      if (port !== undefined) throw invarg('expected address', a);
      if (addr !== undefined) throw invarg('expected port', a);
      const v = w.next();
      sci = hex64(v);
      if (sci === undefined) throw invarg('expected sci', v);
    } else if (a === 'port') {
      const v = w.next();
      port = unsigned(v, 0xffff);
      if (port === undefined) throw invarg('expected port', v);
      if (port === 0) throw invarg('expected port != 0', v);
    } else if (a === 'address') addr = lladdr6(w.next());
    else break;
    w.skip();
    if (sci !== undefined || port !== undefined) break;
  }
  if (port !== undefined && addr !== undefined) {
    // make_sci: the six address bytes, then the port in network order.
    sci = [...addr, port >> 8, port & 0xff].reduce((n, b) => (n << 8n) | BigInt(b), 0n);
  }
  if (sci) data.sci = sci;
  else if (sci !== undefined || port !== undefined || addr !== undefined) data.port = port ?? 0;
}

/** macsec_parse_opt. */
export async function macsec(w: Words): Promise<Partial<LinkInput>> {
  const data: Record<string, unknown> = {};
  sciWords(w, data);
  let cipher: bigint | undefined;
  let icvLen: number | undefined;
  let window = 0xffffffff;
  let replay: number | undefined;
  let encodingSa: number | undefined;
  const on: Record<string, number> = {};
  for (; !w.done; w.skip()) {
    const a = w.word!;
    const choice = Object.hasOwn(choices, a) ? choices[a] : undefined;
    if (a === 'cipher') {
      const v = w.next();
      if (cipher !== undefined) throw duparg('cipher', v);
      const id = ciphers[v] ?? (/^GCM-AES-(XPN-)?(128|256)$/.test(v) ? ciphers[v.toLowerCase()] : undefined);
      if (id === undefined) throw invarg('expected: default, gcm-aes-128, gcm-aes-256, gcm-aes-xpn-128 or gcm-aes-xpn-256', v);
      cipher = id;
    } else if (a === 'icvlen') {
      const v = w.next();
      if (icvLen !== undefined) throw duparg('icvlen', v);
      const n = /^\s*[+-]?\d+$/.test(v) ? integer(v, { min: 0, max: 255 }) : undefined;
      if (n === undefined) throw invarg('expected ICV length', v);
      if (n < 8 || n > 16) throw invarg('ICV length must be in the range {8..16}', v);
      icvLen = n;
    } else if (choice) {
      const i = oneOf(a, w.next(), choice[1]);
      addAttribute(data, choice[0], i);
      on[a] = i;
    } else if (a === 'replay') replay = oneOf(a, w.next(), ['off', 'on']);
    else if (a === 'window') {
      const v = w.next();
      const n = unsigned(v, 0xffffffff);
      if (n === undefined) throw invarg('expected replay window size', v);
      window = n;
    } else if (a === 'encodingsa') {
      if (encodingSa !== undefined) throw duparg2('encodingsa', 'encodingsa');
      const v = w.next();
      const n = unsigned(v, 0xff);
      if (n === undefined || n > 3) throw invarg('expected an { 0..3 }', v);
      encodingSa = n;
    } else throw fail(`macsec: unknown command "${a}"?\n${usage}`);
  }
  const es = on.end_station === 1;
  const scb = on.scb === 1;
  if ((on.send_sci === 1 && (es || scb)) || (es && scb)) throw fail('invalid combination of send_sci/end_station/scb');
  if (window !== 0xffffffff && replay === undefined) {
    throw fail(`replay window set, but replay protection not enabled. did you mean 'replay on window ${window}'?`);
  }
  if (window === 0xffffffff && replay === 1) throw fail("replay protection enabled, but no window set. did you mean 'replay on window VALUE'?");
  if (cipher !== undefined) data.cipherSuite = cipher;
  if (icvLen !== undefined) data.icvLen = icvLen;
  if (replay !== undefined) {
    data.window = window;
    data.replayProtect = replay;
  }
  if (encodingSa !== undefined) data.encodingSa = encodingSa;
  return { data };
}
