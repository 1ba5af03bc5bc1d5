/**
 * `nlkit ss -j` without root: ss has no JSON output to compare with, so the typed sockets that -j prints, replayed
 * from a recording of the `sockets` fixture (tools/record-fixtures.ts), are held against the text ss printed when that
 * recording was made — field by field, for what both show. -j asks the kernel what the text listing asks, so the text
 * command's recording answers it.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { stateNames } from '../../api/sockets/objects.js';
import { fixturePath, loadFixtures, replayEnv } from '../../testing/fixtures.js';

const run = promisify(execFile);
const main = fileURLToPath(new URL('../nlkit.js', import.meta.url));

/** ss's state names (sstate_name), by the kernel's state number, as stateNames has the API's. */
const ssStates = ['UNKNOWN', 'ESTAB', 'SYN-SENT', 'SYN-RECV', 'FIN-WAIT-1', 'FIN-WAIT-2', 'TIME-WAIT', 'UNCONN', 'CLOSE-WAIT', 'LAST-ACK', 'LISTEN', 'CLOSING'];
const ssState = (name: string): string => ssStates[stateNames.indexOf(name as (typeof stateNames)[number])] ?? `? ${name}`;

const unixNetids: Record<string, string> = { stream: 'u_str', dgram: 'u_dgr', seqpacket: 'u_seq' };

interface Json { kind: string; type?: string; state: string; src?: string; sport?: number; dst?: string; dport?: number; rqueue: number; wqueue: number; path?: string; inode?: number; peer?: number }

/** `addr:port` as ss prints it, as [address, port]: a wildcard address as `*` whatever way ss wrote it. */
function endpoint(text: string): [string, string] {
  const colon = text.lastIndexOf(':');
  const addr = text.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  return [addr === '0.0.0.0' || addr === '::' ? '*' : addr, text.slice(colon + 1) === '*' ? '0' : text.slice(colon + 1)];
}

const any = (addr: string | undefined) => (addr === '0.0.0.0' || addr === '::' ? '*' : addr);

/** One recorded ss listing's rows, and the same rows from -j, both as `state rq wq local peer`. */
async function rows(args: string[]): Promise<{ text: string[]; json: string[] }> {
  const sockets = loadFixtures().find((f) => f.name === 'sockets');
  assert.ok(sockets, 'the sockets fixture (tools/record-fixtures.ts)');
  const cli = sockets.cli.find((c) => c.args.join(' ') === ['ss', ...args].join(' '));
  assert.ok(cli, `ss ${args.join(' ')} recorded`);
  const { stdout } = await run(process.execPath, [main, '--replay', fixturePath(cli.recording), 'ss', ...args, '-j'], { env: replayEnv });
  const parsed = JSON.parse(stdout) as Json[];
  const lines = cli.ip.split('\n').slice(1).filter((l) => l !== '').map((l) => l.trim().split(/\s+/));
  if (parsed[0]?.kind === 'unix') {
    return {
      // Netid State Recv-Q Send-Q PATH|* INODE * PEER-INODE
      text: lines.map(([netid, state, rq, wq, path, inode, , peer]) => [netid, state, rq, wq, path, inode, peer].join(' ')),
      json: parsed.map((s) => [unixNetids[s.type!], ssState(s.state), s.rqueue, s.wqueue, s.path ?? '*', s.inode, s.peer ?? 0].join(' ')),
    };
  }
  return {
    text: lines.map(([state, rq, wq, local, peer]) => [state, rq, wq, ...endpoint(local!), ...endpoint(peer!)].join(' ')),
    json: parsed.map((s) => [ssState(s.state), s.rqueue, s.wqueue, any(s.src), s.sport, any(s.dst), s.dport].join(' ')),
  };
}

for (const args of [['-tan'], ['-uan'], ['-xa'], ['-tn', 'state', 'connected'], ['-tan', 'sport = :5555']]) {
  test(`fixture sockets: nlkit ss ${args.join(' ')} -j replayed says what ss printed: states, queues, addresses, ports, paths`, async () => {
    const { text, json } = await rows(args);
    assert.ok(text.length > 0, 'ss listed sockets');
    assert.deepEqual(json, text);
  });
}
