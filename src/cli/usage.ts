/** A command line that cannot be run as written: exit code 1, and the word at fault in the message. */
export class UsageError extends Error {
  readonly code = 'ERR_USAGE';
}
