import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMachine } from 'xstate';
import { definitionEdges } from '../../src/check/edges.ts';
import { escapeMermaid, renderMermaid } from '../../src/diagram/mermaid.ts';
import { eventText } from '../../src/diagram/labels.ts';
import { randomMachine } from './arbitraryMachine.ts';
import { decodeMermaid, parseMermaid } from './mermaidGrammar.ts';
import { toyAwkward, toyPipeline } from './toys.ts';

describe('Mermaid stateDiagram-v2', () => {
  const text = renderMermaid(toyPipeline);
  const parsed = parseMermaid(text);

  it('is valid for the statement subset Mermaid parses, every state declared once in its own block', () => {
    expect(parsed.problems).toEqual([]);
    expect(text.split('\n')).toContain('stateDiagram-v2');
  });

  it('D1: a guarded rejection edge carries event, guard, NVMe status and decision', () => {
    expect(parsed.edges).toContainEqual(
      expect.objectContaining({ from: 'arrival', to: 'rejectedVfQueue', label: 'ARRIVE_VF_QUEUE [isLmOpcode] / Invalid Command Opcode (SC 01h, DNR) D1' }),
    );
    expect(parsed.edges).toContainEqual(expect.objectContaining({ from: 'arrival', to: 'done', label: 'ARRIVE_VF_QUEUE' }));
  });

  it('D5: a final state shows its status from meta and ends in [*]', () => {
    expect(parsed.descriptions.get('rejectedSequence')).toBe('Command Sequence Error (SC 0Ch) D5');
    expect(parsed.edges).toContainEqual(expect.objectContaining({ from: 'rejectedSequence', to: '[*]', block: 'toyPipeline' }));
  });

  it('marks initial states with [*] in each compound state, and the machine itself', () => {
    expect(parsed.edges).toContainEqual(expect.objectContaining({ from: '[*]', to: 'toyPipeline', block: '' }));
    expect(parsed.edges).toContainEqual(expect.objectContaining({ from: '[*]', to: 'arrival', block: 'toyPipeline' }));
    expect(parsed.edges).toContainEqual(expect.objectContaining({ from: '[*]', to: 'fields', block: 'checks' }));
    expect(parsed.edges).toContainEqual(expect.objectContaining({ from: '[*]', to: 'mapping', block: 'prp' }));
  });

  it('separates the regions of a parallel state with --', () => {
    expect(parsed.sections.get('transfer')).toBe(2);
    expect(text).toMatch(/state prp \{[\s\S]*\}\n\s*--\n\s*state data \{/);
  });

  it('draws an edge that leaves a composite from the composite, naming the real source and target', () => {
    expect(parsed.edges).toContainEqual(expect.objectContaining({ from: 'checks', to: 'rejectedSequence', label: 'CHECK (from fields)' }));
    expect(parsed.edges).toContainEqual(expect.objectContaining({ from: 'toyPipeline', to: 'toyPipeline', label: 'RESET (to arrival)', block: '' }));
  });

  it('moves a loop on a nested composite (which Mermaid fails to draw) to the machine, saying where it is', () => {
    const nested = createMachine({
      id: 'outer',
      initial: 'a',
      states: { a: { initial: 'b', states: { b: { initial: 'c', on: { POLL: {} }, states: { c: { on: { STEP: 'c' } } } } } } },
    });
    const p = parseMermaid(renderMermaid(nested));
    expect(p.problems).toEqual([]);
    expect(p.edges).toContainEqual(expect.objectContaining({ from: 'outer', to: 'outer', label: 'POLL (at a.b)', block: '' }));
    // a loop on a leaf stays where it is
    expect(p.edges).toContainEqual(expect.objectContaining({ from: 'c', to: 'c', label: 'STEP', block: 'b' }));
  });

  it('escapes : ; # " { } < > in labels and titles so the text decodes back', () => {
    const awkward = parseMermaid(renderMermaid(toyAwkward));
    expect(awkward.problems).toEqual([]);
    const rejection = awkward.edges.find((e) => e.label.startsWith('x:y;z'));
    expect(rejection?.label).toBe('x:y;z [odd "guard" {x}] / Invalid Field in Command (SC 02h, DNR) D4');
    // duplicate keys (idle in two regions) get distinct ids but keep their titles
    expect([...awkward.states.values()].filter((t) => t === 'idle')).toHaveLength(2);
    expect(escapeMermaid('a#;b')).toBe('a#35;#59;b');
    expect(decodeMermaid(escapeMermaid('#; : "<{x}>"'))).toBe('#; : "<{x}>"');
  });

  it('shows coverage on labels: uncovered and unreachable edges say so (Mermaid cannot colour them)', () => {
    const covered = 'toyPipeline.arrival|ARRIVE_PF_QUEUE|0';
    const reachable = new Set([covered, 'toyPipeline.arrival|ARRIVE_VF_QUEUE|0']);
    const p = parseMermaid(renderMermaid(toyPipeline, { coverage: { covered: new Set([covered]), reachable } }));
    expect(p.problems).toEqual([]);
    expect(p.edges).toContainEqual(expect.objectContaining({ from: 'arrival', to: 'checks', label: 'ARRIVE_PF_QUEUE' }));
    expect(p.edges.find((e) => e.to === 'rejectedVfQueue')?.label).toMatch(/ \(not covered\)$/);
    expect(p.edges.find((e) => e.to === 'done' && e.from === 'arrival')?.label).toMatch(/ \(unreachable\)$/);
  });

  it('for random machines: valid Mermaid, one line per edge target, every state and event present', () => {
    fc.assert(
      fc.property(randomMachine, ({ machine }) => {
        const p = parseMermaid(renderMermaid(machine));
        expect(p.problems).toEqual([]);
        const edges = definitionEdges(machine);
        const lines = p.edges.filter((e) => e.from !== '[*]' && e.to !== '[*]');
        expect(lines).toHaveLength(edges.reduce((n, e) => n + Math.max(1, e.targets.length), 0));
        for (const e of edges) {
          const event = eventText(e.eventType).replace(/\s+/g, ' ').trim();
          expect(lines.some((l) => l.label.startsWith(event))).toBe(true);
        }
        let count = 0;
        const visit = (n: { states: Record<string, unknown> }): void => {
          count += 1;
          Object.values(n.states).forEach((c) => visit(c as { states: Record<string, unknown> }));
        };
        visit(machine.root);
        expect(p.states.size).toBe(count);
      }),
      { numRuns: 200 },
    );
  });
});
