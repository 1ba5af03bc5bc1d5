/**
 * `nlkit ynl (--spec FILE | --family NAME) (--do OP | --dump OP) [--json '{…}'] [--create] [--excl] [--replace]
 * [--append]`, `--subscribe GROUP`, `--list-ops`, `--list-attrs OP`, and `nlkit ynl --list-families`: any family
 * the kernel describes in a YNL spec, from the command line. `--family` looks as the kernel's ynl does (spec
 * directories: $YNL_SPECS, /usr/share/ynl/specs), then in what nlkit ships. Output is JSON, one object per reply
 * or notification.
 */
import { YnlFamily } from '../ynl/family.js';
import { listFamilies } from '../ynl/specs.js';
import { UsageError } from './usage.js';

const json = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? String(x) : x instanceof Uint8Array ? Buffer.from(x).toString('hex') : x));

function parse(args: string[]): Record<string, string | true> {
  const out: Record<string, string | true> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith('--')) throw new UsageError(`unexpected "${a}" (options start with --)`);
    const key = a.slice(2);
    if (['spec', 'family', 'do', 'dump', 'json', 'subscribe', 'list-attrs'].includes(key)) {
      const v = args[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      out[key] = v;
    } else if (['list-families', 'list-ops', 'create', 'excl', 'replace', 'append'].includes(key)) out[key] = true;
    else throw new UsageError(`unknown option "${a}"`);
  }
  return out;
}

export async function ynl(args: string[], netns: string | undefined, out: (line: string) => void, signal?: AbortSignal): Promise<void> {
  const o = parse(args);
  const sources = (['spec', 'family', 'list-families'] as const).filter((k) => o[k] !== undefined);
  if (sources.length !== 1) {
    throw new UsageError(sources.length ? `--${sources[0]} and --${sources[1]} cannot be given together` : 'one of --spec FILE, --family NAME, --list-families is required');
  }
  if (o['list-families']) {
    for (const f of listFamilies()) out(f.name);
    return;
  }
  const family = typeof o.spec === 'string' ? YnlFamily.fromFile(o.spec) : YnlFamily.byName(o.family as string);
  if (o['list-ops']) {
    for (const op of family.decl.operations) {
      const forms = [op.doRequest && 'do', op.dumpRequest && 'dump', op.notify && 'notify'].filter(Boolean).join(' ');
      out(`${op.name}${forms ? ` (${forms})` : ''}`);
    }
    return;
  }
  if (typeof o['list-attrs'] === 'string') {
    for (const a of family.attributes(o['list-attrs'])) out(a);
    return;
  }
  let value: Record<string, unknown> = {};
  if (typeof o.json === 'string') {
    try {
      value = JSON.parse(o.json) as Record<string, unknown>;
    } catch (e) {
      throw new UsageError(`--json is not JSON: ${(e as Error).message}`);
    }
  }
  const session = await family.open({ netns });
  try {
    const flags = (['create', 'excl', 'replace', 'append'] as const).filter((f) => o[f] === true);
    if (typeof o.do === 'string') for (const r of await session.do(o.do, value, { flags })) out(json(r));
    else if (typeof o.dump === 'string') for await (const r of session.dump(o.dump, value)) out(json(r));
    else if (typeof o.subscribe === 'string') for await (const r of session.subscribe(o.subscribe, { signal })) out(json(r));
    else throw new UsageError('one of --do OP, --dump OP, --subscribe GROUP, --list-ops, --list-attrs OP');
  } finally {
    session.close();
  }
}
