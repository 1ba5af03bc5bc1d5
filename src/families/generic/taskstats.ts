/**
 * TASKSTATS, the per-task and per-thread-group accounting family (linux/taskstats.h): no YNL spec exists, so it is
 * declared here by hand in the same mechanism. struct taskstats is laid out as version 14 has it (432 bytes); newer
 * kernels append fields, which decode as extra bytes and are ignored.
 *
 * @module nlkit/families/taskstats
 */
import type { FamilyDecl } from '../../schema/declaration.js';

/** The TASKSTATS family's declaration: `new YnlFamily(taskstats)` is a typed client of it. */
export const taskstats = {
  name: 'TASKSTATS',
  protocol: 'genetlink',
  protonum: 16,
  version: 1,
  constants: {},
  enums: {},
  structs: {
    taskstats: {
      members: [
        { name: 'version', type: 'u16' },
        { name: 'pad', type: 'pad', len: 2 },
        { name: 'acExitcode', type: 'u32' },
        { name: 'acFlag', type: 'u8' },
        { name: 'acNice', type: 'u8' },
        { name: 'pad', type: 'pad', len: 6 },
        { name: 'cpuCount', type: 'u64' },
        { name: 'cpuDelayTotal', type: 'u64' },
        { name: 'blkioCount', type: 'u64' },
        { name: 'blkioDelayTotal', type: 'u64' },
        { name: 'swapinCount', type: 'u64' },
        { name: 'swapinDelayTotal', type: 'u64' },
        { name: 'cpuRunRealTotal', type: 'u64' },
        { name: 'cpuRunVirtualTotal', type: 'u64' },
        { name: 'acComm', type: 'string', len: 32 },
        { name: 'acSched', type: 'u8' },
        { name: 'pad', type: 'pad', len: 3 },
        { name: 'pad', type: 'pad', len: 4 },
        { name: 'acUid', type: 'u32' },
        { name: 'acGid', type: 'u32' },
        { name: 'acPid', type: 'u32' },
        { name: 'acPpid', type: 'u32' },
        { name: 'acBtime', type: 'u32' },
        { name: 'pad', type: 'pad', len: 4 },
        { name: 'acEtime', type: 'u64' },
        { name: 'acUtime', type: 'u64' },
        { name: 'acStime', type: 'u64' },
        { name: 'acMinflt', type: 'u64' },
        { name: 'acMajflt', type: 'u64' },
        { name: 'coremem', type: 'u64' },
        { name: 'virtmem', type: 'u64' },
        { name: 'hiwaterRss', type: 'u64' },
        { name: 'hiwaterVm', type: 'u64' },
        { name: 'readChar', type: 'u64' },
        { name: 'writeChar', type: 'u64' },
        { name: 'readSyscalls', type: 'u64' },
        { name: 'writeSyscalls', type: 'u64' },
        { name: 'readBytes', type: 'u64' },
        { name: 'writeBytes', type: 'u64' },
        { name: 'cancelledWriteBytes', type: 'u64' },
        { name: 'nvcsw', type: 'u64' },
        { name: 'nivcsw', type: 'u64' },
        { name: 'acUtimescaled', type: 'u64' },
        { name: 'acStimescaled', type: 'u64' },
        { name: 'cpuScaledRunRealTotal', type: 'u64' },
        { name: 'freepagesCount', type: 'u64' },
        { name: 'freepagesDelayTotal', type: 'u64' },
        { name: 'thrashingCount', type: 'u64' },
        { name: 'thrashingDelayTotal', type: 'u64' },
        { name: 'acBtime64', type: 'u64' },
        { name: 'compactCount', type: 'u64' },
        { name: 'compactDelayTotal', type: 'u64' },
        { name: 'acTgid', type: 'u32' },
        { name: 'pad', type: 'pad', len: 4 },
        { name: 'acTgetime', type: 'u64' },
        { name: 'acExeDev', type: 'u64' },
        { name: 'acExeInode', type: 'u64' },
        { name: 'wpcopyCount', type: 'u64' },
        { name: 'wpcopyDelayTotal', type: 'u64' },
        { name: 'irqCount', type: 'u64' },
        { name: 'irqDelayTotal', type: 'u64' },
      ],
    },
  },
  attributeSets: {
    // TASKSTATS_CMD_ATTR_*: what a request asks for.
    'cmd-attrs': {
      attributes: [
        { name: 'pid', value: 1, type: 'u32' },
        { name: 'tgid', value: 2, type: 'u32' },
        { name: 'registerCpumask', value: 3, type: 'string' },
        { name: 'deregisterCpumask', value: 4, type: 'string' },
      ],
    },
    // TASKSTATS_TYPE_*: what a reply carries.
    'type-attrs': {
      attributes: [
        { name: 'pid', value: 1, type: 'u32' },
        { name: 'tgid', value: 2, type: 'u32' },
        { name: 'stats', value: 3, type: 'binary', struct: 'taskstats' },
        { name: 'aggrPid', value: 4, type: 'nest', nested: 'type-attrs' },
        { name: 'aggrTgid', value: 5, type: 'nest', nested: 'type-attrs' },
        { name: 'null', value: 6, type: 'flag' },
      ],
    },
  },
  subMessages: {},
  messages: {
    get: { value: 1, attributeSet: 'cmd-attrs' },
    new: { value: 2, attributeSet: 'type-attrs' },
  },
  operations: [{ name: 'get', doRequest: 'get', doReply: 'new', notify: 'new' }],
  mcastGroups: {},
} as const satisfies FamilyDecl;
