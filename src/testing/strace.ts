/**
 * The netlink requests a command sends, as strace shows them (`strace -f -e trace=sendmsg,sendto -xx`): a request
 * is sent even when the kernel refuses it, so what nlkit sends for a link kind this kernel lacks can still be held
 * against what ip sends.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SentRequest {
  type: number;
  /** strace's words for the header flags: `NLM_F_REQUEST|NLM_F_ACK|0x600`. */
  flags: string;
  /** The message after its 16-byte header. */
  body: Uint8Array;
}

/** Whether strace can be run here. */
export function haveStrace(): Promise<boolean> {
  return new Promise((resolve) => execFile('strace', ['-V'], (err) => resolve(!err)));
}

/** What a traced command did: the netlink messages it sent, in order, its output and its exit status. */
export interface TracedRun {
  sent: SentRequest[];
  stdout: string;
  stderr: string;
  status: number;
}

/** Run `file args` under strace and return every netlink message it sent, in order. */
export async function captureRequests(file: string, args: string[]): Promise<SentRequest[]> {
  return (await traceRun(file, args)).sent;
}

/** Run `file args` under strace (strace exits with the command's status): its requests, output and status. */
export async function traceRun(file: string, args: string[]): Promise<TracedRun> {
  const dir = mkdtempSync(join(tmpdir(), 'nlkit-strace-'));
  const out = join(dir, 'trace');
  try {
    const run = await new Promise<Omit<TracedRun, 'sent'>>((resolve) => {
      execFile('strace', ['-f', '-qq', '-s', '65535', '-xx', '-e', 'trace=sendmsg,sendto', '-o', out, file, ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
        resolve({ stdout, stderr, status: err ? (typeof err.code === 'number' ? err.code : -1) : 0 });
      });
    });
    const sent: SentRequest[] = [];
    for (const line of readFileSync(out, 'utf8').split('\n')) {
      const m = /nlmsg_type=(0x[0-9a-f]+|\d+)[^,]*, nlmsg_flags=([^,]*), nlmsg_seq=\d+, nlmsg_pid=\d+\}, "((?:\\x[0-9a-f]{2})*)"/.exec(line);
      if (!m) continue;
      const hex = m[3]!.replaceAll('\\x', '');
      sent.push({ type: Number(m[1]), flags: m[2]!, body: Uint8Array.from(Buffer.from(hex, 'hex')) });
    }
    return { sent, ...run };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Every message a command sent with sendmsg or sendto, whole: strace's hex dump of the data written (`-e write=all`),
 * the iovec's buffers joined — ss sends a request's bytecode in buffers of its own, which the decoded line splits.
 * The sequence number and port id (bytes 8–15) are zeroed: they differ from run to run.
 */
export async function captureMessages(file: string, args: string[]): Promise<Uint8Array[]> {
  const dir = mkdtempSync(join(tmpdir(), 'nlkit-strace-'));
  const out = join(dir, 'trace');
  try {
    await new Promise<void>((resolve) => {
      execFile('strace', ['-f', '-qq', '-e', 'trace=sendmsg,sendto', '-e', 'write=all', '-o', out, file, ...args], { timeout: 60_000 }, () => resolve());
    });
    // With -f a call's line starts with its thread's id; the hex dump follows the call it belongs to.
    const sent: number[][] = [];
    for (const line of readFileSync(out, 'utf8').split('\n')) {
      if (/^(?:\d+ +)?(?:sendmsg|sendto)\(/.test(line)) sent.push([]);
      const m = /^(?:\d+ +)? \| [0-9a-f]{5}  ((?:[0-9a-f]{2} {1,2})+)/.exec(line);
      if (m && sent.length) sent.at(-1)!.push(...m[1]!.trim().split(/ +/).map((h) => parseInt(h, 16)));
    }
    return sent.filter((b) => b.length >= 16).map((b) => {
      const bytes = Uint8Array.from(b);
      bytes.fill(0, 8, 16);
      return bytes;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const RTM_NEWLINK = 16;

/** The last RTM_NEWLINK of a run: its header flags and its body in hex, for comparing two senders. */
export function lastNewlink(sent: SentRequest[]): { flags: string; body: string } | undefined {
  // ip first sends an empty RTM_NEWLINK to learn whether the kernel has it (iplink_have_newlink): not the request.
  const r = sent.filter((s) => s.type === RTM_NEWLINK && !(s.body.length === 16 && s.body.every((b) => b === 0))).at(-1);
  if (!r) return undefined;
  return { flags: r.flags, body: Buffer.from(r.body).toString('hex') };
}

/**
 * The hex of a run of attributes with the padding after each zeroed: ip leaves those bytes as it found them in
 * its buffer, nlkit writes zeros, and the kernel never reads them.
 */
export function zeroAttrPadding(bytes: Uint8Array): string {
  const b = Buffer.from(bytes);
  for (let at = 0; at + 4 <= b.length;) {
    const len = b.readUInt16LE(at);
    if (len < 4) break;
    b.fill(0, at + len, Math.min(b.length, at + ((len + 3) & ~3)));
    at += (len + 3) & ~3;
  }
  return b.toString('hex');
}
