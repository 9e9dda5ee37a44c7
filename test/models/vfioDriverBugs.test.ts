// The vfio suites judge the HOST DRIVER: broken copies of the driver's own
// parts (its next-state step, its arc table, its reset handling) are caught
// on the correct emulator. Each bug is switched on for one test only.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { vfioSuite } from '../../models/bindings/vfio.ts';
import { runPaths } from '../../src/paths/trie.ts';
import { EmulatorAdapter } from '../../src/verify/emulatorAdapter.ts';
import { VfioMigration } from '../../src/host/vfio/migration.ts';
import { MIG_P2P, MIG_PRE_COPY, MIG_STOP_COPY } from '../../src/host/vfio/states.ts';

const bugs = vi.hoisted(() => ({ skipP2p: false, noSuspend: false }));

vi.mock('../../src/host/vfio/nextState.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/host/vfio/nextState.ts')>();
  return {
    ...real,
    // Bug: with P2P, walk RUNNING -> STOP directly instead of through RUNNING_P2P.
    nextState: (cur: Parameters<typeof real.nextState>[0], req: Parameters<typeof real.nextState>[1], flags: number) => {
      const answer = real.nextState(cur, req, flags);
      if (bugs.skipP2p && answer.ok && cur === 'RUNNING' && answer.next === 'RUNNING_P2P' && req !== 'RUNNING_P2P') return { ok: true as const, next: 'STOP' as const };
      return answer;
    },
  };
});

vi.mock('../../src/host/vfio/arcs.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/host/vfio/arcs.ts')>();
  return {
    ...real,
    // Bug: RUNNING -> STOP sends nothing (the VF keeps running while VFIO says STOP).
    arcPlan: (from: Parameters<typeof real.arcPlan>[0], to: Parameters<typeof real.arcPlan>[1]) => {
      const plan = real.arcPlan(from, to);
      if (bugs.noSuspend && plan && from === 'RUNNING' && to === 'STOP') return { ...plan, commands: [] };
      return plan;
    },
  };
});

afterEach(() => {
  bugs.skipP2p = false;
  bugs.noSuspend = false;
  vi.restoreAllMocks();
});

/** Run the suite with the bug switched on after each reset, so the steps (not the bring-up) meet it. */
async function firstFailure(flags: number, bugOn: () => void = () => undefined, bugOff: () => void = () => undefined): Promise<string> {
  const suite = vfioSuite(flags, { timeoutMs: 0 });
  const impl = suite.implementation(new EmulatorAdapter());
  const buggy = {
    reset: async () => {
      bugOff();
      await impl.reset();
      bugOn();
    },
    step: impl.step,
  };
  const { results } = await runPaths(suite.paths(), buggy);
  const bad = results.find((r) => !r.ok);
  return bad ? String(bad.error) : 'no path failed';
}

describe('vfio suites catch a broken host driver', () => {
  it('the correct driver passes with the mocks switched off (so each catch below is the bug)', async () => {
    for (const flags of [MIG_STOP_COPY, MIG_STOP_COPY | MIG_P2P, MIG_STOP_COPY | MIG_P2P | MIG_PRE_COPY]) {
      expect(await firstFailure(flags)).toBe('no path failed');
    }
  }, 60_000);

  it('I8: a step function that skips RUNNING_P2P on a P2P device is caught', async () => {
    const on = () => void (bugs.skipP2p = true);
    const off = () => void (bugs.skipP2p = false);
    expect(await firstFailure(MIG_STOP_COPY | MIG_P2P, on, off)).toMatch(/in RUNNING: the driver's VFIO state \(I8\): expected RUNNING_P2P, observed STOP/);
  }, 60_000);

  it('the RFC arc table: RUNNING -> STOP that forgets SUSPEND is caught by its command log', async () => {
    const on = () => void (bugs.noSuspend = true);
    const off = () => void (bugs.noSuspend = false);
    expect(await firstFailure(MIG_STOP_COPY, on, off)).toMatch(/SET_STATE\(target=\w+\) in RUNNING: the NVMe commands the driver sent: expected SUSPEND, observed nothing/);
  }, 60_000);

  it('D13: a driver that ignores the VF reset (keeps its state and data fd) is caught', async () => {
    const on = () => void vi.spyOn(VfioMigration.prototype, 'handleReset').mockImplementation(() => undefined);
    const off = () => vi.restoreAllMocks();
    expect(await firstFailure(MIG_STOP_COPY, on, off)).toMatch(/VF_RESET in (?!RUNNING)\w+: the driver's VFIO state \(I8\): expected RUNNING/);
  }, 60_000);
});
