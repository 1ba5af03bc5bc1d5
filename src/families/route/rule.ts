/**
 * Rules: the generated rt-rule declaration, corrected where the 6.12 spec does not match what the kernel
 * sends (linux/fib_rules.h): FRA_SRC/FRA_DST are 4 or 16 bytes (IPv4 or IPv6), not u32; the header's table (the
 * u8 compat value) is `frhTable`, so that the full u32 FRA_TABLE keeps the name `table`; ports in host order.
 */
import type { FamilyDecl } from '../../schema/declaration.js';
import { rtProtocol } from './route.js';
import { rtRule } from './generated/rule.js';

export const ruleFamily = {
  ...rtRule,
  enums: { ...rtRule.enums, rtProtocol },
  structs: {
    ...rtRule.structs,
    fibRuleHdr: {
      members: rtRule.structs.fibRuleHdr.members.map((m) => (m.name === 'table' ? { ...m, name: 'frhTable' } : m)),
    },
  },
  attributeSets: {
    'fib-rule-attrs': {
      attributes: rtRule.attributeSets['fib-rule-attrs'].attributes.map((a) =>
        a.name === 'dst' || a.name === 'src'
          ? { name: a.name, value: a.value, type: 'binary' as const, display: 'ipv4-or-v6' as const }
          : a.name === 'protocol'
            ? { ...a, enum: 'rtProtocol' as const }
            : a),
    },
  },
} as const satisfies FamilyDecl;
