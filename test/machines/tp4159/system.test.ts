// The composed tp4159 system: PF + n VFs, each VF region built from one
// local table, explored by src/check's product explorer unchanged; isolation
// (I13) and D19 (I9) hold, and each catches a seeded system.
import { describe, expect, it } from 'vitest';
import type { MachineSpec } from '../../../machines/spec.ts';
import { createTpSystem, tpSystemConfig, tpSystemDecomposition, tpSystemSetup, tpSystemSpec, type TpSystemConfig } from '../../../machines/tp4159System.ts';
import { explore } from '../../../src/check/explore.ts';
import { exploreProduct } from '../../../src/check/productExplorer.ts';
import { check } from '../../../src/check/report.ts';
import { invariant, play, seeded } from './helpers.ts';

describe('tp4159System', () => {
  // (n = 3 is 1,001 states x 39 events through XState: seconds; the product explorer's own tests go further)
  it.each([1, 2])('I13: with %i VF(s) the product explorer reaches the states and transitions a plain exploration does, with and without symmetry', (n) => {
    const spec = tpSystemSpec(n);
    const d = tpSystemDecomposition(n);
    const plain = explore(spec);
    const product = exploreProduct(spec, d);
    expect([product.states, product.transitions]).toEqual([plain.keys.length, plain.transitions.length]);
    expect(exploreProduct(spec, d, { symmetry: true }).states).toBe(explore(spec, { symmetry: true }).keys.length);
    expect(product.invariants.every((i) => i.holds)).toBe(true);
  });

  it('I13: 6 VFs explored exhaustively on packed vectors: 10^6 + 1 states (10 local states per VF, and the PF off)', () => {
    const g = exploreProduct(tpSystemSpec(6), tpSystemDecomposition(6));
    expect(g.localStates).toHaveLength(11);
    expect(g.states).toBe(10 ** 6 + 1);
    expect(g.invariants.every((i) => i.holds)).toBe(true);
  });

  it('tp4159System:2: I3, I9, I13 hold; no deadlock, no unreachable edge', () => {
    const { report } = check(tpSystemSpec(2));
    expect(report.invariants.filter((i) => !i.holds).map((i) => i.counterexample?.message)).toEqual([]);
    expect([report.deadlocks.count, report.unreachable]).toEqual([0, []]);
  });

  it('D34: a PF reset deletes every CDQ and resets every VF; D20: a command naming the PF itself is 1/1Fh and changes nothing', () => {
    const m = createTpSystem(2);
    const before = play(m, ['PF_ENABLE', { type: 'CREATE_CDQ', vf: 1 }, { type: 'TRACK_START', vf: 1 }, { type: 'SUSPEND', vf: 2 }]);
    expect(before.value).toEqual({ pfEnabled: { vf1: 'active_on1', vf2: 'suspended_none' } });
    const self = play(m, ['PF_ENABLE', { type: 'CREATE_CDQ', vf: 1 }, 'PF_NAMES_ITSELF']);
    expect(self.context.last).toMatchObject({ status: 'INVALID_CONTROLLER_ID', decision: 'D20' });
    expect(self.value).toEqual({ pfEnabled: { vf1: 'active_off0', vf2: 'active_none' } });
    const after = play(m, ['PF_ENABLE', { type: 'CREATE_CDQ', vf: 1 }, { type: 'TRACK_START', vf: 1 }, 'PF_FLR', 'PF_ENABLE']);
    expect(after.value).toEqual({ pfEnabled: { vf1: 'active_none', vf2: 'active_none' } });
  });

  it('I13: a system whose VF regions take every VF\'s events (a write lands in another controller\'s queue) is caught, and the product explorer refuses it', () => {
    const leaky = seeded(tpSystemSpec(2), 'forVf', { guards: { forVf: ({ event }: { event: { vf?: number } }) => event.vf !== undefined } });
    const r = invariant(leaky, 'I13');
    expect(r.holds).toBe(false);
    expect(r.counterexample?.message).toMatch(/^I13 \(D14\): [A-Z_]+ for VF \d changed VF \d from \w+ to \w+/);
    expect(() => exploreProduct(leaky, tpSystemDecomposition(2))).toThrow(/the regions are not independent/);
  });

  it('I9: a VF that suspends itself on a management opcode from its own admin queue is caught', () => {
    const cfg = tpSystemConfig(1) as unknown as { states: { pfEnabled: { states: { vf1: { states: Record<string, { on: Record<string, { actions: unknown }> }> } } } } };
    const vf1 = cfg.states.pfEnabled.states.vf1;
    const edge = vf1.states.active_none.on.VF_MANAGEMENT;
    vf1.states.active_none.on.VF_MANAGEMENT = { ...edge, target: 'suspended_none' } as typeof edge;
    const spec: MachineSpec = { ...tpSystemSpec(1), id: 'tp4159System:1:seeded', machine: tpSystemSetup.createMachine(cfg as unknown as TpSystemConfig) };
    const r = invariant(spec, 'I9');
    expect(r.holds).toBe(false);
    expect(r.counterexample?.message).toMatch(/^I9 \(D19\): a management opcode on VF 1's admin queue changed the system/);
    expect(invariant(tpSystemSpec(1), 'I9').holds).toBe(true);
  });
});
