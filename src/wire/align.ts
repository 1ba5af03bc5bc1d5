/** Netlink aligns every header, attribute and payload to 4 bytes (NLMSG_ALIGNTO, NLA_ALIGNTO). */
export const ALIGNTO = 4;

export function align4(n: number): number {
  return (n + ALIGNTO - 1) & ~(ALIGNTO - 1);
}
