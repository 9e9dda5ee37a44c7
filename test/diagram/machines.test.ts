// The project's own specification machines, drawn in every format.
import { describe, expect, it } from 'vitest';
import { definitionEdges } from '../../src/check/edges.ts';
import { renderDot } from '../../src/diagram/dot.ts';
import { renderJson } from '../../src/diagram/json.ts';
import { renderMermaid } from '../../src/diagram/mermaid.ts';
import { formatStatus } from '../../src/diagram/status.ts';
import { dotToSvg } from '../../src/diagram/svg.ts';
import { FINALS, FINAL_NAMES, PF_ACCEPTANCE_OPTION_SETS, pfAcceptanceSpec } from '../../machines/pfAcceptance.ts';
import { vfioMigrationSpecs } from '../../machines/vfioMigration.ts';
import { VF_LIFECYCLE_OPTION_SETS, vfLifecycleSpec } from '../../machines/vfLifecycle.ts';
import { systemSpec } from '../../machines/system.ts';
import type { MachineSpec } from '../../machines/spec.ts';
import { parseMermaid } from './mermaidGrammar.ts';
import { svgGroups, svgTexts } from './svgText.ts';

const specs: MachineSpec[] = [
  ...PF_ACCEPTANCE_OPTION_SETS.map(pfAcceptanceSpec),
  ...VF_LIFECYCLE_OPTION_SETS.map(vfLifecycleSpec),
  ...vfioMigrationSpecs,
  systemSpec(2),
  systemSpec(2, { vfQueuePolicy: 'drop' }),
];

function stateIds(spec: MachineSpec): string[] {
  const ids: string[] = [];
  const visit = (n: { id: string; states: Record<string, unknown> }): void => {
    ids.push(n.id);
    Object.values(n.states).forEach((c) => visit(c as { id: string; states: Record<string, unknown> }));
  };
  visit(spec.machine.root);
  return ids;
}

describe.each(specs.map((s) => [s.id, s] as const))('%s', (id, spec) => {
  it('Mermaid is valid and has one line per edge target', () => {
    const p = parseMermaid(renderMermaid(spec.machine, { title: id }));
    expect(p.problems).toEqual([]);
    const lines = p.edges.filter((e) => e.from !== '[*]' && e.to !== '[*]');
    expect(lines).toHaveLength(definitionEdges(spec.machine).reduce((n, e) => n + Math.max(1, e.targets.length), 0));
  });

  it('SVG renders with every state and the title', async () => {
    const svg = await dotToSvg(renderDot(spec.machine, { title: id }));
    const groups = new Set(svgGroups(svg).map((g) => g.id));
    for (const state of stateIds(spec)) expect(groups.has(`state:${state}`)).toBe(true);
    expect(svgTexts(svg)).toContain(id);
  });

  it('JSON lists the definition edges with their ids', () => {
    const parsed = JSON.parse(renderJson(spec.machine, { title: id })) as { id: string; edges: Array<{ id: string }> };
    expect(parsed.id).toBe(id);
    expect(parsed.edges.map((e) => e.id)).toEqual(definitionEdges(spec.machine).map((e) => e.id));
  });
});

describe('what the diagrams say about the specification', () => {
  it('D1, D4, D5, D7, D9, D17: every pfAcceptance final state shows its NVMe status and decision', async () => {
    const spec = pfAcceptanceSpec({ profile: 'lm', strict: true });
    const texts = svgTexts(await dotToSvg(renderDot(spec.machine, { title: spec.id })));
    const names = new Set(stateIds(spec).map((s) => s.split('.').pop()));
    let checked = 0;
    for (const name of FINAL_NAMES) {
      const meta = FINALS[name];
      if (!names.has(name) || !('status' in meta) || meta.status === undefined) continue;
      expect(texts).toContain(`${formatStatus(meta.status)} ${meta.decision}`);
      checked += 1;
    }
    expect(checked).toBeGreaterThan(10);
    expect(texts).toContain('Invalid Command Opcode (SC 01h, DNR) D1');
  });

  it('D1 drop policy: the VF-queue final state says there is no completion', () => {
    const spec = pfAcceptanceSpec({ profile: 'lm', vfQueuePolicy: 'drop' });
    expect(parseMermaid(renderMermaid(spec.machine)).descriptions.get('droppedVfQueue')).toBe('no completion D1');
  });

  it('I8: each VFIO arc names the LM commands it sends (RUNNING -> STOP sends SUSPEND)', () => {
    const spec = vfioMigrationSpecs[0];
    const p = parseMermaid(renderMermaid(spec.machine));
    expect(p.edges.find((e) => e.from === 'RUNNING' && e.to === 'STOP')?.label).toBe('SET_STATE [nextStepIs(to=STOP)] / sends SUSPEND I8');
    expect(p.edges.find((e) => e.from === 'STOP' && e.to === 'STOP_COPY')?.label).toContain('sends QUERY_DATA_SIZE, SAVE_DATA');
  });

  it('D14/D18: the system draws one parallel region per VF, each edge guarded for its own VF', () => {
    const p = parseMermaid(renderMermaid(systemSpec(2).machine));
    expect(p.problems).toEqual([]);
    expect(p.sections.get('pfEnabled')).toBe(2);
    const vf2 = p.edges.filter((e) => e.block === 'vf2' && e.from !== '[*]');
    expect(vf2.length).toBeGreaterThan(0);
    for (const e of vf2) expect(e.label).toContain('[forVf(vf=2)]');
    expect(p.edges.find((e) => e.block === 'vf1' && e.label.startsWith('VF_LM '))?.label).toBe('VF_LM [forVf(vf=1)] / INVALID_OPCODE D1');
  });

  it('D5: vfLifecycle edges show the status their reply action gives', () => {
    const p = parseMermaid(renderMermaid(vfLifecycleSpec({}).machine));
    expect(p.edges.find((e) => e.from === 'running' && e.label.startsWith('LM_SAVE '))?.label).toBe('LM_SAVE / SEQUENCE_ERROR D5');
  });
});
