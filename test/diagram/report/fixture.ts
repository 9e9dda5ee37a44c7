// A check JSON built from real checker runs: the project's machines (every
// vfLifecycle and pfAcceptance option set, every VFIO flag set, system:2) plus two seeded-bug toys from the
// checker tests, so the report has a real counterexample trace and a real
// lasso to draw. Coverage: the reachable definition edges minus every third
// one (those stay uncovered), so all three edge colours appear.
import type { MachineSpec } from '../../../machines/spec.ts';
import { PF_ACCEPTANCE_OPTION_SETS, pfAcceptanceSpec } from '../../../machines/pfAcceptance.ts';
import { vfioMigrationSpecs } from '../../../machines/vfioMigration.ts';
import { VF_LIFECYCLE_OPTION_SETS, vfLifecycleSpec } from '../../../machines/vfLifecycle.ts';
import { systemSpec } from '../../../machines/system.ts';
import { definitionEdges } from '../../../src/check/edges.ts';
import { checkSpec } from '../../../src/check/report.ts';
import type { CatalogEntry } from '../../../src/diagram/registry.ts';
import { doorbellToy, vfToy } from '../../check/toys.ts';

export function fixtureSpecs(): MachineSpec[] {
  return [
    ...VF_LIFECYCLE_OPTION_SETS.map(vfLifecycleSpec),
    ...PF_ACCEPTANCE_OPTION_SETS.map(pfAcceptanceSpec),
    ...vfioMigrationSpecs,
    // the composed system with two VFs: parallel regions, one per VF
    systemSpec(2),
    vfToy({ saveWhileRunning: true }),
    doorbellToy({ resumeForgets: true }),
  ];
}

export function fixtureCatalog(specs: MachineSpec[] = fixtureSpecs()): CatalogEntry[] {
  return specs.map((s) => ({ id: s.id, machine: s.machine }));
}

/** Every third reachable edge uncovered. */
export const isUncovered = (index: number): boolean => index % 3 === 2;

export interface Fixture {
  check: Record<string, unknown>;
  catalog: CatalogEntry[];
  /** edge ids left uncovered, per machine */
  uncovered: Map<string, string[]>;
}

/** Checks every spec; `tests` gets one failing path whose text needs escaping. */
export function buildFixture(specs: MachineSpec[] = fixtureSpecs()): Fixture {
  const machines: unknown[] = [];
  const invariants: unknown[] = [];
  const liveness: unknown[] = [];
  const uncovered = new Map<string, string[]>();
  for (const spec of specs) {
    const r = checkSpec(spec);
    const dead = new Set(r.unreachable);
    const reachable = definitionEdges(spec.machine)
      .map((e) => e.id)
      .filter((id) => !dead.has(id));
    const covered = reachable.filter((_, i) => !isUncovered(i));
    uncovered.set(spec.id, reachable.filter((_, i) => isUncovered(i)));
    machines.push({
      id: spec.id,
      description: spec.description,
      states: r.states,
      transitions: { reachable: r.transitions.reachable, covered: covered.length },
      unreachable: r.unreachable,
      coveredEdges: covered,
      reachableEdges: reachable,
    });
    invariants.push(...r.invariants.map((i) => ({ machine: spec.id, ...i })));
    liveness.push(...r.liveness.map((l) => ({ machine: spec.id, ...l })));
  }
  const check = {
    machines,
    invariants,
    liveness,
    tests: {
      passed: 41,
      failed: 1,
      failures: [
        {
          machine: 'pfAcceptance:lm',
          path: 'pfQueue > SAVE > vf=1 <running>',
          step: 3,
          expected: 'Command Sequence Error (SC 0Ch) D5',
          observed: '<no completion> & "timeout" after 5000 ms',
        },
      ],
    },
  };
  // a round trip through JSON, as the file `nvme-lm check --json` writes would be
  return { check: JSON.parse(JSON.stringify(check)) as Record<string, unknown>, catalog: fixtureCatalog(specs), uncovered };
}
