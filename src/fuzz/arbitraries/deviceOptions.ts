// Device options for one run: profile (D17), strict (D10), the D1 policy,
// deferred I/O (D11, D12), the per-VF queue limit (D7 geometry), and how many VFs.
import fc from 'fast-check';
import type { Mutant } from '../../emulator/options.ts';
import type { Profile } from '../../emulator/profiles.ts';
import { MAX_FUZZ_VFS, type FuzzDevice } from '../steps.ts';
import type { FuzzProfile } from '../defaults.ts';

/** `lm`: the vendor profiles (lm mostly, and the ones that refuse or misread it); `tp4159`: the standard alone. */
export function deviceOptionsArb(mutant?: Mutant, fuzzProfile: FuzzProfile = 'lm'): fc.Arbitrary<FuzzDevice> {
  const lm = fc.oneof({ weight: 5, arbitrary: fc.constant<Profile>('lm') }, { weight: 1, arbitrary: fc.constantFrom<Profile>('reserved', 'no-lm', 'foreign') });
  return fc
    .record({
      vfs: fc.integer({ min: 1, max: MAX_FUZZ_VFS }),
      profile: fuzzProfile === 'tp4159' ? fc.constant<Profile>('tp4159') : lm,
      strict: fc.boolean(),
      vfQueuePolicy: fc.oneof({ weight: 3, arbitrary: fc.constant('reject' as const) }, { weight: 1, arbitrary: fc.constant('drop' as const) }),
      ioCompletion: fc.constantFrom('immediate' as const, 'deferred' as const),
      maxIoQueuesPerVf: fc.constantFrom(64, 4, 2, 1),
    })
    .map((d) => (mutant ? { ...d, mutant } : d));
}
