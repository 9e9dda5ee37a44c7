import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { definitionEdges } from '../../src/check/edges.ts';
import { COVERAGE_COLOURS, dotString, renderDot } from '../../src/diagram/dot.ts';
import { dotToSvg, renderSvg } from '../../src/diagram/svg.ts';
import { randomMachine } from './arbitraryMachine.ts';
import { svgGroups, svgTexts } from './svgText.ts';
import { toyAwkward, toyPipeline } from './toys.ts';

const STATE_KEYS = ['arrival', 'checks', 'fields', 'transfer (parallel)', 'prp', 'mapping', 'mapped', 'data', 'checking', 'valid', 'rejectedVfQueue', 'rejectedSequence', 'done'];

describe('DOT and SVG', () => {
  it('the DOT parses: Graphviz (WebAssembly) renders it and the SVG names every state', async () => {
    const texts = svgTexts(await renderSvg(toyPipeline));
    for (const key of STATE_KEYS) expect(texts).toContain(key);
    expect(texts).toContain('toyPipeline');
  });

  it('D1/D5: rejection edges and final states carry the NVMe status and decision', async () => {
    const dot = renderDot(toyPipeline);
    expect(dot).toContain('label="ARRIVE_VF_QUEUE [isLmOpcode]\\nInvalid Command Opcode (SC 01h, DNR) D1"');
    const texts = svgTexts(await dotToSvg(dot));
    expect(texts).toContain('Invalid Command Opcode (SC 01h, DNR) D1');
    expect(texts).toContain('Command Sequence Error (SC 0Ch) D5');
  });

  it('draws compound and parallel states as clusters, parallel regions dashed, and edges to a composite end at its border', async () => {
    const dot = renderDot(toyPipeline);
    expect(dot).toContain('subgraph "cluster_toyPipeline.checks.transfer"');
    expect(dot).toMatch(/subgraph "cluster_toyPipeline\.checks\.transfer\.prp" \{\n\s*graph \[[^\]]*style="dashed,rounded"/);
    expect(dot).toMatch(/"toyPipeline\.arrival" -> "@anchor:toyPipeline\.checks" \[[^\]]*lhead="cluster_toyPipeline\.checks"/);
    const groups = svgGroups(await dotToSvg(dot));
    expect(groups.filter((g) => g.classes.includes('cluster')).map((g) => g.id)).toEqual(
      expect.arrayContaining(['state:toyPipeline.checks', 'state:toyPipeline.checks.transfer', 'state:toyPipeline.checks.transfer.prp']),
    );
  });

  it('with coverage: covered edges green, reachable-but-uncovered red, unreachable grey dashed, and a legend with counts', async () => {
    const covered = 'toyPipeline.arrival|ARRIVE_PF_QUEUE|0';
    const uncovered = 'toyPipeline.arrival|ARRIVE_VF_QUEUE|0';
    const coverage = { covered: new Set([covered]), reachable: new Set([covered, uncovered]) };
    const svg = await renderSvg(toyPipeline, { coverage });
    const edges = new Map(svgGroups(svg).filter((g) => g.classes.includes('edge')).map((g) => [g.id, g]));
    expect(edges.get(`edge:${covered}`)?.strokes).toEqual([COVERAGE_COLOURS.covered]);
    expect(edges.get(`edge:${covered}`)?.classes).toContain('covered');
    expect(edges.get(`edge:${uncovered}`)?.strokes).toEqual([COVERAGE_COLOURS.uncovered]);
    const unreachable = edges.get('edge:toyPipeline.checks.fields|CHECK|1');
    expect(unreachable?.strokes).toEqual([COVERAGE_COLOURS.unreachable]);
    expect(unreachable?.body).toContain('stroke-dasharray');
    const texts = svgTexts(svg);
    expect(texts).toEqual(expect.arrayContaining(['Legend', 'green: covered (1)', 'red: reachable, not covered (1)', 'grey dashed: unreachable (7)']));
  });

  it('without coverage no edge is coloured and the legend has no coverage lines', () => {
    const dot = renderDot(toyPipeline);
    for (const colour of Object.values(COVERAGE_COLOURS)) expect(dot).not.toContain(`color="${colour}"`);
    expect(dot).not.toContain('covered (');
  });

  it('merges self-loops of one state into one loop, each line in its own coverage colour', async () => {
    const coverage = { covered: new Set(['toy-awkward.left.idle|NOTE|0']) };
    const dot = renderDot(toyAwkward, { coverage });
    expect(dot).toContain(`<font color="${COVERAGE_COLOURS.covered}">NOTE</font>`);
    const loop = svgGroups(await dotToSvg(dot)).find((g) => g.id === 'loops:toy-awkward.left.idle');
    expect(loop?.strokes).toEqual([COVERAGE_COLOURS.covered]);
  });

  it('quotes and backslashes in names cannot break the DOT string', () => {
    expect(dotString('a"b\\c\nd')).toBe('"a\\"b\\\\c\\nd"');
  });

  it('for random machines (nested, parallel, odd names): Graphviz renders it, with every state and edge by id', async () => {
    await fc.assert(
      fc.asyncProperty(randomMachine, async ({ machine }) => {
        const ids = new Set(svgGroups(await renderSvg(machine)).map((g) => g.id));
        const states: string[] = [];
        const visit = (n: { id: string; states: Record<string, unknown> }): void => {
          states.push(n.id);
          Object.values(n.states).forEach((c) => visit(c as { id: string; states: Record<string, unknown> }));
        };
        visit(machine.root);
        for (const id of states) expect(ids.has(`state:${id}`)).toBe(true);
        for (const e of definitionEdges(machine)) {
          const loop = e.targets.length === 0 || (e.targets.length === 1 && e.targets[0] === e.source);
          // Graphviz keeps a newline in an id as the two characters \n
          expect(ids.has(loop ? `loops:${e.source}` : `edge:${e.id.replace(/\n/g, '\\n')}`)).toBe(true);
        }
      }),
      { numRuns: 60 },
    );
  });
});
