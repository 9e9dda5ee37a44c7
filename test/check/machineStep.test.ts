// machineStep/machineInitial stand in for XState's transition/initialTransition
// everywhere the checker and the bindings step a machine (issue 17: the
// per-call actor XState builds was most of the check job's time). They must
// give the same snapshots, or every graph, path and verdict would change.
import { describe, expect, it } from 'vitest';
import { initialTransition, transition } from 'xstate';
import { machineSpecs } from '../../machines/catalog.ts';
import { canonicalJson } from '../../src/check/canonical.ts';
import { machineInitial, machineStep, machineStepSelected } from '../../src/check/machineStep.ts';
import { mutexToy } from './toys.ts';

const view = (s: { value: unknown; context: unknown; status: string }): string => canonicalJson({ value: s.value, context: s.context, status: s.status });

describe('machineStep: the snapshots of XState transition, without its per-call actor', () => {
  const specs = [mutexToy(2), ...machineSpecs().filter((s) => s.id === 'pfAcceptance:no-lm' || s.id === 'vfioMigration:stop-copy')];

  it.each(specs.map((s) => [s.id, s] as const))('%s: the initial snapshot and every event along a walk agree', (_id, spec) => {
    let ours = machineInitial(spec.machine);
    let theirs = initialTransition(spec.machine)[0];
    expect(view(ours)).toBe(view(theirs));
    // a deterministic walk: from each state the first event that changes it
    for (let i = 0; i < 12; i++) {
      for (const event of spec.events) {
        expect(view(machineStep(spec.machine, ours, event))).toBe(view(transition(spec.machine, theirs, event)[0]));
      }
      const moving = spec.events.find((e) => view(machineStep(spec.machine, ours, e)) !== view(ours));
      if (!moving) break;
      ours = machineStep(spec.machine, ours, moving);
      theirs = transition(spec.machine, theirs, moving)[0];
    }
  });

  it('an event that enables no transition leaves the very same snapshot, as XState does (bindings test after === before)', () => {
    const spec = mutexToy(2);
    const s = machineInitial(spec.machine);
    const exit = { type: 'EXIT', vf: 1 };
    expect(transition(spec.machine, s, exit)[0]).toBe(s);
    expect(machineStep(spec.machine, s, exit)).toBe(s);
  });

  it.each(specs.map((s) => [s.id, s] as const))('%s: machineStepSelected (the explorer\'s step) gives XState\'s snapshot for every event along a walk, enabled or not', (_id, spec) => {
    let s = machineInitial(spec.machine);
    let skipped = 0;
    for (let i = 0; i < 12; i++) {
      for (const event of spec.events) {
        const selected = spec.machine.getTransitionData(s, event);
        const ours = machineStepSelected(spec.machine, s, event, selected);
        const theirs = transition(spec.machine, s, event)[0];
        if (selected.length === 0) {
          skipped++;
          expect(ours).toBe(s);
          expect(theirs).toBe(s);
        } else expect(view(ours)).toBe(view(theirs));
      }
      const moving = spec.events.find((e) => spec.machine.getTransitionData(s, e).length > 0 && view(machineStep(spec.machine, s, e)) !== view(s));
      if (!moving) break;
      s = machineStep(spec.machine, s, moving);
    }
    // not vacuous: the walk met events that enable nothing
    expect(skipped).toBeGreaterThan(0);
  });
});
