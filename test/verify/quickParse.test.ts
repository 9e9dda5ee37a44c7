// The hand-written parse of the protocol's frequent lines (quickParse.ts)
// against the zod schemas that define the protocol: whatever it accepts the
// schema accepts, with the same value; whatever the schema rejects it leaves
// to the schema (so the error is the schema's).
import { describe, expect, it } from 'vitest';
import { quickRequest, quickResponse } from '../../src/verify/quickParse.ts';
import { RequestSchema, ResponseSchema } from '../../src/verify/protocol.ts';

const requests: unknown[] = [
  { op: 'regWrite', fn: 0, offset: 0x1000, width: 4, value: '0x1' },
  { op: 'regWrite', fn: 0, offset: 0x1000, width: 4, value: '0x1', extra: 1 },
  { op: 'regWrite', fn: 256, offset: 0, width: 4, value: '0x1' },
  { op: 'regWrite', fn: 0, offset: -1, width: 4, value: '0x1' },
  { op: 'regWrite', fn: 0, offset: 0, width: 2, value: '0x1' },
  { op: 'regWrite', fn: 0, offset: 0, width: 4, value: '0X1' },
  { op: 'regWrite', fn: 0, offset: 0, width: 4, value: '0x' },
  { op: 'regWrite', fn: 0.5, offset: 0, width: 4, value: '0x1' },
  { op: 'regRead', fn: 1, offset: 0x1c, width: 4 },
  { op: 'regRead', fn: 1, offset: 0x1c, width: 8 },
  { op: 'regRead', fn: 1, offset: '28', width: 4 },
  { op: 'memWrite', addr: '0x1000', data: '0102' },
  { op: 'memWrite', addr: '0x1000', data: '' },
  { op: 'memWrite', addr: '0x1000', data: '012' },
  { op: 'memWrite', addr: '0x1000', data: '0A' },
  { op: 'memWrite', addr: '4096', data: '00' },
  { op: 'memWrite', addr: '0x1000', data: '01', len: 4096 },
  { op: 'memWrite', addr: '0x1000', data: '', len: 0 },
  { op: 'memWrite', addr: '0x1000', data: '01', len: -1 },
  { op: 'memWrite', addr: '0x1000', data: '01', len: '4096' },
  { op: 'memRead', addr: '0x1000', len: 16, zeroTail: true },
  { op: 'memRead', addr: '0x1000', len: 16, zeroTail: false },
  { op: 'memRead', addr: '0x1000', len: 16, zeroTail: 1 },
  { op: 'memRead', addr: '0x1000', len: 16 },
  { op: 'memRead', addr: '0x1000', len: 0 },
  { op: 'memRead', addr: '0x1000', len: (1 << 24) + 1 },
  { op: 'batch', requests: [{ op: 'memWrite', addr: '0x1000', data: '0102' }, { op: 'regRead', fn: 0, offset: 28, width: 4 }] },
  { op: 'batch', requests: [{ op: 'completeIo', fn: 1, count: 1 }, { op: 'memRead', addr: '0x1000', len: 16, zeroTail: true }] },
  { op: 'batch', requests: [{ op: 'completeIo', fn: 1 }] },
  { op: 'batch', requests: [{ op: 'completeIo', fn: 1, count: 0 }] },
  { op: 'completeIo', fn: 1, count: 2 },
  { op: 'batch', requests: [] },
  { op: 'batch', requests: [{ op: 'submit', fn: 0, qid: 0, sqe: '00'.repeat(64) }] },
  { op: 'batch', requests: [{ op: 'memRead', addr: '0x1000', len: 16 }, { op: 'memRead', addr: '0x1000' }] },
  { op: 'snapshot', id: 0 },
  { op: 'restore', id: 7 },
  { op: 'restore', id: -1 },
  { op: 'snapshot', id: '1' },
  { op: 'snapshot' },
  { session: 2, op: 'restore', id: 3 },
  { op: 'batch', requests: [{ op: 'snapshot', id: 1 }, { op: 'restore', id: 0 }, { op: 'memRead', addr: '0x1000', len: 16 }] },
  { op: 'reset', vfs: 2, profile: 'lm' },
  { op: 'flr', fn: 1 },
  { session: 1, op: 'regRead', fn: 1, offset: 0x1c, width: 4 },
  { session: 15, op: 'batch', requests: [{ op: 'memRead', addr: '0x1000', len: 16, zeroTail: true }] },
  { session: 0, op: 'completeIo', fn: 1 },
  { op: 'batch', requests: [{ session: 1, op: 'regRead', fn: 1, offset: 0x1c, width: 4 }] },
  { session: 16, op: 'regRead', fn: 1, offset: 0x1c, width: 4 },
  { session: -1, op: 'regRead', fn: 1, offset: 0x1c, width: 4 },
  { session: '1', op: 'regRead', fn: 1, offset: 0x1c, width: 4 },
  { session: 1, op: 'reset', vfs: 2, profile: 'lm' },
  { op: 'nothing' },
  null,
  [],
  'regRead',
];

const responses: unknown[] = [
  { ok: true },
  { ok: false },
  { ok: true, synchronous: true, batch: true },
  { ok: true, synchronous: true, batch: true, zeroTail: true },
  { ok: true, extra: 1 },
  { value: '0x460001' },
  { value: '460001' },
  { value: '0x1', data: '00' },
  { data: 'abcd' },
  { data: '' },
  { data: 'abc' },
  { data: 'ABCD' },
  { error: 'no such register' },
  { error: 3 },
  { answers: [{ ok: true }, { value: '0x1' }, { data: '00' }, { error: 'x' }] },
  { answers: [] },
  { answers: [{ completed: 1 }, { data: '00' }] },
  { answers: [{ completed: -1 }] },
  { ok: true, synchronous: true, batch: true, batchCompleteIo: true, zeroTail: true },
  { ok: true, sessions: 4 },
  { ok: true, sessions: 0 },
  { answers: [{ ok: true, value: '0x1' }] },
  { answers: [{ cqe: null }] },
  { answers: [{ ok: true }], more: 1 },
  { cqe: null },
  { cqe: '00'.repeat(16) },
  { completed: 1 },
  null,
  [],
];

describe('quick parse of the frequent lines', () => {
  it('a request it accepts is one the schema accepts, with the same value; one the schema rejects it leaves alone', () => {
    let quick = 0;
    for (const r of requests) {
      const q = quickRequest(r);
      const z = RequestSchema.safeParse(r);
      if (q !== undefined) {
        quick++;
        expect(z.success, JSON.stringify(r)).toBe(true);
        expect(q, JSON.stringify(r)).toEqual(z.data);
      }
    }
    expect(quick).toBeGreaterThanOrEqual(9); // the frequent shapes do go the quick way
  });

  it('an answer it accepts is one the schema accepts, with the same value; one the schema rejects it leaves alone', () => {
    let quick = 0;
    for (const r of responses) {
      const q = quickResponse(r);
      const z = ResponseSchema.safeParse(r);
      if (q !== undefined) {
        quick++;
        expect(z.success, JSON.stringify(r)).toBe(true);
        expect(q, JSON.stringify(r)).toEqual(z.data);
      }
    }
    expect(quick).toBeGreaterThanOrEqual(7);
  });
});
