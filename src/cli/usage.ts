/**
 * A command line that cannot be run as written, with the word at fault in the message. `status` is ip's exit
 * status for it: 1 where ip returns a failure, 255 where ip calls exit(-1). `fatal` where ip exits there (exit(-1),
 * and the exit(1) of get_prefix or makeargs), which ends a batch at once, even under -force; by default, status 255.
 * `bare` messages are printed as they are; the others after "Error: ".
 */
export class UsageError extends Error {
  readonly code = 'ERR_USAGE';
  readonly status: number;
  readonly bare: boolean;
  readonly fatal: boolean;
  constructor(message: string, options: { status?: number; bare?: boolean; fatal?: boolean } = {}) {
    super(message);
    this.status = options.status ?? 1;
    this.bare = options.bare ?? false;
    this.fatal = options.fatal ?? this.status === 255;
  }
}

export const mainUsage = `Usage: nlkit [ OPTIONS ] OBJECT { COMMAND | help }
       nlkit [ -force ] -batch FILENAME
       nlkit decode CAPTURE [ --spec YNL_SPEC ]... [ -j ]
where  OBJECT := { link | address | route | neigh | nexthop | rule | netns | monitor | genl | ynl }
       OPTIONS := { -4 | -6 | -d[etails] | -s[tatistics] | -j[son] | -p[retty] | -br[ief] | -o[neline] |
                    -t[imestamp] | -ts[hort] | -n[etns] NAME | -c[olor][={always|auto|never}] | -b[atch] FILE | -force |
                    --record FILE | --replay FILE }
`;

/** `nlkit OBJECT help`, in ip's grammar. */
export const objectUsage: Record<string, string> = {
  link: `Usage: nlkit link add NAME type TYPE [ peer name PEER ] [ mtu MTU ] [ address LLADDR ] [ master DEV ] …
       nlkit link delete { DEV | dev DEV }
       nlkit link set { DEV | dev DEV } [ up | down ] [ mtu MTU ] [ name NAME ] [ address LLADDR ]
                      [ alias ALIAS ] [ txqueuelen N ] [ group N ] [ master DEV | nomaster ] [ netns NAME ]
       nlkit [ -d ] [ -s ] link show [ [ dev ] DEV ]
`,
  address: `Usage: nlkit address { add | change | replace } IFADDR dev IFNAME [ LIFETIME ] [ CONFFLAG-LIST ]
       nlkit address del IFADDR dev IFNAME
       nlkit address flush { dev IFNAME | label LABEL | scope SCOPE | to PREFIX } …
       nlkit [ -d ] [ -s ] address show [ [ dev ] IFNAME ]
IFADDR := PREFIX [ peer PREFIX ] [ broadcast ADDR ] [ label LABEL ] [ scope SCOPE ] [ metric N ]
`,
  route: `Usage: nlkit route { show | list } [ table TABLE_ID ]
       nlkit route flush { table TABLE_ID | dev DEV | proto RTPROTO | cache } …
       nlkit route get ADDRESS [ from ADDRESS ] [ iif DEV ] [ oif DEV ] [ mark NUMBER ]
       nlkit route { add | del | change | append | replace } ROUTE
ROUTE := [ TYPE ] PREFIX [ via ADDRESS ] [ dev DEV ] [ metric N ] [ table TABLE_ID ] [ proto RTPROTO ]
         [ scope SCOPE ] [ src ADDRESS ] [ nhid ID ] [ nexthop via ADDRESS dev DEV weight N … ]
`,
  neigh: `Usage: nlkit neigh { add | del | change | replace } ADDR [ lladdr LLADDR ] [ nud STATE ] [ proxy ] dev DEV
       nlkit neigh { show | flush } [ proxy ] [ dev DEV ] [ nud STATE ]
       nlkit neigh get ADDR dev DEV
`,
  nexthop: `Usage: nlkit nexthop { add | replace } id ID NH
       nlkit nexthop { show | flush } [ id ID | dev DEV | groups | fdb ]
       nlkit nexthop get id ID
       nlkit nexthop del id ID
NH := { blackhole | [ via ADDRESS ] [ dev DEV ] [ onlink ] | group ID[,WEIGHT]/… [ type { mpath | resilient buckets N } ] }
`,
  rule: `Usage: nlkit rule { add | del } SELECTOR ACTION
       nlkit rule { show | flush } [ table TABLE_ID ]
SELECTOR := [ not ] [ from PREFIX ] [ to PREFIX ] [ tos TOS ] [ fwmark MARK[/MASK] ] [ iif DEV ] [ oif DEV ]
            [ pref N ] [ ipproto PROTO ] [ sport PORT ] [ dport PORT ]
ACTION := [ table TABLE_ID | goto N | nop | blackhole | unreachable | prohibit ] [ suppress_prefixlength N ]
`,
  netns: `Usage: nlkit netns list
       nlkit netns add NAME
       nlkit netns set NAME NETNSID
       nlkit netns delete NAME
       nlkit netns identify [ PID ]
       nlkit netns pids NAME
       nlkit netns exec NAME COMMAND…
       nlkit netns list-id
NETNSID := auto | POSITIVE-INT
`,
  monitor: `Usage: nlkit monitor [ all | OBJECTS ] [ FILE ] [ label ] [ all-nsid ]
                  [ dev DEVICE ]
OBJECTS :=  address | link | mroute | neigh | netconf |
            nexthop | nsid | prefix | route | rule | stats
FILE := file FILENAME
`,
  netconf: `Usage: nlkit netconf show [ dev STRING ]
`,
  ynl: `Usage: nlkit ynl SPEC { --do OP | --dump OP } [ --json '{…}' ] [ --create ] [ --excl ] [ --replace ] [ --append ]
       nlkit ynl SPEC --subscribe GROUP
       nlkit ynl SPEC { --list-ops | --list-attrs OP }
       nlkit ynl --list-families
SPEC := { --spec FILE | --family NAME }
NAME := NAME.yaml in $YNL_SPECS or /usr/share/ynl/specs, else a family nlkit ships
`,
};
