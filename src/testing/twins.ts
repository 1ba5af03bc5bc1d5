/**
 * Twin namespaces for comparing `nlkit` with `ip`: two namespaces built by the same steps, one command line run
 * with `ip -n A` and with `nlkit -n B`, and what each printed, its exit status and the state it left compared.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createTestNetns, type TestNetns } from './netns.js';

const nlkitMain = fileURLToPath(new URL('../cli/nlkit.js', import.meta.url));

export interface Outcome {
  stdout: string;
  stderr: string;
  status: number;
}

/** A command's output and exit status (a timeout after 20 s), with `input` on its stdin. */
export function run(file: string, args: string[], input?: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = execFile(file, args, { maxBuffer: 64 << 20, timeout: 20_000 }, (err, stdout, stderr) => {
      const status = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ stdout, stderr, status });
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}

/** `ip ARGS` or `nlkit ARGS` (no namespace added). */
export const runIp = (args: string[], input?: string) => run('ip', args, input);
export const runNlkit = (args: string[], input?: string) => run(process.execPath, [nlkitMain, ...args], input);

/** What nlkit says in its own name where ip says "ip", and a namespace's own name, made alike. */
export function normalize(text: string, names: string[]): string {
  let t = text.replace(/"ip /g, '"nlkit ').replace(/^(Usage: |\s+)ip /gm, '$1nlkit ');
  for (const n of names) t = t.replaceAll(n, 'NS');
  return t;
}

/** Fields of ip -d -j that tick or follow from random addresses, left out of a snapshot. */
const unstable = new Set([
  'stats', 'stats64', 'inet6_addr_gen_mode', 'addr_gen_mode', 'promiscuity', 'allmulti', 'num_tx_queues', 'num_rx_queues',
  'gso_max_size', 'gso_max_segs', 'tso_max_size', 'tso_max_segs', 'gro_max_size', 'gso_ipv4_max_size', 'gro_ipv4_max_size',
  'min_mtu', 'max_mtu', 'parentbus', 'parentdev', 'used', 'confirmed', 'updated', 'probes',
]);
const macKeys = new Set(['address', 'broadcast', 'perm_address', 'lladdr', 'bridge_id', 'root_id']);

function clean(v: unknown, keep: (mac: string) => boolean): unknown {
  if (Array.isArray(v)) return v.map((x) => clean(x, keep));
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (unstable.has(k) || k.endsWith('_timer')) continue;
    out[k] = macKeys.has(k) && typeof x === 'string' && !keep(x) ? '*' : clean(x, keep);
  }
  return out;
}

/**
 * Everything ip shows of a namespace, from one `ip -batch` run, as comparable text: link addresses the kernel
 * chose at random (and what follows from them) and values that tick are left out.
 */
export async function snapshot(ns: TestNetns, keep: (mac: string) => boolean = () => false): Promise<string> {
  const out = await runIp(['-n', ns.name, '-d', '-j', '-batch', '-'], 'link show\naddress show\nroute show table all\nrule show\nneigh show\nnexthop show\n');
  // Every dump sorted: order tells nothing about state, and neighbours come in a per-namespace hash order.
  const parts = out.stdout.split('\n').filter(Boolean).map((line) => {
    let v: unknown;
    try {
      v = clean(JSON.parse(line), keep);
    } catch {
      return line;
    }
    const text = Array.isArray(v) ? v.map((x) => JSON.stringify(x)) : [JSON.stringify(v)];
    return text.sort().join('\n');
  });
  return `${parts.join('\n--\n')}\n${out.stderr}`;
}

export interface Twins {
  a: TestNetns;
  b: TestNetns;
  dispose(): Promise<void>;
}

/** Two namespaces, each built by `build`, with IPv6 off (its link-local addresses follow the random MACs). */
export async function createTwins(build: (ns: TestNetns) => Promise<void>, prefix = 'tw'): Promise<Twins> {
  const make = async () => {
    const ns = await createTestNetns(prefix);
    try {
      await ns.exec('sysctl', ['-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
      await build(ns);
    } catch (e) {
      await ns.dispose();
      throw e;
    }
    return ns;
  };
  const [a, b] = await Promise.all([make(), make()]);
  return { a, b, dispose: async () => void (await Promise.all([a.dispose(), b.dispose()])) };
}

export interface Comparison {
  ip: Outcome;
  nlkit: Outcome;
  /** What differed: 'stdout', 'stderr', 'status', 'state'. */
  differences: string[];
  /** Whether ip changed the namespace's state. */
  changed: boolean;
}

/** Whether a command line may change state: any verb but the show family (and ip's own help and version). */
export const mayChange = (args: readonly string[]): boolean =>
  !args.some((w) => /^(show|list|lst|ls|get|help)$/.test(w)) && !(args.length <= 2 && /^-/.test(args[0] ?? ''));

/**
 * `ip -n A ARGS` against `nlkit -n B ARGS`, with the state of both after when the line may change it. `before` is
 * A's snapshot before the command, when the caller has it, to tell whether the command changed anything.
 */
export async function compare(t: Twins, args: string[], before?: string): Promise<Comparison> {
  const [ip, nlkit] = await Promise.all([runIp(['-n', t.a.name, ...args]), runNlkit(['-n', t.b.name, ...args])]);
  const macs = new Set(args.filter((w) => /^[0-9a-f]{2}(:[0-9a-f]{2})+$/i.test(w)).map((w) => w.toLowerCase()));
  const [sa, sb] = mayChange(args) ? await Promise.all([snapshot(t.a, (m) => macs.has(m)), snapshot(t.b, (m) => macs.has(m))]) : [before, before];
  const names = [t.a.name, t.b.name];
  const differences: string[] = [];
  if (normalize(ip.stdout, names) !== normalize(nlkit.stdout, names)) differences.push('stdout');
  if (normalize(ip.stderr, names) !== normalize(nlkit.stderr, names)) differences.push('stderr');
  if (ip.status !== nlkit.status) differences.push('status');
  if (sa !== sb) differences.push('state');
  return { ip, nlkit, differences, changed: before !== undefined && sa !== undefined && before !== sa };
}
