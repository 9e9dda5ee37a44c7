// The fuzz properties on the correct emulator, with a small run count: every
// generated sequence keeps every rule the runner checks at every step
// (src/fuzz/runner.ts). fc.assert prints the seed, path and shrunk case on failure.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fuzzCaseArb } from '../../src/fuzz/arbitraries/sequence.ts';
import { runSequence } from '../../src/fuzz/sequence.ts';
import { describeStep } from '../../src/fuzz/describe.ts';
import type { RunStats } from '../../src/fuzz/runner.ts';

describe('fuzz properties on the emulator', () => {
  it('I1, I2, I3, I4, memory, D1, D5, D7, D8, D12, D13, D17, D18: every step of 400 random sequences holds', () => {
    fc.assert(
      fc.property(fuzzCaseArb(20), ([device, steps]) => {
        const r = runSequence(device, steps);
        if (r.failure) throw new Error(`${r.failure.message}\n  device ${JSON.stringify(device)}\n  ${steps.map(describeStep).join('\n  ')}`);
      }),
      { numRuns: 400 },
    );
  });

  it('the sequences reach what the rules are about (the property is not vacuous)', () => {
    const total: Partial<RunStats> = {};
    fc.assert(
      fc.property(fuzzCaseArb(20), ([device, steps]) => {
        const r = runSequence(device, steps);
        expect(r.failure).toBeUndefined();
        for (const [k, v] of Object.entries(r.stats) as Array<[keyof RunStats, number]>) total[k] = (total[k] ?? 0) + v;
      }),
      { numRuns: 600, seed: 42 },
    );
    console.log(`fuzz coverage over 600 runs: ${JSON.stringify(total)}`);
    expect(total.commands).toBeGreaterThan(5000);
    expect(total.rejected).toBeGreaterThan(500); // I3 checked on each
    expect(total.latched).toBeGreaterThan(100); // D11 doorbells latched, D1 drops, deferred I/O
    expect(total.deferred).toBeGreaterThan(50); // in flight until completeIo or a SAVE drain (D12)
    expect(total.dropped).toBeGreaterThan(5); // D1 drop policy
    expect(total.realLoads).toBeGreaterThan(20); // D7: a VF's own SAVE loads
    expect(total.refusedImages).toBeGreaterThan(50); // D7/I5: mutated images refused
    expect(total.lmSuccess).toBeGreaterThan(500);
  });
});
