/**
 * The process events connector (NETLINK_CONNECTOR, CN_IDX_PROC; linux/connector.h, linux/cn_proc.h): no YNL spec
 * exists, so it is declared here by hand. Every message is nlmsg_type NLMSG_DONE: struct cn_msg, then struct
 * proc_event — its header (what, cpu, timestamp), then a union chosen by `what`. The union's members are declared as
 * messages of their own (`fork`, `exec`, …), each decoded from where the union starts (CN_PROC_UNION_OFFSET).
 */
import type { FamilyDecl } from '../../schema/declaration.js';

/** NETLINK_CONNECTOR. */
export const NETLINK_CONNECTOR = 11;
/** CN_IDX_PROC: the connector index of process events, and the multicast group they are sent to. */
export const CN_IDX_PROC = 1;
/** CN_VAL_PROC. */
export const CN_VAL_PROC = 1;
/** Bytes from the start of the message body (after nlmsghdr) to proc_event's union: cn_msg (20) + what, cpu, timestamp (16). */
export const CN_PROC_UNION_OFFSET = 36;

const cnMsg = [
  { name: 'idx', type: 'u32' },
  { name: 'val', type: 'u32' },
  { name: 'seq', type: 'u32' },
  { name: 'ack', type: 'u32' },
  { name: 'len', type: 'u16' },
  { name: 'flags', type: 'u16' },
] as const;

const task = [
  { name: 'processPid', type: 's32' },
  { name: 'processTgid', type: 's32' },
] as const;

/** The declaration of cn_proc's messages. */
export const cnProc = {
  name: 'cn_proc',
  protocol: 'netlink-raw',
  protonum: NETLINK_CONNECTOR,
  constants: {},
  enums: {
    // enum proc_cn_event: `what` holds one; proc_input's event_type a set of them.
    procCnEvent: {
      type: 'enum',
      entries: {
        none: 0, fork: 0x1, exec: 0x2, uid: 0x4, gid: 0x40, sid: 0x80, ptrace: 0x100, comm: 0x200,
        nonzeroExit: 0x20000000, coredump: 0x40000000, exit: 0x80000000,
      },
    },
    procCnMcastOp: { type: 'enum', entries: { listen: 1, ignore: 2 } },
  },
  structs: {
    // struct cn_msg, then struct proc_event up to its union (timestamp_ns is aligned to 8 within proc_event).
    event: {
      members: [
        ...cnMsg,
        { name: 'what', type: 'u32', enum: 'procCnEvent' },
        { name: 'cpu', type: 'u32' },
        { name: 'timestampNs', type: 'u64' },
      ],
    },
    // struct cn_msg, then struct proc_input: what a listener asks for.
    input: {
      members: [
        ...cnMsg,
        { name: 'mcastOp', type: 'u32', enum: 'procCnMcastOp' },
        { name: 'eventType', type: 'u32' },
      ],
    },
    ack: { members: [{ name: 'err', type: 'u32' }] },
    fork: {
      members: [
        { name: 'parentPid', type: 's32' },
        { name: 'parentTgid', type: 's32' },
        { name: 'childPid', type: 's32' },
        { name: 'childTgid', type: 's32' },
      ],
    },
    exec: { members: [...task] },
    // struct id_proc_event: its unions read as ruid/euid for a uid event, rgid/egid for a gid event.
    uid: { members: [...task, { name: 'ruid', type: 'u32' }, { name: 'euid', type: 'u32' }] },
    gid: { members: [...task, { name: 'rgid', type: 'u32' }, { name: 'egid', type: 'u32' }] },
    sid: { members: [...task] },
    ptrace: { members: [...task, { name: 'tracerPid', type: 's32' }, { name: 'tracerTgid', type: 's32' }] },
    comm: { members: [...task, { name: 'comm', type: 'string', len: 16 }] },
    coredump: { members: [...task, { name: 'parentPid', type: 's32' }, { name: 'parentTgid', type: 's32' }] },
    exit: {
      members: [
        ...task,
        { name: 'exitCode', type: 'u32' },
        { name: 'exitSignal', type: 'u32' },
        { name: 'parentPid', type: 's32' },
        { name: 'parentTgid', type: 's32' },
      ],
    },
  },
  attributeSets: {},
  subMessages: {},
  // All are nlmsg_type NLMSG_DONE (3); the union members are read from CN_PROC_UNION_OFFSET, chosen by `what`.
  messages: {
    event: { value: 3, fixedHeader: 'event' },
    input: { value: 3, fixedHeader: 'input' },
    ack: { value: 3, fixedHeader: 'ack' },
    fork: { value: 3, fixedHeader: 'fork' },
    exec: { value: 3, fixedHeader: 'exec' },
    uid: { value: 3, fixedHeader: 'uid' },
    gid: { value: 3, fixedHeader: 'gid' },
    sid: { value: 3, fixedHeader: 'sid' },
    ptrace: { value: 3, fixedHeader: 'ptrace' },
    comm: { value: 3, fixedHeader: 'comm' },
    coredump: { value: 3, fixedHeader: 'coredump' },
    exit: { value: 3, fixedHeader: 'exit' },
  },
  operations: [],
  mcastGroups: { proc: CN_IDX_PROC },
} as const satisfies FamilyDecl;
