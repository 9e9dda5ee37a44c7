// D7: every image mutation the fuzzer draws must be refused by a LOAD. Here
// each drawn mutation of a real SAVE is fed to the device's LOAD checks.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeSavedData } from '../../src/emulator/savedData.ts';
import { imageMutationArb } from '../../src/fuzz/arbitraries/imageMutation.ts';
import { emptyImage, mutateImage } from '../../src/fuzz/images.ts';
import { runSequence } from '../../src/fuzz/sequence.ts';
import { Runner } from '../../src/fuzz/runner.ts';
import { createQueues } from '../../src/fuzz/guestSteps.ts';
import { lmStep } from '../../src/fuzz/lmSteps.ts';

/** A real SAVE of a VF with two I/O queue pairs, taken through the fuzzer's own steps. */
function realImage(): { image: Uint8Array; mapped: (a: number, n: number) => boolean } {
  const r = new Runner({ vfs: 1, profile: 'lm', strict: false, vfQueuePolicy: 'reject', ioCompletion: 'immediate', maxIoQueuesPerVf: 64 });
  r.enable(0);
  r.enable(1);
  createQueues(r, 1, 16);
  createQueues(r, 1, 8);
  lmStep(r, 'suspend', 1);
  lmStep(r, 'save', 1);
  const image = r.cleanSave.get(1)!;
  return { image, mapped: (a, n) => r.dev.memory.isMapped(a, n) };
}

describe('D7: the image mutations LOAD must refuse', () => {
  const real = realImage();
  it('the real image itself passes every D7 check (so a refusal below is the mutation\'s doing)', () => {
    expect(real.image.length).toBe(160);
    expect(decodeSavedData(real.image, real.image.length, { maxIoQueues: 64, isMapped: real.mapped }).ok).toBe(true);
  });
  it('D7/I5: every drawn mutation of a real image, and of an empty one, is refused', () => {
    fc.assert(
      fc.property(imageMutationArb, fc.constantFrom(64, 4, 1), fc.boolean(), (m, maxIoQueues, empty) => {
        const base = empty ? emptyImage() : real.image;
        const { data, size } = mutateImage(base, m);
        const d = decodeSavedData(data.subarray(0, Math.min(size, data.length)), size, { maxIoQueues, isMapped: real.mapped });
        expect(d.ok).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });
  it('a LOAD of a mutated image through the device is refused and changes nothing (run by the fuzzer)', () => {
    const r = runSequence({ vfs: 1, profile: 'lm', strict: true, vfQueuePolicy: 'reject', ioCompletion: 'immediate', maxIoQueuesPerVf: 64 }, [
      { kind: 'migrate', vf: 1, image: { kind: 'mutated', mutation: { kind: 'queueSize', record: 0, sq: true, value: 1 } }, offset: 0, saveTwice: false, resume: true },
    ]);
    expect(r.failure).toBeUndefined();
    expect(r.stats.refusedImages).toBe(1);
  });
});
