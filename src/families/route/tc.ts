/**
 * Traffic control (RTM_*QDISC, *TCLASS, *TFILTER, *CHAIN, *ACTION): the generated tc declaration plus what the 6.12
 * spec gets wrong or leaves out, checked against linux/pkt_sched.h, pkt_cls.h and rtnetlink.h:
 * - struct tc_ratespec has u16 overhead, s16 cell_align and u16 mpu (the spec says u8: 9 bytes instead of 12),
 *   which also misplaces every struct holding one (tc_htb_opt, tc_tbf_qopt, tc_police);
 * - struct tc_stats ends in 4 bytes of padding (its u64 aligns it to 8);
 * - TCA_U32_SEL is a tc_u32_sel header (with a pad byte after nkeys) followed by nkeys tc_u32_key: a binary
 *   attribute here, read and written by tc-u32.ts; so is TCA_U32_PCNT, whose struct is followed by a u64 per key;
 * - TCA_MIRRED_PARMS is struct tc_mirred; htb's xstats are struct tc_htb_xstats;
 * - the action messages (RTM_*ACTION, struct tcamsg, TCA_ROOT_*) are not in the spec at all;
 * - TCA_OPTIONS goes out without NLA_F_NESTED, as tc sends it (but for fq_pie and ets), so requests are tc's bytes;
 * - prio's options are tc_prio_qopt followed by a nested TCA_OPTIONS (nla_parse_nested_compat) holding
 *   TCA_PRIO_MQ; sfb's are a nest holding TCA_SFB_PARMS, not the bare struct;
 * - netem's struct field `loss` (a probability) and its attribute TCA_NETEM_LOSS (a loss model) share a name in
 *   one object: the attribute is `lossModel` here;
 * - cake's overhead is signed;
 * - skbprio (struct tc_skbprio_qopt, a u32 limit) is missing;
 * - mqprio's options are tc_mqprio_qopt followed by attributes (TCA_MQPRIO_*) the spec leaves out; their rate
 *   lists repeat the list's own type inside it;
 * - gred's TCA_GRED_PARMS is struct tc_gred_qopt and TCA_GRED_MAX_P one u32 in requests; tc nests its VQ list, each
 *   taprio schedule entry and (for every kind) TCA_OPTIONS without NLA_F_NESTED;
 * - a class's TCA_OPTIONS can differ from its qdisc's for one kind: hfsc's qdisc options are tc_hfsc_qopt, its
 *   class options service curves (struct tc_service_curve each), so classes have a sub-message of their own;
 * - tc writes action tables (TCA_ACT_TAB, a classifier's TCA_*_ACT) and each action in them without NLA_F_NESTED;
 * - flower: the VLAN ids and the MPLS label are host order, the erspan index and geneve class big-endian, and
 *   TCA_FLOWER_KEY_MPLS_OPTS holds one TCA_FLOWER_KEY_MPLS_OPTS_LSE nest per label stack entry.
 */
import type { FamilyDecl } from '../../schema/declaration.js';
import { tc } from './generated/tc.js';
import { actAttributeSets, actStructs } from './tc-act.js';

const sets = tc.attributeSets;

const ratespec = {
  members: [
    { name: 'cellLog', type: 'u8' },
    { name: 'linklayer', type: 'u8' },
    { name: 'overhead', type: 'u16' },
    { name: 'cellAlign', type: 's16' },
    { name: 'mpu', type: 'u16' },
    { name: 'rate', type: 'u32' },
  ],
} as const;

const tcGenMembers = tc.structs.tcGen.members;

/**
 * A classifier's actions (TCA_*_ACT) and police (TCA_*_POLICE) as tc writes them: the table, each action and the
 * police nest without NLA_F_NESTED.
 */
const plainActs = <A extends { readonly name: string }>(attributes: readonly A[]) => ({
  attributes: attributes.map((a) => ('nested' in a && (a.nested === 'tc-act-attrs' || a.nested === 'tc-police-attrs') ? { ...a, plainNest: true } : a)),
});

export const tcFamily = {
  ...tc,
  structs: {
    ...tc.structs,
    tcRatespec: ratespec,
    tcStats: { members: [...tc.structs.tcStats.members, { name: 'pad', type: 'pad', len: 4 }] },
    tcU32SelHdr: {
      members: [
        { name: 'flags', type: 'u8' },
        { name: 'offshift', type: 'u8' },
        { name: 'nkeys', type: 'u8' },
        { name: 'pad', type: 'pad', len: 1 },
        { name: 'offmask', type: 'u16', byteOrder: 'big-endian' },
        { name: 'off', type: 'u16' },
        { name: 'offoff', type: 's16' },
        { name: 'hoff', type: 's16' },
        { name: 'hmask', type: 'u32', byteOrder: 'big-endian' },
      ],
    },
    tcMirred: { members: [...tcGenMembers, { name: 'eaction', type: 's32' }, { name: 'ifindex', type: 'u32' }] },
    tcHtbXstats: {
      members: [
        { name: 'lends', type: 'u32' },
        { name: 'borrows', type: 'u32' },
        { name: 'giants', type: 'u32' },
        { name: 'tokens', type: 's32' },
        { name: 'ctokens', type: 's32' },
      ],
    },
    tcServiceCurve: { members: [{ name: 'm1', type: 'u32' }, { name: 'd', type: 'u32' }, { name: 'm2', type: 'u32' }] },
    // struct tc_skbprio_qopt (the spec has no skbprio).
    tcSkbprioQopt: { members: [{ name: 'limit', type: 'u32' }] },
    ...actStructs,
    tcamsg: { members: [{ name: 'family', type: 'u8' }, { name: 'pad', type: 'pad', len: 3 }] },
  },
  attributeSets: {
    ...sets,
    // tc 6.1 writes TCA_OPTIONS without NLA_F_NESTED: the same bytes as tc.
    'tc-attrs': { attributes: sets['tc-attrs'].attributes.map((a) => (a.name === 'options' ? { ...a, plainNest: true } : a)) },
    'tc-class-attrs': {
      attributes: sets['tc-attrs'].attributes.map((a) => (a.name === 'options' ? { ...a, plainNest: true, subMessage: 'tc-class-options-msg' } : a)),
    },
    'tc-hfsc-attrs': { attributes: sets['tc-hfsc-attrs'].attributes.map((a) => ({ ...a, struct: 'tcServiceCurve' as const })) },
    'tc-u32-attrs': plainActs(
      sets['tc-u32-attrs'].attributes.map((a) => (a.name === 'sel' || a.name === 'pcnt' ? { name: a.name, value: a.value, type: 'binary' as const } : a)),
    ),
    'tc-basic-attrs': plainActs(sets['tc-basic-attrs'].attributes),
    'tc-bpf-attrs': plainActs(sets['tc-bpf-attrs'].attributes),
    'tc-cgroup-attrs': plainActs(sets['tc-cgroup-attrs'].attributes),
    'tc-flower-attrs': plainActs(
      sets['tc-flower-attrs'].attributes.map((a) => {
        // cls_flower.c reads the VLAN ids and the MPLS label in host order (nla_get_u16/u32).
        if (a.name === 'keyVlanId' || a.name === 'keyCvlanId' || a.name === 'keyMplsLabel') return { name: a.name, value: a.value, type: a.type };
        // TCA_FLOWER_KEY_MPLS_OPTS holds TCA_FLOWER_KEY_MPLS_OPTS_LSE nests, one per label stack entry.
        if (a.name === 'keyMplsOpts') return { ...a, nested: 'tc-flower-key-mpls-opts-attrs' };
        return a;
      }),
    ),
    'tc-flower-key-mpls-opts-attrs': { attributes: [{ name: 'lse', value: 1, type: 'nest', nested: 'tc-flower-key-mpls-opt-attrs', multi: true }] },
    // The erspan index and the geneve class are big-endian (nla_get_be32/be16 in cls_flower.c).
    'tc-flower-key-enc-opt-erspan-attrs': {
      attributes: sets['tc-flower-key-enc-opt-erspan-attrs'].attributes.map((a) => (a.name === 'index' ? { ...a, byteOrder: 'big-endian' as const } : a)),
    },
    'tc-flower-key-enc-opt-geneve-attrs': {
      attributes: sets['tc-flower-key-enc-opt-geneve-attrs'].attributes.map((a) => (a.name === 'class' ? { ...a, byteOrder: 'big-endian' as const } : a)),
    },
    'tc-fw-attrs': plainActs(sets['tc-fw-attrs'].attributes),
    'tc-matchall-attrs': plainActs(sets['tc-matchall-attrs'].attributes),
    'tc-route-attrs': plainActs(sets['tc-route-attrs'].attributes),
    'tc-netem-attrs': {
      attributes: sets['tc-netem-attrs'].attributes.map((a) => (a.name === 'loss' ? { ...a, name: 'lossModel' } : a)),
    },
    // TCA_CAKE_OVERHEAD is an s32 (NLA_S32 in sch_cake.c): overheads go down to -64.
    'tc-cake-attrs': { attributes: sets['tc-cake-attrs'].attributes.map((a) => (a.name === 'overhead' ? { ...a, type: 's32' as const } : a)) },
    'tc-prio-compat-attrs': { attributes: [{ name: 'options', value: 2, type: 'nest', nested: 'tc-prio-attrs', plainNest: true }] },
    'tc-prio-attrs': { attributes: [{ name: 'mq', value: 1, type: 'flag' }] },
    'tc-sfb-attrs': { attributes: [{ name: 'parms', value: 1, type: 'binary', struct: 'tcSfbQopt' }] },
    'tc-mqprio-attrs': {
      attributes: [
        { name: 'mode', value: 1, type: 'u16' },
        { name: 'shaper', value: 2, type: 'u16' },
        { name: 'minRate64', value: 3, type: 'nest', nested: 'tc-mqprio-min-rates' },
        { name: 'maxRate64', value: 4, type: 'nest', nested: 'tc-mqprio-max-rates' },
      ],
    },
    'tc-mqprio-min-rates': { attributes: [{ name: 'rate', value: 3, type: 'u64', multi: true }] },
    'tc-mqprio-max-rates': { attributes: [{ name: 'rate', value: 4, type: 'u64', multi: true }] },
    'tc-gred-attrs': {
      attributes: sets['tc-gred-attrs'].attributes.map((a) =>
        a.name === 'parms' ? { ...a, struct: 'tcGredQopt' as const } : a.name === 'maxP' ? { name: a.name, value: a.value, type: 'u32' as const } : a.name === 'vqList' ? { ...a, plainNest: true } : a,
      ),
    },
    'tca-gred-vq-list-attrs': { attributes: sets['tca-gred-vq-list-attrs'].attributes.map((a) => ({ ...a, plainNest: true })) },
    'tc-taprio-sched-entry-list': { attributes: sets['tc-taprio-sched-entry-list'].attributes.map((a) => ({ ...a, plainNest: true })) },
    // struct tc_skbedit is tc_gen alone (the spec leaves TCA_SKBEDIT_PARMS untyped).
    'tc-act-skbedit-attrs': {
      attributes: sets['tc-act-skbedit-attrs'].attributes.map((a) => (a.name === 'parms' ? { ...a, struct: 'tcGen' as const } : a)),
    },
    'tc-act-mirred-attrs': {
      attributes: sets['tc-act-mirred-attrs'].attributes.map((a) => (a.name === 'parms' ? { ...a, struct: 'tcMirred' as const } : a)),
    },
    ...actAttributeSets,
    'tc-root-attrs': {
      attributes: [
        // tc writes the table and each action in it without NLA_F_NESTED (addattr_nest).
        { name: 'tab', value: 1, type: 'indexed-array', subType: 'nest', nested: 'tc-act-attrs', plainNest: true },
        { name: 'flags', value: 2, type: 'bitfield32' },
        { name: 'count', value: 3, type: 'u32' },
        { name: 'timeDelta', value: 4, type: 'u32' },
        { name: 'extWarnMsg', value: 5, type: 'string' },
      ],
    },
  },
  subMessages: {
    ...tc.subMessages,
    'tc-class-options-msg': { ...tc.subMessages['tc-options-msg'], hfsc: { attributeSet: 'tc-hfsc-attrs' }, ets: { ...tc.subMessages['tc-options-msg'].ets, nested: true } },
    'tc-options-msg': {
      ...tc.subMessages['tc-options-msg'],
      prio: { fixedHeader: 'tcPrioQopt', attributeSet: 'tc-prio-compat-attrs' },
      sfb: { attributeSet: 'tc-sfb-attrs' },
      mqprio: { fixedHeader: 'tcMqprioQopt', attributeSet: 'tc-mqprio-attrs' },
      skbprio: { fixedHeader: 'tcSkbprioQopt' },
      // q_fq_pie.c and q_ets.c ask for NLA_F_NESTED on their TCA_OPTIONS.
      fq_pie: { ...tc.subMessages['tc-options-msg'].fq_pie, nested: true },
      ets: { ...tc.subMessages['tc-options-msg'].ets, nested: true },
    },
    'tca-stats-app-msg': { ...tc.subMessages['tca-stats-app-msg'], htb: { fixedHeader: 'tcHtbXstats' } },
  },
  messages: {
    ...tc.messages,
    newtclass: { ...tc.messages.newtclass, attributeSet: 'tc-class-attrs' },
    deltclass: { ...tc.messages.deltclass, attributeSet: 'tc-class-attrs' },
    gettclass: { ...tc.messages.gettclass, attributeSet: 'tc-class-attrs' },
    gettclassReply: { ...tc.messages.gettclassReply, attributeSet: 'tc-class-attrs' },
    newaction: { value: 48, fixedHeader: 'tcamsg', attributeSet: 'tc-root-attrs' },
    delaction: { value: 49, fixedHeader: 'tcamsg', attributeSet: 'tc-root-attrs' },
    getaction: { value: 50, fixedHeader: 'tcamsg', attributeSet: 'tc-root-attrs' },
  },
} as const satisfies FamilyDecl;
