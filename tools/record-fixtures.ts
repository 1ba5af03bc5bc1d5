/**
 * Records the fixtures of the replay tests (src/testing/fixtures/) from the real kernel: for each fixture, a fresh
 * namespace is given its state by `ip` commands, then every CLI command of the list is run through
 * `nlkit --record` beside `ip`, and the API session of src/testing/fixtures.ts is recorded. A command whose nlkit
 * output differs from ip's is left out and reported (that is the live tests' business). The manifest of each
 * fixture names the commands that made its state. Run as root, after `npm run build`:
 *
 *   node dist/tools/record-fixtures.js
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { release } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RouteNetlink } from '../src/api/route-netlink.js';
import { apiSession, type Fixture } from '../src/testing/fixtures.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dir = join(root, 'src', 'testing', 'fixtures');
const nlkitBin = join(root, 'dist', 'src', 'cli', 'nlkit.js');

interface Plan {
  name: string;
  state: string[][];
  cli: string[][];
}

const shows = (objects: string[][]) => objects.flatMap((o) => [o, ['-j', ...o]]);

const plans: Plan[] = [
  {
    name: 'basic',
    state: [
      ['link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1'],
      ['link', 'add', 'br0', 'type', 'bridge'],
      ['link', 'set', 'v1', 'master', 'br0'],
      ['link', 'set', 'v0', 'mtu', '1400', 'alias', 'uplink'],
      ['link', 'set', 'v0', 'up'],
      ['link', 'set', 'v1', 'up'],
      ['link', 'set', 'br0', 'up'],
      ['addr', 'add', '192.0.2.1/24', 'dev', 'v0'],
      ['addr', 'add', '2001:db8::1/64', 'dev', 'v0', 'nodad'],
      ['addr', 'add', '198.51.100.1/24', 'brd', '+', 'dev', 'br0', 'label', 'br0:lan'],
      ['route', 'add', '10.0.0.0/24', 'via', '192.0.2.2', 'dev', 'v0'],
      ['route', 'add', '10.1.0.0/16', 'dev', 'v0', 'table', '100', 'metric', '50'],
      ['route', 'add', '2001:db8:1::/64', 'via', '2001:db8::2', 'dev', 'v0'],
      ['neigh', 'add', '192.0.2.3', 'lladdr', '02:00:00:00:00:03', 'dev', 'v0', 'nud', 'permanent'],
      ['rule', 'add', 'from', '10.0.0.0/8', 'table', '100', 'pref', '1000'],
      ['nexthop', 'add', 'id', '1', 'via', '192.0.2.2', 'dev', 'v0'],
      ['nexthop', 'add', 'id', '2', 'group', '1'],
      ['route', 'add', '10.2.0.0/24', 'nhid', '2'],
    ],
    cli: [
      ...shows([['link', 'show'], ['addr', 'show'], ['route', 'show'], ['route', 'show', 'table', 'all'], ['-6', 'route', 'show'], ['neigh', 'show'], ['rule', 'show'], ['-6', 'rule', 'show'], ['nexthop', 'show']]),
      ['-br', 'link', 'show'], ['-br', 'addr', 'show'], ['-o', 'link', 'show'], ['-o', 'addr', 'show'], ['-d', 'link', 'show'],
      ['-4', 'addr', 'show'], ['-6', 'addr', 'show'], ['link', 'show', 'dev', 'v0'], ['addr', 'show', 'dev', 'br0'],
      ['route', 'show', 'table', '100'], ['-j', '-p', 'addr', 'show'],
    ],
  },
];

const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

async function record(plan: Plan): Promise<Fixture> {
  const ns = `nlkit-fixture-${plan.name}-${process.pid}`;
  run('ip', ['netns', 'add', ns]);
  try {
    run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    for (const c of plan.state) run('ip', ['-n', ns, ...c]);
    // Let IPv6 settle (link-local addresses leave DAD), so ip and nlkit see the same state.
    await new Promise((r) => setTimeout(r, 3000));
    const fixture: Fixture = {
      name: plan.name,
      recordedOn: `Linux ${release()}, ${run('ip', ['-V']).trim()}`,
      state: ['ip link set lo up', ...plan.state.map((c) => `ip ${c.map((w) => (/[\s+]/.test(w) ? `'${w}'` : w)).join(' ')}`)],
      cli: [],
      api: `${plan.name}-api.pcapng`,
    };
    plan.cli.forEach((args, i) => {
      const recording = `${plan.name}-cli-${String(i + 1).padStart(2, '0')}.pcapng`;
      const ours = run(process.execPath, [nlkitBin, '-n', ns, '--record', join(dir, recording), ...args]);
      const ip = run('ip', ['-n', ns, ...args]);
      if (ours === ip) fixture.cli.push({ args, recording, ip });
      else {
        rmSync(join(dir, recording));
        console.error(`${plan.name}: left out \`${args.join(' ')}\`: nlkit's output differs from ip's`);
      }
    });
    const rt = RouteNetlink.open({ netns: ns, record: join(dir, fixture.api) });
    try {
      await apiSession(rt);
    } finally {
      rt.close();
    }
    return fixture;
  } finally {
    run('ip', ['netns', 'del', ns]);
  }
}

mkdirSync(dir, { recursive: true });
for (const f of readdirSync(dir)) rmSync(join(dir, f));
for (const plan of plans) {
  const fixture = await record(plan);
  writeFileSync(join(dir, `${plan.name}.json`), `${JSON.stringify(fixture, null, 2)}\n`);
  console.log(`${plan.name}: ${fixture.cli.length} CLI recordings and the API session`);
}
