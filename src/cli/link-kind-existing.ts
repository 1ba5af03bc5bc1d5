/**
 * `ip link set DEV type KIND …` for the IP tunnels (gre, gretap, erspan, ip6gre, ip6gretap, ip6erspan, ipip, sit,
 * ip6tnl, vti, vti6): iproute2 6.1 first asks the kernel for the device and starts from the options it reports, read
 * with KIND's attribute layout whatever kind the device is, then applies the words. An attribute is read at its
 * offset at the width ip reads, whatever its length (a short one reads on into the padding after it, which the
 * kernel zeroes); an endpoint of the wrong length or family makes ip give up, as does a device without kind data.
 */
import { formatIPv4, formatIPv6 } from '../schema/address-text.js';
import { fail } from './args.js';
import type { LinkLookup } from './link-lookup.js';

const NLA_F_NESTED = 0x8000;

/** The kind data as ip's parse_rtattr_nested leaves it: the first attribute of each type, by type. */
export class ExistingData {
  private readonly at = new Map<number, { start: number; len: number }>();
  private readonly view: DataView;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let p = 0; p + 4 <= bytes.length;) {
      const len = this.view.getUint16(p, true);
      if (len < 4 || p + len > bytes.length) break;
      const type = this.view.getUint16(p + 2, true) & ~NLA_F_NESTED;
      if (!this.at.has(type)) this.at.set(type, { start: p + 4, len: len - 4 });
      p += (len + 3) & ~3;
    }
  }

  has(type: number): boolean {
    return this.at.has(type);
  }

  /** `width` bytes at the attribute's payload, little-endian (ip's host order) unless `big`; past the end reads 0. */
  private read(type: number, width: number, big: boolean): number | undefined {
    const a = this.at.get(type);
    if (!a) return undefined;
    let n = 0;
    for (let i = 0; i < width; i++) {
      const b = this.bytes[a.start + i] ?? 0;
      n = big ? n * 256 + b : n + b * 2 ** (8 * i);
    }
    return n;
  }

  u8(type: number): number | undefined {
    return this.read(type, 1, false);
  }
  u16(type: number): number | undefined {
    return this.read(type, 2, false);
  }
  u32(type: number): number | undefined {
    return this.read(type, 4, false);
  }
  /** A value ip copies through unchanged that nlkit's declaration keeps in network order (keys, GRE flags, flow info). */
  u16be(type: number): number | undefined {
    return this.read(type, 2, true);
  }
  u32be(type: number): number | undefined {
    return this.read(type, 4, true);
  }

  /** get_addr_rta: 4 or 16 bytes of the family asked for, or ip's "Failed to get existing tunnel info.". */
  address(type: number, family: 'inet' | 'inet6'): Uint8Array | undefined {
    const a = this.at.get(type);
    if (!a) return undefined;
    if (a.len !== (family === 'inet' ? 4 : 16)) throw failed();
    return this.bytes.slice(a.start, a.start + a.len);
  }

  /** An endpoint as ip keeps it: its text unless all zero (ip sends none then), and whether multicast. */
  endpoint(type: number, family: 'inet' | 'inet6'): { text?: string; multicast: boolean } | undefined {
    const b = this.address(type, family);
    if (!b) return undefined;
    if (b.every((x) => x === 0)) return { multicast: false };
    return family === 'inet' ? { text: formatIPv4(b), multicast: b[0]! >> 4 === 14 } : { text: formatIPv6(b), multicast: b[0] === 0xff };
  }
}

const failed = () => fail('Failed to get existing tunnel info.');

/** The device's kind data, or ip's failure when it has none. */
export async function existingData(look: LinkLookup, dev: string | undefined): Promise<ExistingData> {
  const bytes = dev === undefined ? undefined : await look.kindData(dev);
  if (!bytes) throw failed();
  return new ExistingData(bytes);
}

/** Copy each value the kernel reported over the state's field: `[field, value]`, undefined values skipped. */
export function seed<S>(s: S, values: [keyof S, unknown][]): void {
  for (const [k, v] of values) if (v !== undefined) (s as Record<keyof S, unknown>)[k] = v;
}
