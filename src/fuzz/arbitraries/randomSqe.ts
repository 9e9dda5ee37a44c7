// Random 64-byte SQEs. The opcode is often one the device knows (admin, NVM
// or LM), and "tame" entries clear CDW0 bits 15:8 and set NSID to 0 or 1 so
// that random commands get past the FUSE/PSDT/namespace checks and deeper.
import fc from 'fast-check';
import { ADMIN, LM, NVM } from '../../wire/opcodes.ts';
import type { SqeSpec } from '../steps.ts';
import { prpSourceArb } from './prpSource.ts';

const KNOWN = [...new Set([...Object.values(ADMIN), ...Object.values(NVM), ...Object.values(LM)])];

export const randomSqeArb: fc.Arbitrary<SqeSpec> = fc
  .record({
    bytes: fc.uint8Array({ minLength: 64, maxLength: 64 }),
    opcode: fc.oneof({ weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }) }, { weight: 2, arbitrary: fc.constantFrom(...KNOWN) }),
    tame: fc.option(fc.constantFrom(0, 1), { freq: 2 }),
    prps: prpSourceArb(1, 1),
  })
  .map(({ bytes, opcode, tame, prps }): SqeSpec => {
    const b = bytes.slice();
    b[0] = opcode;
    if (tame !== null) {
      b[1] = 0;
      b.fill(0, 4, 8);
      b[4] = tame;
    }
    return { bytes: b, prps, origin: 'random', note: tame === null ? 'random bytes' : `random bytes, CDW0 15:8 clear, NSID ${tame}` };
  });
