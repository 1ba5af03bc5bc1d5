/**
 * `nlkit monitor uevent [subsystem NAME]…` prints the kernel's device events as `udevadm monitor --kernel --property`
 * prints them; `nlkit monitor proc [KIND]…` prints process events, one line each. With -j, one JSON object per event.
 * An overrun is reported on stderr, never skipped.
 */
import { processEvents, type ProcessEvent, type ProcessEventKind } from '../api/events/processes.js';
import { uevents, type Uevent } from '../api/events/uevents.js';
import type { NetnsRef } from '../socket/socket.js';
import { incomplete, refuse } from './args.js';

export interface EventMonitorOptions {
  json: boolean;
  netns: NetnsRef | undefined;
}

const bigints = (_key: string, v: unknown): unknown => (typeof v === 'bigint' ? String(v) : v);

/** udevadm's receive time: CLOCK_MONOTONIC (which process.hrtime reads) as seconds.microseconds. */
function monotonic(): string {
  const us = process.hrtime.bigint() / 1000n;
  return `${us / 1_000_000n}.${String(us % 1_000_000n).padStart(6, '0')}`;
}

/**
 * One event as udevadm prints a kernel event: the head line, the properties, a blank line. sd-device keeps the
 * kernel's order of properties except MAJOR and MINOR, which it sets last (from the device number).
 */
export function ueventText(e: Uevent, time: string): string {
  const keys = Object.keys(e.env);
  const late = ['MAJOR', 'MINOR'].filter((k) => k in e.env);
  const props = [...keys.filter((k) => !late.includes(k)), ...late].map((k) => `${k}=${e.env[k]}\n`).join('');
  return `KERNEL[${time}] ${e.action.padEnd(8)} ${e.devpath} (${e.subsystem ?? 'n/a'})\n${props}`;
}

/** A process event on one line: the kind, the task as pid/tgid, and what the event says of it. */
export function processText(e: ProcessEvent): string {
  switch (e.kind) {
    case 'fork': return `fork parent ${e.parentPid}/${e.parentTgid} child ${e.childPid}/${e.childTgid}`;
    case 'exec': return `exec ${e.processPid}/${e.processTgid}`;
    case 'uid': return `uid ${e.processPid}/${e.processTgid} ruid ${e.ruid} euid ${e.euid}`;
    case 'gid': return `gid ${e.processPid}/${e.processTgid} rgid ${e.rgid} egid ${e.egid}`;
    case 'sid': return `sid ${e.processPid}/${e.processTgid}`;
    case 'ptrace': return `ptrace ${e.processPid}/${e.processTgid} tracer ${e.tracerPid}/${e.tracerTgid}`;
    case 'comm': return `comm ${e.processPid}/${e.processTgid} ${e.comm}`;
    case 'coredump': return `coredump ${e.processPid}/${e.processTgid} parent ${e.parentPid}/${e.parentTgid}`;
    case 'exit': {
      const how = e.termSignal === undefined ? `status ${e.exitStatus}` : `signal ${e.termSignal}`;
      return `exit ${e.processPid}/${e.processTgid} ${how} exit_signal ${e.exitSignal} parent ${e.parentPid}/${e.parentTgid}`;
    }
  }
}

const processKinds: readonly (ProcessEventKind | 'nonzeroExit')[] = ['fork', 'exec', 'uid', 'gid', 'sid', 'ptrace', 'comm', 'coredump', 'exit', 'nonzeroExit'];

function overrun(count: number): void {
  process.stderr.write(`nlkit monitor: the kernel dropped events (receive queue overrun #${count})\n`);
}

/** `monitor uevent …` or `monitor proc …` (args[0] says which), until `signal`. */
export async function monitorEvents(args: string[], options: EventMonitorOptions, out: (line: string) => void, signal?: AbortSignal): Promise<void> {
  const [what, ...rest] = args;
  if (what === 'uevent') {
    const subsystems: string[] = [];
    for (let i = 0; i < rest.length; i++) {
      if (rest[i] !== 'subsystem') throw refuse(`Argument "${rest[i]}" is unknown, try "nlkit monitor help".`);
      const name = rest[++i];
      if (name === undefined) throw incomplete();
      subsystems.push(name);
    }
    if (!options.json) out('monitor will print the received events for:\nKERNEL - the kernel uevent\n');
    for await (const e of uevents({ netns: options.netns, signal, subsystem: subsystems.length ? subsystems : undefined })) {
      if (e.kind === 'overrun') overrun(e.count);
      else if (options.json) out(JSON.stringify({ action: e.action, devpath: e.devpath, subsystem: e.subsystem, seqnum: e.seqnum, env: e.env }));
      else out(ueventText(e, monotonic()));
    }
    return;
  }
  // The connector is registered in the initial namespace only.
  if (options.netns !== undefined) throw refuse('process events come from the initial network namespace only: drop -n');
  const kinds = rest.map((w) => {
    const k = processKinds.find((p) => p === w || (w === 'nonzero-exit' && p === 'nonzeroExit'));
    if (k === undefined) throw refuse(`Argument "${w}" is unknown: process events are ${processKinds.filter((p) => p !== 'nonzeroExit').join(', ')}, nonzero-exit.`);
    return k;
  });
  for await (const e of processEvents({ signal, events: kinds.length ? kinds : undefined })) {
    if (e.kind === 'overrun') overrun(e.count);
    else out(options.json ? JSON.stringify(e, bigints) : processText(e));
  }
}
