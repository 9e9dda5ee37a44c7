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
  if (check.tests) {
    if (check.tests.failed > 0) reasons.push(`${plural(check.tests.failed, 'path test')} failed`);
    if (check.tests.failures.length > check.tests.failed) {
      reasons.push(`the results list ${check.tests.failures.length} failing paths but count ${check.tests.failed} failures: the check JSON is inconsistent`);
    }
  } else {
    notes.push('no path tests were run (the check results have no "tests")');
  }
  const unreachable = check.machines.reduce((n, m) => n + m.unreachable.length, 0);
  if (unreachable > 0) notes.push(`${plural(unreachable, 'definition edge')} unreachable (dead specification): see the coverage table`);
  return { pass: reasons.length === 0, reasons, notes };
}
