// serve answers the built-in emulator's raw operations in their wire form at
// once (server.ts WireAnswers, EmulatorAdapter.answerWire): memory straight
// from and into its pages as hex, a doorbell and a register read without
// the Adapter's promises. The answers and what the device ends up holding
// must be exactly those of the ordinary path, whatever the operations.
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { EmulatorAdapter } from '../../src/verify/emulatorAdapter.ts';
import { serveLines } from './serveLines.ts';

/** The emulator served the ordinary way: no answerWire for serve to find. */
const ordinary = (): EmulatorAdapter => Object.assign(new EmulatorAdapter(), { answerWire: undefined });

const RESET = '{"op":"reset","vfs":2,"profile":"lm"}';
/** Addresses around two page boundaries and in a page nothing writes. */
const addr = fc.oneof(fc.integer({ min: 0x1000, max: 0x3000 }), fc.constantFrom(0x1ffc, 0x2000 - 64, 0x2fff, 0x9000));
const hex = (n: number): string => `0x${n.toString(16)}`;
const bytesHex = fc.uint8Array({ minLength: 0, maxLength: 96 }).map((b) => Buffer.from(b).toString('hex'));

/** A raw operation as verify sends it (zero-tail forms included), or one the ordinary path refuses. */
const raw = fc.oneof(
  fc.record({ a: addr, data: bytesHex, extra: fc.option(fc.integer({ min: 0, max: 200 }), { nil: undefined }) }).map(({ a, data, extra }) =>
    JSON.stringify({ op: 'memWrite', addr: hex(a), data, ...(extra !== undefined ? { len: data.length / 2 + extra - (extra > 150 ? 160 : 0) } : {}) }),
  ),
  fc.record({ a: addr, len: fc.integer({ min: 0, max: 200 }), zeroTail: fc.option(fc.boolean(), { nil: undefined }) }).map(({ a, len, zeroTail }) => JSON.stringify({ op: 'memRead', addr: hex(a), len, ...(zeroTail !== undefined ? { zeroTail } : {}) })),
  fc.record({ fn: fc.integer({ min: 0, max: 3 }), offset: fc.constantFrom(0x0, 0x8, 0x14, 0x1c, 0x24) }).map(({ fn, offset }) => JSON.stringify({ op: 'regRead', fn, offset, width: offset === 0 ? 8 : 4 })),
  fc.record({ fn: fc.integer({ min: 0, max: 3 }), offset: fc.constantFrom(0x1000, 0x1004, 0x1008), value: fc.integer({ min: 0, max: 3 }) }).map(({ fn, offset, value }) => JSON.stringify({ op: 'regWrite', fn, offset, width: 4, value: hex(value) })),
);

/** Request lines: alone or several in a batch. */
const lines = fc.array(fc.oneof(raw, fc.array(raw, { minLength: 1, maxLength: 6 }).map((rs) => `{"op":"batch","requests":[${rs.join(',')}]}`)), { maxLength: 12 });

/** What both devices hold at the end: every page the operations can touch, read the ordinary way. */
const dump = (): string[] => [0x1000, 0x2000, 0x3000, 0x9000].map((a) => JSON.stringify({ op: 'memRead', addr: hex(a), len: 4096 }));

describe("serve's wire fast path (WireAnswers)", () => {
  it('answers every raw operation, alone or batched, exactly as the ordinary path does, and leaves the same memory (within and across pages, pages never written, zero tails, lengths shorter than the data, doorbells, functions that do not exist)', async () => {
    await fc.assert(
      fc.asyncProperty(lines, fc.boolean(), async (ls, zeroTail) => {
        const conversation = [RESET, ...ls, ...dump()];
        const fast = await serveLines(new EmulatorAdapter(), conversation, { zeroTail });
        const slow = await serveLines(ordinary(), conversation, { zeroTail });
        expect(fast).toEqual(slow);
      }),
      { numRuns: 300 },
    );
  });

  it('is the path serve takes for memory within a page and for a doorbell: the Adapter calls are not made', async () => {
    const memRead = vi.spyOn(EmulatorAdapter.prototype, 'memRead');
    const memWrite = vi.spyOn(EmulatorAdapter.prototype, 'memWrite');
    const regWrite = vi.spyOn(EmulatorAdapter.prototype, 'regWrite');
    try {
      const answers = await serveLines(new EmulatorAdapter(), [
        RESET,
        '{"op":"batch","requests":[{"op":"memWrite","addr":"0x1000","data":"0102","len":8},{"op":"memRead","addr":"0x1000","len":8,"zeroTail":true},{"op":"regWrite","fn":0,"offset":4096,"width":4,"value":"0x0"}]}',
        '{"op":"memRead","addr":"0x5000","len":16}',
      ]);
      expect(answers.slice(1)).toEqual([{ answers: [{ ok: true }, { data: '0102' }, { ok: true }] }, { data: '00'.repeat(16) }]);
      expect([memRead.mock.calls.length, memWrite.mock.calls.length, regWrite.mock.calls.length]).toEqual([0, 0, 0]);
    } finally {
      vi.restoreAllMocks();
    }
  });
});
