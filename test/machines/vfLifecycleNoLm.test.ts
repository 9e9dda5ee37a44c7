// The vfLifecycle option `lm: false`: a device without live migration
// (profile no-lm, D17; QEMU's NVMe controller is one). Every LM opcode is
// unknown on the PF and on the VF; the guest's view is the LM device's.
import { describe, expect, it } from 'vitest';
import {
  PF_LM_EVENT_TYPES,
  VF_LIFECYCLE_NO_LM_OPTION_SETS,
  VF_QUEUE_LM_EVENT_TYPES,
  createVfLifecycle,
  lmStateOf,
  normalizeVfOptions,
  vfContextOf,
  vfLifecycleId,
  vfLifecycleSpec,
  vfStateKey,
} from '../../machines/vfLifecycle.ts';
import { definitionEdges, takenEdgeIds } from '../../src/check/edges.ts';
import { bfs, firstViolation, pendingCycle, run } from './vfLifecycleBfs.ts';

const INVALID_OPCODE_D17 = { status: 'INVALID_OPCODE', sct: 0, sc: 0x01, dnr: true, decision: 'D17' };

describe('vfLifecycle without LM (lm: false)', () => {
  it.each(VF_LIFECYCLE_NO_LM_OPTION_SETS.map((o) => [vfLifecycleId(o), o] as const))(
    'D17: %s: every PF LM command in every reachable state completes with Invalid Command Opcode, DNR, and changes nothing',
    (_id, o) => {
      const spec = vfLifecycleSpec(o);
      const g = bfs(spec.machine, spec.events, vfStateKey);
      const lmSteps = g.steps.filter((s) => (PF_LM_EVENT_TYPES as readonly string[]).includes(s.event.type));
      expect(lmSteps.length).toBeGreaterThan(0);
      for (const s of lmSteps) {
        expect(vfContextOf(s.after).last.completion, s.event.type).toEqual(INVALID_OPCODE_D17);
        expect(vfStateKey(s.after), s.event.type).toBe(vfStateKey(s.before));
      }
      // LOAD needs an image, and no SAVE ever succeeds: LM_LOAD is never enabled.
      expect(g.steps.some((s) => s.event.type === 'LM_LOAD')).toBe(false);
      expect(new Set(g.snapshots.map(lmStateOf))).toEqual(new Set(['running']));
    },
  );

  it('D17: the LM opcodes on the VF\'s own admin queue are Invalid Command Opcode too (not D1\'s policy: the device knows no LM opcode)', () => {
    const m = createVfLifecycle({ lm: false });
    const enabled = run(m, ['ENABLE']);
    for (const type of VF_QUEUE_LM_EVENT_TYPES) {
      const after = run(m, [type], enabled);
      expect(vfContextOf(after).last.completion, type).toEqual(INVALID_OPCODE_D17);
      expect(vfStateKey(after)).toBe(vfStateKey(enabled));
    }
    expect(() => normalizeVfOptions({ lm: false, vfQueuePolicy: 'drop' })).toThrow(/use reject with lm false/);
  });

  it('D13, D15: the guest\'s own events behave as on an LM device (enable, queues, I/O, FLR)', () => {
    const m = createVfLifecycle({ lm: false, ioCompletion: 'deferred' });
    const s = run(m, ['ENABLE', 'CREATE_IO_QUEUE', 'SUBMIT_IO', 'SUBMIT_IO']);
    expect(vfContextOf(s)).toMatchObject({ enabled: true, ioQueues: 1, outstanding: 2 });
    const done = run(m, ['IO_COMPLETE'], s);
    expect(vfContextOf(done).last.ioCompleted).toBe(1);
    const reset = run(m, ['FLR'], done);
    expect(vfContextOf(reset)).toMatchObject({ enabled: false, ioQueues: 0, outstanding: 0 });
    expect(vfContextOf(reset).last).toMatchObject({ ioDropped: 1, rdy: false });
  });

  it.each(VF_LIFECYCLE_NO_LM_OPTION_SETS.map((o) => [vfLifecycleId(o), o] as const))(
    'I1, I2, I3, I5, I6, L2, L3, L4 hold on %s, and every definition edge is reachable',
    (_id, o) => {
      const spec = vfLifecycleSpec(o);
      const g = bfs(spec.machine, spec.events, vfStateKey);
      for (const inv of spec.invariants) expect(firstViolation(g, inv), inv.id).toBe(true);
      for (const l of spec.liveness) expect(pendingCycle(g, l), l.id).toBeNull();
      const taken = new Set(g.steps.flatMap((st) => takenEdgeIds(spec.machine, st.before, st.event)));
      expect(definitionEdges(spec.machine).filter((e) => !taken.has(e.id)).map((e) => e.id)).toEqual([]);
    },
  );

  it('ids name the profile: vfLifecycle:no-lm and vfLifecycle:no-lm:deferred', () => {
    expect(VF_LIFECYCLE_NO_LM_OPTION_SETS.map((o) => vfLifecycleId(o))).toEqual(['vfLifecycle:no-lm', 'vfLifecycle:no-lm:deferred']);
  });
});
