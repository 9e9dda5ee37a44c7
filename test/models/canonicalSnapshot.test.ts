// A binding steps its machine alongside the path (nextState,
// models/engine/observe.ts) and takes the explorer's own result where its
// machine is a copy the explorer made of the state the step starts from:
// the `after` of an edge into that state other than the one the explorer
// first reached it by. That is sound only if XState steps such a copy to the
// same value, context and status as the explorer's canonical one; a spec
// whose key leaves out context (`keyOmitsContext`) does not get it (its
// graph maps no copy). Checked here on every path of every suite of every
// profile, both path sets, with the spec's flag as the graph has it.
import { describe, expect, it } from 'vitest';
import type { AnyMachineSnapshot } from 'xstate';
import { allSuites } from '../../models/catalog.ts';
import { nextState } from '../../models/engine/observe.ts';
import { machineInitial, machineStep } from '../../src/check/machineStep.ts';
import { canonicalSnapshot, type Path } from '../../src/paths/path.ts';

const contentOf = (s: AnyMachineSnapshot): string => JSON.stringify([s.value, s.context, s.status]);

describe('a binding takes its steps from the explored graph', () => {
  for (const suite of allSuites({ timeoutMs: 0 })) {
    it(`${suite.id}: XState steps every copy of a state a path reaches to the explorer's own snapshot (value, context, status)`, () => {
      const sets: Path[][] = [suite.paths(), ...(suite.branchPaths ? [suite.branchPaths()] : [])];
      let copies = 0;
      const checked = new Set<string>();
      for (const paths of sets) {
        for (const path of paths) {
          let machine = machineInitial(suite.spec.machine);
          for (const step of path.steps) {
            if (step.from !== machine && step.after !== undefined) {
              // a binding's machine is the graph's own copy of the state the step starts from (else XState's own result, where the key leaves out context)
              if (!suite.spec.keyOmitsContext) expect(canonicalSnapshot(machine), `${path.name}: step ${step.event.type} starts from a snapshot the graph does not know`).toBe(step.from);
              const pair = `${contentOf(machine)} ${JSON.stringify(step.event)}`;
              const stepped = machineStep(suite.spec.machine, machine, step.event);
              if (!checked.has(pair)) {
                checked.add(pair);
                if (!suite.spec.keyOmitsContext) expect(contentOf(stepped), `${path.name}: step ${step.event.type}: a copy of its state steps otherwise (does the spec's key leave out context? then say keyOmitsContext)`).toBe(contentOf(step.after));
              }
              copies++;
              const next = nextState(suite.spec, machine, step.event, step);
              // the explorer's own result, without stepping XState; else XState's
              if (suite.spec.keyOmitsContext) expect(contentOf(next)).toBe(contentOf(stepped));
              else expect(next).toBe(step.after);
              machine = next;
              continue;
            }
            machine = nextState(suite.spec, machine, step.event, step);
            expect(machine).toBe(step.after);
          }
        }
      }
      // a suite whose paths all follow the edges the explorer first reached their states by has no copies (a few small ones); these have many, else this test could check nothing
      if (suite.id === 'vfLifecycle:lm:drop:deferred') expect(copies).toBeGreaterThan(1000);
      if (suite.id === 'pfAcceptance:lm') expect(copies).toBeGreaterThan(0);
    });
  }
});
