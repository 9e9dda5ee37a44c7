import { describe, expect, it } from 'vitest';
import { setup, assign } from 'xstate';
import type { MachineSpec } from '../../machines/spec.ts';
import { explore } from '../../src/check/explore.ts';
import type { ExploreProgress } from '../../src/check/explore.ts';
import { deadlockToy, drainToy, mutexToy, vfToy } from './toys.ts';

function counterToy(limit: number): MachineSpec {
  const machine = setup({
    types: { context: {} as { n: number }, events: {} as { type: 'INC' | 'PING' | 'NOP' } },
    guards: { below: ({ context }) => context.n < limit },
    actions: { inc: assign(({ context }) => ({ n: context.n + 1 })) },
  }).createMachine({
    id: 'counter',
    context: { n: 0 },
    initial: 'on',
    states: { on: { on: { INC: { guard: 'below', actions: 'inc' }, PING: {} } } },
  });
  return {
    id: `counter:${limit}`,
    description: 'counts to a limit',
    machine,
    events: [{ type: 'INC' }, { type: 'PING' }, { type: 'NOP' }],
    invariants: [],
    liveness: [],
  };
}

describe('explore', () => {
  it('tries every event of the alphabet in every reachable state', () => {
    const spec = vfToy();
    const g = explore(spec);
    expect(g.tried).toBe(g.keys.length * spec.events.length);
    expect(new Set(g.keys).size).toBe(g.keys.length);
    // BFS numbering: depth never decreases with the state index, and parents are one shallower
    for (let s = 1; s < g.keys.length; s++) {
      expect(g.depth[s]).toBeGreaterThanOrEqual(g.depth[s - 1]);
      expect(g.depth[g.transitions[g.parent[s]].from]).toBe(g.depth[s] - 1);
    }
  });

  it('an event that changes nothing and takes no edge is not a transition; a targetless edge is a self-loop', () => {
    const g = explore(counterToy(2));
    expect(g.keys.length).toBe(3);
    const kinds = g.transitions.map((t) => `${g.events[t.event].type}:${t.from}->${t.to}`);
    // NOP is never handled; INC at the limit fails its guard; PING takes its (targetless) edge everywhere
    expect(kinds).toEqual(['INC:0->1', 'PING:0->0', 'INC:1->2', 'PING:1->1', 'PING:2->2']);
    expect(g.transitions[1].edges).toEqual(['counter.on|PING|0']);
  });

  it('records the definition edges each transition takes', () => {
    const g = explore(mutexToy(2));
    const t = g.transitions[0];
    expect(g.events[t.event]).toEqual({ type: 'REQ', vf: 1 });
    expect(t.edges).toEqual(['mutex.vf1.idle|REQ|0']);
  });

  it('reports deadlocks: non-final states with no transition out, never final states', () => {
    const g = explore(deadlockToy());
    expect(g.deadlocks.map((s) => g.snapshots[s].value)).toEqual(['broken']);
    const off = g.keys.findIndex((_, s) => g.snapshots[s].value === 'off');
    expect(off).toBeGreaterThan(0);
    expect(g.out[off]).toEqual([]);
  });

  it('reports a drain that cannot complete as deadlocked states (L4 stuck)', () => {
    const g = explore(drainToy({ noCompletions: true }));
    expect(g.deadlocks.map((s) => g.snapshots[s].context)).toEqual([{ inflight: 1 }, { inflight: 2 }]);
    expect(explore(drainToy()).deadlocks).toEqual([]);
  });

  it('stops past maxStates with an error naming the option to raise', () => {
    expect(() => explore(counterToy(100), { maxStates: 10 })).toThrow(/more than 10 reachable states.*raise the maxStates option/);
    expect(() => explore(mutexToy(4), { maxStates: 10 })).toThrow(/turn on symmetry reduction/);
    expect(explore(counterToy(100), { maxStates: 101 }).keys.length).toBe(101);
  });

  it('is deterministic: two runs give the same states and transitions in the same order', () => {
    const a = explore(mutexToy(3));
    const b = explore(mutexToy(3));
    expect(b.keys).toEqual(a.keys);
    expect(b.transitions).toEqual(a.transitions);
  });

  it('spec.key overrides the state identity (here: forget the context)', () => {
    const spec = { ...counterToy(5), key: () => 'one' };
    const g = explore(spec);
    expect(g.keys).toEqual(['one']);
  });

  it('reports progress, the last call with the final counts', () => {
    const calls: ExploreProgress[] = [];
    const g = explore(counterToy(50), { onProgress: (p) => calls.push(p) });
    expect(calls.length).toBeGreaterThan(0);
    expect(calls[calls.length - 1]).toMatchObject({ states: 51, transitions: g.transitions.length, frontier: 0, depth: 50 });
  });

  it('rejects an empty alphabet and symmetry without a symmetricKey, saying what to do', () => {
    expect(() => explore({ ...vfToy(), events: [] })).toThrow(/list the events to try/);
    expect(() => explore(vfToy(), { symmetry: true })).toThrow(/run without symmetry reduction/);
  });
});
