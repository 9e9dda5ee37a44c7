import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { initialTransition, transition } from 'xstate';
import type { AnyMachineSnapshot, EventObject } from 'xstate';
import { definitionEdges, takenEdgeIds } from '../../../src/check/edges.ts';
import {
  VFIO_EVENTS,
  createVfioMigrationMachine,
  createVfioMigrationSpec,
  vfioMachineStates,
  vfioMigrationSpecs,
  vfioSnapshotIn,
  vfioStateOf,
  type VfioMigrationContext,
  type VfioMigrationEvent,
  type VfioTransitionMeta,
} from '../../../machines/vfioMigration.ts';
import { arcName, vfioArcsFor } from '../../../machines/vfio/arcs.ts';
import { vfioNextState } from '../../../machines/vfio/nextState.ts';
import { VFIO_FLAG_SETS, VFIO_STATES, formatVfioFeatures, type VfioState } from '../../../machines/vfio/states.ts';
import { oracleStates } from './uapiOracle.ts';

const ctx = (s: AnyMachineSnapshot): VfioMigrationContext => s.context as VfioMigrationContext;
const key = (s: AnyMachineSnapshot): string => JSON.stringify([s.value, s.context]);

describe.each(VFIO_FLAG_SETS.map((f) => [formatVfioFeatures(f), f] as const))('features %s', (_name, flags) => {
  const machine = createVfioMigrationMachine(flags);
  const states = vfioMachineStates(flags);

  it('I8: the states are the ones the features allow except ERROR, and the machine starts in RUNNING', () => {
    expect(Object.keys(machine.root.states).sort()).toEqual([...oracleStates(flags)].filter((s) => s !== 'ERROR').sort());
    const [s0] = initialTransition(machine);
    expect(s0.value).toBe('RUNNING');
    expect(s0.context).toEqual({ dataFd: 'none', sent: [], error: null });
  });

  it('I8: SET_STATE takes the one arc vfio_mig_get_next_state gives, for every (current, requested)', () => {
    for (const cur of states) {
      for (const target of VFIO_STATES) {
        const [next] = transition(machine, vfioSnapshotIn(machine, cur), { type: 'SET_STATE', target });
        const want = vfioNextState(cur, target, flags);
        const where = `${cur} -> ${target}`;
        if (want === 'EINVAL') {
          expect(next.value, where).toBe(cur);
          expect(ctx(next).error, where).toEqual({ code: 'EINVAL', requested: target });
        } else {
          expect(next.value, where).toBe(want);
          expect(ctx(next).error, where).toBeNull();
        }
      }
    }
  });

  it('I8: the transition taken carries in meta the commands of its arc, and the context records them as sent', () => {
    const edges = new Map(definitionEdges(machine).map((e) => [e.id, e]));
    const arcs = new Map(vfioArcsFor(flags).map((a) => [arcName(a.from, a.to), a]));
    for (const cur of states) {
      for (const target of VFIO_STATES) {
        const before = vfioSnapshotIn(machine, cur);
        const event: VfioMigrationEvent = { type: 'SET_STATE', target };
        const [id] = takenEdgeIds(machine, before, event);
        const meta = edges.get(id)?.meta as VfioTransitionMeta | undefined;
        const [after] = transition(machine, before, event);
        const moved = after.value !== cur;
        expect(meta?.arc ?? null).toBe(moved ? arcName(cur, after.value as VfioState) : null);
        const arc = moved ? arcs.get(arcName(cur, after.value as VfioState)) : undefined;
        expect(meta?.commands).toEqual(arc?.commands ?? []);
        expect(ctx(after).sent).toEqual(arc?.commands ?? []);
      }
    }
  });

  it('D16: ARC_FAILED leaves the state and the data fd; an arc with commands reports EIO on its first one', () => {
    for (const cur of states) {
      for (const target of VFIO_STATES) {
        const before = vfioSnapshotIn(machine, cur, { dataFd: 'save' });
        const [after] = transition(machine, before, { type: 'ARC_FAILED', target });
        expect(after.value).toBe(cur);
        expect(ctx(after).dataFd).toBe('save');
        const next = vfioNextState(cur, target, flags);
        const arc = vfioArcsFor(flags).find((a) => a.from === cur && a.to === next);
        if (arc !== undefined && arc.commands.length > 0) {
          expect(ctx(after).error).toEqual({ code: 'EIO', arc: arcName(cur, arc.to), command: arc.commands[0] });
          expect(ctx(after).sent).toEqual([arc.commands[0]]);
        } else {
          expect(after.context).toEqual(before.context); // nothing to fail: the event is ignored
        }
      }
    }
  });

  it('D13: VF_RESET from every state goes to RUNNING with the data fd closed', () => {
    for (const cur of states) {
      for (const dataFd of ['none', 'save', 'resume'] as const) {
        const [after] = transition(machine, vfioSnapshotIn(machine, cur, { dataFd, sent: ['SUSPEND'] }), { type: 'VF_RESET' });
        expect(after.value).toBe('RUNNING');
        expect(after.context).toEqual({ dataFd: 'none', sent: [], error: null });
      }
    }
  });

  it('I8, D13, D16: exhaustive exploration from RUNNING over the event alphabet keeps every invariant and takes every edge', () => {
    const spec = createVfioMigrationSpec(flags);
    const [s0] = initialTransition(machine);
    const seen = new Map<string, AnyMachineSnapshot>([[key(s0), s0]]);
    const taken = new Set<string>();
    const queue: AnyMachineSnapshot[] = [s0];
    while (queue.length > 0) {
      const before = queue.shift() as AnyMachineSnapshot;
      for (const event of spec.events) {
        for (const id of takenEdgeIds(machine, before, event)) taken.add(id);
        const [after] = transition(machine, before as never, event as VfioMigrationEvent);
        for (const inv of spec.invariants) {
          expect(inv.check({ before, event, after }), `${inv.id} in ${String(before.value)} on ${JSON.stringify(event)}`).toBe(true);
        }
        if (!seen.has(key(after))) {
          seen.set(key(after), after);
          queue.push(after);
        }
      }
    }
    expect(new Set([...seen.values()].map((s) => s.value))).toEqual(new Set(states));
    expect([...taken].sort()).toEqual(definitionEdges(machine).map((e) => e.id).sort());
  });
});

describe('the spec objects', () => {
  it('I8: one spec per flag set, 17 events each (8 SET_STATE, 8 ARC_FAILED, VF_RESET)', () => {
    expect(vfioMigrationSpecs.map((s) => s.id)).toEqual([
      'vfioMigration:stop-copy',
      'vfioMigration:p2p',
      'vfioMigration:pre-copy',
      'vfioMigration:p2p,pre-copy',
    ]);
    expect(VFIO_EVENTS).toHaveLength(17);
    expect(new Set(VFIO_EVENTS.map((e) => JSON.stringify(e))).size).toBe(17);
  });

  it('I8: the I8 invariant rejects a step that goes somewhere else than the kernel says', () => {
    const flags = 7;
    const spec = createVfioMigrationSpec(flags);
    const machine = createVfioMigrationMachine(flags);
    const i8 = spec.invariants.find((i) => i.id === 'I8');
    const bad = {
      before: vfioSnapshotIn(machine, 'STOP'),
      event: { type: 'SET_STATE', target: 'RUNNING' } as EventObject,
      after: vfioSnapshotIn(machine, 'RUNNING'), // the kernel goes via RUNNING_P2P
    };
    expect(i8?.check(bad)).toMatch(/expected RUNNING_P2P, got RUNNING/);
  });

  it('I8: vfioSnapshotIn refuses a state the machine does not have, naming the ones it has', () => {
    const machine = createVfioMigrationMachine(1);
    expect(() => vfioSnapshotIn(machine, 'RUNNING_P2P')).toThrow(/RUNNING_P2P is not a state of this machine; its states are/);
    expect(vfioStateOf(vfioSnapshotIn(machine, 'STOP'))).toBe('STOP');
  });

  it('I8, D13: any event sequence ends where a plain fold over vfio_mig_get_next_state ends', () => {
    fc.assert(
      fc.property(fc.constantFrom(...VFIO_FLAG_SETS), fc.array(fc.constantFrom(...VFIO_EVENTS), { maxLength: 40 }), (flags, events) => {
        const machine = createVfioMigrationMachine(flags);
        let [snap] = initialTransition(machine);
        let model: VfioState = 'RUNNING';
        for (const event of events) {
          [snap] = transition(machine, snap, event);
          if (event.type === 'VF_RESET') model = 'RUNNING';
          else if (event.type === 'SET_STATE') {
            const next = vfioNextState(model, event.target, flags);
            if (next !== 'EINVAL') model = next;
          }
          expect(snap.value).toBe(model);
        }
      }),
    );
  });
});
