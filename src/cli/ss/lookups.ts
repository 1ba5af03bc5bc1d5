/**
 * What nlkit ss's filter words look up as ss's do: service names in the services database for the tables listed
 * (getservbyname for UDP and TCP), host names through the C library's resolver from inside the namespace
 * (gethostbyname2: IPv4, then IPv6 unless a family was asked for), and cgroup paths (get_cgroup2_id) — with ss's
 * messages where a path has no id.
 */
import { readFileSync, statfsSync, statSync } from 'node:fs';
import { parseFilter, sockDiagSchema, type FilterContext, type FilterNode } from '../../api/sockets/index.js';
import type { NetlinkSocket } from '../../socket/socket.js';
import { UsageError } from '../usage.js';
import { serviceByName } from '../../api/sockets/hostcond.js';
import { parseIP } from '../../schema/address-text.js';
import { DB, type SsOptions } from './args.js';
import type { HostResolver } from './resolve.js';

const EXT4_SUPER_MAGIC = 0xef53, CGROUP2_SUPER_MAGIC = 0x63677270;

const errnoText: Readonly<Record<string, string>> = {
  ENOENT: 'No such file or directory', ENOTDIR: 'Not a directory', EACCES: 'Permission denied', ENAMETOOLONG: 'File name too long',
};

export class FilterLookups {
  private readonly found = new Map<string, Uint8Array[]>();

  constructor(private readonly o: SsOptions, private readonly switched: boolean) {}

  /** getservbyname for the tables ss lists: UDP's and TCP's ports must agree. */
  readonly service = (name: string): number | 'ambiguous' | undefined => {
    const path = this.o.etc.path('services');
    const udp = this.o.dbs & (1 << DB.UDP) ? serviceByName(name, 'udp', path) : undefined;
    const tcp = this.o.dbs & (1 << DB.TCP) ? serviceByName(name, 'tcp', path) : undefined;
    if (udp !== undefined && tcp !== undefined && udp !== tcp) return 'ambiguous';
    return udp ?? tcp;
  };

  /** A host name's addresses, once `prepare` has looked them up. */
  readonly host = (name: string, family: 2 | 10): Uint8Array[] | undefined => this.found.get(`${family} ${name}`);

  /**
   * get_cgroup2_id: a path that names a file is that file's handle — for cgroup2 and ext4 (whose handles are 8
   * bytes) its inode number (ext4 adds the inode's generation above it, which only an ioctl reads: 0 for the
   * files made with the file system); anything else is looked up under the cgroup2 mount, as ss does.
   */
  readonly cgroupId = (path: string): bigint | undefined => {
    try {
      const type = statfsSync(path).type;
      if (type === EXT4_SUPER_MAGIC || type === CGROUP2_SUPER_MAGIC) return statSync(path, { bigint: true }).ino;
    } catch {
      // not there: under the cgroup2 mount, perhaps
    }
    const rel = path.replace(/^\/+/, '');
    if (rel === '') {
      process.stderr.write('Invalid cgroup2 path\n');
      return undefined;
    }
    const mnt = this.switched ? undefined : cgroup2Mount();
    if (mnt === undefined) {
      process.stderr.write('Failed to find cgroup2 mount\n');
      return undefined;
    }
    try {
      return statSync(`${mnt}/${rel}`, { bigint: true }).ino;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? '';
      process.stderr.write(`Failed to get cgroup2 ID: ${errnoText[code] ?? code}\n`);
      return undefined;
    }
  };

  /**
   * Look up the host names in `words` before the filter is read for good: a first reading with every name
   * standing for an address collects them (stopping where the real reading will refuse a word).
   */
  async prepare(words: readonly string[], context: FilterContext, resolver: () => HostResolver): Promise<void> {
    const wanted: [string, 2 | 10][] = [];
    try {
      parseFilter(words, {
        ...context, onFamily: undefined, cgroupId: () => 0n,
        host: (name, family) => {
          wanted.push([name, family]);
          return [new Uint8Array(family === 2 ? 4 : 16)];
        },
      });
    } catch {
      // the real reading says what is wrong, in ss's order
    }
    for (const [name, family] of wanted) {
      const key = `${family} ${name}`;
      if (this.found.has(key)) continue;
      if (family === 2 && hexQuad(name)) {
        this.found.set(key, []);
        continue;
      }
      const addrs = await resolver().addresses(name, family === 2 ? 4 : 6);
      this.found.set(key, addrs.map((a) => parseIP(a)).filter((b): b is Uint8Array => b !== undefined && b.length === (family === 2 ? 4 : 16)));
    }
  }
}

/**
 * An IPv4 address with a hex part (`0x7f000001`, `0x7f.1`): getaddrinfo, behind the resolver's lookups, takes it for
 * a number, but ss's gethostbyname2 takes for numbers only digits and dots, and no host has such a name.
 */
function hexQuad(name: string): boolean {
  if (!/[xX]/.test(name)) return false;
  const parts = name.split('.');
  return parts.length <= 4 && parts.every((p) => /^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.test(p));
}

/** Where cgroup2 is mounted, from /proc/mounts. */
function cgroup2Mount(): string | undefined {
  try {
    for (const line of readFileSync('/proc/mounts', 'utf8').split('\n')) {
      const [, dir, type] = line.split(' ');
      if (type === 'cgroup2') return dir;
    }
  } catch {
    // no /proc: no mount
  }
  return undefined;
}

/** The cgroup conditions in a filter, each of which ss checks the kernel for as its parser makes it. */
export function cgroupConditions(f: FilterNode | undefined): number {
  if (!f) return 0;
  switch (f.op) {
    case 'and': case 'or': return cgroupConditions(f.left) + cgroupConditions(f.right);
    case 'not': return cgroupConditions(f.arg);
    default: return f.op === 'cgroup' ? 1 : 0;
  }
}

/**
 * ss's ssfilter_is_supported for a cgroup condition: an IPv4 TCP dump for no states with the condition for cgroup 0;
 * a kernel that calls the bytecode invalid has no cgroup filter. ss forgets the answer (it records it in a copy), so
 * it asks once per condition.
 */
export async function checkCgroupFilter(socket: NetlinkSocket): Promise<void> {
  const bytecode = Uint8Array.of(13, 12, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  const id = { sport: 0, dport: 0, src0: 0, src1: 0, src2: 0, src3: 0, dst0: 0, dst1: 0, dst2: 0, dst3: 0, if: 0, cookie0: 0, cookie1: 0 };
  const bytes = sockDiagSchema.encodeMessage('inetDiagReq', { family: 2, protocol: 6, ext: 0, rawProtocol: 0, states: 0, id, bytecode }).bytes;
  try {
    for await (const chunk of socket.dump(bytes).chunks()) void chunk;
  } catch (e) {
    if (Math.abs((e as { errno?: number }).errno ?? 0) !== 22) throw e;
    throw new UsageError('It looks like such filter is not supported! Too old kernel?', { status: 255, bare: true });
  }
}
