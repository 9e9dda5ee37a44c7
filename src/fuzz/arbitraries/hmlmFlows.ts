// The tp4159 host flows as steps: a UDMQ set up for logging (D28-D33), and a
// migration of one VF's state onto another (or itself), real or corrupted
// field by field from the state's layout (stateMutation.ts), whole or in
// SEQIND parts, in order or not (D22-D27).
import fc from 'fast-check';
import { MAX_FUZZ_VFS, type Step } from '../steps.ts';
import type { StateMutation } from '../stateMutation.ts';

const vf = fc.integer({ min: 1, max: MAX_FUZZ_VFS });

const mutationArb: fc.Arbitrary<StateMutation> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('field' as const), region: fc.constantFrom('header' as const, 'nvme' as const, 'sq' as const, 'cq' as const, 'vendor' as const), entry: fc.nat(7), field: fc.nat(15), pick: fc.nat(4), random: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), dwords: fc.integer({ min: 1, max: 80 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('extend' as const), dwords: fc.integer({ min: 1, max: 80 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('dupQid' as const), entry: fc.nat(7) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('noCq' as const), entry: fc.nat(7) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('pc0' as const), entry: fc.nat(7) }) },
);

export const cdqArb: fc.Arbitrary<Step> = fc
  .record({ vf, entries: fc.constantFrom(2, 3, 4, 8, 128), start: fc.boolean(), tpt: fc.option(fc.nat(8), { nil: undefined }), aer: fc.boolean() })
  .map((c): Step => ({ kind: 'cdq', vf: c.vf, entries: c.entries, start: c.start, aer: c.aer, ...(c.tpt === undefined ? {} : { tpt: c.tpt }) }));

export const hmlmMigrateArb: fc.Arbitrary<Step> = fc
  .record({
    from: vf,
    to: vf,
    csuuidi: fc.constantFrom(0, 1),
    // near a page's end, so the state crosses into a second (and with PRP lists a third) page
    offset: fc.oneof(fc.constant(0), fc.integer({ min: 3000, max: 4092 }), fc.nat(4095)),
    plan: fc.constantFrom('whole' as const, 'split' as const, 'outOfOrder' as const, 'twoFirsts' as const),
    mutation: fc.option(mutationArb, { nil: undefined, freq: 3 }),
  })
  .map((m): Step => {
    const { mutation, ...rest } = m;
    return { kind: 'hmlmMigrate', ...rest, ...(mutation ? { mutation } : {}) };
  });
