/**
 * conntrack's (1.4.7) checks of which options a command takes, made after the whole line is read and before
 * anything is sent: its table of options needed (1), allowed (2), refused (0) or needed in pairs (3) per command,
 * then the same table of the protocol given with -p, with its messages in its order.
 */
import { usage, type Command, type Parsed } from './conntrack-args.js';
import { moduleOf } from './conntrack-parse.js';

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
  A: '33331120000002200220000202022',
};
const expectRows: Rows = { L: '00000000000000002002', I: '11221120011110000', D: '11221', G: '11221', E: '00000000000000000002' };

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
  // No command: conntrack's row past its table, where every option is refused.
  const command = p.command;
  if (p.given.has('any-nat') && (p.given.has('src-nat') || p.given.has('dst-nat'))) throw usage("cannot specify `--src-nat' or `--dst-nat' with `--any-nat'");
  if (check(p.given, generic, (command === undefined ? '' : (p.expect ? expectRows : conntrackRows)[command]) ?? '')) {
    pair(p.given, [['src', 'dst', "`--src' and `--dst'"], ['reply-src', 'reply-dst', "`--reply-src' and `--reply-dst'"]]);
  }
  // The module of the last -p checks its own options (not with -h).
  const m = moduleOf(p);
  if (m && command !== undefined && command !== 'H' && check(p.given, m.flags, (p.expect ? m.expectRows : m.rows)[command] ?? '') && m.pairs) {
    pair(p.given, [[m.flags[0]!, m.flags[1]!, m.pairs[0]], [m.flags[2]!, m.flags[3]!, m.pairs[1]]]);
  }
  // -L dying and unconfirmed skip the checks of the table's filters (they are applied all the same).
  if (p.expect || p.list || command === undefined || !'LUDE'.includes(command)) return;
  const comparison = ['protonum', 'src', 'dst', 'reply-src', 'reply-dst', 'mark', 'status', 'zone'];
  if (command === 'L' && p.given.has('zero') && comparison.some((o) => p.given.has(o))) throw usage("Can't use -z with filtering parameters");
  for (const side of ['src', 'dst']) if (p.given.has(`mask-${side}`) && !p.given.has(side)) throw usage(`Can't use --mask-${side} without --${side}`);
}
