// The limits and defaults `verify` names in its help: apart from the run
// engine, so the CLI can print them without loading the suites.
import { DEFAULT_TIMEOUT_MS } from '../../models/engine/completionWait.ts';

/** The most VFs `--vfs` asks for: the bindings' host memory plan has room for functions 0..8 (models/host/hostPlan.ts), QEMU's target enables at most 8. */
export const MAX_VERIFY_VFS = 8;

/** How long the suites wait for a completion before deciding none came: the bindings' own default. */
export const DEFAULT_COMPLETION_TIMEOUT_MS = DEFAULT_TIMEOUT_MS;
/**
 * On QEMU: no no-lm path expects a missing completion (QEMU refuses the drop
 * policy and deferred I/O in reset), so waiting longer costs a passing run
 * nothing, while on a loaded machine QEMU took over 300 ms to post some
 * completions (measured with a load average of 13 on 2 CPUs) and a short
 * wait turned that into false failures.
 */
export const QEMU_COMPLETION_TIMEOUT_MS = 2000;

/** The most sessions a JSON-lines target may offer (reset's "sessions", docs/protocol.md). */
export const MAX_SESSIONS = 16;

/** `--sessions` as given (verify's and serve's): a whole number from 1 to MAX_SESSIONS, or undefined. */
export function sessionCount(text: string): number | undefined {
  const n = /^[1-9][0-9]*$/.test(text) ? Number(text) : NaN;
  return n >= 1 && n <= MAX_SESSIONS ? n : undefined;
}

/** Sessions verify plays at once when the target offers them (--sessions): two suites keep both sides of the pipe busy on two CPUs. */
export const DEFAULT_VERIFY_SESSIONS = 2;
