// Pass or fail for a whole check, with the reasons, computed once for the
// page's summary and for the CLI's exit code.
import type { CheckJson } from './checkJson.ts';

export interface Verdict {
  pass: boolean;
  /** why it failed, one short sentence each; empty when it passed */
  reasons: string[];
  /** things worth a look that do not fail the check (dead specification, tests not run) */
  notes: string[];
}

/** False when no path test ran (`check --no-suites`, or results without "tests"): a pass then covers the proofs only. */
export function testsRan(check: CheckJson): boolean {
  return check.tests !== undefined && check.tests.passed + check.tests.failed > 0;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Fails when an invariant or liveness property is violated or a path test failed; unreachable edges are a note. */
export function verdictOf(check: CheckJson): Verdict {
  const reasons: string[] = [];
  const notes: string[] = [];
  const brokenInv = check.invariants.filter((i) => !i.holds);
  if (brokenInv.length > 0) reasons.push(`${plural(brokenInv.length, 'invariant')} violated (${brokenInv.map((i) => i.id).join(', ')})`);
  const brokenLive = check.liveness.filter((l) => !l.holds);
  if (brokenLive.length > 0) reasons.push(`${plural(brokenLive.length, 'liveness property', 'liveness properties')} violated (${brokenLive.map((l) => l.id).join(', ')})`);
  if (check.tests && !testsRan(check)) notes.push('no path tests were run (the check ran with --no-suites): nothing here says the emulator passes them');
  if (check.tests) {
    if (check.tests.failed > 0) reasons.push(`${plural(check.tests.failed, 'path test')} failed`);
    if (check.tests.failures.length > check.tests.failed) {
      reasons.push(`the results list ${check.tests.failures.length} failing paths but count ${check.tests.failed} failures: the check JSON is inconsistent`);
    }
  } else {
    notes.push('no path tests were run (the check results have no "tests")');
  }
  // `dead`: unreachable in every configuration of the machine; results without it count every unreachable edge as dead
  const dead = check.machines.reduce((n, m) => n + (m.dead ?? m.unreachable).length, 0);
  const elsewhere = check.machines.reduce((n, m) => n + m.unreachable.length, 0) - dead;
  if (dead > 0) notes.push(`${plural(dead, 'definition edge')} unreachable (dead specification): see the coverage table`);
  if (elsewhere > 0) notes.push(`${plural(elsewhere, 'definition edge')} unreachable in one configuration but reached in another of the same machine (another profile or option set): not dead`);
  return { pass: reasons.length === 0, reasons, notes };
}

/** The one-word badge and the sentence beside it: PASS only when the path tests ran too. */
export function headline(v: Verdict, testsRun: boolean): { badge: 'PASS' | 'FAIL' | 'PROOFS ONLY'; text: string } {
  if (!v.pass) return { badge: 'FAIL', text: 'the check failed' };
  if (!testsRun) return { badge: 'PROOFS ONLY', text: 'every invariant and liveness property holds; the path tests were not run, so they neither passed nor failed' };
  return { badge: 'PASS', text: 'every invariant and liveness property holds and every path test passed' };
}
