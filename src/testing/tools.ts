/** Peer tools for the differential tests: whether one is installed, and a run that resolves with its outcome. */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';

/** Whether `cmd arg` runs and exits 0 (e.g. `has('conntrack', '--version')`). */
export function has(cmd: string, arg: string): boolean {
  try {
    execFileSync(cmd, [arg], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Run a command to its end: stdout, stderr and the exit status (1 when it could not start), never a rejection. */
export function runTool(cmd: string, args: string[]): Promise<{ out: string; err: string; status: number }> {
  return new Promise((resolve) => {
    execFile(cmd, args, (e, out, err) => resolve({ out, err, status: e ? (typeof e.code === 'number' ? e.code : 1) : 0 }));
  });
}

/** A long-running tool (a monitor) and everything it has written so far, stdout and stderr interleaved. */
export interface Running {
  child: ChildProcess;
  out: () => string;
}

/** Start `cmd` with `args` and collect what it writes, for comparing two monitors' lines. */
export function start(cmd: string, args: string[]): Running {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return { child, out: () => out };
}
