// Any mix of faults, any seed: the invariants hold in every run (fast-check
// prints the seed and the shrunk fault set when one does not).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matrixRows } from '../../src/migrate/faults.ts';
import { simulateMigration } from '../../src/migrate/simulate.ts';

const rows = matrixRows();

describe('random fault mixes (property)', () => {
  it('D6, D7, D13, D14, D15, D18: with 1-3 faults at random arcs, no I/O is lost or duplicated, every write reads back, other VFs are untouched, a refused LOAD changes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.integer({ min: 0, max: rows.length - 1 }), { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 0, max: 0xffff_ffff }),
        fc.integer({ min: 2, max: 6 }),
        async (picks, seed, queues) => {
          const faults = picks.map((i) => rows[i]);
          const r = await simulateMigration({ faults, seed, queues, io: 64 });
          const failed = r.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
          expect(failed).toEqual([]);
          expect(r.lost + r.duplicated + r.dataErrors).toBe(0);
          expect(r.migrated && r.outcome.calledOff).toBe(false);
        },
      ),
      { numRuns: 40 },
    );
  });
});
