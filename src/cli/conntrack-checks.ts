/**
 * conntrack's (1.4.7) checks of which options a command takes, made after the whole line is read and before
 * anything is sent: its table of options needed (1), allowed (2), refused (0) or needed in pairs (3) per command,
 * then the same table of the protocol given with -p, with its messages in its order.
 */
import { usage, type Command, type Parsed } from './conntrack-args.js';

/** The options in the order conntrack checks (and names) them. */
const generic = ['src', 'dst', 'reply-src', 'reply-dst', 'protonum', 'timeout', 'status', 'zero', 'event-mask', 'tuple-src', 'tuple-dst', 'mask-src', 'mask-dst', 'nat-range', 'mark', 'id', 'family', 'src-nat', 'dst-nat', 'output', 'secmark', 'buffer-size', 'any-nat', 'zone', 'label', 'label-add', 'label-del', 'orig-zone', 'reply-zone'];

type Rows = Partial<Record<Command, string>>;
/** Per command, a digit per option of `generic` (missing digits are 0). */
const conntrackRows: Rows = {
  L: '22222022000220202222202220022',
  I: '33331120000002200220000202022',
  U: '22222220000220222222000022200',
  D: '22222220000220222222000220022',
  G: '33331000000000020002000020000',
  F: '00000000000000002',
  E: '22222000200220202222222220022',
  H: '00002',
};
const expectRows: Rows = { L: '00000000000000002002', I: '11221120011110000', D: '11221', G: '11221', E: '00000000000000000002' };

/** The protocol modules' options and rows (TCP's and UDP's differ only by --state). */
const portNames = ['sport', 'dport', 'reply-port-src', 'reply-port-dst', 'mask-port-src', 'mask-port-dst', 'state', 'tuple-port-src', 'tuple-port-dst'];
const tcpRows: Rows = { L: '222200200', I: '333300100', U: '222200200', D: '222200200', G: '333300200', E: '222200200' };
const tcpExpectRows: Rows = { I: '110011011', D: '111100000', G: '111100000' };
const udpRows: Rows = { L: '2222', I: '3333', U: '2222', D: '2222', G: '3333', E: '2222' };
const udpExpectRows: Rows = { I: '11001111', D: '1111', G: '1111' };
const greNames = ['srckey', 'dstkey', 'reply-key-src', 'reply-key-dst', 'mask-key-src', 'mask-key-dst', 'tuple-key-src', 'tuple-key-dst'];
const greRows: Rows = { L: '2222', I: '3333', U: '2222', D: '2222', G: '3333', E: '2222' };
const greExpectRows: Rows = { I: '11111111', D: '1111', G: '1111' };
const icmpNames = ['icmp-type', 'icmp-code', 'icmp-id'];
const icmpRows: Rows = { L: '222', I: '112', U: '222', D: '222', G: '112', E: '222' };

/** Runs one table; returns whether a pair (3) was asked for. */
function check(given: ReadonlySet<string>, names: readonly string[], row: string): boolean {
  let pairs = false;
  names.forEach((name, i) => {
    const level = row[i] ?? '0';
    if (!given.has(name) && level === '1') throw usage(`You need to supply the \`--${name}' option for this command`);
    if (given.has(name) && level === '0') throw usage(`Illegal option \`--${name}' with this command`);
    if (level === '3') pairs = true;
  });
  return pairs;
}

/** A pair needed in full: the first of `pairs` given whole, or the message of the first given in part. */
function pair(given: ReadonlySet<string>, pairs: readonly (readonly [string, string, string])[]): void {
  if (pairs.some(([a, b]) => given.has(a) && given.has(b))) return;
  const partial = pairs.find(([a, b]) => given.has(a) || given.has(b)) ?? pairs[0]!;
  throw usage(`you have to specify ${partial[2]}`);
}

/** conntrack's option checks of a parsed line with a command. */
export function checkOptions(p: Parsed): void {
  const command = p.command!;
  if (p.given.has('any-nat') && (p.given.has('src-nat') || p.given.has('dst-nat'))) throw usage("cannot specify `--src-nat' or `--dst-nat' with `--any-nat'");
  if (check(p.given, generic, (p.expect ? expectRows : conntrackRows)[command] ?? '')) {
    pair(p.given, [['src', 'dst', "`--src' and `--dst'"], ['reply-src', 'reply-dst', "`--reply-src' and `--reply-dst'"]]);
  }
  const ports = [['sport', 'dport', "`--sport' and `--dport'"], ['reply-port-src', 'reply-port-dst', "`--reply-src-port' and `--reply-dst-port'"]] as const;
  if (p.proto === 'tcp') {
    if (check(p.given, portNames, (p.expect ? tcpExpectRows : tcpRows)[command] ?? '')) pair(p.given, ports);
  } else if (p.proto === 'udp') {
    const names = portNames.filter((n) => n !== 'state');
    if (check(p.given, names, (p.expect ? udpExpectRows : udpRows)[command] ?? '')) pair(p.given, ports);
  } else if (p.proto === 'gre') {
    // The GRE module's own words for a missing pair (its reply message names options that do not exist).
    if (check(p.given, greNames, (p.expect ? greExpectRows : greRows)[command] ?? '')) pair(p.given, [['srckey', 'dstkey', "`--srckey' and `--dstkey'"], ['reply-key-src', 'reply-key-dst', "`--reply-src-key' and `--reply-dst-key'"]]);
  } else if (p.proto === 'icmp') {
    check(p.given, icmpNames, p.expect ? '' : icmpRows[command] ?? '');
  }
  if (p.expect || !'LUDE'.includes(command)) return;
  const comparison = ['protonum', 'src', 'dst', 'reply-src', 'reply-dst', 'mark', 'status', 'zone'];
  if (command === 'L' && p.given.has('zero') && comparison.some((o) => p.given.has(o))) throw usage("Can't use -z with filtering parameters");
  for (const side of ['src', 'dst']) if (p.given.has(`mask-${side}`) && !p.given.has(side)) throw usage(`Can't use --mask-${side} without --${side}`);
}
