import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { setup } from 'xstate';
import { definitionEdges } from '../../src/check/edges.ts';
import { machineJson, renderJson } from '../../src/diagram/json.ts';
import { randomMachine } from './arbitraryMachine.ts';
import { toyPipeline } from './toys.ts';

describe('JSON definition', () => {
  it('round-trips: parsing and re-printing gives the same text, and it is the same on every run', () => {
    const text = renderJson(toyPipeline);
    expect(`${JSON.stringify(JSON.parse(text), null, 2)}\n`).toBe(text);
    expect(renderJson(toyPipeline)).toBe(text);
  });

  it('carries the definition edges with their stable ids, guards and meta (D1 status)', () => {
    const parsed = JSON.parse(renderJson(toyPipeline)) as { id: string; edges: unknown[]; definition: { states: Record<string, unknown> } };
    expect(parsed.id).toBe('toyPipeline');
    expect(parsed.edges).toEqual(JSON.parse(JSON.stringify(definitionEdges(toyPipeline))));
    expect(parsed.edges).toContainEqual(
      expect.objectContaining({
        id: 'toyPipeline.arrival|ARRIVE_VF_QUEUE|0',
        guard: 'isLmOpcode',
        meta: { status: { sct: 0, sc: 1, dnr: true }, decision: 'D1' },
      }),
    );
    expect(Object.keys(parsed.definition.states)).toEqual(['arrival', 'checks', 'rejectedVfQueue', 'rejectedSequence', 'done']);
  });

  it('D5: final-state meta (status and decision) is in the definition', () => {
    const parsed = JSON.parse(renderJson(toyPipeline)) as { definition: { states: Record<string, { type: string; meta?: unknown }> } };
    expect(parsed.definition.states.rejectedSequence).toMatchObject({ type: 'final', meta: { status: { sct: 0, sc: 12, dnr: false }, decision: 'D5' } });
  });

  it('with coverage, each edge says covered, uncovered or unreachable', () => {
    const covered = 'toyPipeline.arrival|ARRIVE_PF_QUEUE|0';
    const json = machineJson(toyPipeline, { coverage: { covered: new Set([covered]), reachable: new Set([covered, 'toyPipeline.arrival|ARRIVE_VF_QUEUE|0']) } });
    const byId = new Map(json.edges.map((e) => [e.id, e.coverage]));
    expect(byId.get(covered)).toBe('covered');
    expect(byId.get('toyPipeline.arrival|ARRIVE_VF_QUEUE|0')).toBe('uncovered');
    expect(byId.get('toyPipeline.checks.fields|CHECK|0')).toBe('unreachable');
  });

  it('names inline functions instead of dropping them silently', () => {
    const m = setup({}).createMachine({ id: 'fn', initial: 'a', states: { a: { on: { GO: { target: 'a', guard: function isReady() { return true; } } } } } });
    const text = renderJson(m);
    expect(text).toContain('"guard": "function isReady"');
  });

  it('for random machines: parseable, stable, and the edges equal definitionEdges', () => {
    fc.assert(
      fc.property(randomMachine, ({ machine }) => {
        const text = renderJson(machine);
        const parsed = JSON.parse(text) as { edges: unknown[] };
        expect(parsed.edges).toEqual(JSON.parse(JSON.stringify(definitionEdges(machine))));
        expect(renderJson(machine)).toBe(text);
      }),
      { numRuns: 100 },
    );
  });
});
