/** IPv6 address labels (RTM_*ADDRLABEL, RFC 6724 policy), declared by hand from linux/if_addrlabel.h and rtnetlink.h. */
import type { FamilyDecl } from '../../schema/declaration.js';

export const addrlabelFamily = {
  name: 'rt-addrlabel',
  protocol: 'netlink-raw',
  protonum: 0,
  constants: {},
  enums: {},
  structs: {
    ifaddrlblmsg: {
      members: [
        { name: 'family', type: 'u8' },
        { name: 'reserved', type: 'u8' },
        { name: 'prefixlen', type: 'u8' },
        { name: 'flags', type: 'u8' },
        { name: 'index', type: 'u32' },
        { name: 'seq', type: 'u32' },
      ],
    },
  },
  attributeSets: {
    'addrlabel-attrs': {
      attributes: [
        { name: 'address', value: 1, type: 'binary', display: 'ipv6' },
        { name: 'label', value: 2, type: 'u32' },
      ],
    },
  },
  subMessages: {},
  messages: {
    newaddrlabel: { value: 72, fixedHeader: 'ifaddrlblmsg', attributeSet: 'addrlabel-attrs' },
    deladdrlabel: { value: 73, fixedHeader: 'ifaddrlblmsg', attributeSet: 'addrlabel-attrs' },
    getaddrlabel: { value: 74, fixedHeader: 'ifaddrlblmsg', attributeSet: 'addrlabel-attrs' },
  },
  operations: [
    { name: 'newaddrlabel', doRequest: 'newaddrlabel' },
    { name: 'deladdrlabel', doRequest: 'deladdrlabel' },
    { name: 'getaddrlabel', doRequest: 'getaddrlabel', doReply: 'newaddrlabel', dumpRequest: 'getaddrlabel', dumpReply: 'newaddrlabel' },
  ],
  mcastGroups: {},
} as const satisfies FamilyDecl;
