// The whole `nvme-lm` program as src/cli/commands/index.ts wires it: explain
// is registered, and diagram takes system:N beyond the listed system:2.
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.ts';
import { runProgram } from './runProgram.ts';

describe('nvme-lm commands as registered', () => {
  it('explain is registered: nvme-lm explain D1 prints the entry', async () => {
    const { stdout, error } = await runProgram(buildProgram(), ['explain', 'D1']);
    expect(error).toBeUndefined();
    expect(stdout).toMatch(/^D1 \(decision\): .*\n[\s\S]*Defined in docs\/spec\/lm\.md#d1\n$/);
  });

  it('diagram system:3 draws the system with 3 VFs (the catalog in index.ts looks system:<n> up)', async () => {
    const { stdout, error } = await runProgram(buildProgram(), ['diagram', 'system:3']);
    expect(error).toBeUndefined();
    expect(stdout).toMatch(/^---\ntitle: "system:3"\n---\nstateDiagram-v2\n/);
    expect(stdout.match(/^ *state vf\d+ \{$/gm)).toEqual(['      state vf1 {', '      state vf2 {', '      state vf3 {']);
  });
});
