// `nvme-lm explain`: what a D/I/L id printed by the CLI means, from docs/spec/.
import { describe, expect, it } from 'vitest';
import { Command } from 'commander';
import { registerExplain } from '../../src/cli/commands/explain.ts';
import { UsageError } from '../../src/cli/usageError.ts';
import { runProgram } from './runProgram.ts';

// explain alone, as the program registers it (version.test.ts shows the whole program has it)
function explain(...args: string[]) {
  const program = new Command().exitOverride();
  registerExplain(program);
  return runProgram(program, ['explain', ...args]);
}

describe('nvme-lm explain', () => {
  it('explain D12 prints the entry: id, title, rule, reason, source, docs file and anchor', async () => {
    const { stdout, error } = await explain('D12');
    expect(error).toBeUndefined();
    expect(stdout).toMatch(/^D12 \(decision\): SAVE drains before it captures\n\nRule:\n {2}\S[\s\S]*\nWhy:\n {2}\S[\s\S]*\nSource:\n {2}\S[\s\S]*\nDefined in docs\/spec\/lm\.md#d12\n$/);
  });

  it('explain i9 and explain L5 find the tp4159 profile ids in any case', async () => {
    expect((await explain('i9')).stdout).toMatch(/^I9 \(invariant\): No management command on a VF's admin queue changes any state\n[\s\S]*docs\/spec\/tp4159\.md#i9\n$/);
    expect((await explain('L5')).stdout).toMatch(/^L5 \(liveness property\): Suspend completes\n[\s\S]*docs\/spec\/tp4159\.md#l5\n$/);
  });

  it('an unknown id is a usage error (exit 2) that lists the valid ranges', async () => {
    const { stdout, error } = await explain('Q7');
    expect(stdout).toBe('');
    expect(error).toBeInstanceOf(UsageError);
    expect(error?.message).toBe('"Q7" is not an id (D<n>, I<n> or L<n>); valid ids: D1-D34, I1-I15, L1-L7. Run `nvme-lm explain` to list them with their titles');
  });

  it('explain with no id lists every id with its one-line title', async () => {
    const { stdout } = await explain();
    const rows = stdout.split('\n').filter((l) => /^ {2}[DIL]\d+ +\S/.test(l));
    expect(rows).toHaveLength(56);
    expect(stdout).toContain('\n  D12  SAVE drains before it captures\n');
    expect(stdout).toContain('\n  L7   A One-Shot event completes an outstanding request\n');
  });
});
