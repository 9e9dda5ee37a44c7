// Migration steps on the PF admin queue: single SUSPEND/RESUME/QUERY/SAVE
// (interleaved with guest work, they latch doorbells and drain I/O, D11,
// D12), LOADs of real and mutated images, and whole migrations.
import fc from 'fast-check';
import { MAX_FUZZ_VFS, type Step } from '../steps.ts';
import { imageChoiceArb } from './imageMutation.ts';

const vf = fc.integer({ min: 1, max: MAX_FUZZ_VFS });
const offset = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 1023 }).map((x) => x * 4));

export const migrationArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('lm' as const), op: fc.constantFrom('suspend' as const, 'resume' as const, 'query' as const, 'save' as const), vf }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('load' as const), vf, image: imageChoiceArb, offset }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('migrate' as const), vf, image: imageChoiceArb, offset, saveTwice: fc.boolean(), resume: fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }) }),
  },
);
