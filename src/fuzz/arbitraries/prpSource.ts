// Where a generated command's PRPs point: as its random bytes say, or at a
// host buffer of 1-4 pages (a PRP list past two), PRP1 at a dword offset.
import fc from 'fast-check';
import type { PrpSource } from '../steps.ts';

const bufferArb: fc.Arbitrary<Extract<PrpSource, { kind: 'buffer' }>> = fc.record({
  kind: fc.constant('buffer' as const),
  pages: fc.integer({ min: 1, max: 4 }),
  offset: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 1023 }).map((x) => x * 4) }),
  fill: fc.integer({ min: 0, max: 255 }),
  prp1Delta: fc.constant(0),
  prp2: fc.constant('auto' as const),
});

export function prpSourceArb(rawWeight = 1, bufferWeight = 3): fc.Arbitrary<PrpSource> {
  return fc.oneof({ weight: rawWeight, arbitrary: fc.constant<PrpSource>({ kind: 'raw' }) }, { weight: bufferWeight, arbitrary: bufferArb });
}
