// Identical differences, grouped. Two failures show the same difference when
// they come from the same suite machine (the spec machine's id, so a suite's
// variants for other VF counts or policies group together when the machine
// is one), fail at the same step event (the event with its parameters) and
// differ in the same way: the same fields with the same expected and observed
// values, or, where the binding gave no fields, the same expected and
// observed text. A known deviation groups apart from a real failure. The
// path, CIDs, SQE and CQE bytes may differ within a group: they depend on
// the path that led there, not on what the implementation got wrong.
import type { FieldDifference } from '../../models/engine/mismatchDetail.ts';
import type { VerifyFailure } from './run.ts';

export interface FailureGroup {
  /** the spec machine's id */
  machine: string;
  event: string;
  /** e.g. `DNR: expected 1, got 0`, fields joined by '; ' */
  difference: string;
  /** set when the group's failures are a documented deviation */
  deviation?: string;
  count: number;
  /** index in VerifyResult.failures of the member that fails soonest (fewest steps up to the failure, then the shortest path) */
  first: number;
  /** every member's path id (or path name where it has no id): `first`'s, then the others in failure order */
  paths: string[];
}

/** `DNR: expected 1, got 0; SC: expected 0x01, got 0x02` */
export function differenceText(differences: readonly FieldDifference[]): string {
  return differences.map((d) => `${d.field}: expected ${d.expected}, got ${d.observed}`).join('; ');
}

/** What one failure got wrong, without what depends on its path. */
export function differenceOf(f: VerifyFailure): string {
  return f.differences && f.differences.length > 0 ? differenceText(f.differences) : `expected ${f.expected}, observed ${f.observed}`;
}

/** Groups in order of their first member; `machineOf` maps a suite id to its machine's id. */
export function groupFailures(failures: readonly VerifyFailure[], machineOf: (suite: string) => string): FailureGroup[] {
  const groups = new Map<string, { group: FailureGroup; members: number[] }>();
  const length = (f: VerifyFailure): number => f.path.split(' > ').length;
  failures.forEach((f, i) => {
    const machine = machineOf(f.suite);
    const difference = differenceOf(f);
    const key = JSON.stringify([machine, f.event, difference, f.deviation?.id ?? null]);
    let g = groups.get(key);
    if (g === undefined) {
      g = { group: { machine, event: f.event, difference, ...(f.deviation ? { deviation: f.deviation.id } : {}), count: 0, first: i, paths: [] }, members: [] };
      groups.set(key, g);
    }
    g.members.push(i);
    const best = failures[g.group.first];
    if (f.step < best.step || (f.step === best.step && length(f) < length(best))) g.group.first = i;
  });
  return [...groups.values()].map(({ group, members }) => {
    const order = [group.first, ...members.filter((i) => i !== group.first)];
    return { ...group, count: members.length, paths: order.map((i) => failures[i].pathId ?? failures[i].path) };
  });
}
