/** Per-device IP configuration (RTM_*NETCONF), declared by hand from linux/netconf.h and rtnetlink.h. */
import type { FamilyDecl } from '../../schema/declaration.js';

export const netconfFamily = {
  name: 'rt-netconf',
  protocol: 'netlink-raw',
  protonum: 0,
  // NETCONFA_IFINDEX_ALL and _DEFAULT select the "all" and "default" configuration instead of a device.
  constants: { ifindexAll: -1, ifindexDefault: -2 },
  enums: {},
  structs: {
    netconfmsg: { members: [{ name: 'family', type: 'u8' }, { name: 'pad', type: 'pad', len: 3 }] },
  },
  attributeSets: {
    'netconf-attrs': {
      attributes: [
        { name: 'ifindex', value: 1, type: 's32' },
        { name: 'forwarding', value: 2, type: 's32' },
        { name: 'rpFilter', value: 3, type: 's32' },
        { name: 'mcForwarding', value: 4, type: 's32' },
        { name: 'proxyNeigh', value: 5, type: 's32' },
        { name: 'ignoreRoutesWithLinkdown', value: 6, type: 's32' },
        { name: 'input', value: 7, type: 's32' },
        { name: 'bcForwarding', value: 8, type: 's32' },
      ],
    },
  },
  subMessages: {},
  messages: {
    newnetconf: { value: 80, fixedHeader: 'netconfmsg', attributeSet: 'netconf-attrs' },
    delnetconf: { value: 81, fixedHeader: 'netconfmsg', attributeSet: 'netconf-attrs' },
    getnetconf: { value: 82, fixedHeader: 'netconfmsg', attributeSet: 'netconf-attrs' },
  },
  operations: [
    { name: 'getnetconf', doRequest: 'getnetconf', doReply: 'newnetconf', dumpRequest: 'getnetconf', dumpReply: 'newnetconf' },
  ],
  mcastGroups: { rtnlgrpIpv4Netconf: 24, rtnlgrpIpv6Netconf: 25 },
} as const satisfies FamilyDecl;
