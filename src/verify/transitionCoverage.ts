// Which concrete transitions a suite run exercised, counted the same way by
// the check job and the verify job (keys from src/check/transitionKey.ts):
// whole paths that passed, failing paths up to the step before the failure.
// Paths the target cannot play count for nothing; their transitions are the
// ones `notRealisableTransitions` names.
import type { Path } from '../paths/path.ts';
import type { SuiteRun } from '../../models/engine/run.ts';
import { TransitionSet } from '../check/transitionKey.ts';

/** Transitions taken by the steps that passed. */
export function passedTransitions(initialKey: string, paths: readonly Path[], run: SuiteRun): Set<string> {
  const failedAt = new Map(run.failures.map((f) => [f.path, f.step]));
  const unplayable = new Set(run.notRealisable.map((n) => n.path));
  const covered = new TransitionSet();
  for (const p of paths) {
    if (unplayable.has(p.name)) continue;
    const upTo = failedAt.has(p.name) ? Math.max(0, (failedAt.get(p.name) as number) - 1) : p.steps.length;
    covered.addSteps(initialKey, p.steps, upTo);
  }
  return covered.keys;
}

/** Transitions on the paths the target could not play (NotRealisable). */
export function notRealisableTransitions(initialKey: string, paths: readonly Path[], run: SuiteRun): Set<string> {
  const unplayable = new Set(run.notRealisable.map((n) => n.path));
  const out = new TransitionSet();
  for (const p of paths) if (unplayable.has(p.name)) out.addSteps(initialKey, p.steps);
  return out.keys;
}
