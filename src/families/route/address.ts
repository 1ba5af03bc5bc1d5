/** Addresses: the generated rt-addr declaration with ifa_scope by name (RT_SCOPE_*, linux/rtnetlink.h). */
import type { FamilyDecl } from '../../schema/declaration.js';
import { rtScope } from './route.js';
import { rtAddr } from './generated/address.js';

export const addressFamily = {
  ...rtAddr,
  enums: { ...rtAddr.enums, rtScope },
  structs: {
    ...rtAddr.structs,
    ifaddrmsg: {
      members: rtAddr.structs.ifaddrmsg.members.map((m) => (m.name === 'scope' ? { ...m, enum: 'rtScope' as const } : m)),
    },
  },
} as const satisfies FamilyDecl;
