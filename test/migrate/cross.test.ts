// I15: `nvme-lm migrate --profile tp4159 --from X --to Y`: the cross-
// implementation run, here with the emulator on both sides behind the same
// Adapter code path QEMU takes. The state moves, the guest carries on, every
// write completes once, the destination reads back what it wrote; and when
// the two states disagree, the report names the field.
import { describe, expect, it } from 'vitest';
import { crossMigrate, formatCrossReport, type CrossSide } from '../../src/migrate/cross/crossMigrate.ts';
import { diffStateBytes, fieldsOutsideDestination } from '../../src/migrate/cross/stateDiff.ts';
import type { Mutant } from '../../src/emulator/options.ts';
import { EmulatorAdapter } from '../../src/verify/emulatorAdapter.ts';
import { encodeControllerState, stateSize, type ControllerState } from '../../src/wire/tp4159/state.ts';

const emulator = (vendorState = true, mutant?: Mutant): CrossSide => ({
  implementation: 'emulator',
  target: new EmulatorAdapter(mutant ? { mutant } : {}),
  ...(vendorState ? {} : { tp4159: { vendorState } }),
});

const state = (tail: number, s0pt: number): ControllerState => ({
  ver: 0,
  suspended: true,
  nvme: {
    ver: 0,
    sqs: [{ prp1: 0x4002000n, qsize: 63, qid: 1, cqid: 1, pc: true, qprio: 0, head: 3, tail: 5 }],
    cqs: [{ prp1: 0x4003000n, qsize: 63, qid: 1, head: 3, tail, pc: true, ien: false, s0pt, iv: 0 }],
  },
  vendor: new Uint8Array(0),
});

describe('cross-implementation migration (I15)', () => {
  it('I15, D25: emulator -> emulator with the vendor section: the state moves unchanged, nothing lost or duplicated, writes on the destination read back', async () => {
    const r = await crossMigrate({ from: emulator(), to: emulator(), vfs: 2, vf: 2, io: 16 });
    expect(formatCrossReport(r)).toContain('PASS');
    expect(r).toMatchObject({ ok: true, format: '0000h + vendor section', lost: 0, duplicated: 0, failedStatus: 0, stateDiff: [] });
    expect(r.inFlightAtSuspend).toBeGreaterThan(0);
    expect(r.readBack.checked).toBeGreaterThan(0);
    expect(r.readBack.failed).toBe(0);
  });

  it('D25: a destination without the vendor UUID makes both sides move format 0000h alone; the report says the guest admin queue restarts, its I/O queues carry on', async () => {
    const r = await crossMigrate({ from: emulator(), to: emulator(false), vfs: 1, vf: 1, io: 16 });
    expect(r.failure).toBeUndefined();
    expect(r).toMatchObject({ ok: true, format: '0000h', lost: 0, duplicated: 0, stateDiff: [] });
    expect(r.adminQueue).toContain('restarts it at slot 0');
    // the source lists the vendor UUID, yet its state carries no vendor section: one I/O SQ and CQ
    expect(r.savedBytes).toBe(stateSize(1, 1, 0));
    expect(r.readBack.checked).toBeGreaterThan(0);
  });

  it('D25, L6: a source whose Get State drops the latched tail: the destination does not fetch the latched writes at Resume, and the run fails saying so', async () => {
    const r = await crossMigrate({ from: emulator(true, 'stateDropsLatchedTail'), to: emulator(), vfs: 1, vf: 1, io: 16 });
    expect(r.ok).toBe(false);
    expect(r.unfetchedAfterResume).toBe(r.latchedAtSuspend);
    expect(formatCrossReport(r)).toContain(`L6: ${r.latchedAtSuspend} writes latched while suspended were not fetched after Resume`);
  });

  it('I15: a destination whose state after Set State disagrees is named by field (SQ 1 tail)', async () => {
    const r = await crossMigrate({ from: emulator(), to: emulator(true, 'stateDropsLatchedTail'), vfs: 1, vf: 1, io: 16 });
    expect(r.ok).toBe(false);
    expect(r.stateDiff.map((d) => d.field)).toEqual(['SQ 1 tail']);
    expect(formatCrossReport(r)).toContain('state field differs: SQ 1 tail');
  });

  it('I15: two states that differ in a CQ tail are reported by field (tail and the phase it implies), not as "differ"', () => {
    const d = diffStateBytes(encodeControllerState(state(5, 1)), encodeControllerState(state(0, 1)));
    expect(d).toEqual([
      { field: 'CQ 1 tail', source: '5', destination: '0' },
      { field: 'CQ 1 phase', source: '1', destination: '0' },
    ]);
    expect(diffStateBytes(encodeControllerState(state(5, 1)), encodeControllerState(state(5, 1)))).toEqual([]);
  });

  it('D26: a QSIZE beyond the destination CAP.MQES is named when Set State is refused', () => {
    expect(fieldsOutsideDestination(encodeControllerState(state(5, 1)), 31).map((d) => d.field)).toEqual(['SQ 1 QSIZE', 'CQ 1 QSIZE']);
  });
});
