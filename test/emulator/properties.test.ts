// I2 and I3 as a fast-check property over random command sequences
// (see randomCommands.ts for the generator and the checks).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { cmdArb, configArb, Run } from './randomCommands.ts';

describe('I1, I2, I3: random command sequences (fast-check)', () => {
  it('I1 + I2 + I3: every command gets exactly one CQE with its own CID and SQ id; every rejected command leaves stateHash unchanged', () => {
    fc.assert(
      fc.property(configArb, fc.array(cmdArb, { minLength: 1, maxLength: 60 }), (cfg, cmds) => {
        const run = new Run(cfg);
        for (const c of cmds) run.step(c);
        run.finish();
      }),
      { numRuns: 200 },
    );
  });
  it('the sequences reach rejections, latched or in-flight commands, and successful LM commands (the property is not vacuous)', () => {
    const total = { rejected: 0, latchedOrInFlight: 0, lmSuccess: 0 };
    fc.assert(
      fc.property(configArb, fc.array(cmdArb, { minLength: 20, maxLength: 60 }), (cfg, cmds) => {
        const run = new Run(cfg);
        for (const c of cmds) run.step(c);
        run.finish();
        for (const k of Object.keys(total) as Array<keyof typeof total>) total[k] += run.stats[k];
      }),
      { numRuns: 30, seed: 42 },
    );
    console.log(`random sequences: ${JSON.stringify(total)}`);
    expect(total.rejected).toBeGreaterThan(200);
    expect(total.latchedOrInFlight).toBeGreaterThan(10);
    expect(total.lmSuccess).toBeGreaterThan(30);
  });
});
