// A Mismatch names the field that differs, one by one, and carries the
// command and completion bytes (models/engine/mismatchDetail.ts, models/engine/observe.ts).
import { describe, expect, it } from 'vitest';
import { cqeDifferences, decisionNamedIn, statusDifferences } from '../../models/engine/mismatchDetail.ts';
import { expectOwn } from '../../models/engine/observe.ts';
import { posted } from '../../models/host/guest.ts';
import { Mismatch } from '../../models/engine/suite.ts';
import { decodeCqe, encodeCqe } from '../../src/wire/cqe.ts';
import { toHex } from '../../src/wire/hex.ts';

const INVALID_OPCODE = { status: 'INVALID_OPCODE', sct: 0, sc: 0x01, dnr: true };
const cqeBytes = (over: Partial<ReturnType<typeof decodeCqe>>): Uint8Array =>
  encodeCqe({ dw0: 0, dw1: 0, sqhd: 3, sqid: 0, cid: 7, phase: 1, sc: 0x01, sct: 0, crd: 0, more: false, dnr: true, ...over });

describe('the field that differs', () => {
  it('D1: a status that differs only in DNR names DNR alone: expected 1, got 0', () => {
    expect(statusDifferences(INVALID_OPCODE, decodeCqe(cqeBytes({ dnr: false })))).toEqual([{ field: 'DNR', expected: '1', observed: '0' }]);
  });

  it('SCT, SC, DNR one by one; More and CRD only when the expectation names them', () => {
    const got = decodeCqe(cqeBytes({ sct: 1, sc: 0x0c, dnr: false, more: true, crd: 2 }));
    expect(statusDifferences(INVALID_OPCODE, got).map((d) => d.field)).toEqual(['SCT', 'SC', 'DNR']);
    expect(statusDifferences({ ...INVALID_OPCODE, more: false, crd: 0 }, got)).toContainEqual({ field: 'CRD', expected: '0', observed: '2' });
    expect(statusDifferences(INVALID_OPCODE, decodeCqe(cqeBytes({})))).toEqual([]);
  });

  it('DW0, SQ head, SQ id, CID and phase likewise, each only when expected', () => {
    const got = decodeCqe(cqeBytes({ dw0: 5, sqhd: 4, cid: 9 }));
    expect(cqeDifferences({ dw0: 4096, sqhd: 4, cid: 7 }, got)).toEqual([
      { field: 'DW0', expected: '4096', observed: '5' },
      { field: 'CID', expected: '7', observed: '9' },
    ]);
  });

  it('the decision a binding names in its description', () => {
    expect(decisionNamedIn('VF_LM_LOAD: LOAD on VF 1\'s own admin queue (D1)')).toBe('D1');
    expect(decisionNamedIn('Identify Controller on function 0')).toBeUndefined();
  });
});

describe('expectOwn: the Mismatch carries the command and the completion bytes', () => {
  it('D1: DNR cleared on a VF admin queue: field, function, queue, CID, SQE and CQE hex, decision', () => {
    const sqe = new Uint8Array(64);
    sqe[0] = 0xd5;
    sqe[2] = 7;
    const raw = cqeBytes({ dnr: false });
    const got = posted(raw, { fn: 1, qid: 0, cid: 7, sqe: toHex(sqe) });
    let thrown: unknown;
    try {
      expectOwn('VF_LM_LOAD: LOAD on VF 1\'s own admin queue (D1)', INVALID_OPCODE, got);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(Mismatch);
    const d = (thrown as Mismatch).detail;
    expect(d.differences).toEqual([{ field: 'DNR', expected: '1', observed: '0' }]);
    expect(d.command).toEqual({ fn: 1, qid: 0, cid: 7, sqe: toHex(sqe) });
    expect(d.cqe).toBe(toHex(raw));
    expect(d.decision).toBe('D1');
  });

  it('no completion where one was due names the completion itself', () => {
    expect(() => expectOwn('QUERY', INVALID_OPCODE, null)).toThrow(Mismatch);
    try {
      expectOwn('QUERY', INVALID_OPCODE, null);
    } catch (e) {
      expect((e as Mismatch).detail.differences).toEqual([{ field: 'completion', expected: 'one', observed: 'none' }]);
    }
  });
});
