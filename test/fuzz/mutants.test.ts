// The fuzzer finds planted bugs: run against each of the emulator's mutants
// it reports a failure with a short shrunk sequence, and the reported seed
// and path replay it.
import { describe, expect, it } from 'vitest';
import { fuzz, formatFailure } from '../../src/fuzz/fuzz.ts';
import type { Mutant } from '../../src/emulator/options.ts';

/** The rule each mutant breaks first, as the fuzzer reports it. */
const CASES: Array<{ mutant: Mutant; rules: string[]; spec: string }> = [
  { mutant: 'acceptLmOnVfQueue', rules: ['D1', 'I1', 'I4'], spec: 'D1/I1' },
  { mutant: 'saveWhileRunning', rules: ['D5'], spec: 'D5' },
  { mutant: 'partialLoad', rules: ['I3', 'D7'], spec: 'I3/I5' },
  { mutant: 'queryOffByOneQueue', rules: ['D8'], spec: 'D8' },
  { mutant: 'ignoreCapability', rules: ['D17'], spec: 'D17' },
];

describe('the fuzzer finds planted bugs', () => {
  for (const c of CASES) {
    it(`${c.spec}: mutant ${c.mutant} is found, shrunk to a short sequence, and replays from its seed and path`, () => {
      const r = fuzz({ runs: 3000, seed: 7, mutant: c.mutant });
      expect(r.failures).toBe(1);
      const f = r.failure!;
      expect(c.rules).toContain(f.rule);
      expect(f.steps.length).toBeGreaterThan(0);
      expect(f.steps.length).toBeLessThanOrEqual(4);
      expect(f.transcript.some((l) => l.includes('post '))).toBe(true);
      const text = formatFailure(f, r.seed);
      expect(text).toContain(`replay: nvme-lm fuzz --seed ${r.seed} --path ${f.path} --mutant ${c.mutant}`);
      const again = fuzz({ runs: 1, seed: r.seed, path: f.path, mutant: c.mutant });
      expect(again.failures).toBe(1);
      expect(again.failure!.message).toBe(f.message);
    });
  }

  it('the same seed finds nothing on the correct emulator (the failures above are the mutants)', () => {
    expect(fuzz({ runs: 500, seed: 7 }).failures).toBe(0);
  });
});
