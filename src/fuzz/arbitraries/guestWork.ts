// What a guest (and the host driver bringing a function up) does: enable a
// controller, create and delete I/O queue pairs, Write/Read/Flush, and let
// deferred I/O complete.
import fc from 'fast-check';
import { MAX_FUZZ_VFS, type Step } from '../steps.ts';

const vf = fc.integer({ min: 1, max: MAX_FUZZ_VFS });
const slot = fc.integer({ min: 0, max: 3 });

export const guestWorkArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('enable' as const), fn: fc.integer({ min: 0, max: MAX_FUZZ_VFS }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('createQueues' as const), vf, entries: fc.integer({ min: 2, max: 64 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('deleteQueues' as const), vf, slot }) },
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('io' as const),
      vf,
      slot,
      op: fc.constantFrom('write' as const, 'read' as const, 'flush' as const),
      slba: fc.integer({ min: 0, max: 31 }),
      blocks: fc.integer({ min: 1, max: 16 }),
      fill: fc.integer({ min: 1, max: 255 }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('completeIo' as const), vf, n: fc.integer({ min: 1, max: 4 }) }) },
);
