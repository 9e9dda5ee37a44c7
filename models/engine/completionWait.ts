// How long a binding waits for a completion that may not come: the caller's
// timeout, or 0 when the target said at reset that its completions are
// posted before a register write returns (ResetInfo.synchronous).
import type { ResetInfo } from '../../src/target/adapter.ts';

/** Used when the caller names no timeout and the target did not say it is synchronous (verify's --completion-timeout default too). */
export const DEFAULT_TIMEOUT_MS = 300;

export function completionWait(info: ResetInfo | void, timeoutMs: number): number {
  return info?.synchronous === true ? 0 : timeoutMs;
}
