// Raw operations gathered for a batch target (src/verify/pendingBatch.ts):
// a write needs no answer, so it rides in the round trip of the next request
// that does, in order; reads asked for together go together; writes still
// reach the target when verify waits on a timer instead; and an operation
// that fails is reported as it would be alone.
import { describe, expect, it } from 'vitest';
import { ProcessAdapter } from '../../src/verify/processAdapter.ts';
import { ProtocolError } from '../../src/target/errors.ts';
import { together } from '../../src/target/batch.ts';

const node = JSON.stringify(process.execPath);

/**
 * A target that announces batch (or not: `batch` false), and completeIo in
 * a batch (`batchCompleteIo`; a completeIo in a batch otherwise fails).
 * regRead offset 0 and completeIo answer how many operations it performed,
 * regRead offset 4 how many lines it got (round trips); a regWrite at
 * offset 0xbad fails.
 */
const counting = (batch: boolean, synchronous = false, batchCompleteIo = false): string =>
  `${node} -e ${JSON.stringify(oneLine`
let ops = 0, lines = 0;
const one = (q) => {
  ops++;
  if (q.op === 'regWrite' && q.offset === 0xbad) return { error: 'no such register' };
  if (q.op === 'regRead') return { value: '0x' + (q.offset === 4 ? lines : ops).toString(16) };
  if (q.op === 'memRead') return { data: '00'.repeat(q.len) };
  if (q.op === 'completeIo') return { completed: ops };
  return { ok: true };
};
require('readline').createInterface({ input: process.stdin }).on('line', (l) => {
  lines++;
  const r = JSON.parse(l);
  let a;
  if (r.op === 'reset') a = { ok: true, batch: ${batch}, synchronous: ${synchronous}, batchCompleteIo: ${batchCompleteIo} };
  else if (r.op === 'batch') { const answers = []; for (const q of r.requests) { answers.push(q.op === 'completeIo' && !${batchCompleteIo} ? { error: 'completeIo in a batch' } : one(q)); if (answers.at(-1).error) break; } a = { answers }; }
  else a = one(r);
  console.log(JSON.stringify(a));
});`)}`;

/** The program text on one line (a shell keeps a newline inside quotes as backslash-n). */
function oneLine(parts: TemplateStringsArray, ...values: unknown[]): string {
  return String.raw({ raw: parts }, ...values).replace(/\n\s*/g, ' ');
}

async function withTarget(batch: boolean, body: (a: ProcessAdapter) => Promise<void>, synchronous = false, batchCompleteIo = false): Promise<void> {
  const a = new ProcessAdapter(counting(batch, synchronous, batchCompleteIo), { timeoutMs: 10_000 });
  try {
    await a.reset({ vfs: 1, profile: 'lm' });
    await body(a);
  } finally {
    await a.close();
  }
}

describe('writes held for a batch target', () => {
  it('three writes and the read after them are one round trip, performed in order before the read', async () => {
    await withTarget(true, async (a) => {
      await a.regWrite(0, 0x1000, 4, 1n);
      await a.memWrite(0x2000n, new Uint8Array([1, 2]));
      await a.regWrite(0, 0x1004, 4, 2n);
      expect(await a.regRead(0, 4, 4)).toBe(2n); // reset, then one line for all four
      expect(await a.regRead(0, 0, 4)).toBe(5n); // the three writes, the read before, this read
    });
  });

  it('a batch holds 256 operations at most: 200 held writes and a batch of 100 reads after them go as two, in order', async () => {
    await withTarget(true, async (a) => {
      for (let i = 0; i < 200; i++) await a.regWrite(0, 0x1000, 4, 1n);
      const reads = await a.batch!(Array.from({ length: 100 }, () => ({ op: 'regRead' as const, fn: 0, offset: 0, width: 4 as const })));
      expect(reads[0]).toEqual({ op: 'regRead', value: 201n }); // after every write
      expect(reads[99]).toEqual({ op: 'regRead', value: 300n });
      expect(await a.regRead(0, 4, 4)).toBe(4n); // reset, the 200 writes, the 100 reads, this one
    });
  });

  it('a batch of more than 256 operations goes as batches of 256 at most, in order', async () => {
    await withTarget(true, async (a) => {
      const reads = await a.batch!(Array.from({ length: 300 }, () => ({ op: 'regRead' as const, fn: 0, offset: 0, width: 4 as const })));
      expect(reads.map((r) => (r as { value: bigint }).value)).toEqual(Array.from({ length: 300 }, (_, i) => BigInt(i + 1)));
      expect(await a.regRead(0, 4, 4)).toBe(4n); // reset, 256, 44, this one
    });
  });

  it('a target without batch gets every write as a request of its own, at once', async () => {
    await withTarget(false, async (a) => {
      await a.regWrite(0, 0x1000, 4, 1n);
      await a.memWrite(0x2000n, new Uint8Array([1, 2]));
      expect(await a.regRead(0, 4, 4)).toBe(4n);
    });
  });

  it('held writes go on their own while verify waits on a timer (the target never sits on a doorbell)', async () => {
    await withTarget(true, async (a) => {
      await a.regWrite(0, 0x1000, 4, 1n);
      await new Promise((r) => setTimeout(r, 50));
      expect(await a.regRead(0, 4, 4)).toBe(3n); // reset, the write on its own, this read
    });
  });

  it('a held write that fails fails the next request with the message it has alone (not a protocol error), and the read after it did not run', async () => {
    await withTarget(true, async (a) => {
      await a.regWrite(0, 0xbad, 4, 1n);
      const err = await a.regRead(0, 0, 4).catch((e: unknown) => e);
      expect(err).not.toBeInstanceOf(ProtocolError);
      expect((err as Error).message).toBe('regWrite failed: no such register');
      expect(await a.regRead(0, 0, 4)).toBe(2n); // the failed write, this read
    });
  });

  it('a batch of writes alone is held; one with a read goes with the reads asked for at the same time, in the order asked', async () => {
    await withTarget(true, async (a) => {
      await a.batch([
        { op: 'memWrite', addr: 0x1000n, data: new Uint8Array([1]) },
        { op: 'regWrite', fn: 0, offset: 0x1004, width: 4, value: 1n },
      ]);
      const [first, second] = await Promise.all([a.batch([{ op: 'memWrite', addr: 0x1000n, data: new Uint8Array([1]) }, { op: 'regRead', fn: 0, offset: 0, width: 4 }]), a.regRead(0, 4, 4)]);
      expect(first).toEqual([{ op: 'memWrite' }, { op: 'regRead', value: 4n }]);
      expect(second).toBe(2n); // reset, then one line for all five operations
    });
  });

  it('reads asked for together whose batch stops at an error: the failing one gets its own error, the ones after it that error too (they did not run)', async () => {
    await withTarget(true, async (a) => {
      const [before, failing, after] = await Promise.allSettled([a.regRead(0, 0, 4), a.batch([{ op: 'regWrite', fn: 0, offset: 0xbad, width: 4, value: 1n }, { op: 'regRead', fn: 0, offset: 0, width: 4 }]), a.regRead(0, 0, 4)]);
      expect(before).toEqual({ status: 'fulfilled', value: 1n });
      expect(failing).toMatchObject({ status: 'rejected', reason: { message: 'regWrite failed (request 1 of a batch): no such register' } });
      expect(after).toMatchObject({ status: 'rejected', reason: { message: 'regWrite failed (request 1 of a batch): no such register' } });
      expect(await a.regRead(0, 0, 4)).toBe(3n); // the first read, the failed write, this read
    });
  });

  it('a synchronous target: a memory read asked again with nothing sent since that can change memory is answered from the last read; a register write or a write over it sends it again', async () => {
    await withTarget(
      true,
      async (a) => {
        await a.memRead(0x1000n, 16);
        await a.memRead(0x1000n, 16);
        expect(await a.regRead(0, 4, 4)).toBe(3n); // reset, the first read, this one
        await a.memWrite(0x2000n, new Uint8Array(1)); // not over it
        await a.memRead(0x1000n, 16); // goes with the write, answered again
        await a.memRead(0x1000n, 16);
        expect(await a.regRead(0, 4, 4)).toBe(5n);
        await a.memWrite(0x100fn, new Uint8Array(1)); // over its last byte
        await a.memRead(0x1000n, 16);
        await a.regWrite(0, 0x1000, 4, 1n);
        await a.memRead(0x1000n, 16);
        expect(await a.regRead(0, 4, 4)).toBe(8n);
      },
      true,
    );
  });

  it('a synchronous target: of the reads in one batch, those before a register write in it are forgotten and those after it remembered', async () => {
    await withTarget(
      true,
      async (a) => {
        await a.batch!([
          { op: 'memRead', addr: 0x1000n, len: 16 },
          { op: 'regWrite', fn: 0, offset: 0x1000, width: 4, value: 1n },
          { op: 'memRead', addr: 0x3000n, len: 16 },
        ]);
        await a.memRead(0x3000n, 16); // after the write: answered again
        expect(await a.regRead(0, 4, 4)).toBe(3n); // reset, the batch, this one
        await a.memRead(0x1000n, 16); // before the write: read again
        expect(await a.regRead(0, 4, 4)).toBe(5n);
      },
      true,
    );
  });

  it('a synchronous target: a read of more than 64 bytes (a buffer, never asked again before it changes) is not remembered; a queue slot\'s is', async () => {
    await withTarget(
      true,
      async (a) => {
        await a.memRead(0x1000n, 64);
        await a.memRead(0x1000n, 64); // answered again
        expect(await a.regRead(0, 4, 4)).toBe(3n); // reset, the first read, this one
        await a.memRead(0x2000n, 4096);
        await a.memRead(0x2000n, 4096); // read again
        expect(await a.regRead(0, 4, 4)).toBe(6n);
      },
      true,
    );
  });

  it('a target that is not synchronous gets every memory read', async () => {
    await withTarget(true, async (a) => {
      await a.memRead(0x1000n, 16);
      await a.memRead(0x1000n, 16);
      expect(await a.regRead(0, 4, 4)).toBe(4n);
    });
  });

  it('completeIo on a target that takes it in a batch goes with the held writes before it and the reads asked for with it, in order: one round trip', async () => {
    await withTarget(
      true,
      async (a) => {
        await a.regWrite(0, 0x1000, 4, 1n);
        expect(await together([a.completeIo(1, 1), a.regRead(0, 0, 4)])).toEqual([2, 3n]); // after the write; the read after it
        expect(await a.regRead(0, 4, 4)).toBe(3n); // reset, one line for the three, this read
      },
      false,
      true,
    );
  });

  it('completeIo on a batch target without batchCompleteIo goes alone: after the writes held before it, before the reads asked for with it', async () => {
    await withTarget(true, async (a) => {
      await a.regWrite(0, 0x1000, 4, 1n);
      expect(await together([a.completeIo(1, 1), a.regRead(0, 0, 4)])).toEqual([2, 3n]);
      expect(await a.regRead(0, 4, 4)).toBe(5n); // reset, the write, completeIo, the read, this read
    });
  });

  it('a read still gathering when the target is closed fails as a protocol error instead of waiting for ever', async () => {
    const a = new ProcessAdapter(counting(true), { timeoutMs: 10_000 });
    await a.reset({ vfs: 1, profile: 'lm' });
    const read = a.regRead(0, 0, 4).catch((e: unknown) => e); // caught at once: it fails while close() runs
    await a.close();
    const err = await read;
    expect(err).toBeInstanceOf(ProtocolError);
    expect((err as Error).message).toMatch(/closed before it answered/);
  });
});
