import { describe, expect, it } from 'vitest';
import {
  VFIO_DISPLAY_ORDER,
  VFIO_FLAG_SETS,
  VFIO_MIGRATION_P2P,
  VFIO_MIGRATION_PRE_COPY,
  VFIO_MIGRATION_STOP_COPY,
  VFIO_STATES,
  VFIO_STATE_NUMBER,
  formatVfioFeatures,
  parseVfioFeatures,
} from '../../../machines/vfio/states.ts';
import { ALL_BITS_U32, STATE_FLAGS_TABLE, stateSupported } from '../../../machines/vfio/kernelTables.ts';

describe('uAPI numbers (include/uapi/linux/vfio.h)', () => {
  it('I8: enum vfio_device_mig_state numbers ERROR 0 .. PRE_COPY_P2P 7, in that order', () => {
    expect(VFIO_STATE_NUMBER).toEqual({
      ERROR: 0,
      STOP: 1,
      RUNNING: 2,
      STOP_COPY: 3,
      RESUMING: 4,
      RUNNING_P2P: 5,
      PRE_COPY: 6,
      PRE_COPY_P2P: 7,
    });
    expect(VFIO_STATES.map((s) => VFIO_STATE_NUMBER[s])).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect([...VFIO_DISPLAY_ORDER].sort()).toEqual([...VFIO_STATES].sort());
  });

  it('I8: feature flags are bits 0, 1, 2 (STOP_COPY, P2P, PRE_COPY)', () => {
    expect([VFIO_MIGRATION_STOP_COPY, VFIO_MIGRATION_P2P, VFIO_MIGRATION_PRE_COPY]).toEqual([1, 2, 4]);
    expect(VFIO_FLAG_SETS).toEqual([1, 3, 5, 7]);
  });

  it("I8: ERROR's flag mask is ~0U, so ERROR is never a supported state", () => {
    expect(STATE_FLAGS_TABLE.ERROR).toBe(ALL_BITS_U32);
    for (const flags of [...VFIO_FLAG_SETS, 0xff, 0x7fff_ffff]) expect(stateSupported('ERROR', flags)).toBe(false);
    expect(stateSupported('ERROR', ALL_BITS_U32)).toBe(true); // only a device with every bit set could have it
  });
});

describe('feature list parser', () => {
  it('I8: "" means STOP_COPY only; p2p and pre-copy add their bits; STOP_COPY is always implied', () => {
    expect(parseVfioFeatures('')).toBe(1);
    expect(parseVfioFeatures('p2p')).toBe(3);
    expect(parseVfioFeatures('pre-copy')).toBe(5);
    expect(parseVfioFeatures('p2p,pre-copy')).toBe(7);
    expect(parseVfioFeatures(' PRE_COPY , p2p ')).toBe(7);
    expect(parseVfioFeatures('stop-copy')).toBe(1);
    expect(parseVfioFeatures('p2p,,p2p')).toBe(3);
  });

  it('I8: an unknown name throws an error that lists the valid ones', () => {
    expect(() => parseVfioFeatures('p2p,precopy')).toThrow(/unknown VFIO migration feature "precopy"; valid features are stop-copy, p2p, pre-copy/);
  });

  it('I8: formatting and parsing round-trip for the four flag sets', () => {
    expect(VFIO_FLAG_SETS.map(formatVfioFeatures)).toEqual(['stop-copy', 'p2p', 'pre-copy', 'p2p,pre-copy']);
    for (const f of VFIO_FLAG_SETS) expect(parseVfioFeatures(formatVfioFeatures(f))).toBe(f);
  });
});
