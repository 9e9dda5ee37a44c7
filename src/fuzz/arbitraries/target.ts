// Which queue a generated command goes to: the PF admin queue, a VF admin
// queue, or one of a VF's I/O queues (a slot, taken modulo the queues that exist).
import fc from 'fast-check';
import { MAX_FUZZ_VFS, type QueueTarget } from '../steps.ts';

const vf = fc.integer({ min: 1, max: MAX_FUZZ_VFS });

export function queueTargetArb(weights: { pf: number; vfAdmin: number; vfIo: number } = { pf: 1, vfAdmin: 1, vfIo: 1 }): fc.Arbitrary<QueueTarget> {
  const all = [
    { weight: weights.pf, arbitrary: fc.constant<QueueTarget>({ queue: 'pfAdmin' }) },
    { weight: weights.vfAdmin, arbitrary: vf.map((v): QueueTarget => ({ queue: 'vfAdmin', vf: v })) },
    { weight: weights.vfIo, arbitrary: fc.record({ vf, slot: fc.integer({ min: 0, max: 3 }) }).map((t): QueueTarget => ({ queue: 'vfIo', ...t })) },
  ];
  return fc.oneof(...all.filter((w) => w.weight > 0));
}
