/**
 * `ip link add|set|change|replace|delete` arguments read as iproute2 6.1's iplink_parse reads them: the same
 * keywords and abbreviations, a bare word taken as the device only where ip takes it, and each refusal in ip's
 * words with ip's exit status, before anything is sent. Kind options after `type KIND` go to link-kind-parse.ts.
 */
import type { LinkFlag, LinkInput } from '../api/links.js';
import { duparg, duparg2, fail, integer, invarg, lladdr, matches, refuse, Words } from './args.js';
import { kindOptions, type LinkLookup } from './link-kind-parse.js';

export type { LinkLookup };
import { UsageError } from './usage.js';

export interface ParsedLink {
  input: LinkInput;
  /** The device acted on (set, change, delete); for add, the new link's name. */
  dev: string | undefined;
  /** `set group N …` without a device: every link of the group. */
  group?: number;
}

/** ip's check_ifname: what the kernel's dev_valid_name takes, as far as ip checks it. */
export const badName = (name: string, max = Infinity) => name === '' || Buffer.byteLength(name) >= max || /[/\s]/.test(name);
const IFNAMSIZ = 16;

const macText = (bytes: number[]) => bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');

/** The flag keywords `ip link set` takes with on|off, and whether `on` sets the flag (arp on clears NOARP). */
const onOffFlags: [string, LinkFlag, boolean][] = [
  ['multicast', 'multicast', true], ['allmulticast', 'allMulti', true], ['promisc', 'promisc', true],
  ['trailers', 'noTrailers', false], ['arp', 'noArp', false],
];

/** iplink.c's on_off(): printed, and the command fails (status 1). */
const onOff = (key: string, value: string) => fail(`Error: argument of "${key}" must be "on" or "off", not "${value}"`);

/** lib/utils.c parse_on_off(): `on` or `off` by abbreviation. */
function parseOnOff(key: string, value: string): boolean {
  if (matches(value, 'off')) return false;
  if (matches(value, 'on')) return true;
  // ip returns parse_one_of's -EINVAL: the command's status is 22.
  throw new UsageError(`Error: argument of "${key}" must be one of "off", "on", not "${value}"`, { status: 22, bare: true });
}

/** ip's link words before `type` (iplink_parse); `create` for add and replace. */
async function parseCommon(w: Words, input: LinkInput, create: boolean, look: LinkLookup, peer: boolean): Promise<{ name?: string; dev?: string; kind?: string; group?: number }> {
  let name: string | undefined;
  let dev: string | undefined;
  let link: string | undefined;
  let index = 0;
  let group = -1;
  let addrLen = 0;
  let moveNetns = false;
  const seen = new Set<string>();
  const once = (key: string, value: string) => {
    if (seen.has(key)) throw duparg(key, value);
    seen.add(key);
  };
  const setFlag = (flag: LinkFlag, on: boolean) => {
    input.flags = { ...input.flags, [flag]: on };
  };
  let kind: string | undefined;
  for (; !w.done; w.skip()) {
    const a = w.word!;
    if (a === 'up' || a === 'down') input.up = a === 'up';
    else if (a === 'name') {
      const v = w.next();
      if (name !== undefined) throw duparg('name', v);
      if (badName(v, IFNAMSIZ)) throw invarg('"name" not a valid ifname', v);
      name = v;
      dev ??= name;
    } else if (a === 'index') {
      const v = w.next();
      if (index) throw duparg('index', v);
      // atoi: leading digits, anything after them ignored.
      index = Number(/^\s*[+-]?\d+/.exec(v)?.[0] ?? 0);
      if (index <= 0) throw invarg('Invalid "index" value', v);
    } else if (matches(a, 'link')) link = w.next();
    else if (matches(a, 'address')) {
      const bytes = lladdr(w.next());
      if (!bytes) throw fail(`"${w.word!}" is invalid lladdr.`);
      addrLen = bytes.length;
      input.address = macText(bytes);
    } else if (matches(a, 'broadcast') || a === 'brd') {
      const bytes = lladdr(w.next());
      if (!bytes) throw fail(`"${w.word!}" is invalid lladdr.`);
      input.broadcast = macText(bytes);
    } else if (matches(a, 'txqueuelen') || a === 'qlen' || matches(a, 'txqlen')) {
      const v = w.next();
      once('txqueuelen', v);
      const n = integer(v);
      if (n === undefined) throw invarg('Invalid "txqueuelen" value\n', v);
      input.txqlen = n >>> 0;
    } else if (a === 'mtu') {
      const v = w.next();
      once('mtu', v);
      const n = integer(v);
      if (n === undefined) throw invarg('Invalid "mtu" value\n', v);
      input.mtu = n >>> 0;
    } else if (a === 'netns') {
      const v = w.next();
      once('netns', v);
      if (look.hasNetns(v)) input.netns = v;
      else {
        const pid = integer(v);
        if (pid === undefined) throw invarg('Invalid "netns" value\n', v);
        input.netns = { pid };
      }
      moveNetns = true;
    } else if (onOffFlags.some(([k]) => k === a)) {
      const [key, flag, onSets] = onOffFlags.find(([k]) => k === a)!;
      const v = w.next();
      if (v !== 'on' && v !== 'off') throw onOff(key, v);
      setFlag(flag, (v === 'on') === onSets);
    } else if (matches(a, 'dynamic')) {
      const v = w.next();
      if (v !== 'on' && v !== 'off') throw onOff('dynamic', v);
      setFlag('dynamic', v === 'on');
    } else if (a === 'carrier') input.carrier = parseOnOff('carrier', w.next());
    else if (a === 'protodown') input.protoDown = parseOnOff('protodown', w.next());
    else if (matches(a, 'master')) {
      const v = w.next();
      if (!(await look.ifindex(v))) throw invarg('Device does not exist\n', v);
      input.master = v;
    } else if (a === 'vrf') {
      const v = w.next();
      if (!(await look.ifindex(v)) || !(await look.isVrf(v))) throw invarg('Not a valid VRF name\n', v);
      input.master = v;
    } else if (matches(a, 'nomaster')) input.master = null;
    else if (matches(a, 'type')) {
      kind = w.next();
      w.skip();
      break;
    } else if (matches(a, 'alias')) {
      const v = w.next();
      if (Buffer.byteLength(v) >= 256) throw invarg('alias too long\n', v);
      input.alias = v;
    } else if (a === 'group') {
      const v = w.next();
      if (group !== -1) throw duparg('group', v);
      const n = v === 'default' ? 0 : integer(v, { min: 0 });
      if (n === undefined) throw invarg('Invalid "group" value\n', v);
      group = n;
      input.group = n;
    } else if (a === 'mode') {
      const v = w.next().toLowerCase();
      if (v !== 'default' && v !== 'dormant') throw invarg('Invalid link mode\n', w.word!);
      input.linkmode = v;
    } else if (a === 'state') {
      const v = w.next().toLowerCase();
      if (!['unknown', 'notpresent', 'down', 'lowerlayerdown', 'testing', 'dormant', 'up'].includes(v)) throw invarg('Invalid operstate\n', w.word!);
      input.operstate = v;
    } else if (matches(a, 'numtxqueues') || matches(a, 'numrxqueues')) {
      const key = matches(a, 'numtxqueues') ? 'numtxqueues' : 'numrxqueues';
      const v = w.next();
      once(key, v);
      const n = integer(v);
      if (n === undefined) throw invarg(`Invalid "${key}" value\n`, v);
      if (key === 'numtxqueues') input.numTxQueues = n >>> 0;
      else input.numRxQueues = n >>> 0;
    } else if (a === 'gso_max_size' || a === 'gso_max_segs' || a === 'gro_max_size') {
      const v = w.next();
      const n = integer(v, { min: 0, max: 0xffffffff });
      if (n === undefined || (a === 'gso_max_segs' && n > 65535)) throw invarg(`Invalid "${a}" value\n`, v);
      if (a === 'gso_max_size') input.gsoMaxSize = n;
      else if (a === 'gso_max_segs') input.gsoMaxSegs = n;
      else input.groMaxSize = n;
    } else if (matches(a, 'link-netns')) {
      const v = w.next();
      once('link-netns/link-netnsid', v);
      const n = await look.netnsid(v);
      if (n < 0) throw invarg('Invalid "link-netns" value\n', v);
      input.linkNetnsid = n;
    } else if (matches(a, 'link-netnsid')) {
      const v = w.next();
      once('link-netns/link-netnsid', v);
      const n = integer(v);
      if (n === undefined) throw invarg('Invalid "link-netnsid" value\n', v);
      input.linkNetnsid = n;
    } else if (['xdp', 'xdpgeneric', 'xdpdrv', 'xdpoffload', 'vf', 'addrgenmode', 'protodown_reason', 'parentdev'].some((k) => a === k || (k === 'addrgenmode' && matches(a, k)))) {
      throw refuse(`"${a}" is not supported by nlkit link.`);
    } else {
      if (matches(a, 'help')) throw refuse(linkUsage);
      const v = a === 'dev' ? w.next() : a;
      if (dev !== name) throw duparg2('dev', v);
      if (badName(v)) throw invarg('"dev" not a valid ifname', v);
      dev = v;
    }
  }
  // `ip link add dev X` and `ip link add name X` both name the new link.
  if (name === undefined) name = dev;
  else if (dev === undefined) dev = name;
  if (dev !== undefined && addrLen && !create) {
    const have = await look.addressLength(dev);
    if (have >= 0 && have !== addrLen) throw fail(`Invalid address length ${addrLen} - must be ${have} bytes`);
  }
  if (index && !create && !moveNetns) throw refuse('index can be used only when creating devices or when moving device to another netns.');
  if (group !== -1 && dev === undefined) {
    if (!w.done) throw refuse(`Garbage instead of arguments "${w.word!} ...". Try "nlkit link help".`);
    if (create) throw refuse('group cannot be used when creating devices.');
    return { group };
  }
  if (!create) {
    if (dev === undefined) throw refuse('Not enough information: "dev" argument is required.');
    if (!peer && !(await look.ifindex(dev))) throw fail(`Cannot find device "${dev}"`);
    if (name !== dev) input.ifname = name;
    if (index) input.newIfindex = index;
  } else {
    if (name !== dev) throw refuse('both "name" and "dev" cannot be used when creating devices.');
    if (link !== undefined) {
      if (!(await look.ifindex(link))) throw fail(`Cannot find device "${link}"`);
      input.link = link;
    }
    if (index) input.ifindex = index;
    if (name !== undefined) input.ifname = name;
  }
  return { ...(name === undefined ? {} : { name }), ...(dev === undefined ? {} : { dev }), ...(kind === undefined ? {} : { kind }) };
}

/** `ip link VERB ARGS`: the input for the library, and the device acted on. */
export async function parseLinkCommand(args: string[], create: boolean, look: LinkLookup): Promise<ParsedLink> {
  const w = new Words(args);
  const input: LinkInput = {};
  const { dev, kind, group } = await parseCommon(w, input, create, look, false);
  if (group !== undefined) return { input, dev: undefined, group };
  if (kind !== undefined) {
    input.kind = kind;
    if (!w.done) {
      if (kind === 'veth' || kind === 'vxcan') {
        if (w.word !== 'peer') {
          // ip prints this usage on standard output, and nothing on its error output.
          process.stdout.write(`Usage: ip link <options> type ${kind} [peer <options>]\nTo get <options> type 'ip link add help'\n`);
          throw fail('');
        }
        w.skip();
        const peer: LinkInput = {};
        const before = w.rest;
        const p = await parseCommon(w, peer, true, look, true);
        if (p.kind !== undefined) throw duparg('type', before[before.length - w.rest.length - 1]!);
        input.peer = peer as LinkInput['peer'];
      } else Object.assign(input, await kindOptions(kind, w, create, look, dev));
    }
  } else if (create) throw fail('Not enough information: "type" argument is required');
  if (!create) delete input.ifindex;
  return { input, dev };
}

export const linkUsage = `Usage: nlkit link add [link DEV | parentdev NAME] [ name ] NAME
		    [ txqueuelen PACKETS ]
		    [ address LLADDR ]
		    [ broadcast LLADDR ]
		    [ mtu MTU ] [index IDX ]
		    [ numtxqueues QUEUE_COUNT ]
		    [ numrxqueues QUEUE_COUNT ]
		    [ netns { PID | NAME } ]
		    type TYPE [ ARGS ]

	nlkit link delete { DEVICE | dev DEVICE | group DEVGROUP } type TYPE [ ARGS ]

	nlkit link { set | change } { DEVICE | dev DEVICE | group DEVGROUP }
			[ { up | down } ]
			[ type TYPE ARGS ]
		[ arp { on | off } ]
		[ dynamic { on | off } ]
		[ multicast { on | off } ]
		[ allmulticast { on | off } ]
		[ promisc { on | off } ]
		[ trailers { on | off } ]
		[ carrier { on | off } ]
		[ txqueuelen PACKETS ]
		[ name NEWNAME ]
		[ address LLADDR ]
		[ broadcast LLADDR ]
		[ mtu MTU ]
		[ netns { PID | NAME } ]
		[ link-netns NAME | link-netnsid ID ]
		[ alias NAME ]
		[ group GROUP ]
		[ master DEVICE ][ vrf NAME ]
		[ nomaster ]
		[ mode { default | dormant } ]
		[ state { unknown | notpresent | down | lowerlayerdown | testing | dormant | up } ]
		[ protodown { on | off } ]
		[ gso_max_size BYTES ] | [ gso_max_segs PACKETS ]
		[ gro_max_size BYTES ]

	nlkit link show [ DEVICE | group GROUP ] [up] [master DEV] [vrf NAME] [type TYPE]

	nlkit link property add dev DEVICE [ altname NAME .. ]
	nlkit link property del dev DEVICE [ altname NAME .. ]

	nlkit link help [ TYPE ]

TYPE := { bridge | bond | dummy | ifb | ipvlan | macvlan | veth | vlan | vrf | vxlan }`;
