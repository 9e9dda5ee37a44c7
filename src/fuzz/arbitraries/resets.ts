// FLRs and controller resets (CC.EN 1 -> 0) of a VF (D13) or the PF (D18),
// mostly followed by the host bringing the functions back up.
import fc from 'fast-check';
import { MAX_FUZZ_VFS, type Step } from '../steps.ts';

export const resetArb: fc.Arbitrary<Step> = fc.record({
  kind: fc.constant('reset' as const),
  what: fc.constantFrom('flr' as const, 'disable' as const),
  fn: fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 3, arbitrary: fc.integer({ min: 1, max: MAX_FUZZ_VFS }) }),
  recover: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
});
