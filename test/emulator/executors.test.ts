// The per-profile executor table (executors.ts): a device's profile picks its
// executor set once; a mutant wraps a copy of it and never the set a correct
// device uses.
import { describe, expect, it } from 'vitest';
import { executorsFor } from '../../src/emulator/executors.ts';
import { MUTANTS, resolveOptions } from '../../src/emulator/options.ts';
import { PROFILES } from '../../src/emulator/profiles.ts';
import { SC } from '../../src/wire/status.ts';
import { setup, status } from './helpers.ts';

describe('executor table', () => {
  it('D17: every profile has an executor set; the vendor LM profiles share one, told apart by their ProfileInfo', () => {
    const sets = PROFILES.map((profile) => executorsFor(resolveOptions({ profile })));
    for (const s of sets) expect([typeof s.admin, typeof s.io, typeof s.completeHeld]).toEqual(['function', 'function', 'function']);
    const vendor = PROFILES.filter((p) => p !== 'tp4159').map((profile) => executorsFor(resolveOptions({ profile })));
    expect(new Set(vendor).size).toBe(1);
    // D19-D34: the standard profile has an executor set of its own.
    expect(sets).toContain(executorsFor(resolveOptions({ profile: 'tp4159' })));
    expect(vendor).not.toContain(executorsFor(resolveOptions({ profile: 'tp4159' })));
  });

  it('a tp4159 mutant breaks only the tp4159 profile: on lm it leaves the correct behaviour', () => {
    const broken = setup({ vfs: 1, mutant: 'suspendBeforeDrain' });
    expect(status(broken.host.suspend(1))).toEqual({ sct: 0, sc: SC.SUCCESS, dnr: false });
    expect(status(broken.host.save(1).cqe)).toEqual({ sct: 0, sc: SC.SUCCESS, dnr: false });
  });

  it('every mutant gets its own executor set; the correct one stays shared', () => {
    const correct = executorsFor(resolveOptions({}));
    for (const mutant of MUTANTS) expect(executorsFor(resolveOptions({ mutant }))).not.toBe(correct);
  });

  it('D5: a mutant breaks only its own device: a correct device built after a saveWhileRunning one still refuses SAVE of a running VF', () => {
    const broken = setup({ vfs: 1, mutant: 'saveWhileRunning' });
    expect(status(broken.host.save(1).cqe)).toEqual({ sct: 0, sc: SC.SUCCESS, dnr: false });
    const correct = setup({ vfs: 1 });
    expect(status(correct.host.save(1).cqe)).toEqual({ sct: 0, sc: SC.SEQUENCE_ERROR, dnr: true });
  });
});
