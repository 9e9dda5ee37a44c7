// Migration images LOAD must refuse (D7): one mutation per D7 check.
import fc from 'fast-check';
import type { ImageChoice, ImageMutation } from '../steps.ts';

export const imageMutationArb: fc.Arbitrary<ImageMutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(0xffff), xor: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('size' as const), delta: fc.oneof(fc.integer({ min: -200, max: 200 }), fc.integer({ min: -0x1_0000, max: 0x10_0000 })) }),
  fc.record({ kind: fc.constant('magic' as const), value: fc.integer({ min: 0, max: 0xffff_ffff }) }),
  fc.record({ kind: fc.constant('version' as const), value: fc.integer({ min: 0, max: 0xffff }) }),
  fc.record({ kind: fc.constant('queueCount' as const), add: fc.integer({ min: 1, max: 70 }) }),
  fc.record({ kind: fc.constant('queueSize' as const), record: fc.nat(7), sq: fc.boolean(), value: fc.oneof(fc.constantFrom(0, 1), fc.integer({ min: 1025, max: 0xffff })) }),
  fc.record({ kind: fc.constant('qid' as const), record: fc.nat(7), value: fc.oneof(fc.constant(0), fc.integer({ min: 65, max: 0xffff })) }),
  fc.record({ kind: fc.constant('garbage' as const), bytes: fc.uint8Array({ minLength: 0, maxLength: 300 }) }),
);

/** The VF's own unchanged SAVE, or a mutated one. */
export const imageChoiceArb: fc.Arbitrary<ImageChoice> = fc.oneof(
  { weight: 1, arbitrary: fc.constant<ImageChoice>({ kind: 'real' }) },
  { weight: 1, arbitrary: imageMutationArb.map((mutation): ImageChoice => ({ kind: 'mutated', mutation })) },
);
