import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

/*
 * Every entry point of the raw addon, called with wrong types, counts and ranges, on closed sockets and with
 * closed and negative fds. Each call must throw what a model of its declared parameters says — a TypeError or
 * RangeError with Node's code, or the system call's errno — and nothing may crash. The calls run in a child
 * process, so a crash is a failing test that names the call, not a dead test runner.
 */

type Outcome = string;
type Param =
  | { name: string; kind: 'int'; min: number; max: number; nullable?: boolean; unbounded?: boolean }
  | { name: string; kind: 'string'; nullable: boolean }
  | { name: string; kind: 'function' }
  | { name: string; kind: 'array'; type: typeof Uint8Array | typeof Uint32Array; min: number };
interface EntryPoint {
  name: string;
  params: Param[];
  valid: unknown[];
}

const I32 = { min: -(2 ** 31), max: 2 ** 31 - 1 };
const U32 = { min: 0, max: 2 ** 32 - 1 };
const FD = { min: 0, max: 2 ** 31 - 1 };
const UNUSED_FD = 2 ** 31 - 1;
const MISSING = '/nonexistent/nlkit-misuse';
const SOL_SOCKET = 1;
const SO_PASSCRED = 16;
const SOL_NETLINK = 270;
const NLMSG_NOOP = 1;
const NLM_F_REQUEST = 1;
const NLM_F_ACK = 4;

const moduleFunctions: EntryPoint[] = [
  {
    name: 'openSocket',
    params: [
      { name: 'protocol', kind: 'int', ...FD },
      { name: 'path', kind: 'string', nullable: true },
      { name: 'fd', kind: 'int', ...FD, nullable: true },
    ],
    valid: [0, null, null],
  },
  {
    name: 'mount',
    params: [
      { name: 'source', kind: 'string', nullable: true },
      { name: 'target', kind: 'string', nullable: false },
      { name: 'fstype', kind: 'string', nullable: true },
      { name: 'flags', kind: 'int', ...U32 },
      { name: 'data', kind: 'string', nullable: true },
    ],
    valid: [null, MISSING, null, 0, null],
  },
  {
    name: 'umount',
    params: [
      { name: 'target', kind: 'string', nullable: false },
      { name: 'flags', kind: 'int', ...FD },
    ],
    valid: [MISSING, 0],
  },
  { name: 'closeFd', params: [{ name: 'fd', kind: 'int', ...FD }], valid: [UNUSED_FD] },
  { name: 'enterNetns', params: [{ name: 'fd', kind: 'int', ...FD }], valid: [UNUSED_FD] },
  { name: 'openInNetns', params: [{ name: 'fd', kind: 'int', ...FD }, { name: 'file', kind: 'string', nullable: false }], valid: [UNUSED_FD, MISSING] },
  {
    name: 'ifreqIoctl',
    params: [
      { name: 'fd', kind: 'int', ...FD, nullable: true },
      { name: 'domain', kind: 'int', min: 1, max: 2 ** 31 - 1 },
      { name: 'request', kind: 'int', ...U32 },
      { name: 'ifreq', kind: 'array', type: Uint8Array, min: 40 },
    ],
    valid: [UNUSED_FD, 2, 0, new Uint8Array(40)],
  },
];

const noop = (flags = 0): Uint8Array => {
  const b = Buffer.alloc(16);
  b.writeUInt32LE(16, 0);
  b.writeUInt16LE(NLMSG_NOOP, 4);
  b.writeUInt16LE(NLM_F_REQUEST | flags, 6);
  return b;
};

/** Methods of a socket; `needsOpen`: a closed socket makes them fail with EBADF. */
const socketMethods: (EntryPoint & { needsOpen: boolean })[] = [
  { name: 'bind', params: [{ name: 'portId', kind: 'int', ...U32 }, { name: 'groups', kind: 'int', ...U32 }], valid: [0, 0], needsOpen: true },
  { name: 'portId', params: [], valid: [], needsOpen: true },
  {
    name: 'setOption',
    params: [{ name: 'level', kind: 'int', ...I32 }, { name: 'name', kind: 'int', ...I32 }, { name: 'value', kind: 'int', ...I32 }],
    valid: [SOL_NETLINK, 0x7fff, 1],
    needsOpen: true,
  },
  { name: 'getOption', params: [{ name: 'level', kind: 'int', ...I32 }, { name: 'name', kind: 'int', ...I32 }], valid: [SOL_NETLINK, 0x7fff], needsOpen: true },
  {
    name: 'send',
    params: [{ name: 'buf', kind: 'array', type: Uint8Array, min: 0 }, { name: 'portId', kind: 'int', ...U32 }, { name: 'groups', kind: 'int', ...U32 }],
    valid: [noop(), 0, 0],
    needsOpen: true,
  },
  { name: 'sendQueued', params: [{ name: 'buf', kind: 'array', type: Uint8Array, min: 0 }, { name: 'done', kind: 'function' }], valid: [noop(), () => {}], needsOpen: true },
  { name: 'readAhead', params: [{ name: 'count', kind: 'int', min: 0, max: 2 ** 31 - 1, unbounded: true }], valid: [0], needsOpen: true },
  { name: 'recv', params: [{ name: 'info', kind: 'array', type: Uint32Array, min: 4 }], valid: [new Uint32Array(4)], needsOpen: true },
  { name: 'poll', params: [{ name: 'callback', kind: 'function' }], valid: [() => {}], needsOpen: true },
  { name: 'pause', params: [], valid: [], needsOpen: false },
  { name: 'ref', params: [], valid: [], needsOpen: false },
  { name: 'unref', params: [], valid: [], needsOpen: false },
  { name: 'close', params: [], valid: [], needsOpen: false },
];

const wrongValues: [string, unknown][] = [
  ['undefined', undefined], ['null', null], ["'1'", '1'], ["''", ''], ['true', true], ['{}', {}], ['[]', []], ['1n', 1n],
  ['Symbol()', Symbol('x')], ['a function', () => {}], ['NaN', NaN], ['Infinity', Infinity], ['-Infinity', -Infinity],
  ['-1', -1], ['1.5', 1.5], ['2**31', 2 ** 31], ['2**32', 2 ** 32], ['2**32 + 3', 2 ** 32 + 3], ['-(2**31) - 1', -(2 ** 31) - 1],
  ['2**53', 2 ** 53], ["'a\\0b'", 'a\0b'], ['Uint8Array(16)', new Uint8Array(16)], ['Uint8ClampedArray(16)', new Uint8ClampedArray(16)],
  ['Uint16Array(8)', new Uint16Array(8)], ['Uint32Array(3)', new Uint32Array(3)], ['Uint32Array(4)', new Uint32Array(4)],
  ['DataView', new DataView(new ArrayBuffer(16))],
];

const TYPE = 'TypeError ERR_INVALID_ARG_TYPE';
const RANGE = 'RangeError ERR_OUT_OF_RANGE';

/** What a value given for a parameter must make the call do: null where the value is acceptable. */
function expected(p: Param, v: unknown): Outcome | null {
  switch (p.kind) {
    case 'int':
      if (p.nullable && v == null) return null;
      if (typeof v !== 'number') return TYPE;
      if (p.unbounded && v >= p.max) return null;
      return Number.isInteger(v) && v >= p.min && v <= p.max ? null : RANGE;
    case 'string':
      if (p.nullable && v == null) return null;
      if (typeof v !== 'string') return TYPE;
      return v.includes('\0') ? 'TypeError ERR_INVALID_ARG_VALUE' : null;
    case 'function':
      return typeof v === 'function' ? null : TYPE;
    case 'array':
      if (!(v instanceof p.type)) return TYPE;
      return v.length < p.min ? RANGE : null;
  }
}

const errnoNames = new Map(Object.entries(os.constants.errno).map(([name, errno]) => [errno, name]));

function outcome(call: () => unknown): Outcome {
  try {
    call();
    return 'ok';
  } catch (e) {
    if (!(e instanceof Error)) return `threw ${String(e)}`;
    const { code, errno } = e as { code?: unknown; errno?: unknown };
    return `${e.name} ${typeof code === 'string' ? code : typeof errno === 'number' ? errnoNames.get(errno) : '(no code)'}`;
  }
}

interface Check {
  call: string;
  want: Outcome;
  got: Outcome;
}

async function child(): Promise<void> {
  const raw = createRequire(import.meta.url)('../../../build/Release/nlkit.node') as Record<string, (...args: unknown[]) => unknown>;
  const checks: Check[] = [];
  const check = (call: string, want: Outcome, fn: () => unknown): void => {
    process.stdout.write(`call ${call}\n`);
    checks.push({ call, want, got: outcome(fn) });
  };
  type Socket = Record<string, (...args: unknown[]) => unknown> & { fd: number };
  const open = (): Socket => raw.openSocket!(0, null, null) as Socket;

  // Each parameter of each entry point, given each wrong value; missing ones are undefined.
  const sock = open();
  sock.bind!(0, 0);
  const targets: [string, (...args: unknown[]) => unknown, EntryPoint][] = [
    ...moduleFunctions.map((f): [string, (...args: unknown[]) => unknown, EntryPoint] => [f.name, raw[f.name]!, f]),
    ...socketMethods.map((m): [string, (...args: unknown[]) => unknown, EntryPoint] => [`socket.${m.name}`, (...a) => sock[m.name]!(...a), m]),
  ];
  for (const [label, fn, entry] of targets) {
    entry.params.forEach((p, i) => {
      for (const [text, v] of wrongValues) {
        const want = expected(p, v);
        if (want === null) continue;
        const args = entry.valid.map((valid, k) => (k === i ? v : valid));
        check(`${label}(${p.name} = ${text})`, want, () => fn(...args));
      }
    });
    const missing = entry.params.map((p) => expected(p, undefined)).find((want) => want !== null);
    if (missing) check(`${label}() with no arguments`, missing, () => fn());
  }
  check('openSocket(0, path, fd): both at once', 'TypeError ERR_INVALID_ARG_VALUE', () => raw.openSocket!(0, '/proc/self/ns/net', 3));
  check('socket.readAhead(Infinity): no limit', 'ok', () => sock.readAhead!(Infinity));
  check('socket.readAhead(0): stop', 'ok', () => sock.readAhead!(0));
  check('socket.portId(1, 2, 3): extra arguments are ignored', 'ok', () => sock.portId!(1, 2, 3));

  // Strings are taken whole: a path longer than PATH_MAX reaches the kernel, which refuses it, rather than its
  // first 4095 bytes — here a valid path — being used.
  const long = '/'.repeat(4096 - '/proc/self/ns/net'.length - 1) + '/proc/self/ns/net' + '/x';
  check('openSocket(0, a path longer than PATH_MAX)', 'Error ENAMETOOLONG', () => raw.openSocket!(0, long, null));
  check('mount(target longer than PATH_MAX)', 'Error ENAMETOOLONG', () => raw.mount!(null, long, 'none', 4096, null));
  check('umount(target longer than PATH_MAX)', 'Error ENAMETOOLONG', () => raw.umount!(long, 0));

  // `this` must be one of the addon's sockets.
  const made = Reflect.construct(sock.constructor as new () => object, []);
  const strangers: [string, unknown][] = [
    ['undefined', undefined], ['{}', {}], ['42', 42], ['Object.create(socket)', Object.create(sock)], ['new socket.constructor()', made],
  ];
  for (const m of socketMethods) {
    for (const [text, self] of strangers) {
      check(`socket.${m.name}.call(${text})`, 'TypeError ERR_INVALID_THIS', () => Reflect.apply(sock[m.name]!, self, m.valid));
    }
  }
  const fdGetter = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(sock), 'fd')!.get!;
  check('the fd getter on {}', 'TypeError ERR_INVALID_THIS', () => Reflect.apply(fdGetter, {}, []));

  // Closed sockets and fds.
  const closed = open();
  closed.close!();
  for (const m of socketMethods) check(`closed socket.${m.name}`, m.needsOpen ? 'Error EBADF' : 'ok', () => closed[m.name]!(...m.valid));
  check('closed socket.fd', 'ok', () => assert.equal(closed.fd, -1));
  const closedFd = fs.openSync('/proc/self/ns/net', 'r');
  fs.closeSync(closedFd);
  check('closeFd(a closed fd)', 'Error EBADF', () => raw.closeFd!(closedFd));
  check('enterNetns(a closed fd)', 'Error EBADF', () => raw.enterNetns!(closedFd));
  check('openInNetns(a closed fd)', 'Error EBADF', () => raw.openInNetns!(closedFd, '/proc/thread-self/net/igmp'));
  check('ifreqIoctl(a closed fd)', 'Error EBADF', () => raw.ifreqIoctl!(closedFd, 2, 0x8931, new Uint8Array(40)));
  check('openSocket(0, null, a closed fd)', 'Error EBADF', () => raw.openSocket!(0, null, closedFd));
  const notNs = fs.openSync('/proc/self/stat', 'r');
  check('enterNetns(an fd that is no namespace)', 'Error EINVAL', () => raw.enterNetns!(notNs));
  fs.closeSync(notNs);

  // A wrong callback leaves the last good one in place: the next datagram reaches it.
  const polled = open();
  polled.bind!(0, 0);
  polled.setOption!(SOL_SOCKET, SO_PASSCRED, 1);
  const readable = new Promise<string>((resolve) => polled.poll!((event: string) => resolve(event)));
  check('socket.poll(42) after poll(fn)', TYPE, () => polled.poll!(42));
  check('socket.poll({}) after poll(fn)', TYPE, () => polled.poll!({}));
  check('socket.send(an acked NLMSG_NOOP)', 'ok', () => polled.send!(noop(NLM_F_ACK), 0, 0));
  let timer: NodeJS.Timeout | undefined;
  const event = await Promise.race([readable, new Promise((resolve) => (timer = setTimeout(resolve, 5000, 'nothing in 5 s')))]);
  clearTimeout(timer);
  check('the first poll callback hears the answer', 'ok', () => assert.equal(event, 'readable'));
  check('socket.recv (with SO_PASSCRED adding control data)', 'ok', () => assert.ok(Buffer.isBuffer(polled.recv!(new Uint32Array(4)))));
  polled.close!();
  sock.close!();
  process.stdout.write(`result ${JSON.stringify(checks)}\n`);
}

if (process.env.NLKIT_MISUSE_CHILD) {
  await child();
} else {
  test('every addon entry point refuses wrong arguments, this, and closed or negative fds with typed errors and never crashes', async () => {
    const { code, signal, out } = await new Promise<{ code: number | null; signal: string | null; out: string }>((resolve, reject) => {
      const c = spawn(process.execPath, [fileURLToPath(import.meta.url)], {
        env: { ...process.env, NLKIT_MISUSE_CHILD: '1' },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      c.stdout.on('data', (d: Buffer) => (out += d.toString()));
      c.on('error', reject);
      c.on('close', (code, signal) => resolve({ code, signal, out }));
    });
    const lines = out.trim().split('\n');
    const last = lines.at(-1) ?? '';
    assert.ok(code === 0 && last.startsWith('result '), `the child died (code ${code}, signal ${signal}) at: ${last}`);
    const checks = JSON.parse(last.slice('result '.length)) as Check[];
    assert.ok(checks.length > 500, `only ${checks.length} calls were made`);
    assert.deepEqual(checks.filter((c) => c.got !== c.want), []);
  });
}
