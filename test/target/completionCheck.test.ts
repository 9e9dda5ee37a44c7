// What every completion the queue driver reads must satisfy (completionCheck.ts):
// each rule passes a correct completion and names the field of a broken one.
import { describe, expect, it } from 'vitest';
import { judgeCompletion, rememberSlot, stalePhaseFault, type SqAccount } from '../../src/target/completionCheck.ts';
import { sqHeadCount } from '../../src/target/ring.ts';

/** A 16-byte CQE: SQ head, SQ id, CID, phase. */
function cqe(sqhd: number, sqid: number, cid: number, phase: 0 | 1): Uint8Array {
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  v.setUint16(8, sqhd, true);
  v.setUint16(10, sqid, true);
  v.setUint16(12, cid, true);
  v.setUint16(14, phase, true);
  return b;
}

/** An SQ of 4 entries: 5 written, 2 consumed; CIDs 7 (entry 2), 8 (entry 3) and 9 (entry 4) wait. */
const sq = (): SqAccount => ({ size: 4, cqid: 1, pushed: 5, consumed: 2, waiting: [7, 8, 9].map((cid, i) => ({ cid, seq: 2 + i, sqe: new Uint8Array(64) })) });

describe('the SQ head a completion reports', () => {
  it('NVMe SQ head pointer: SQHD maps to the one count in [least, pushed] with its index, across the wrap', () => {
    expect(sqHeadCount(4, 3, 5, 3)).toBe(3);
    expect(sqHeadCount(4, 3, 5, 0)).toBe(4);
    expect(sqHeadCount(4, 3, 5, 1)).toBe(5);
    expect(sqHeadCount(4, 3, 5, 2)).toBeUndefined(); // would be 2 (backwards) or 6 (past the tail)
    expect(sqHeadCount(4, 3, 5, 4)).toBeUndefined(); // not an index of a 4-entry SQ
  });

  it('NVMe SQ head pointer: the completion of CID 8 (entry 3) must report 0 or 1 (entries 4..5 consumed); 3 is stale', () => {
    const ok = judgeCompletion(0, 1, cqe(0, 1, 8, 1), sq(), new Map([[1, sq()]]));
    expect(ok).toMatchObject({ ok: true, consumed: 4 });
    const stale = judgeCompletion(0, 1, cqe(3, 1, 8, 1), sq(), new Map([[1, sq()]]));
    expect(stale.ok).toBe(false);
    if (!stale.ok) expect(stale.fault.detail).toMatchObject({ field: 'SQHD', expected: '0..1', observed: '3', command: { qid: 1, cid: 8 } });
  });

  it('I2: a CID no command waits for (a duplicate) and an SQ that does not post to this CQ are named', () => {
    const dup = judgeCompletion(0, 1, cqe(3, 1, 6, 1), sq(), new Map([[1, sq()]]));
    expect(!dup.ok && dup.fault.detail).toMatchObject({ field: 'CID', observed: '6' });
    const wrongSq = judgeCompletion(0, 2, cqe(3, 1, 7, 1), sq(), new Map([[1, sq()]]));
    expect(!wrongSq.ok && wrongSq.fault.detail).toMatchObject({ field: 'SQ id', observed: '1' });
  });
});

describe('the phase tag after a wrap', () => {
  it('NVMe phase tag: a slot still holding what the host consumed there is not new; one rewritten with the old phase is a fault', () => {
    const old = cqe(1, 1, 5, 1);
    const seen = new Uint32Array(8);
    rememberSlot(seen, 0, old);
    const sqs = new Map([[1, sq()]]);
    expect(stalePhaseFault(0, 1, 0, 0, old, seen, sqs)).toBeUndefined();
    expect(stalePhaseFault(0, 1, 1, 1, new Uint8Array(16), seen, sqs)).toBeUndefined(); // never posted to
    const rewritten = cqe(3, 1, 7, 1);
    expect(stalePhaseFault(0, 1, 0, 0, rewritten, seen, sqs)?.detail).toMatchObject({ field: 'phase', expected: '0', observed: '1', command: { cid: 7 } });
  });
});
