// What an AER may complete with for each event the tp4159Udmq machine
// reports (D33): the two events one entry raises in either order, and the
// second of them always the one not yet reported.
import { describe, expect, it } from 'vitest';
import { oneShotDw0, wantedEvent } from '../../models/bindings/tp4159UdmqEvents.ts';

const CDQID = 1;
const TAIL = oneShotDw0('tail', CDQID);
const FULL = oneShotDw0('full', CDQID);

describe('tp4159Udmq: One-Shot events an AER may carry', () => {
  it('D33: One-Shot type 4h, info 0 for the tail pointer trigger and 1 for a full queue, the CDQID in DW1', () => {
    expect([TAIL, FULL]).toEqual([0x004, 0x104]);
    expect(wantedEvent('tail', CDQID, undefined, null)).toEqual({ dw0: [TAIL], dw1: CDQID, pairFirst: null });
    expect(wantedEvent('full', 3, undefined, null)).toEqual({ dw0: [oneShotDw0('full', 3)], dw1: 3, pairFirst: null });
  });

  it('D33: the two events of one entry in either order (the standard does not order them): full first, then tail', () => {
    const first = wantedEvent('either', CDQID, FULL, null);
    expect(first.dw0).toEqual([TAIL, FULL]);
    expect(first.pairFirst).toBe('full');
    expect(wantedEvent('other', CDQID, undefined, first.pairFirst).dw0).toEqual([TAIL]);
  });

  it('D33: tail first, then full; never the same event twice for the pair', () => {
    const first = wantedEvent('either', CDQID, TAIL, null);
    expect(first.pairFirst).toBe('tail');
    const second = wantedEvent('other', CDQID, undefined, first.pairFirst);
    expect(second.dw0).toEqual([FULL]);
    expect(second.dw0).not.toContain(TAIL);
    expect(second.pairFirst).toBeNull();
  });

  it('D33: a pair whose first report was neither event leaves nothing to expect second: the binding says it is out of step', () => {
    expect(wantedEvent('either', CDQID, 0x2, null).pairFirst).toBeNull();
    expect(() => wantedEvent('other', CDQID, undefined, null)).toThrow(/out of step/);
  });
});
