import { describe, expect, it } from 'vitest';
import { transition } from 'xstate';
import type { AnyStateMachine } from 'xstate';
import {
  SYSTEM_LOCAL_STATE_COUNT,
  VF_LOCAL_STATES,
  createSystem,
  localTable,
  systemConfig,
  systemEvents,
  systemInvariants,
  systemLast,
  systemSetup,
  systemSpec,
  systemStateKey,
  systemSymmetricKey,
  systemVfEvents,
  vfLocals,
  type SystemConfig,
  type SystemEvent,
  type SystemOptions,
  type VfLocalState,
} from '../../machines/system.ts';
import { definitionEdges, takenEdgeIds } from '../../src/check/edges.ts';
import { bfs, firstViolation, run } from './vfLifecycleBfs.ts';

const REJECT: SystemOptions = { vfQueuePolicy: 'reject' };
const ev = (type: string, vf?: number): SystemEvent => (vf === undefined ? { type } : { type, vf }) as SystemEvent;

describe('system: shape and state counts', () => {
  it(`each VF has exactly ${SYSTEM_LOCAL_STATE_COUNT} local states, all reachable`, () => {
    expect(VF_LOCAL_STATES).toHaveLength(8);
    const spec = systemSpec(1);
    const g = bfs(spec.machine, spec.events, spec.key!);
    const seen = new Set(g.snapshots.flatMap((s) => vfLocals(s, 1)));
    expect([...seen].sort()).toEqual([...VF_LOCAL_STATES, 'offline'].sort());
  });

  it.each([
    [1, 9, 9],
    [2, 65, 37],
    [3, 513, 121],
  ])('reachable states with %i VF(s): %i concrete (8^n + PF off), %i under VF symmetry', (n, concrete, symmetric) => {
    const spec = systemSpec(n);
    expect(bfs(spec.machine, spec.events, spec.key!).snapshots.length).toBe(concrete);
    expect(bfs(spec.machine, spec.events, spec.symmetricKey!).snapshots.length).toBe(symmetric);
  });

  it('every definition edge is taken by some reachable step (2 VFs, both policies)', () => {
    for (const policy of ['reject', 'drop'] as const) {
      const spec = systemSpec(2, { vfQueuePolicy: policy });
      const g = bfs(spec.machine, spec.events, spec.key!);
      const taken = new Set(g.steps.flatMap((st) => takenEdgeIds(spec.machine, st.before, st.event)));
      expect(definitionEdges(spec.machine).filter((e) => !taken.has(e.id)).map((e) => e.id)).toEqual([]);
    }
  });

  it('the alphabet: 3 PF events and 11 per VF, each VF event carrying its index', () => {
    expect(systemEvents(3)).toHaveLength(3 + 3 * 11);
    expect(systemVfEvents(2).every((e) => e.vf === 2)).toBe(true);
    expect(() => systemEvents(9)).toThrow(/1 to 8 VFs/);
  });

  it('symmetricKey identifies states that differ only by which VF is which', () => {
    const m = createSystem(2);
    const a = run(m, [ev('PF_ENABLE'), ev('LM_SUSPEND', 1)]);
    const b = run(m, [ev('PF_ENABLE'), ev('LM_SUSPEND', 2)]);
    expect(systemStateKey(a, 2)).not.toBe(systemStateKey(b, 2));
    expect(systemSymmetricKey(a, 2)).toBe(systemSymmetricKey(b, 2));
  });
});

describe('system: decisions', () => {
  // The system's local relation agrees with vfLifecycle's D5 table on every LM command in every LM state.
  const lmOf = (s: VfLocalState): string => s.replace(/(Idle|Busy)$/, '');
  const D5: Record<string, Record<string, [string, string]>> = {
    running: { LM_QUERY: ['SUCCESS', 'running'], LM_SUSPEND: ['SUCCESS', 'suspended'], LM_RESUME: ['SUCCESS', 'running'], LM_SAVE: ['SEQUENCE_ERROR', 'running'], LM_LOAD: ['SEQUENCE_ERROR', 'running'] },
    suspended: { LM_QUERY: ['SUCCESS', 'suspended'], LM_SUSPEND: ['SUCCESS', 'suspended'], LM_RESUME: ['SUCCESS', 'running'], LM_SAVE: ['SUCCESS', 'saved'], LM_LOAD: ['SUCCESS', 'loaded'] },
    saved: { LM_QUERY: ['SUCCESS', 'saved'], LM_SUSPEND: ['SUCCESS', 'saved'], LM_RESUME: ['SUCCESS', 'running'], LM_SAVE: ['SUCCESS', 'saved'], LM_LOAD: ['SUCCESS', 'loaded'] },
    loaded: { LM_QUERY: ['SUCCESS', 'loaded'], LM_SUSPEND: ['SUCCESS', 'loaded'], LM_RESUME: ['SUCCESS', 'running'], LM_SAVE: ['SUCCESS', 'saved'], LM_LOAD: ['SUCCESS', 'loaded'] },
  };
  it.each(VF_LOCAL_STATES.map((s) => [s]))('D5: every LM command in local state %s', (local) => {
    const row = localTable('reject')[local];
    for (const [cmd, [status, to]] of Object.entries(D5[lmOf(local)])) {
      // LOAD comes as LM_LOAD or LM_LOAD_IO (the image with or without I/O); at least one is enabled in every state but suspendedBusy
      const cells = [row[cmd as 'LM_LOAD'], ...(cmd === 'LM_LOAD' ? [row.LM_LOAD_IO] : [])].filter((c) => c !== undefined);
      if (local === 'suspendedBusy' && cmd === 'LM_LOAD') {
        expect(cells).toEqual([]); // the host does not load over a VF with guest work
        continue;
      }
      if (local === 'runningBusy' && cmd === 'LM_SUSPEND') {
        expect(cells).toEqual([]); // the host suspends a VF with no I/O fetched (localTable.ts: fetched and latched never meet)
        continue;
      }
      expect(cells.length, cmd).toBeGreaterThan(0);
      for (const c of cells) {
        expect(c.status, `${local} ${cmd}`).toBe(status);
        expect(lmOf(c.to ?? local), `${local} ${cmd}`).toBe(to);
      }
    }
  });

  it('D1: an LM opcode on VF 2\'s admin queue is rejected with Invalid Command Opcode and changes nothing; policy drop answers nothing', () => {
    const m = createSystem(2);
    const s = run(m, [ev('PF_ENABLE'), ev('SUBMIT_IO', 2)]);
    const after = run(m, [ev('VF_LM', 2)], s);
    expect(systemLast(after)).toEqual({ event: 'VF_LM', vf: 2, status: 'INVALID_OPCODE', decision: 'D1' });
    expect(systemStateKey(after, 2)).toBe(systemStateKey(s, 2));
    const d = createSystem(2, { vfQueuePolicy: 'drop' });
    expect(systemLast(run(d, [ev('PF_ENABLE'), ev('VF_LM', 1)])).status).toBe('none');
  });

  it('D13: an FLR of VF 1 resets VF 1 only, dropping its saved data and I/O', () => {
    const m = createSystem(2);
    const s = run(m, [ev('PF_ENABLE'), ev('LM_SUSPEND', 1), ev('SUBMIT_IO', 1), ev('LM_SAVE', 1), ev('LM_SUSPEND', 2), ev('FLR', 1)]);
    expect(vfLocals(s, 2)).toEqual(['runningIdle', 'suspendedIdle']);
  });

  it.each(['PF_DISABLE', 'PF_FLR'])('D18: %s resets every VF to power-on and drops all saved and loaded data', (reset) => {
    const m = createSystem(3);
    const s = run(m, [ev('PF_ENABLE'), ev('LM_SUSPEND', 1), ev('LM_SAVE', 1), ev('LM_SUSPEND', 2), ev('LM_LOAD_IO', 2), ev('SUBMIT_IO', 3)]);
    expect(vfLocals(s, 3)).toEqual(['savedIdle', 'loadedBusy', 'runningBusy']);
    const off = run(m, [ev(reset)], s);
    expect(vfLocals(off, 3)).toEqual(['offline', 'offline', 'offline']);
    expect(transition(m, off, ev('LM_QUERY', 1))[0]).toBe(off); // no PF admin queue, no VF
    expect(vfLocals(run(m, [ev('PF_ENABLE')], off), 3)).toEqual(['runningIdle', 'runningIdle', 'runningIdle']);
  });

  it('D11, D12: a suspended VF\'s I/O is latched: no IO_COMPLETE before RESUME, SAVE carries it; the host suspends no VF with I/O fetched', () => {
    const m = createSystem(1);
    const busy = run(m, [ev('PF_ENABLE'), ev('LM_SUSPEND', 1), ev('SUBMIT_IO', 1)]);
    expect(vfLocals(busy, 1)).toEqual(['suspendedBusy']);
    expect(transition(m, busy, ev('IO_COMPLETE', 1))[0]).toBe(busy);
    expect(vfLocals(run(m, [ev('LM_SAVE', 1), ev('LM_RESUME', 1), ev('IO_COMPLETE', 1)], busy), 1)).toEqual(['runningIdle']);
    const fetched = run(m, [ev('PF_ENABLE'), ev('SUBMIT_IO', 1)]);
    expect(transition(m, fetched, ev('LM_SUSPEND', 1))[0]).toBe(fetched);
  });

  it('D14: migrating VF 1 (SUSPEND, SAVE, LOAD, RESUME) leaves VF 2\'s I/O and state untouched', () => {
    const m = createSystem(2);
    const s = run(m, [ev('PF_ENABLE'), ev('SUBMIT_IO', 2), ev('LM_SUSPEND', 1), ev('SUBMIT_IO', 1), ev('LM_SAVE', 1), ev('LM_LOAD_IO', 1), ev('LM_RESUME', 1)]);
    expect(vfLocals(s, 2)).toEqual(['runningBusy', 'runningBusy']);
  });

  it('I1, I3, I4, I5, I6 hold on every reachable step with 3 VFs, both policies', () => {
    for (const policy of ['reject', 'drop'] as const) {
      const spec = systemSpec(3, { vfQueuePolicy: policy });
      const g = bfs(spec.machine, spec.events, spec.key!);
      for (const inv of spec.invariants) expect(firstViolation(g, inv), `${inv.id} ${policy}`).toBe(true);
    }
  });
});

type LooseRegion = { states: Record<string, { on: Record<string, unknown> }> };
type LooseConfig = { states: { pfEnabled: { states: Record<string, LooseRegion> } } };

/** The real 2-VF config with VF 1's edge (local, event) replaced. */
function patched(local: VfLocalState, type: string, replacement: unknown): AnyStateMachine {
  const cfg = systemConfig(2, REJECT) as unknown as LooseConfig;
  cfg.states.pfEnabled.states.vf1.states[local].on[type] = replacement;
  return systemSetup.createMachine(cfg as unknown as SystemConfig);
}

function violation(machine: AnyStateMachine, id: string): true | string {
  const inv = systemInvariants(2, REJECT).find((i) => i.id === id);
  if (inv === undefined) throw new Error(`no invariant ${id}`);
  return firstViolation(bfs(machine, systemEvents(2), (s) => systemStateKey(s, 2)), inv);
}

const vf1 = { type: 'forVf', params: { vf: 1 } };
const observe = (status: string, decision: string) => ({ type: 'observe', params: { status, decision } });

describe('each system invariant catches a broken copy', () => {
  it('I1 (D1): a VF that suspends itself on an LM opcode from its own admin queue', () => {
    const m = patched('runningIdle', 'VF_LM', { guard: vf1, target: 'suspendedIdle', actions: observe('INVALID_OPCODE', 'D1') });
    expect(violation(m, 'I1')).toMatch(/^I1 \(D1\): an LM opcode on VF 1's own admin queue changed the system/);
  });

  it('I3: a SAVE in running rejected with Command Sequence Error that saves anyway', () => {
    const m = patched('runningIdle', 'LM_SAVE', { guard: vf1, target: 'savedIdle', actions: observe('SEQUENCE_ERROR', 'D5') });
    expect(violation(m, 'I3')).toMatch(/^I3: LM_SAVE for VF 1 was rejected with SEQUENCE_ERROR yet changed the system/);
  });

  it('I4 (D14): a region guard that ignores the VF index, so a command for one VF moves every VF', () => {
    const m = createSystem(2).provide({ guards: { forVf: () => true } }) as AnyStateMachine;
    expect(violation(m, 'I4')).toMatch(/^I4 \(D14\): SUBMIT_IO for VF 1 changed VF 2 from runningIdle to runningBusy/);
  });

  it('I5 (D7): a corrupt LOAD that answers Invalid Field after loading', () => {
    const m = patched('suspendedIdle', 'LM_LOAD_CORRUPT', { guard: vf1, target: 'loadedIdle', actions: observe('INVALID_FIELD', 'D7') });
    expect(violation(m, 'I5')).toMatch(/^I5 \(D7\): LM_LOAD_CORRUPT for VF 1 failed with INVALID_FIELD but changed the system/);
  });

  it('I6: a RESUME that forgets the I/O latched while suspended', () => {
    const m = patched('suspendedBusy', 'LM_RESUME', { guard: vf1, target: 'runningIdle', actions: observe('SUCCESS', 'D5') });
    expect(violation(m, 'I6')).toMatch(/^I6: VF 1's I\/O in flight vanished on LM_RESUME for VF 1 \(suspendedBusy -> runningIdle\)/);
  });

  it('I6: a LOAD into a saved busy VF of an image without its I/O', () => {
    const m = patched('savedBusy', 'LM_LOAD', { guard: vf1, target: 'loadedIdle', actions: observe('SUCCESS', 'D7') });
    expect(violation(m, 'I6')).toMatch(/^I6: VF 1's I\/O in flight vanished on LM_LOAD/);
  });
});
