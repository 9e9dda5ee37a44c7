// The fault matrix as data: where each fault strikes, what the spec
// requires there, and the --fault parser.
import { describe, expect, it } from 'vitest';
import { ARC_IDS, compareOutcome, describeOutcome, expectationFor, FAULT_ARCS, FAULT_NAMES, matrixRows, parseFault } from '../../src/migrate/faults.ts';

describe('fault matrix definition', () => {
  it('every (fault, arc) the matrix lists has a required outcome, and no other pair has one', () => {
    for (const fault of FAULT_NAMES) {
      for (const arc of ARC_IDS) expect(expectationFor(fault, arc) !== undefined, `${fault}@${arc}`).toBe(FAULT_ARCS[fault].includes(arc));
    }
    expect(matrixRows()).toHaveLength(44);
  });

  it('D6, D13: a called-off migration never counts as migrated, and a source that was not reset is always resumed', () => {
    for (const { fault, arc } of matrixRows()) {
      const e = expectationFor(fault, arc)!;
      if (e.calledOff) expect(e.migrated, `${fault}@${arc}`).toBe(false);
      if (e.calledOff && !e.guestReset) expect(e.sourceResumed, `${fault}@${arc}`).toBe(true);
      if (e.dstUnchanged) expect(e.failure?.command, `${fault}@${arc}`).toBe('LOAD');
    }
  });

  it('D7: every damaged-data fault fails LOAD with Invalid Field in Command; a DMA fault with Data Transfer Error', () => {
    for (const f of ['truncated', 'oversized', 'bit-flip', 'wrong-version', 'small-dst-limit'] as const) expect(expectationFor(f, 'dst.load')!.failure).toEqual({ at: 'dst.load', command: 'LOAD', status: 'Invalid Field in Command' });
    expect(expectationFor('dma-load', 'dst.load')!.failure?.status).toBe('Data Transfer Error');
    expect(expectationFor('dma-save', 'src.save')!.failure).toEqual({ at: 'src.save', command: 'SAVE', status: 'Data Transfer Error' });
  });

  it('D16, D6, D26: on tp4159 the first DMA of the save arc is QUERY\'s (Identify CNS 20h, the header), and wrong-version is the header\'s VER', () => {
    expect(expectationFor('dma-save', 'src.save', 'tp4159')!.failure).toEqual({ at: 'src.save', command: 'QUERY', status: 'Data Transfer Error' });
    expect(expectationFor('wrong-version', 'dst.load', 'tp4159')!.failure).toEqual({ at: 'dst.load', command: 'LOAD', status: 'Invalid Field in Command' });
    expect(expectationFor('bit-flip', 'dst.load', 'tp4159')).toBeUndefined();
  });

  it('compareOutcome names every difference and none when equal', () => {
    const e = expectationFor('bit-flip', 'dst.load')!;
    expect(compareOutcome(e, e)).toEqual([]);
    expect(compareOutcome(e, { ...e, migrated: true, dstUnchanged: false })).toEqual(['migrated: expected false, observed true', 'dstUnchanged: expected true, observed false']);
    expect(describeOutcome(e)).toBe('dst.load LOAD fails: Invalid Field in Command; destination VF unchanged; called off, source resumed');
  });
});

describe('--fault name@arc', () => {
  it('parses a valid pair', () => {
    expect(parseFault('vf-flr-src@src.save')).toEqual({ fault: 'vf-flr-src', arc: 'src.save' });
  });
  it.each([
    ['bit-flip', /needs the form <name>@<arc>/],
    ['nope@dst.load', /unknown fault "nope": use one of vf-flr-src/],
    ['bit-flip@dst.nowhere', /unknown arc "dst.nowhere": use one of src.suspend/],
    ['dma-save@dst.load', /dma-save cannot strike at dst.load; it can at src.save/],
  ])('%s is refused with a message that says what is valid', (text, message) => {
    expect(() => parseFault(text)).toThrow(message);
  });
});
