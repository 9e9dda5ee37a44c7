// Known deviations: places where an implementation nobody here wrote
// disagrees with the machines and the NVMe specification decides against the
// implementation. verify reports a matching failure as "known deviation",
// never as a pass. The machines are never weakened to make these go away.
import { QEMU_TP4159_DEVIATIONS } from './qemuTp4159Deviations.ts';

export interface Deviation {
  /** short name, cited in reports */
  id: string;
  /** which target shows it: `qemu`, or a target as verify names it (e.g. `exec "./my-controller"`) */
  target: string;
  /** the suite ids it applies to (a prefix match on the suite id) */
  suites: string[];
  /** the step's event, as verify names it (e.g. `SUBMIT_IO`), or '*' */
  event: string;
  /** optional: a regular expression the observation must match */
  observed?: RegExp;
  /** optional: a regular expression the expectation must match */
  expected?: RegExp;
  /** optional: a regular expression what the binding checked (the failure's `what`) must match */
  what?: RegExp;
  /** what the NVMe specification (or this project's decision) requires, with the section */
  specification: string;
  /** what the implementation does instead */
  implementation: string;
}

/**
 * QEMU 7.2 (`verify --qemu`), no-lm suites: none. Every path of
 * vfLifecycle:no-lm:immediate and pfAcceptance:no-lm agrees with the machines
 * (the README section "Verify a real controller: QEMU" lists what ran and what QEMU cannot exhibit).
 * The QEMU build with TP4159 (hmlms), tp4159 suites: qemuTp4159Deviations.ts.
 */
export const DEVIATIONS: readonly Deviation[] = [...QEMU_TP4159_DEVIATIONS];

/** The parts of a failure a deviation is matched on. */
export interface DeviationProbe {
  suite: string;
  event: string;
  expected: string;
  observed: string;
  what?: string;
}

/** The deviation a failure matches, if any (`list`: DEVIATIONS unless a caller gives its own). */
export function matchDeviation(target: string, f: DeviationProbe, list: readonly Deviation[] = DEVIATIONS): Deviation | undefined {
  return list.find(
    (d) =>
      d.target === target &&
      d.suites.some((s) => f.suite.startsWith(s)) &&
      (d.event === '*' || d.event === f.event.replace(/\(.*$/, '')) &&
      (!d.observed || d.observed.test(f.observed)) &&
      (!d.expected || d.expected.test(f.expected)) &&
      (!d.what || (f.what !== undefined && d.what.test(f.what))),
  );
}
