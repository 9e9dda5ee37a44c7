// I10 as a property: over guest workloads (seed, I/O count, share of changes,
// ranges per deallocate, working set), copy schedules (bulk order, rounds, dirty target) and queue
// sizes, whenever the migration completes the destination's namespace equals
// the source's at Suspend, every block compared, and no I/O is lost or
// duplicated. Two broken variants show the property finds loss: a controller
// that does not log deallocates (mutant unloggedDeallocate) and a host that
// releases an entry before copying its range. fast-check prints the seed, the
// counterexample and its shrunk form when a run fails.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MigrateOptions } from '../../src/migrate/options.ts';
import { simulateStorageCopy, type CopyOptions } from '../../src/migrate/storageCopy.ts';

const workload = fc.record({
  seed: fc.integer({ min: 0, max: 0xffff }),
  io: fc.integer({ min: 16, max: 64 }),
  writeRate: fc.integer({ min: 0, max: 100 }),
  dsmRanges: fc.integer({ min: 1, max: 4 }),
  workingSet: fc.integer({ min: 1, max: 64 }),
  bulkOrder: fc.constantFrom('descending' as const, 'ascending' as const),
  maxRounds: fc.integer({ min: 1, max: 4 }),
  dirtyTarget: fc.integer({ min: 0, max: 64 }),
  // 3 at least: a 2-slot queue has no room for the ESA 1 entry, so Track Send start answers Controller Data Queue Full and PRE_COPY fails
  logEntries: fc.integer({ min: 3, max: 64 }),
});
type Case = typeof workload extends fc.Arbitrary<infer T> ? T : never;

/** One migration of `c`; what must hold whenever it completes (I10, D15). */
async function holds(c: Case, knobs?: MigrateOptions['knobs']): Promise<boolean> {
  const copy: Partial<CopyOptions> = { bulkOrder: c.bulkOrder, writeRate: c.writeRate, dsmRanges: c.dsmRanges, workingSet: c.workingSet, maxRounds: c.maxRounds, dirtyTarget: c.dirtyTarget, logEntries: c.logEntries };
  const r = await simulateStorageCopy({ seed: c.seed, io: c.io, queues: 2, ...(knobs ? { knobs } : {}) }, copy);
  return !r.migrated || (r.blocksDiffering === 0 && r.lost === 0 && r.duplicated === 0 && r.dataErrors === 0);
}

/**
 * Run the property against a broken variant: fast-check must find a case that
 * loses data and shrink it; the report names seed and shrunk case. The seed is
 * one whose first few cases already lose data (the 40 runs are the budget, not
 * what it takes), so the time goes to shrinking.
 */
async function findLoss(knobs: MigrateOptions['knobs'], seed: number): Promise<fc.RunDetails<[Case]>> {
  const details = await fc.check(
    fc.asyncProperty(workload, (c) => holds(c, knobs)),
    // the time limit bounds shrinking (seconds of whole migrations per step); what was shrunk by then is reported
    { numRuns: 40, seed, interruptAfterTimeLimit: 5_000 },
  );
  if (details.failed) console.log(fc.defaultReportMessage(details));
  return details;
}

describe('storage copy: nothing lost over workloads, schedules and queue sizes (property)', () => {
  it('I10, D15, D30, D31: whenever the migration completes, the destination equals the source at Suspend, every block compared, and no I/O is lost or duplicated', async () => {
    await fc.assert(fc.asyncProperty(workload, (c) => holds(c)), { numRuns: 5, seed: 7 });
  }, 60_000);

  it('D30, I10: a controller that does not log deallocates (mutant unloggedDeallocate) is found, and the case shrunk', async () => {
    const d = await findLoss({ sourceMutant: 'unloggedDeallocate' }, 7);
    expect(d.failed).toBe(true);
    expect(d.counterexample).not.toBeNull();
    expect(d.counterexample![0].writeRate).toBeGreaterThan(0); // a guest that only reads changes nothing to lose
  }, 60_000);

  it('D31, I10: a host that releases an entry before copying its range is found, and the case shrunk', async () => {
    const d = await findLoss({ releaseBeforeCopy: true }, 5);
    expect(d.failed).toBe(true);
    expect(d.counterexample).not.toBeNull();
    expect(d.counterexample![0].writeRate).toBeGreaterThan(0);
  }, 60_000);
});
