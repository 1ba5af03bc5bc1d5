/**
 * `link add … type KIND OPTIONS` held against ip for kinds this kernel lacks: ip and nlkit run each line on the
 * same namespace under strace; a line ip sends must make nlkit send the same RTM_NEWLINK, byte for byte, and a line
 * ip refuses must send nothing from nlkit and end with ip's exit status and error output.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withNetns } from './netns.js';
import { traceRun, lastNewlink } from './strace.js';
import { normalize } from './twins.js';

const main = fileURLToPath(new URL('../cli/nlkit.js', import.meta.url));

/** Every line of a table of kinds, as `link add x type KIND WORDS`, plus what `link set` does with the kind. */
function tunnelLines(table: Record<string, string[]>): string[] {
  const out: string[] = [];
  for (const [kind, options] of Object.entries(table)) {
    for (const o of options) out.push(`link add x type ${kind}${o ? ` ${o}` : ''}`);
    out.push(`link set d0 type ${kind} key 5`, `link set d0 type ${kind} frob`, `link add x mtu 1400 type ${kind} dev d0`);
  }
  return out;
}

/** Runs `fn` over `items`, `width` at a time, keeping the results in order. */
async function pool<T, R>(items: T[], width: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  }));
  return out;
}

/**
 * ip runs each line alone. The lines ip sends run through one `nlkit -force -batch` (one process instead of one
 * each: their requests must come out in the same order); each line ip refuses runs alone, for its status and words.
 */
export async function compareKindLines(table: Record<string, string[]>, prefix: string): Promise<string[]> {
  return withNetns(async (ns) => {
    await ns.ip('link', 'add', 'd0', 'type', 'veth', 'peer', 'name', 'd1');
    const lines = tunnelLines(table);
    const failures: string[] = [];
    const ipRuns = await pool(lines, 2, (line) => traceRun('ip', ['-n', ns.name, ...line.split(' ')]));
    const sent = lines.filter((_, i) => lastNewlink(ipRuns[i]!.sent) !== undefined);
    const dir = mkdtempSync(join(tmpdir(), 'nlkit-kindtun-'));
    try {
      writeFileSync(join(dir, 'batch'), `${sent.join('\n')}\n`);
      const batch = await traceRun(process.execPath, [main, '-n', ns.name, '-force', '-batch', join(dir, 'batch')]);
      const requests = batch.sent.filter((r) => lastNewlink([r]) !== undefined).map((r) => lastNewlink([r]));
      // Once nlkit stops short (it refused a line ip sent), the requests no longer line up: report the first only.
      const aligned = requests.length === sent.length;
      for (const [k, line] of sent.entries()) {
        const ip = lastNewlink(ipRuns[lines.indexOf(line)]!.sent);
        if (JSON.stringify(requests[k]) === JSON.stringify(ip)) continue;
        failures.push(`${line}\n  ip:    ${JSON.stringify(ip)}\n  nlkit: ${JSON.stringify(requests[k])}\n  (batch stderr: ${batch.stderr.slice(0, 400)})`);
        if (!aligned) break;
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const refused = lines.filter((line) => !sent.includes(line));
    const runs = await pool(refused, 2, (line) => traceRun(process.execPath, [main, '-n', ns.name, ...line.split(' ')]));
    for (const [k, line] of refused.entries()) {
      const ip = ipRuns[lines.indexOf(line)]!;
      const nl = runs[k]!;
      // Where ip dies of a signal (6rd-reset), nlkit must refuse: send nothing and fail, in its own words.
      const crashed = ip.status < 0;
      const a = { request: lastNewlink(ip.sent), status: crashed ? 255 : ip.status, stderr: crashed ? '' : normalize(ip.stderr, []) };
      const b = { request: lastNewlink(nl.sent), status: nl.status, stderr: crashed ? '' : nl.stderr };
      if (JSON.stringify(a) !== JSON.stringify(b)) failures.push(`${line}\n  ip:    ${JSON.stringify(a)}\n  nlkit: ${JSON.stringify(b)}`);
    }
    return failures;
  }, prefix);
}

