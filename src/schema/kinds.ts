/**
 * The kinds of value a declaration names, as the small integers the decoder and encoder switch over, and the
 * constants and errors every part of the schema shares. Depends on nothing but the wire.
 */
/** A value that does not fit its declaration; the message names the attribute path. */
export class SchemaError extends Error {
  readonly code = 'ERR_NETLINK_SCHEMA';
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`${path}: ${reason}`);
    this.name = 'SchemaError';
  }
}

/** Attributes the declaration does not know, kept raw on decoded objects under this symbol. */
export const UNKNOWN_ATTRIBUTES: unique symbol = Symbol.for('nlkit.unknownAttributes');

export interface RawAttribute {
  type: number;
  data: Uint8Array;
}

// Kinds: the decoder switches over these small integers.
export const K_U8 = 0, K_U16 = 1, K_U32 = 2, K_U64 = 3, K_S8 = 4, K_S16 = 5, K_S32 = 6, K_S64 = 7;
export const K_UINT = 8, K_SINT = 9, K_STRING = 10, K_BINARY = 11, K_FLAG = 12, K_BITFIELD32 = 13, K_NEST = 14;
export const K_INDEXED = 15, K_NTV = 16, K_SUBMSG = 17, K_PAD = 18;
/** A declaration's type word → its kind. */
export const kinds: Readonly<Record<string, number>> = {
  u8: K_U8, u16: K_U16, u32: K_U32, u64: K_U64, s8: K_S8, s16: K_S16, s32: K_S32, s64: K_S64,
  uint: K_UINT, sint: K_SINT, string: K_STRING, binary: K_BINARY, flag: K_FLAG, bitfield32: K_BITFIELD32,
  nest: K_NEST, 'indexed-array': K_INDEXED, 'nest-type-value': K_NTV, 'sub-message': K_SUBMSG, pad: K_PAD,
  unused: K_PAD,
};
/** Bytes of each fixed-size integer kind, K_U8 … K_S64. */
export const intSize: readonly number[] = [1, 2, 4, 8, 1, 2, 4, 8];

/** Display hints: how bytes and integers are shown as text (`display-hint` in YNL). */
export const D_NONE = 0, D_IP = 1, D_MAC = 2, D_HEX = 3;

export function displayCode(d: string | undefined): number {
  if (d === 'ipv4' || d === 'ipv6' || d === 'ipv4-or-v6') return D_IP;
  if (d === 'mac') return D_MAC;
  if (d === 'hex') return D_HEX;
  return D_NONE;
}

/**
 * Uses of a message, struct or set before its JIT code is built: building it costs more than a few generic
 * runs, and a command that sends one request and reads three links should not pay for it. Exported for tests.
 */
export const JIT_AFTER = 8;

/**
 * How many attribute containers may nest below a message's own attributes. A set may nest itself (that is how specs describe trees), so a
 * message or a value could nest as deep as its length allows, and recursion that deep exhausts the stack. The
 * kernel validates requests only 10 levels deep (MAX_POLICY_RECURSION_DEPTH, lib/nlattr.c); real replies stay
 * near that.
 */
export const MAX_NESTING = 64;

/** sizeof(struct genlmsghdr): cmd u8, version u8, reserved u16; generic netlink attributes follow it. */
export const GENL_HDRLEN = 4;
