export type * from './declaration.js';
export { Schema, SchemaError, PathRecorder, UNKNOWN_ATTRIBUTES, GENL_HDRLEN } from './codec.js';
export type { RawAttribute, CompiledMessage, CompiledSet, CompiledStruct } from './codec.js';
export type { DecodedMessage, DecodedSet, Encodable } from './types.js';
export { fromYnl, camel } from './ynl.js';
export * from './address.js';
