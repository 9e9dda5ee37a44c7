// `nvme-lm diagram system:N` for every N the system machine takes (1..8), not
// only the system:2 the catalog lists: the catalog's lookup builds the rest.
import { describe, expect, it } from 'vitest';
import { machineSpec, machineSpecs } from '../../machines/catalog.ts';
import { runDiagram, type DiagramIo } from '../../src/cli/actions/diagram.ts';
import { catalogFromSpecs, findMachine } from '../../src/diagram/registry.ts';
import { parseMermaid } from './mermaidGrammar.ts';

// as src/cli/commands/index.ts wires it, with the listed specs built once for speed
const specs = machineSpecs();
const catalog = catalogFromSpecs(() => specs, (id) => machineSpec(id, specs));

function capture(): DiagramIo & { out: string } {
  const io = { out: '', stdout: (t: string) => void (io.out += t), stderr: () => undefined };
  return io;
}

describe('diagram system:N', () => {
  it('draws system:1 .. system:8 as valid Mermaid, one VF region per VF', async () => {
    for (let n = 1; n <= 8; n++) {
      const io = capture();
      await runDiagram(catalog, { machine: `system:${n}` }, io);
      expect(io.out, `system:${n}`).toMatch(new RegExp(`^---\\ntitle: "system:${n}"\\n`));
      expect(parseMermaid(io.out).problems, `system:${n}`).toEqual([]);
      expect(io.out.match(/^ *state vf\d+ \{$/gm), `system:${n}`).toHaveLength(n);
      expect(findMachine(catalog, `system:${n}`).id).toBe(`system:${n}`);
    }
  });

  it('listed ids still come from the list; a system outside 1..8 or an unknown id says what is valid', async () => {
    expect(findMachine(catalog, 'system:2:drop').id).toBe('system:2:drop');
    await expect(runDiagram(catalog, { machine: 'system:9' }, capture())).rejects.toThrow('the system has 1 to 8 VFs; got 9');
    await expect(runDiagram(catalog, { machine: 'nope' }, capture())).rejects.toThrow(/^no machine "nope"; machines: vfLifecycle, .*system:2:drop, .*\(and system:<n>, tp4159System:<n> for n = 1\.\.8\)$/);
  });

  it('a catalog without a lookup answers as before: unknown id, valid ids listed', () => {
    const listed = catalogFromSpecs(() => specs);
    expect(() => findMachine(listed, 'system:3')).toThrow(/^unknown machine "system:3"; valid ids: vfLifecycle, /);
  });
});
