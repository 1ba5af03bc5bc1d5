/**
 * TypeScript types of decoded objects, computed from a declaration literal (`as const`):
 *
 *   type Route = DecodedMessage<typeof rtRoute, 'newroute'>;
 *   type Metrics = DecodedSet<typeof rtRoute, 'rta-metrics'>;
 *
 * Header fields are always present; attributes are optional. Encoders accept the same shapes (plus raw
 * numbers for enums and flags, and Uint8Array for addresses), see `Encodable`.
 */
import type { FamilyDecl } from './declaration.js';
import type { RawAttribute, UNKNOWN_ATTRIBUTES } from './codec.js';

type EnumEntries<F extends FamilyDecl, E> = E extends keyof F['enums'] ? keyof F['enums'][E]['entries'] & string : never;

type IsFlags<F extends FamilyDecl, A> = A extends { enumAsFlags: true }
  ? true
  : A extends { enum: infer E }
    ? E extends keyof F['enums']
      ? F['enums'][E]['type'] extends 'flags'
        ? true
        : false
      : false
    : false;

type IntValue<F extends FamilyDecl, A> = A extends { type: 'u64' | 's64' }
  ? bigint
  : A extends { enum: infer E }
    ? IsFlags<F, A> extends true
      ? (EnumEntries<F, E> | number)[]
      : EnumEntries<F, E> | number
    : A extends { display: 'ipv4' }
      ? string
      : number;

type StructValue<F extends FamilyDecl, S> = S extends keyof F['structs']
  ? {
      [M in F['structs'][S]['members'][number] as M extends { type: 'pad' } ? never : M['name']]: MemberValue<F, M>;
    }
  : never;

type MemberValue<F extends FamilyDecl, M> = M extends { struct: infer S }
  ? StructValue<F, S>
  : M extends { type: 'string' }
    ? string
    : M extends { type: 'binary' }
      ? M extends { display: string }
        ? string | Uint8Array
        : Uint8Array
      : IntValue<F, M>;

type Single<F extends FamilyDecl, A> = A extends { type: infer T }
  ? T extends 'string'
    ? string
    : T extends 'binary'
      ? A extends { struct: infer S }
        ? A extends { structArray: true }
          ? (StructValue<F, S> & (A extends { elementAttributes: infer E } ? DecodedSet<F, E> : unknown))[]
          : StructValue<F, S>
        : A extends { display: string }
          ? string | Uint8Array
          : Uint8Array
      : T extends 'flag'
        ? true
        : T extends 'bitfield32'
          ? { value: number; selector: number }
          : T extends 'nest'
            ? A extends { nested: infer N }
              ? (A extends { fixedHeader: infer H } ? StructValue<F, H> : unknown) & DecodedSet<F, N>
              : never
            : T extends 'indexed-array'
              ? A extends { subType: 'nest'; nested: infer N }
                ? DecodedSet<F, N>[]
                : A extends { subType: infer ST }
                  ? Single<F, { type: ST }>[]
                  : unknown[]
              : T extends 'nest-type-value'
                ? A extends { nested: infer N }
                  ? A extends { typeValueDepth: 2 }
                    ? Record<number, Record<number, DecodedSet<F, N>>>
                    : Record<number, DecodedSet<F, N>>
                  : never
                : T extends 'sub-message'
                  ? A extends { subMessage: infer SM }
                    ? SM extends keyof F['subMessages']
                      ? SubMessageValue<F, F['subMessages'][SM][keyof F['subMessages'][SM]]> | Uint8Array
                      : never
                    : never
                  : T extends 'uint' | 'sint'
                    ? A extends { enum: string }
                      ? IntValue<F, A>
                      : number | bigint
                    : IntValue<F, A>
  : never;

type SubMessageValue<F extends FamilyDecl, V> = (V extends { fixedHeader: infer H } ? StructValue<F, H> : unknown) &
  (V extends { attributeSet: infer S } ? DecodedSet<F, S> : unknown);

type AttrValue<F extends FamilyDecl, A> = A extends { multi: true } ? Single<F, A>[] : Single<F, A>;

/** The decoded form of an attribute set: every attribute optional. */
export type DecodedSet<F extends FamilyDecl, S> = S extends keyof F['attributeSets']
  ? {
      -readonly [A in F['attributeSets'][S]['attributes'][number] as A extends { type: 'pad' | 'unused' }
        ? never
        : A['name']]?: AttrValue<F, A>;
    } & { [UNKNOWN_ATTRIBUTES]?: RawAttribute[] }
  : unknown;

/** The decoded form of a message: its fixed header's fields and its attributes, in one flat object. */
export type DecodedMessage<F extends FamilyDecl, M extends keyof F['messages']> = (F['messages'][M] extends {
  fixedHeader: infer H;
}
  ? StructValue<F, H>
  : unknown) &
  (F['messages'][M] extends { attributeSet: infer S } ? DecodedSet<F, S> : unknown);

/** What an encoder takes for a message: the decoded shape with every field optional. */
export type Encodable<F extends FamilyDecl, M extends keyof F['messages']> = Partial<DecodedMessage<F, M>>;

/**
 * A message's value as plain data, when no declaration types it: field and attribute names to values (numbers,
 * bigints, strings, byte arrays, nested values). What a spec loaded at run time reads and writes.
 */
export type Value = Record<string, unknown>;
