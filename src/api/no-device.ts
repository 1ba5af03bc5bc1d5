/**
 * The error for a device name the namespace does not have: its own module, so that the CLI's error reporting can
 * recognise it without loading the route family's declarations (devices.ts) for commands that never use them.
 */
import { SchemaError } from '../schema/codec.js';

/** A device named where one is referenced that the namespace does not have. */
export class NoDeviceError extends SchemaError {
  constructor(
    path: string,
    /** The name as the caller gave it. */
    readonly device: string,
  ) {
    super(path, `no device named "${device}"`);
  }
}
