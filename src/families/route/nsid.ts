/** Network namespace ids (RTM_*NSID), declared by hand from linux/net_namespace.h and rtnetlink.h. */
import type { FamilyDecl } from '../../schema/declaration.js';

export const nsidFamily = {
  name: 'rt-nsid',
  protocol: 'netlink-raw',
  protonum: 0,
  // NETNSA_NSID_NOT_ASSIGNED: the peer namespace has no id in this one.
  constants: { nsidNotAssigned: -1 },
  enums: {},
  structs: {
    rtgenmsg: { members: [{ name: 'family', type: 'u8' }, { name: 'pad', type: 'pad', len: 3 }] },
  },
  attributeSets: {
    'nsid-attrs': {
      attributes: [
        { name: 'nsid', value: 1, type: 's32' },
        { name: 'pid', value: 2, type: 'u32' },
        { name: 'fd', value: 3, type: 'u32' },
        { name: 'targetNsid', value: 4, type: 's32' },
        { name: 'currentNsid', value: 5, type: 's32' },
      ],
    },
  },
  subMessages: {},
  messages: {
    newnsid: { value: 88, fixedHeader: 'rtgenmsg', attributeSet: 'nsid-attrs' },
    delnsid: { value: 89, fixedHeader: 'rtgenmsg', attributeSet: 'nsid-attrs' },
    getnsid: { value: 90, fixedHeader: 'rtgenmsg', attributeSet: 'nsid-attrs' },
  },
  operations: [
    { name: 'newnsid', doRequest: 'newnsid', notify: 'newnsid' },
    { name: 'delnsid', doRequest: 'delnsid', notify: 'delnsid' },
    { name: 'getnsid', doRequest: 'getnsid', doReply: 'newnsid', dumpRequest: 'getnsid', dumpReply: 'newnsid' },
  ],
  mcastGroups: { rtnlgrpNsid: 28 },
} as const satisfies FamilyDecl;
