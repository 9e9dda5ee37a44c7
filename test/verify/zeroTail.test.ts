// Memory data without its trailing zeros (docs/protocol.md, "zeroTail"):
// serve takes memWrite's "len" and answers memRead's "zeroTail" and
// announces it in reset; verify sends them only to a target that announced
// it and puts the zeros back; a target that leaves out bytes it was not
// allowed to, or answers more than asked, is a protocol error.
import { describe, expect, it, vi } from 'vitest';
import { EmulatorAdapter } from '../../src/verify/emulatorAdapter.ts';
import { ProcessAdapter } from '../../src/verify/processAdapter.ts';
import type { Request } from '../../src/verify/protocol.ts';
import { serveLines } from './serveLines.ts';
import { ProtocolError } from '../../src/target/errors.ts';
import { memWriteBytes, withoutZeroTail, zeroPadded } from '../../src/verify/zeroTail.ts';

const node = JSON.stringify(process.execPath);
const script = (js: string): string => `${node} -e ${JSON.stringify(js)}`;


/** A page that ends in zeros: two bytes, then 4094 zeros. */
const page = new Uint8Array(4096);
page.set([1, 2]);

describe('trailing zeros left out of memory data', () => {
  it('the helpers: a view without the trailing zeros, and the zeros put back up to a length (never past it)', () => {
    expect(withoutZeroTail(page)).toEqual(new Uint8Array([1, 2]));
    expect(withoutZeroTail(new Uint8Array(8)).length).toBe(0);
    expect(zeroPadded('0102', 4096)).toEqual(page);
    expect(zeroPadded('010203', 2)).toBeUndefined();
    expect(memWriteBytes({ data: '0102', len: 3 })).toEqual(new Uint8Array([1, 2, 0]));
    expect(() => memWriteBytes({ data: '0102', len: 1 })).toThrow(/"len" 1 is less than the 2 bytes of its data/);
  });

  it('the trailing zeros end at the last nonzero byte wherever it is, whatever the view\'s offset into its buffer (the scan goes a word at a time where it can)', () => {
    const buffer = new Uint8Array(64);
    for (let offset = 0; offset < 8; offset++) {
      for (let length = 0; length <= 40; length++) {
        for (let last = -1; last < length; last++) {
          buffer.fill(0);
          const view = buffer.subarray(offset, offset + length);
          if (last >= 0) view[last] = 0x80;
          if (last > 0) view[0] = 1;
          expect(withoutZeroTail(view).length, `offset ${offset}, length ${length}, last nonzero ${last}`).toBe(last + 1);
        }
      }
    }
  });

  it('a run of 256 bytes or more that is all zeros is compared at once: empty; one nonzero byte anywhere in it (first, middle, last) ends the tail there', () => {
    for (const length of [256, 300, 4096]) {
      const bytes = new Uint8Array(length + 3).subarray(3); // an odd offset into its buffer
      expect(withoutZeroTail(bytes).length, `${length} zeros`).toBe(0);
      for (const last of [0, 1, length >> 1, length - 2, length - 1]) {
        bytes.fill(0);
        bytes[last] = 7;
        expect(withoutZeroTail(bytes).length, `length ${length}, last nonzero ${last}`).toBe(last + 1);
      }
    }
  });

  it('serve announces zeroTail, writes data then zeros up to len, leaves the zeros out of a read that allows it, and refuses a len shorter than the data', async () => {
    const answers = await serveLines(new EmulatorAdapter(), [
      '{"op":"reset","vfs":1,"profile":"lm"}',
      '{"op":"memWrite","addr":"0x1000","data":"ffff"}',
      '{"op":"memWrite","addr":"0x1000","data":"01","len":4}',
      '{"op":"memRead","addr":"0x1000","len":4}',
      '{"op":"memRead","addr":"0x1000","len":4,"zeroTail":true}',
      '{"op":"batch","requests":[{"op":"memWrite","addr":"0x1000","data":"","len":2},{"op":"memRead","addr":"0x1000","len":4,"zeroTail":true}]}',
      '{"op":"memWrite","addr":"0x1000","data":"0102","len":1}',
    ]);
    expect(answers[0]).toEqual({ ok: true, synchronous: true, batch: true, batchCompleteIo: true, zeroTail: true, snapshots: true });
    expect(answers[3]).toEqual({ data: '01000000' }); // the ff of the first write were zeroed by len
    expect(answers[4]).toEqual({ data: '01' });
    expect(answers[5]).toEqual({ answers: [{ ok: true }, { data: '' }] });
    expect(answers[6]).toEqual({ error: expect.stringMatching(/"len" 1 is less than the 2 bytes/) });
  });

  it('serve --no-zero-tail neither announces it nor takes "len" or "zeroTail"', async () => {
    const answers = await serveLines(
      new EmulatorAdapter(),
      ['{"op":"reset","vfs":1,"profile":"lm"}', '{"op":"memWrite","addr":"0x1000","data":"01","len":4}', '{"op":"memRead","addr":"0x1000","len":4,"zeroTail":true}', '{"op":"memRead","addr":"0x1000","len":2}'],
      { zeroTail: false },
    );
    expect(answers[0]).toEqual({ ok: true, synchronous: true, batch: true, batchCompleteIo: true, snapshots: true });
    expect(answers[1]).toEqual({ error: expect.stringMatching(/memWrite with "len" is not served here \(serve --no-zero-tail\)/) });
    expect(answers[2]).toEqual({ error: expect.stringMatching(/memRead with "zeroTail" is not served here/) });
    expect(answers[3]).toEqual({ data: '0000' }); // the refused write did not run
  });

  it('verify leaves the trailing zeros out only for a target that announced it, and reads back the same bytes either way', async () => {
    for (const [flags, announced] of [['', true], [' --no-zero-tail', false], [' --no-batch', true]] as const) {
      const a = new ProcessAdapter(`${node} bin/nvme-lm.mjs serve${flags}`, { timeoutMs: 30_000 });
      const sent = vi.spyOn(a, 'request');
      try {
        await a.reset({ vfs: 1, profile: 'lm' });
        await a.memWrite(0x10000n, page);
        expect(await a.memRead(0x10000n, 4096), `serve${flags}`).toEqual(page);
        const mem = sent.mock.calls.flatMap(([r]): readonly Request[] => (r.op === 'batch' ? r.requests : [r])).filter((r): r is Extract<Request, { op: 'memWrite' | 'memRead' }> => r.op === 'memWrite' || r.op === 'memRead');
        expect(mem.map((r) => (r.op === 'memWrite' ? [r.data.length, r.len] : [r.len, r.zeroTail])), `serve${flags}`).toEqual(
          announced ? [[4, 4096], [4096, true]] : [[8192, undefined], [4096, undefined]],
        );
      } finally {
        await a.close();
      }
    }
  }, 60_000);

  it('an answer that leaves out bytes the request did not allow, or one longer than asked, is a protocol error', async () => {
    const answering = (reset: string): string => script(`require('readline').createInterface({input: process.stdin}).on('line', (l) => console.log(JSON.parse(l).op === 'reset' ? '${reset}' : '{"data":"010203"}'))`);
    for (const [reset, len, why] of [
      ['{"ok":true}', 4, /memRead asked for 4 bytes, got 3/],
      ['{"ok":true,"zeroTail":true}', 2, /memRead asked for 2 bytes, got 3/],
      ['{"ok":true,"batch":true,"zeroTail":true}', 2, /answer to memRead is not its answer/],
    ] as const) {
      const a = new ProcessAdapter(answering(reset), { timeoutMs: 10_000 });
      try {
        await a.reset({ vfs: 1, profile: 'lm' });
        const err = await a.memRead(0x1000n, len).catch((e: unknown) => e);
        expect(err, reset).toBeInstanceOf(ProtocolError);
        expect((err as Error).message, reset).toMatch(why);
      } finally {
        await a.close();
      }
    }
    // allowed: fewer bytes than asked when the target announced it (the rest are zeros)
    const a = new ProcessAdapter(answering('{"ok":true,"zeroTail":true}'), { timeoutMs: 10_000 });
    try {
      await a.reset({ vfs: 1, profile: 'lm' });
      expect(await a.memRead(0x1000n, 5)).toEqual(new Uint8Array([1, 2, 3, 0, 0]));
    } finally {
      await a.close();
    }
  });
});
