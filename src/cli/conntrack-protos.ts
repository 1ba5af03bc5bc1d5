/**
 * conntrack's (1.4.7) protocol modules as its -p loads them: each one's long options (numbered as the module numbers
 * them), the names its checks print, its table of options needed/allowed/refused per command, its words for a
 * missing pair, and its -h lines.
 */
import type { Command } from './conntrack-args.js';

/** A protocol module of conntrack. */
export interface ProtoModule {
  name: string;
  /** Long options: name and the module's number for it (several names may share one). */
  options: readonly (readonly [string, number])[];
  /** The names the checks print, by number − 1. */
  flags: readonly string[];
  /** Per command, a digit per flag (0 refused, 1 needed, 2 allowed, 3 in pairs); missing digits are 0. */
  rows: Partial<Record<Command, string>>;
  expectRows: Partial<Record<Command, string>>;
  /** The messages of a missing pair: original, reply. */
  pairs?: readonly [string, string];
  help: readonly string[];
}

const portHelp = ['  --orig-port-src\t\toriginal source port', '  --orig-port-dst\t\toriginal destination port', '  --reply-port-src\t\treply source port', '  --reply-port-dst\t\treply destination port',
  '  --mask-port-src\t\tmask source port', '  --mask-port-dst\t\tmask destination port', '  --tuple-port-src\t\texpectation tuple src port', '  --tuple-port-src\t\texpectation tuple dst port'];
const portOptions = [['orig-port-src', 1], ['sport', 1], ['orig-port-dst', 2], ['dport', 2], ['reply-port-src', 3], ['reply-port-dst', 4], ['mask-port-src', 5], ['mask-port-dst', 6]] as const;
const portFlags = ['sport', 'dport', 'reply-port-src', 'reply-port-dst', 'mask-port-src', 'mask-port-dst'];
const portPairs: readonly [string, string] = ["`--sport' and `--dport'", "`--reply-src-port' and `--reply-dst-port'"];
const udpRows = { L: '2222', I: '3333', U: '2222', D: '2222', G: '3333', E: '2222', A: '3333' };
const udpExpect = { I: '11001111', D: '1111', G: '1111' };
const icmpRows = { L: '222', I: '112', U: '222', D: '222', G: '112', E: '222', A: '112' };

const udp = (name: string): ProtoModule => ({
  name, options: [...portOptions, ['tuple-port-src', 7], ['tuple-port-dst', 8]], flags: [...portFlags, 'tuple-port-src', 'tuple-port-dst'],
  rows: udpRows, expectRows: udpExpect, pairs: portPairs, help: portHelp,
});
const stated = (name: string, extra: readonly (readonly [string, number])[], extraFlags: string[], rows: ProtoModule['rows'], expectRows: ProtoModule['expectRows'], help: string[], pairs = portPairs): ProtoModule => ({
  name, options: [...portOptions, ['state', 7], ['tuple-port-src', 8], ['tuple-port-dst', 9], ...extra], flags: [...portFlags, 'state', 'tuple-port-src', 'tuple-port-dst', ...extraFlags], rows, expectRows, pairs, help,
});
const icmp = (name: string): ProtoModule => ({
  name, options: [[`${name}-type`, 1], [`${name}-code`, 2], [`${name}-id`, 3]], flags: [`${name}-type`, `${name}-code`, `${name}-id`], rows: icmpRows, expectRows: {},
  help: [`  --${name}-type\t\t\t${name} type`, `  --${name}-code\t\t\t${name} code`, `  --${name}-id\t\t\t${name} id`],
});

/** The modules by the protocol's name, as conntrack registers them. */
export const MODULES: Readonly<Record<string, ProtoModule>> = {
  tcp: stated('tcp', [], [], { L: '222200200', I: '333300100', U: '222200200', D: '222200200', G: '333300200', E: '222200200', A: '333300100' }, { I: '110011011', D: '1111', G: '1111' }, [...portHelp, '  --state\t\t\tTCP state, fe. ESTABLISHED']),
  udp: udp('udp'),
  udplite: udp('udplite'),
  sctp: stated('sctp', [['orig-vtag', 10], ['reply-vtag', 11]], ['orig-vtag', 'reply-vtag'],
    { L: '22220020000', I: '33330010011', U: '22220020022', D: '22220020000', G: '33330020022', E: '22220020000', A: '33330010011' }, { I: '11001101111', D: '1111', G: '1111' },
    [...portHelp, '  --state\t\t\tSCTP state, fe. ESTABLISHED', '  --orig-vtag\t\toriginal verification tag', '  --reply-vtag\t\treply verification tag']),
  dccp: stated('dccp', [['role', 10]], ['role'],
    { L: '2222002000', I: '3333001001', U: '2222002000', D: '2222002000', G: '3333002000', E: '2222002000', A: '3333001001' }, { I: '1100110111', D: '1111', G: '1111' },
    [...portHelp, '  --state\t\t\tDCCP state, fe. RESPOND'], ["`--sport' and `--dport'", "`--reply-port-src' and `--report-port-dst'"]),
  icmp: icmp('icmp'),
  icmpv6: icmp('icmpv6'),
  gre: {
    name: 'gre',
    options: [['orig-key-src', 1], ['srckey', 1], ['orig-key-dst', 2], ['dstkey', 2], ['reply-key-src', 3], ['reply-key-dst', 4], ['mask-key-src', 5], ['mask-key-dst', 6], ['tuple-key-src', 7], ['tuple-key-dst', 8]],
    flags: ['srckey', 'dstkey', 'reply-key-src', 'reply-key-dst', 'mask-key-src', 'mask-key-dst', 'tuple-key-src', 'tuple-key-dst'],
    rows: udpRows, expectRows: { I: '11111111', D: '1111', G: '1111' },
    // The GRE module's own words for a missing pair (its reply message names options that do not exist).
    pairs: ["`--srckey' and `--dstkey'", "`--reply-src-key' and `--reply-dst-key'"],
    help: ['  --orig-key-src\t\toriginal source key', '  --orig-key-dst\t\toriginal destination key', '  --reply-key-src\t\treply source key', '  --reply-key-dst\t\treply destination key',
      '  --mask-key-src\t\tmask source key', '  --mask-key-dst\t\tmask destination key', '  --tuple-key-src\t\texpectation tuple src key', '  --tuple-key-src\t\texpectation tuple dst key'],
  },
};

/** The module of a protocol without one: no options, no checks. */
export const UNKNOWN: ProtoModule = { name: 'unknown', options: [], flags: [], rows: {}, expectRows: {}, help: ['  no options (unsupported)'] };

/** conntrack's -h: its usage text. */
export const USAGE = `Command line interface for the connection tracking system. Version 1.4.7
Usage: conntrack [commands] [options]

Commands:
  -L [table] [options]\t\tList conntrack or expectation table
  -G [table] parameters\t\tGet conntrack or expectation
  -D [table] parameters\t\tDelete conntrack or expectation
  -I [table] parameters\t\tCreate a conntrack or expectation
  -U [table] parameters\t\tUpdate a conntrack
  -E [table] [options]\t\tShow events
  -F [table]\t\t\tFlush table
  -C [table]\t\t\tShow counter
  -S\t\t\t\tShow statistics

Tables: conntrack, expect, dying, unconfirmed

Conntrack parameters and options:
  -n, --src-nat ip\t\t\tsource NAT ip
  -g, --dst-nat ip\t\t\tdestination NAT ip
  -j, --any-nat ip\t\t\tsource or destination NAT ip
  -m, --mark mark\t\t\tSet mark
  -c, --secmark secmark\t\t\tSet selinux secmark
  -e, --event-mask eventmask\t\tEvent mask, eg. NEW,DESTROY
  -z, --zero \t\t\t\tZero counters while listing
  -o, --output type[,...]\t\tOutput format, eg. xml
  -l, --label label[,...]\t\tconntrack labels

Expectation parameters and options:
  --tuple-src ip\tSource address in expect tuple
  --tuple-dst ip\tDestination address in expect tuple

Updating parameters and options:
  --label-add label\tAdd label
  --label-del label\tDelete label

Common parameters and options:
  -s, --src, --orig-src ip\t\tSource address from original direction
  -d, --dst, --orig-dst ip\t\tDestination address from original direction
  -r, --reply-src ip\t\tSource addres from reply direction
  -q, --reply-dst ip\t\tDestination address from reply direction
  -p, --protonum proto\t\tLayer 4 Protocol, eg. 'tcp'
  -f, --family proto\t\tLayer 3 Protocol, eg. 'ipv6'
  -t, --timeout timeout\t\tSet timeout
  -u, --status status\t\tSet status, eg. ASSURED
  -w, --zone value\t\tSet conntrack zone
  --orig-zone value\t\tSet zone for original direction
  --reply-zone value\t\tSet zone for reply direction
  -b, --buffer-size\t\tNetlink socket buffer size
  --mask-src ip\t\t\tSource mask address
  --mask-dst ip\t\t\tDestination mask address

`;
