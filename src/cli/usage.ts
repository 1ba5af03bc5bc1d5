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
       nlkit [ -n NETNS ] ui [ --listen HOST:PORT ] [ --allow-remote ]
       nlkit [ -n NETNS ] exporter [ --listen HOST:PORT ]
where  OBJECT := { link | address | maddress | route | neigh | nexthop | rule | netns | monitor | token | mroute | ntable | tcp_metrics | mptcp | stats | genl | ynl }
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
  address: `Usage: nlkit address {add|change|replace} IFADDR dev IFNAME [ LIFETIME ]
                                                      [ CONFFLAG-LIST ]
       nlkit address del IFADDR dev IFNAME [mngtmpaddr]
       nlkit address {save|flush} [ dev IFNAME ] [ scope SCOPE-ID ]
                            [ to PREFIX ] [ FLAG-LIST ] [ label LABEL ] [up]
       nlkit address [ show [ dev IFNAME ] [ scope SCOPE-ID ] [ master DEVICE ]
                         [ nomaster ]
                         [ type TYPE ] [ to PREFIX ] [ FLAG-LIST ]
                         [ label LABEL ] [up] [ vrf NAME ] ]
       nlkit address {showdump|restore}
IFADDR := PREFIX | ADDR peer PREFIX
          [ broadcast ADDR ] [ anycast ADDR ]
          [ label IFNAME ] [ scope SCOPE-ID ] [ metric METRIC ]
SCOPE-ID := [ host | link | global | NUMBER ]
FLAG-LIST := [ FLAG-LIST ] FLAG
FLAG  := [ permanent | dynamic | secondary | primary |
           [-]tentative | [-]deprecated | [-]dadfailed | temporary |
           CONFFLAG-LIST ]
CONFFLAG-LIST := [ CONFFLAG-LIST ] CONFFLAG
CONFFLAG  := [ home | nodad | mngtmpaddr | noprefixroute | autojoin ]
LIFETIME := [ valid_lft LFT ] [ preferred_lft LFT ]
LFT := forever | SECONDS
TYPE := { amt | bareudp | bond | bond_slave | bridge | bridge_slave |
          dsa | dummy | erspan | geneve | gre | gretap | gtp | ifb |
          ip6erspan | ip6gre | ip6gretap | ip6tnl |
          ipip | ipoib | ipvlan | ipvtap |
          macsec | macvlan | macvtap |
          netdevsim | nlmon | rmnet | sit | team | team_slave |
          vcan | veth | vlan | vrf | vti | vxcan | vxlan | wwan |
          xfrm | virt_wifi }
`,
  route: `Usage: nlkit route { list | flush } SELECTOR
       nlkit route save SELECTOR
       nlkit route restore
       nlkit route showdump
       nlkit route get [ ROUTE_GET_FLAGS ] ADDRESS
                            [ from ADDRESS iif STRING ]
                            [ oif STRING ] [ tos TOS ]
                            [ mark NUMBER ] [ vrf NAME ]
                            [ uid NUMBER ] [ ipproto PROTOCOL ]
                            [ sport NUMBER ] [ dport NUMBER ]
       nlkit route { add | del | change | append | replace } ROUTE
SELECTOR := [ root PREFIX ] [ match PREFIX ] [ exact PREFIX ]
            [ table TABLE_ID ] [ vrf NAME ] [ proto RTPROTO ]
            [ type TYPE ] [ scope SCOPE ]
ROUTE := NODE_SPEC [ INFO_SPEC ]
NODE_SPEC := [ TYPE ] PREFIX [ tos TOS ]
             [ table TABLE_ID ] [ proto RTPROTO ]
             [ scope SCOPE ] [ metric METRIC ]
             [ ttl-propagate { enabled | disabled } ]
INFO_SPEC := { NH | nhid ID } OPTIONS FLAGS [ nexthop NH ]...
NH := [ encap ENCAPTYPE ENCAPHDR ] [ via [ FAMILY ] ADDRESS ]
      [ dev STRING ] [ weight NUMBER ] NHFLAGS
FAMILY := [ inet | inet6 | mpls | bridge | link ]
OPTIONS := FLAGS [ mtu NUMBER ] [ advmss NUMBER ] [ as [ to ] ADDRESS ]
           [ rtt TIME ] [ rttvar TIME ] [ reordering NUMBER ]
           [ window NUMBER ] [ cwnd NUMBER ] [ initcwnd NUMBER ]
           [ ssthresh NUMBER ] [ realms REALM ] [ src ADDRESS ]
           [ rto_min TIME ] [ hoplimit NUMBER ] [ initrwnd NUMBER ]
           [ features FEATURES ] [ quickack BOOL ] [ congctl NAME ]
           [ pref PREF ] [ expires TIME ] [ fastopen_no_cookie BOOL ]
TYPE := { unicast | local | broadcast | multicast | throw |
          unreachable | prohibit | blackhole | nat }
TABLE_ID := [ local | main | default | all | NUMBER ]
SCOPE := [ host | link | global | NUMBER ]
NHFLAGS := [ onlink | pervasive ]
RTPROTO := [ kernel | boot | static | NUMBER ]
PREF := [ low | medium | high ]
TIME := NUMBER[s|ms]
BOOL := [1|0]
FEATURES := ecn
ENCAPTYPE := [ mpls | nlkit | ip6 | seg6 | seg6local | rpl | ioam6 | xfrm ]
ENCAPHDR := [ MPLSLABEL | SEG6HDR | SEG6LOCAL | IOAM6HDR | XFRMINFO ]
SEG6HDR := [ mode SEGMODE ] segs ADDR1,ADDRi,ADDRn [hmac HMACKEYID] [cleanup]
SEGMODE := [ encap | encap.red | inline | l2encap | l2encap.red ]
SEG6LOCAL := action ACTION [ OPTIONS ] [ count ]
ACTION := { End | End.X | End.T | End.DX2 | End.DX6 | End.DX4 |
            End.DT6 | End.DT4 | End.DT46 | End.B6 | End.B6.Encaps |
            End.BM | End.S | End.AS | End.AM | End.BPF }
OPTIONS := OPTION [ OPTIONS ]
OPTION := { flavors FLAVORS | srh SEG6HDR | nh4 ADDR | nh6 ADDR | iif DEV | oif DEV |
            table TABLEID | vrftable TABLEID | endpoint PROGNAME }
FLAVORS := { FLAVOR[,FLAVOR] }
FLAVOR := { psp | usp | usd | next-csid }
IOAM6HDR := trace prealloc type IOAM6_TRACE_TYPE ns IOAM6_NAMESPACE size IOAM6_TRACE_SIZE
XFRMINFO := if_id IF_ID [ link_dev LINK ]
ROUTE_GET_FLAGS := [ fibmatch ]
`,
  neigh: `Usage: nlkit neigh { add | del | change | replace }
                { ADDR [ lladdr LLADDR ] [ nud STATE ] proxy ADDR }
                [ dev DEV ] [ router ] [ use ] [ managed ] [ extern_learn ]
                [ protocol PROTO ]

	nlkit neigh { show | flush } [ proxy ] [ to PREFIX ] [ dev DEV ] [ nud STATE ]
				  [ vrf NAME ] [ nomaster ]
	nlkit neigh get { ADDR | proxy ADDR } dev DEV

STATE := { delay | failed | incomplete | noarp | none |
           permanent | probe | reachable | stale }
`,
  nexthop: `Usage: nlkit nexthop { list | flush } [ protocol ID ] SELECTOR
       nlkit nexthop { add | replace } id ID NH [ protocol ID ]
       nlkit nexthop { get | del } id ID
       nlkit nexthop bucket list BUCKET_SELECTOR
       nlkit nexthop bucket get id ID index INDEX
SELECTOR := [ id ID ] [ dev DEV ] [ vrf NAME ] [ master DEV ]
            [ groups ] [ fdb ]
BUCKET_SELECTOR := SELECTOR | [ nhid ID ]
NH := { blackhole | [ via ADDRESS ] [ dev DEV ] [ onlink ]
        [ encap ENCAPTYPE ENCAPHDR ] |
        group GROUP [ fdb ] [ type TYPE [ TYPE_ARGS ] ] }
GROUP := [ <id[,weight]>/<id[,weight]>/... ]
TYPE := { mpath | resilient }
TYPE_ARGS := [ RESILIENT_ARGS ]
RESILIENT_ARGS := [ buckets BUCKETS ] [ idle_timer IDLE ]
                  [ unbalanced_timer UNBALANCED ]
ENCAPTYPE := [ mpls ]
ENCAPHDR := [ MPLSLABEL ]
`,
  rule: `Usage: nlkit rule { add | del } SELECTOR ACTION
       nlkit rule { flush | save | restore }
       nlkit rule [ list [ SELECTOR ]]
SELECTOR := [ not ] [ from PREFIX ] [ to PREFIX ] [ tos TOS ]
            [ fwmark FWMARK[/MASK] ]
            [ iif STRING ] [ oif STRING ] [ pref NUMBER ] [ l3mdev ]
            [ uidrange NUMBER-NUMBER ]
            [ ipproto PROTOCOL ]
            [ sport [ NUMBER | NUMBER-NUMBER ]
            [ dport [ NUMBER | NUMBER-NUMBER ] ]
ACTION := [ table TABLE_ID ]
          [ protocol PROTO ]
          [ nat ADDRESS ]
          [ realms [SRCREALM/]DSTREALM ]
          [ goto NUMBER ]
          SUPPRESSOR
SUPPRESSOR := [ suppress_prefixlength NUMBER ]
              [ suppress_ifgroup DEVGROUP ]
TABLE_ID := [ local | main | default | NUMBER ]
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
  addrlabel: `Usage: nlkit addrlabel { add | del } prefix PREFIX [ dev DEV ] [ label LABEL ]
       nlkit addrlabel [ list | flush | help ]
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
