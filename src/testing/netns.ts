import { execFile } from 'node:child_process';

/** A throwaway named network namespace for one test. */
export interface TestNetns {
  name: string;
  /** /run/netns/<name> */
  path: string;
  /** `ip -n <name> …args`; rejects with ip's stderr on failure. */
  ip(...args: string[]): Promise<string>;
  /** A command inside the namespace (`ip netns exec <name> cmd …args`). */
  exec(cmd: string, args: string[]): Promise<string>;
  /** The usual test link: veth v0 with peer v1, both up, and `address` (default 192.0.2.1/24) on v0. */
  vethPair(address?: string): Promise<void>;
  dispose(): Promise<void>;
}

let counter = 0;

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')}: ${stderr.trim() || err.message}`));
      else resolve(stdout);
    });
  });
}

/** Create `nlkit-<prefix>-<pid>-<n>` with lo up; unique per process and call, so tests can run in parallel. */
export async function createTestNetns(prefix = 't'): Promise<TestNetns> {
  const name = `nlkit-${prefix}-${process.pid}-${++counter}`;
  await run('ip', ['netns', 'add', name]);
  const ns: TestNetns = {
    name,
    path: `/run/netns/${name}`,
    ip: (...args) => run('ip', ['-n', name, ...args]),
    exec: (cmd, args) => run('ip', ['netns', 'exec', name, cmd, ...args]),
    async vethPair(address = '192.0.2.1/24') {
      await ns.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
      await ns.ip('link', 'set', 'v0', 'up');
      await ns.ip('link', 'set', 'v1', 'up');
      await ns.ip('addr', 'add', address, 'dev', 'v0');
    },
    dispose: () => run('ip', ['netns', 'del', name]).then(() => {}),
  };
  try {
    await ns.ip('link', 'set', 'lo', 'up');
  } catch (e) {
    await ns.dispose();
    throw e;
  }
  return ns;
}

/** Run `fn` in a fresh namespace that is removed afterwards, whatever happens. */
export async function withNetns<T>(fn: (ns: TestNetns) => Promise<T>, prefix?: string): Promise<T> {
  const ns = await createTestNetns(prefix);
  try {
    return await fn(ns);
  } finally {
    await ns.dispose();
  }
}
