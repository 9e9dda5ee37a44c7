import { describe, expect, it } from 'vitest';
import { setup, initialTransition } from 'xstate';
import { definitionEdges, takenEdgeIds } from '../../src/check/edges.ts';

const toy = setup({
  types: { events: {} as { type: 'GO' } | { type: 'BACK' } },
  guards: { never: () => false },
}).createMachine({
  id: 'toy',
  initial: 'a',
  states: {
    a: { on: { GO: [{ guard: 'never', target: 'c' }, { target: 'b' }] } },
    b: { on: { BACK: 'a' } },
    c: {},
  },
});

describe('definition edges', () => {
  it('lists every edge with a stable id, its guard and targets', () => {
    const edges = definitionEdges(toy);
    expect(edges.map((e) => e.id)).toEqual(['toy.a|GO|0', 'toy.a|GO|1', 'toy.b|BACK|0']);
    expect(edges[0]).toMatchObject({ guard: 'never', targets: ['toy.c'] });
  });

  it('names the edge XState takes for an event', () => {
    const [s0] = initialTransition(toy);
    expect(takenEdgeIds(toy, s0, { type: 'GO' })).toEqual(['toy.a|GO|1']);
    expect(takenEdgeIds(toy, s0, { type: 'BACK' })).toEqual([]);
  });
});
