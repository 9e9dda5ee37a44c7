import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { encodeCqe } from '../../src/wire/cqe.ts';
import {
  claimCompletion,
  completionId,
  cqeIsNew,
  cqPop,
  cqTake,
  newCq,
  newSq,
  nextIndex,
  phaseAfter,
  phaseTag,
  sqEmpty,
  sqeCid,
  sqFull,
  sqHeadFrom,
  sqOutstanding,
  sqPush,
  sqSkipToHead,
  type CqRing,
} from '../../src/target/ring.ts';

const cqe = (f: { sqid?: number; cid?: number; sqhd?: number; phase?: number }): Uint8Array => encodeCqe(f);

describe('ring: SQ arithmetic', () => {
  it('I2: the tail wraps to 0 after the last slot', () => {
    expect(nextIndex(0, 4)).toBe(1);
    expect(nextIndex(3, 4)).toBe(0);
    let sq = newSq(3);
    sq = sqPush(sqPush(sq));
    expect(sq.tail).toBe(2);
    expect(sqHeadFrom(sq, 2).head).toBe(2);
    expect(sqPush(sqHeadFrom(sq, 2)).tail).toBe(0);
  });

  it('I2: one slot stays empty: a queue of n entries is full with n - 1 outstanding', () => {
    let sq = newSq(4);
    expect(sqEmpty(sq)).toBe(true);
    for (let i = 0; i < 3; i++) {
      expect(sqFull(sq)).toBe(false);
      sq = sqPush(sq);
    }
    expect(sqOutstanding(sq)).toBe(3);
    expect(sqFull(sq)).toBe(true);
    // the device reports SQHD 2: two slots free again
    sq = sqHeadFrom(sq, 2);
    expect(sqOutstanding(sq)).toBe(1);
    expect(sqFull(sq)).toBe(false);
  });

  it('I2: an SQ head reported past the size is taken modulo the size', () => {
    expect(sqHeadFrom(newSq(4), 6).head).toBe(2);
  });

  it('D1: skipping to the head empties the queue and keeps the other fields', () => {
    const sq = { ...newSq(8), tail: 1, head: 5, base: 0x1000n };
    expect(sqSkipToHead(sq)).toEqual({ size: 8, tail: 5, head: 5, base: 0x1000n });
  });

  it('I2: the functions are pure: the ring passed in is unchanged', () => {
    const sq = newSq(2);
    const cq = newCq(2);
    sqPush(sq);
    cqPop(cq);
    expect(sq).toEqual({ size: 2, tail: 0, head: 0 });
    expect(cq).toEqual({ size: 2, head: 0, phase: 1 });
  });
});

describe('ring: CQ phase tag', () => {
  it('I2: the phase tag is bit 0 of CQE byte 14 (DW3 bit 16), at any offset of a page', () => {
    expect(phaseTag(cqe({ phase: 1 }))).toBe(1);
    expect(phaseTag(cqe({ phase: 0, cid: 0xffff, sqid: 0xffff }))).toBe(0);
    const page = new Uint8Array(64);
    page.set(cqe({ phase: 1 }), 32);
    expect(phaseTag(page, 32)).toBe(1);
    expect(phaseTag(page, 16)).toBe(0);
  });

  it('I2: a CQE is new when its phase is the one expected at the head', () => {
    expect(cqeIsNew(newCq(4), cqe({ phase: 1 }))).toBe(true);
    expect(cqeIsNew(newCq(4), cqe({ phase: 0 }))).toBe(false);
    expect(cqTake(newCq(4), cqe({ phase: 0 }))).toBeUndefined();
    expect(cqTake(newCq(4), cqe({ phase: 1 }))).toEqual({ size: 4, head: 1, phase: 1 });
  });

  it('I2: the expected phase inverts each time the head wraps, and only then', () => {
    let cq: CqRing = newCq(2);
    const seen: Array<[number, number]> = [];
    for (let i = 0; i < 5; i++) {
      cq = cqPop(cq);
      seen.push([cq.head, cq.phase]);
    }
    expect(seen).toEqual([
      [1, 1],
      [0, 0],
      [1, 0],
      [0, 1],
      [1, 1],
    ]);
    expect(phaseAfter(0, 1)).toBe(0);
    expect(phaseAfter(3, 1)).toBe(1);
  });
});

describe('ring: claiming a completion', () => {
  const list = [
    { sqid: 0, cid: 7, tag: 'a' },
    { sqid: 1, cid: 7, tag: 'b' },
    { sqid: 1, cid: 8, tag: 'c' },
    { sqid: 1, cid: 7, tag: 'd' },
  ];

  it('I2: a completion is claimed by SQ id and CID together; the others keep their order', () => {
    const { hit, rest } = claimCompletion(list, 1, 7, (c) => c);
    expect(hit?.tag).toBe('b');
    expect(rest.map((c) => c.tag)).toEqual(['a', 'c', 'd']);
    expect(list).toHaveLength(4);
  });

  it('I2: a CID on another SQ is not the command\'s completion', () => {
    const { hit, rest } = claimCompletion(list, 2, 7, (c) => c);
    expect(hit).toBeUndefined();
    expect(rest).toEqual(list);
  });

  it('I2: SQ id and CID are read from the raw CQE bytes (DW2 31:16, DW3 15:0)', () => {
    const raw = cqe({ sqid: 0x1234, cid: 0xbeef, sqhd: 3, phase: 1 });
    expect(completionId(raw)).toEqual({ sqid: 0x1234, cid: 0xbeef });
    const { hit } = claimCompletion([cqe({ sqid: 0x1234, cid: 1 }), raw], 0x1234, 0xbeef, completionId);
    expect(hit).toBe(raw);
    const sqe = new Uint8Array(64);
    sqe[2] = 0xef;
    sqe[3] = 0xbe;
    expect(sqeCid(sqe)).toBe(0xbeef);
  });
});

// A host built on the ring against a device model that counts instead of
// wrapping: the device keeps unbounded counters (fetched, posted, reaped)
// and writes real CQEs with the phase tag a controller writes on pass
// floor(posted / size). If the host's tail, head, phase or fullness ever
// disagrees with the counters, or it reads a completion out of order or one
// that was not posted, the property fails.

type Op = { kind: 'submit' } | { kind: 'fetch'; n: number } | { kind: 'reap' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.constant<Op>({ kind: 'submit' }),
  fc.integer({ min: 1, max: 4 }).map<Op>((n) => ({ kind: 'fetch', n })),
  fc.constant<Op>({ kind: 'reap' }),
);

type Take = (cq: CqRing, bytes: Uint8Array, offset: number) => CqRing | undefined;

/** Runs `ops`; returns the first disagreement, or null. */
function runAgainstModel(size: number, ops: readonly Op[], take: Take): string | null {
  const memory = new Uint8Array(size * 16);
  const dev = { submitted: 0, fetched: 0, posted: 0, reaped: 0 };
  let reportedHeadCount = 0;
  let sq = newSq(size);
  let cq = newCq(size);
  for (const op of ops) {
    if (op.kind === 'submit') {
      const modelFull = dev.submitted - reportedHeadCount === size - 1;
      if (sqFull(sq) !== modelFull) return `full: host ${sqFull(sq)}, model ${modelFull}`;
      if (modelFull) continue;
      sq = sqPush(sq);
      dev.submitted++;
    } else if (op.kind === 'fetch') {
      // The device fetches and completes while its CQ has room (tail + 1 != host head).
      for (let i = 0; i < op.n && dev.fetched < dev.submitted && dev.posted - dev.reaped < size - 1; i++) {
        dev.fetched++;
        const slot = dev.posted % size;
        const phase = Math.floor(dev.posted / size) % 2 === 0 ? 1 : 0;
        memory.set(encodeCqe({ sqid: 1, cid: dev.posted & 0xffff, sqhd: dev.fetched % size, phase, dw0: dev.fetched }), slot * 16);
        dev.posted++;
      }
    } else {
      for (;;) {
        const at = cq.head * 16;
        const next = take(cq, memory, at);
        if (!next) break;
        const got = completionId(memory.subarray(at, at + 16)).cid;
        if (dev.reaped >= dev.posted) return `host took a completion at slot ${cq.head} that was never posted`;
        if (got !== (dev.reaped & 0xffff)) return `host took CID ${got}, expected ${dev.reaped}`;
        reportedHeadCount = new DataView(memory.buffer, at, 4).getUint32(0, true);
        sq = sqHeadFrom(sq, memory[at + 8] | (memory[at + 9] << 8));
        cq = next;
        dev.reaped++;
      }
      if (dev.reaped !== dev.posted) return `host stopped at ${dev.reaped} of ${dev.posted} posted`;
    }
    const want = { tail: dev.submitted % size, sqHead: reportedHeadCount % size, cqHead: dev.reaped % size, phase: Math.floor(dev.reaped / size) % 2 === 0 ? 1 : 0 };
    const have = { tail: sq.tail, sqHead: sq.head, cqHead: cq.head, phase: cq.phase };
    if (JSON.stringify(want) !== JSON.stringify(have)) return `host ${JSON.stringify(have)}, model ${JSON.stringify(want)}`;
  }
  return null;
}

const agreeProperty = (take: Take) =>
  fc.property(fc.integer({ min: 2, max: 8 }), fc.array(opArb, { minLength: 24, maxLength: 160 }), (size, ops) => {
    const diff = runAgainstModel(size, ops, take);
    if (diff !== null) throw new Error(diff);
  });

describe('ring: a host on the ring agrees with a counting device model', () => {
  it('I2: host and reference model agree on tail, head, phase, fullness and order across wraps, for queue sizes 2..8', () => {
    fc.assert(agreeProperty(cqTake), { numRuns: 200 });
  });

  it('I2 (non-vacuity): a run wraps the CQ several times, and the property catches a host that never inverts its phase', () => {
    // 20 completions on a 3-entry CQ: six wraps, phase 1, 0, 1, ...
    const ops: Op[] = Array.from({ length: 20 }, (): Op[] => [{ kind: 'submit' }, { kind: 'fetch', n: 1 }, { kind: 'reap' }]).flat();
    expect(runAgainstModel(3, ops, cqTake)).toBeNull();
    const noInversion: Take = (cq, bytes, offset) => (phaseTag(bytes, offset) === cq.phase ? { ...cq, head: nextIndex(cq.head, cq.size) } : undefined);
    expect(runAgainstModel(3, ops, noInversion)).toMatch(/never posted/);
    expect(fc.check(agreeProperty(noInversion), { numRuns: 100 }).failed).toBe(true);
  });
});
