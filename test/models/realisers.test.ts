// The one table of VF event realisers (models/realisers/vf.ts): it realises
// every VF event the lm profile's machines have (vfLifecycle and system), each
// once; its preconditions are pure (decided without touching the target); and
// the engine around it (realise) tells a target that cannot play an event
// from a binding that lacks one.
import { describe, expect, it } from 'vitest';
import { vfLifecycleEvents } from '../../machines/vfLifecycle.ts';
import { SYSTEM_VF_EVENT_TYPES } from '../../machines/system.ts';
import type { Adapter } from '../../src/target/adapter.ts';
import { realise } from '../../models/realisers/realiser.ts';
import { VF_REALISERS, type VfStep } from '../../models/realisers/vf.ts';
import { NotRealisable } from '../../models/engine/suite.ts';

/** An adapter every operation of which fails the test: a pure check never calls one. */
function untouchable(withCompleteIo: boolean): Adapter {
  const touched = (): never => {
    throw new Error('a realiser precondition touched the target');
  };
  return {
    reset: touched,
    regWrite: touched,
    regRead: touched,
    memWrite: touched,
    memRead: touched,
    submit: touched,
    flr: touched,
    close: touched,
    ...(withCompleteIo ? { completeIo: touched } : {}),
  };
}

const stepOn = (adapter: Adapter): VfStep => ({ adapter, label: 'IO_COMPLETE' }) as unknown as VfStep;

describe('VF event realisers (one table for vfLifecycle and system)', () => {
  it('realise every VF event of vfLifecycle (deferred I/O, the widest alphabet) and of system, and no other', () => {
    const events = new Set([...vfLifecycleEvents({ ioCompletion: 'deferred' }).map((e) => e.type), ...SYSTEM_VF_EVENT_TYPES]);
    expect(events.size).toBeGreaterThan(10);
    expect(Object.keys(VF_REALISERS).sort()).toEqual([...events].sort());
  });

  it('label each realiser with its event and how it is caused', () => {
    for (const [event, r] of Object.entries(VF_REALISERS)) expect(String(r)).toMatch(new RegExp(`^${event}: \\S`));
  });

  it('IO_COMPLETE is NotRealisable on a target without completeIo, decided without touching the target', async () => {
    expect(VF_REALISERS.IO_COMPLETE.check(stepOn(untouchable(false)))).toEqual({ ok: false, reason: expect.stringMatching(/no completeIo/) });
    expect(VF_REALISERS.IO_COMPLETE.check(stepOn(untouchable(true)))).toEqual({ ok: true });
    await expect(realise(VF_REALISERS, 'IO_COMPLETE', stepOn(untouchable(false)), 'test')).rejects.toThrow(NotRealisable);
  });

  it('an event the table lacks is a binding error that says where to add it, not a NotRealisable path', async () => {
    const e = await realise(VF_REALISERS, 'PF_ENABLE', stepOn(untouchable(true)), 'test').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(Error);
    expect(e).not.toBeInstanceOf(NotRealisable);
    expect(String(e)).toMatch(/test binding: no realisation for event PF_ENABLE; add it to the profile's realiser table/);
  });
});
