// The RAM namespace copies one run per 4 KiB chunk (the I/O hot path). A
// model check: any sequence of reads and writes, at any offsets within the
// caller's buffers and across chunk boundaries, behaves as one flat array of
// blocks (D15: what a completed write stored is what a read returns).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LBA_SIZE, RamNamespace } from '../../src/emulator/namespace.ts';

const LBAS = 40; // five 4 KiB chunks

const op = fc.record({
  write: fc.boolean(),
  slba: fc.nat(LBAS - 1),
  count: fc.integer({ min: 1, max: 20 }),
  at: fc.nat(3),
  fill: fc.integer({ min: 1, max: 255 }),
});

describe('RAM namespace runs (D15)', () => {
  it('D15: random reads and writes across chunk boundaries and buffer offsets match a flat array of blocks', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
        const ns = new RamNamespace(LBAS);
        const model = new Uint8Array(LBAS * LBA_SIZE);
        for (const o of ops) {
          const count = Math.min(o.count, LBAS - o.slba);
          const at = o.at * 7; // the run starts anywhere in the caller's buffer
          const buf = new Uint8Array(at + count * LBA_SIZE + 5).fill(0xee);
          if (o.write) {
            for (let i = 0; i < count * LBA_SIZE; i++) buf[at + i] = (o.fill + i) & 0xff;
            ns.write(o.slba, count, buf, at);
            model.set(buf.subarray(at, at + count * LBA_SIZE), o.slba * LBA_SIZE);
          } else {
            ns.read(o.slba, count, buf, at);
            // Buffer.equals, not toEqual: a deep equal of 20 KiB arrays per step made this test take half a minute
            expect(Buffer.from(buf.subarray(at, at + count * LBA_SIZE)).equals(model.subarray(o.slba * LBA_SIZE, (o.slba + count) * LBA_SIZE))).toBe(true);
            // nothing outside the run is touched
            expect(buf.subarray(0, at).every((b) => b === 0xee) && buf.subarray(at + count * LBA_SIZE).every((b) => b === 0xee)).toBe(true);
          }
        }
        const all = new Uint8Array(LBAS * LBA_SIZE);
        ns.read(0, LBAS, all);
        expect(Buffer.from(all).equals(model)).toBe(true);
      }),
    );
  });
});
