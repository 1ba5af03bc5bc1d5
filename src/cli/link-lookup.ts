/** What parsing `ip link` words needs to know of the namespace, answered by link.ts from the kernel. */
export interface LinkLookup {
  ifindex(name: string): Promise<number>;
  /** Bytes in the device's hardware address, or -1 when it has none to compare with. */
  addressLength(name: string): Promise<number>;
  /** Whether the device is a VRF. */
  isVrf(name: string): Promise<boolean>;
  /** An nsid for a named namespace, assigning one if it has none (-1 when there is no such namespace). */
  netnsid(name: string): Promise<number>;
  /** Whether /run/netns/NAME exists. */
  hasNetns(name: string): boolean;
  /** The device's IFLA_INFO_DATA bytes, which ip reads before changing a tunnel's options (undefined: none). */
  kindData(name: string): Promise<Uint8Array | undefined>;
}
