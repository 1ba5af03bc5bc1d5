/**
 * What every call of the high-level APIs takes — the route objects, YNL sessions, namespaces' helpers — so that a
 * caller learns one pair of options once. A socket's own requests take more (`RequestOptions`).
 */
export interface CallOptions {
  /** Stops the call with an AbortError (`code` 'ABORT_ERR', `cause` the signal's reason); see each call for what it stops. */
  signal?: AbortSignal;
  /** Milliseconds for each request before it fails with ETIMEDOUT. */
  timeout?: number;
  /**
   * Called with the kernel's message when it accepts a request with a warning in its extended ACK (tc prints it as
   * `Warning: sch_htb: quantum of class 10001 is big. Consider r2q change.`).
   */
  warning?: (message: string) => void;
}
