// The tapped adapter behind `verify --replay`: every operation reported as the
// protocol's request and response, and one printed line per exchange.
import { describe, expect, it } from 'vitest';
import { tapAdapter } from '../../src/verify/tapAdapter.ts';
import { exchangeText } from '../../src/verify/exchangeText.ts';
import { EmulatorAdapter } from '../../src/verify/emulatorAdapter.ts';
import type { Request, Response } from '../../src/verify/protocol.ts';
import { encodeCqe } from '../../src/wire/cqe.ts';
import { toHex } from '../../src/wire/hex.ts';
import { REG } from '../../src/wire/registers.ts';
import { runEach, type RawRequest } from '../../src/target/batch.ts';

describe('tapAdapter', () => {
  it('reports each operation once, in order, with its answer; a refused one as an error and still throws', async () => {
    const seen: Array<[Request, Response]> = [];
    const a = tapAdapter(new EmulatorAdapter(), (q, r) => seen.push([q, r]));
    await expect(a.regRead(0, REG.CSTS, 4)).rejects.toThrow(/reset/);
    await a.reset({ vfs: 1, profile: 'lm' });
    await a.memWrite(0x1000n, new Uint8Array([1, 2]));
    expect(await a.memRead(0x1000n, 2)).toEqual(new Uint8Array([1, 2]));
    await a.regRead(0, REG.CSTS, 4);
    expect(seen.map(([q]) => q.op)).toEqual(['regRead', 'reset', 'memWrite', 'memRead', 'regRead']);
    expect(seen[0][1]).toEqual({ error: expect.stringMatching(/reset/) });
    expect(seen[2]).toEqual([{ op: 'memWrite', addr: '0x1000', data: '0102' }, { ok: true }]);
    expect(seen[3][1]).toEqual({ data: '0102' });
    expect(seen[4][1]).toEqual({ value: '0x0' });
    await a.close();
  });
});

describe('tapAdapter and batches', () => {
  it('a batch is reported as one request with its answers, as a batch target gets it (verify --record, --replay)', async () => {
    const seen: Array<[Request, Response]> = [];
    const inner = new EmulatorAdapter();
    const batched = Object.assign(inner, { batch: (rs: readonly RawRequest[]) => runEach(inner, rs) });
    const a = tapAdapter(batched, (q, r) => seen.push([q, r]));
    await a.reset({ vfs: 1, profile: 'lm' });
    await a.batch?.([
      { op: 'memWrite', addr: 0x1000n, data: new Uint8Array([1, 2]) },
      { op: 'memRead', addr: 0x1000n, len: 2 },
      { op: 'regRead', fn: 0, offset: REG.CSTS, width: 4 },
    ]);
    expect(seen[1]).toEqual([
      { op: 'batch', requests: [{ op: 'memWrite', addr: '0x1000', data: '0102' }, { op: 'memRead', addr: '0x1000', len: 2 }, { op: 'regRead', fn: 0, offset: REG.CSTS, width: 4 }] },
      { answers: [{ ok: true }, { data: '0102' }, { value: '0x0' }] },
    ]);
    expect(tapAdapter(new EmulatorAdapter(), () => undefined).batch).toBeUndefined();
    await a.close();
  });
});

describe('exchangeText', () => {
  it('a submit prints its SQE and its CQE in hex with the status, CID, SQ and SQ head decoded', () => {
    const sqe = '0a'.padEnd(128, '0');
    const cqe = toHex(encodeCqe({ sqhd: 2, sqid: 0, cid: 7, sc: 0x01, dnr: true }));
    expect(exchangeText({ op: 'submit', fn: 1, qid: 0, sqe }, { cqe })).toBe(`submit fn 1 SQ 0 SQE ${sqe} -> CQE ${cqe} (Invalid Command Opcode (SCT 0, SC 0x01, DNR), CID 7, SQ 0, SQ head 2, DW0 0x0)`);
    expect(exchangeText({ op: 'submit', fn: 1, qid: 0, sqe }, { cqe: null })).toMatch(/-> no completion$/);
  });

  it('long memory data is cut, with its length', () => {
    expect(exchangeText({ op: 'memWrite', addr: '0x1000', data: '00'.repeat(4096) }, { ok: true })).toBe(`memWrite 0x1000 4096 bytes ${'00'.repeat(32)}... -> ok`);
    expect(exchangeText({ op: 'regWrite', fn: 0, offset: 0x14, width: 4, value: '0x460001' }, { ok: true })).toBe('regWrite fn 0 offset 0x14 width 4 value 0x460001 -> ok');
  });
});
