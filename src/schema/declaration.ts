/**
 * The declarative description of a netlink message family: plain data (JSON-compatible), written by the
 * generator from YNL specs, by hand for families without a spec, or built at run time by `fromYnl`.
 *
 * Naming rule (applied by `fromYnl` and followed by hand-written declarations): YNL kebab-case names become
 * camelCase, and the kernel's C prefix is dropped where the spec spells it into the name (`rta-dst` → `dst`,
 * `rtm-dst-len` → `dstLen`, `ifi-index` → `index`). A decoded message is one flat object holding the fixed
 * header's fields and the attributes; when a header field and an attribute would get the same name
 * (rtm-table / RTA_TABLE, ifa-flags / IFA_FLAGS) the attribute keeps the short name and the header field keeps
 * its prefixed one (`rtmTable`, `ifaFlags`).
 */

export type IntType = 'u8' | 'u16' | 'u32' | 'u64' | 's8' | 's16' | 's32' | 's64';

export type AttrType =
  | IntType
  | 'uint'
  | 'sint'
  | 'string'
  | 'binary'
  | 'flag'
  | 'bitfield32'
  | 'nest'
  | 'indexed-array'
  | 'nest-type-value'
  | 'sub-message'
  | 'pad'
  | 'unused';

/** How a value is shown: addresses as text, MACs as `aa:bb:..`, hex as a hex string. */
export type DisplayHint = 'ipv4' | 'ipv6' | 'ipv4-or-v6' | 'mac' | 'hex' | 'uint';

export interface Checks {
  readonly min?: number;
  readonly max?: number;
  readonly minLen?: number;
  readonly maxLen?: number;
  readonly exactLen?: number;
}

export interface AttrDecl {
  /** The JS property name (camelCase, C prefix dropped). */
  readonly name: string;
  /** The attribute type number (nla_type). */
  readonly value: number;
  readonly type: AttrType;
  /** A key of `definitions.enums`: numbers decode to names (an `enum`) or to arrays of names (`flags`). */
  readonly enum?: string;
  /** The value is a bit set of the enum's entries even if the enum is a plain `enum`. */
  readonly enumAsFlags?: boolean;
  readonly byteOrder?: 'big-endian';
  readonly display?: DisplayHint;
  /** nest, indexed-array (sub-type nest), nest-type-value: the attribute set of the payload. */
  readonly nested?: string;
  /** nest: the payload starts with this struct, then the attributes (VETH_INFO_PEER: ifinfomsg + link attrs). */
  readonly fixedHeader?: string;
  /** indexed-array: the element type. */
  readonly subType?: AttrType;
  /** nest-type-value: how many levels of attribute types stand for keys (YNL `type-value`), when more than one. */
  readonly typeValueDepth?: number;
  /** binary: the payload is this struct (a key of `definitions.structs`). */
  readonly struct?: string;
  /** binary with `struct`: the payload is an array of such structs rather than one. */
  readonly structArray?: boolean;
  /**
   * binary with `structArray`: each element is the struct followed by attributes of this set, and the struct's
   * member `elementLength` holds the element's total length (struct rtnexthop in RTA_MULTIPATH).
   */
  readonly elementAttributes?: string;
  readonly elementLength?: string;
  /** Repeated attribute: decodes to an array, one element per occurrence. */
  readonly multi?: boolean;
  /** sub-message: a key of `subMessages`, chosen by the sibling attribute named `selector` (JS name). */
  readonly subMessage?: string;
  readonly selector?: string;
  readonly checks?: Checks;
  /**
   * nest or sub-message: sent without NLA_F_NESTED, as iproute2 sends it where the kernel parses the nest either
   * way (rtnetlink's link info): a request then has the bytes of ip's. On an indexed-array, its entries too.
   */
  readonly plainNest?: boolean;
  /** string: sent without its trailing NUL, as iproute2 sends IFLA_INFO_KIND (NLA_STRING takes either). */
  readonly unterminated?: boolean;
  /** indexed-array: the type of the first entry sent (1 when unset; iproute2 counts bond targets from 0). */
  readonly firstIndex?: number;
  /**
   * binary: the bytes are attributes the caller encoded (RTA_ENCAP, whose set depends on RTA_ENCAP_TYPE), sent
   * with NLA_F_NESTED as iproute2's rta_nest sends them.
   */
  readonly nestedBytes?: boolean;
}

export interface AttrSetDecl {
  readonly attributes: readonly AttrDecl[];
}

export type MemberType = IntType | 'pad' | 'binary' | 'string';

export interface MemberDecl {
  readonly name: string;
  readonly type: MemberType;
  /** Byte length for pad, binary and string members. */
  readonly len?: number;
  readonly enum?: string;
  readonly enumAsFlags?: boolean;
  readonly byteOrder?: 'big-endian';
  readonly display?: DisplayHint;
  /** binary member holding another struct. */
  readonly struct?: string;
}

export interface StructDecl {
  readonly members: readonly MemberDecl[];
}

export interface EnumDecl {
  readonly type: 'enum' | 'flags';
  /** Entry name (camelCase, prefix dropped) → value (for flags: the bit value, not the bit index). */
  readonly entries: Readonly<Record<string, number>>;
}

/** One variant of a sub-message: an attribute set and/or a fixed header. */
export interface SubMessageVariant {
  readonly attributeSet?: string;
  readonly fixedHeader?: string;
  /** Sent with NLA_F_NESTED although the attribute is plainNest (tc's fq_pie and ets set it for their options). */
  readonly nested?: boolean;
}

export interface MessageDecl {
  /** nlmsg_type for netlink-raw; the genetlink command number otherwise. */
  readonly value: number;
  readonly fixedHeader?: string;
  readonly attributeSet?: string;
}

export interface OperationDecl {
  readonly name: string;
  /** Message names (keys of `messages`) for each direction present. */
  readonly doRequest?: string;
  readonly doReply?: string;
  readonly dumpRequest?: string;
  readonly dumpReply?: string;
  readonly notify?: string;
}

/**
 * A netlink family as data — what tools/generate.ts makes of a YNL spec, or written by hand (TASKSTATS): the messages,
 * attribute sets, structs, enums, operations and multicast groups that encoders, decoders and TypeScript types are
 * built from.
 */
export interface FamilyDecl {
  /** The family name: the genetlink family to resolve, or the spec's name for netlink-raw. */
  readonly name: string;
  readonly protocol: 'netlink-raw' | 'genetlink' | 'genetlink-c' | 'genetlink-legacy';
  /** netlink protocol number (0 NETLINK_ROUTE, 16 NETLINK_GENERIC). */
  readonly protonum: number;
  /** genetlink: the genlmsghdr version to send. */
  readonly version?: number;
  readonly constants: Readonly<Record<string, number | string>>;
  readonly enums: Readonly<Record<string, EnumDecl>>;
  readonly structs: Readonly<Record<string, StructDecl>>;
  readonly attributeSets: Readonly<Record<string, AttrSetDecl>>;
  readonly subMessages: Readonly<Record<string, Readonly<Record<string, SubMessageVariant>>>>;
  /** Message layouts by name: `newroute`, `getrouteRequest`, ... */
  readonly messages: Readonly<Record<string, MessageDecl>>;
  readonly operations: readonly OperationDecl[];
  /** Multicast groups: number (netlink-raw) or name to resolve (genetlink). */
  readonly mcastGroups: Readonly<Record<string, number | string>>;
}
