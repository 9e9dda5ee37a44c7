import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { initialTransition, transition, type AnyStateMachine } from 'xstate';
import {
  acceptanceConfig,
  acceptanceSetup,
  ACCEPTANCE_INVARIANTS,
  createPfAcceptance,
  expectedOutcome,
  FINAL_NAMES,
  FINALS,
  I1_NO_LM_ON_VF_QUEUE,
  I2_ONE_COMPLETION,
  I3_REJECTION_CHANGES_NOTHING,
  normalizeOptions,
  PF_ACCEPTANCE_OPTION_SETS,
  pfAcceptanceSpec,
  type AcceptanceConfig,
  type FinalName,
  type PfAcceptanceOptions,
} from '../../machines/pfAcceptance.ts';
import type { Invariant, MachineSpec, Step } from '../../machines/spec.ts';
import { definitionEdges } from '../../src/check/edges.ts';
import { bfs } from './pfAcceptanceBfs.ts';

const LM_COMMON: FinalName[] = [
  'rejectedIoQueue',
  'notLmCommand',
  'rejectedFuse',
  'rejectedPsdt',
  'rejectedVfIndexZero',
  'rejectedVfIndexAbove',
  'rejectedSequence',
  'rejectedPrpOffset',
  'rejectedDataTransfer',
  'rejectedLoadSizeZero',
  'rejectedLoadSizeOverBuffer',
  'rejectedLoadSizeMismatch',
  'rejectedLoadMagic',
  'rejectedLoadVersion',
  'rejectedLoadChecksum',
  'rejectedLoadGeometry',
  'executedQuery',
  'executedSuspend',
  'executedSuspendNoChange',
  'executedResume',
  'executedResumeNoChange',
  'executedSave',
  'executedLoad',
];

/** The final states each tested option set must reach, and no others. */
const EXPECTED_FINALS: Record<string, FinalName[]> = {
  'pfAcceptance:lm': [...LM_COMMON, 'rejectedVfQueue'],
  'pfAcceptance:reserved': [...LM_COMMON, 'rejectedVfQueue'],
  'pfAcceptance:lm:strict': [...LM_COMMON, 'rejectedVfQueue', 'rejectedReserved', 'rejectedNsid'],
  'pfAcceptance:lm:drop': [...LM_COMMON, 'droppedVfQueue'],
  'pfAcceptance:no-lm': ['rejectedVfUnknownOpcode', 'rejectedIoQueue', 'rejectedUnknownOpcode', 'notLmCommand'],
  'pfAcceptance:foreign': ['rejectedVfUnknownOpcode', 'rejectedIoQueue', 'rejectedUnknownOpcode', 'notLmCommand', 'executedForeignErase'],
};

const specs: MachineSpec[] = PF_ACCEPTANCE_OPTION_SETS.map((o) => pfAcceptanceSpec(o));

function violations(spec: MachineSpec, invariant: Invariant): string[] {
  return bfs(spec)
    .steps.map((step) => invariant.check(step))
    .filter((r): r is string => r !== true);
}

describe('pfAcceptance: reachability', () => {
  it('the six tested option sets have distinct ids', () => {
    expect(specs.map((s) => s.id)).toEqual([
      'pfAcceptance:lm',
      'pfAcceptance:no-lm',
      'pfAcceptance:reserved',
      'pfAcceptance:foreign',
      'pfAcceptance:lm:strict',
      'pfAcceptance:lm:drop',
    ]);
  });

  for (const spec of specs) {
    it(`D1 D4 D5 D7 D9 D10 D17: ${spec.id} reaches exactly its final states`, () => {
      const reached = [...bfs(spec).finals.keys()].sort();
      expect(reached).toEqual([...EXPECTED_FINALS[spec.id]].sort());
    });
  }

  it('every final state of the machine is reachable under some tested option set', () => {
    const reached = new Set(specs.flatMap((s) => [...bfs(s).finals.keys()]));
    expect(FINAL_NAMES.filter((n) => !reached.has(n))).toEqual([]);
  });

  it('every definition edge is taken under some tested option set (no dead specification)', () => {
    const all = definitionEdges(specs[0].machine).map((e) => e.id);
    const taken = new Set(specs.flatMap((s) => [...bfs(s).edges]));
    expect(all.filter((id) => !taken.has(id))).toEqual([]);
    expect(all.length).toBeGreaterThan(50);
  });

  it('D10: the strict-only edges are exactly the ones the default (lenient) lm spec never takes', () => {
    const lm = bfs(pfAcceptanceSpec({ profile: 'lm' })).edges;
    const strict = bfs(pfAcceptanceSpec({ profile: 'lm', strict: true })).edges;
    const onlyStrict = [...strict].filter((id) => !lm.has(id)).sort();
    expect(onlyStrict).toEqual([
      'pfAcceptance.nsid|NSID_NONZERO|0',
      'pfAcceptance.reserved|RESERVED_CDW0|0',
      'pfAcceptance.reserved|RESERVED_CDW10_HIGH|0',
      'pfAcceptance.reserved|RESERVED_CDW12|0',
    ]);
  });

  it('every run ends in a final state within 10 events (the stages form a DAG, so no liveness obligation can stay pending)', () => {
    for (const spec of specs) {
      const explored = bfs(spec);
      expect(explored.maxDepth).toBeLessThanOrEqual(10);
      for (const { snapshot } of explored.states.values()) {
        const hasOut = spec.events.some((e) => transition(spec.machine, snapshot, e)[0].value !== snapshot.value);
        expect(hasOut || snapshot.status === 'done').toBe(true);
      }
    }
  });

  it('the spec key merges path records but keeps what the future depends on: lm has far fewer states than commands', () => {
    const explored = bfs(pfAcceptanceSpec({ profile: 'lm' }));
    expect(explored.states.size).toBeLessThan(300);
    expect(explored.steps.length).toBeGreaterThan(explored.states.size);
  });
});

describe('pfAcceptance: machine shape', () => {
  it('no invoke, after or always anywhere; every guard is named (coverage needs every edge taken by an explicit event)', () => {
    const machine = createPfAcceptance({ profile: 'lm' });
    const nodes = [machine.root, ...Object.values(machine.root.states)];
    for (const node of nodes) {
      expect(node.invoke).toEqual([]);
      expect(node.after).toEqual([]);
      expect(node.always ?? []).toEqual([]);
    }
    const guardNames = new Set(['profileExecutesLm', 'profileForeign', 'vfQueueDrops', 'strict', 'vfIndexZero', 'vfIndexAbove', 'isQuery', 'isSuspend', 'isResume', 'isSave']);
    for (const edge of definitionEdges(machine)) {
      if (edge.guard !== undefined) expect(guardNames.has(edge.guard)).toBe(true);
    }
  });

  it('every final state carries its row of FINALS in meta (status and decision for diagrams and bindings)', () => {
    const machine = createPfAcceptance({ profile: 'lm' });
    for (const name of FINAL_NAMES) {
      const node = machine.root.states[name];
      expect(node.type).toBe('final');
      expect(node.meta).toEqual(FINALS[name]);
    }
  });

  it('options are validated with messages that say what to use', () => {
    expect(() => normalizeOptions({ profile: 'lm', vfs: 0 })).toThrow(/integer from 1 to 65534/);
    expect(() => normalizeOptions({ profile: 'nvme' as PfAcceptanceOptions['profile'] })).toThrow(/use one of lm, no-lm, reserved, foreign/);
    expect(() => normalizeOptions({ profile: 'lm', vfQueuePolicy: 'ignore' as PfAcceptanceOptions['vfQueuePolicy'] })).toThrow(/reject or drop/);
    expect(pfAcceptanceSpec({ profile: 'lm', vfs: 3 }).id).toBe('pfAcceptance:lm:vfs=3');
  });
});

describe('pfAcceptance: invariants I1 I2 I3', () => {
  for (const spec of specs) {
    it(`I1 I2 I3 hold on every step of ${spec.id}`, () => {
      for (const invariant of spec.invariants) expect(violations(spec, invariant)).toEqual([]);
      expect(spec.invariants.map((i) => i.id)).toEqual(['I1', 'I2', 'I3']);
    });
  }

  /** A copy of the lm machine with one stage's edge rewired, as a seeded bug. */
  function broken(options: PfAcceptanceOptions, edit: (config: AcceptanceConfig) => void): MachineSpec {
    const config = structuredClone(acceptanceConfig(normalizeOptions(options))) as AcceptanceConfig;
    edit(config);
    const machine: AnyStateMachine = acceptanceSetup.createMachine(config);
    return { ...pfAcceptanceSpec(options), id: 'pfAcceptance:broken', machine };
  }
  const rewire = (config: AcceptanceConfig, stage: string, event: string, target: string): void => {
    const states = config.states as Record<string, { on: Record<string, unknown> }>;
    states[stage].on[event] = { target, actions: 'record' };
  };

  it('I1: a seeded bug where SUSPEND on a VF admin queue executes is caught, with the offending path', () => {
    const spec = broken({ profile: 'lm', strict: false, vfQueuePolicy: 'reject', vfs: 2 }, (c) =>
      rewire(c, 'vfAdminOpcode', 'OPC_SUSPEND', 'executedSuspend'),
    );
    const found = violations(spec, I1_NO_LM_ON_VF_QUEUE);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/SUSPEND on a VF admin queue reached executedSuspend/);
    // the correct machine has no such step
    expect(violations(pfAcceptanceSpec({ profile: 'lm' }), I1_NO_LM_ON_VF_QUEUE)).toEqual([]);
  });

  it('I2: a seeded bug that drops a VF-queue command under policy reject is caught', () => {
    const spec = broken({ profile: 'lm', strict: false, vfQueuePolicy: 'reject', vfs: 2 }, (c) =>
      rewire(c, 'vfAdminOpcode', 'OPC_QUERY', 'droppedVfQueue'),
    );
    expect(violations(spec, I2_ONE_COMPLETION)).toEqual([expect.stringMatching(/only an LM opcode on a VF admin queue under vfQueuePolicy 'drop'/)]);
  });

  it('I3: a seeded bug where a failed LOAD check still loads is caught (a rejection must change nothing)', () => {
    const spec = broken({ profile: 'lm', strict: false, vfQueuePolicy: 'reject', vfs: 2 }, (c) => {
      const states = c.states as Record<string, { type?: string; meta?: unknown }>;
      states.rejectedLoadChecksum = { type: 'final', meta: { ...FINALS.rejectedLoadChecksum, changes: 'vfLmState' } };
    });
    expect(violations(spec, I3_REJECTION_CHANGES_NOTHING)).toEqual([
      expect.stringMatching(/rejectedLoadChecksum rejects the command yet declares the change vfLmState/),
    ]);
  });

  it('I1 I2 I3 hold on random event sequences too, and every final reached has an outcome (fast-check)', () => {
    const spec = pfAcceptanceSpec({ profile: 'lm', strict: true });
    const spec2 = pfAcceptanceSpec({ profile: 'lm', vfQueuePolicy: 'drop' });
    fc.assert(
      fc.property(fc.boolean(), fc.array(fc.nat(), { maxLength: 40 }), (second, picks) => {
        const s = second ? spec2 : spec;
        let [snapshot] = initialTransition(s.machine);
        for (const pick of picks) {
          const event = s.events[pick % s.events.length];
          const [after] = transition(s.machine, snapshot, event);
          const step: Step = { before: snapshot, event, after };
          for (const inv of ACCEPTANCE_INVARIANTS) expect(inv.check(step)).toBe(true);
          snapshot = after;
        }
        if (snapshot.status === 'done') expect(expectedOutcome(snapshot)).toBeDefined();
      }),
      { seed: 20260101, numRuns: 300 },
    );
  });
});
