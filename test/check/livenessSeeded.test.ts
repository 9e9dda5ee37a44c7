// Each liveness property fails, with a lasso, on a machine seeded with the
// bug it exists to catch, and holds on the unbroken machine: the checker can
// tell the two apart. The broken machines are the real specification
// machines with one action replaced through XState's `provide`.
import { describe, expect, it } from 'vitest';
import { assign } from 'xstate';
import type { MachineSpec } from '../../machines/spec.ts';
import { vfLifecycleSpec } from '../../machines/vfLifecycle.ts';
import { noCompletion, reply } from '../../machines/vf/effects.ts';
import type { VfContext, VfEvent } from '../../machines/vf/types.ts';
import { VFIO_MIGRATION_P2P, VFIO_MIGRATION_PRE_COPY, VFIO_MIGRATION_STOP_COPY } from '../../machines/vfio/states.ts';
import { FROM_FSM_TABLE } from '../../machines/vfio/kernelTables.ts';
import { vfioWalkSpec, type VfioFromTable } from '../../machines/vfio/walkMachine.ts';
import type { Lasso, LivenessResult } from '../../src/check/liveness.ts';
import { check } from '../../src/check/report.ts';
import { expectRealLasso } from './realLasso.ts';

type VfAction = ReturnType<typeof assign<VfContext, VfEvent, undefined, VfEvent, never>>;

/** The spec with one named action of its machine replaced: the seeded bug. */
function seeded(spec: MachineSpec, name: string, action: VfAction): MachineSpec {
  return { ...spec, id: `${spec.id}:seeded-${name}`, machine: spec.machine.provide({ actions: { [name]: action } }) };
}

function liveness(spec: MachineSpec, id: string): LivenessResult {
  const found = check(spec).report.liveness.find((l) => l.id === id);
  if (!found) throw new Error(`${spec.id} has no liveness property ${id}`);
  return found;
}

const events = (steps: { event: { type: string } }[]): string[] => steps.map((s) => s.event.type);

const deferred = vfLifecycleSpec({ ioCompletion: 'deferred' });

describe('liveness on seeded broken machines', () => {
  it('L2: a RESUME that forgets latched doorbells leaves a latched admin pair forever: lasso ENABLE, LM_SUSPEND, CREATE_IO_QUEUE, LM_RESUME, then LM_QUERY forever', () => {
    const forgets = assign<VfContext, VfEvent, undefined, VfEvent, never>(({ context, event }) => reply(context, event.type, 'SUCCESS', 'D5'));
    const spec = seeded(vfLifecycleSpec(), 'resume', forgets);
    const r = liveness(spec, 'L2');
    expect(r.holds).toBe(false);
    const lasso = r.lasso as Lasso;
    expect(events(lasso.stem.steps)).toEqual(['ENABLE', 'LM_SUSPEND', 'CREATE_IO_QUEUE', 'LM_RESUME']);
    expect(events(lasso.cycle)).toEqual(['LM_QUERY']);
    expect(lasso.stuck).toBe(false);
    expect((lasso.stem.steps[3].context as VfContext).adminLatched).toBe('create');
    expectRealLasso(spec, 'L2', lasso);
    expect(liveness(vfLifecycleSpec(), 'L2').holds).toBe(true);
  });

  it('L3: a device that never completes a fetched I/O: lasso ENABLE, CREATE_IO_QUEUE, SUBMIT_IO, then IO_COMPLETE (posting nothing) forever', () => {
    const nothing = assign<VfContext, VfEvent, undefined, VfEvent, never>(({ context, event }) => noCompletion(context, event.type));
    const spec = seeded(deferred, 'completeIo', nothing);
    const r = liveness(spec, 'L3');
    expect(r.holds).toBe(false);
    const lasso = r.lasso as Lasso;
    expect(events(lasso.stem.steps)).toEqual(['ENABLE', 'CREATE_IO_QUEUE', 'SUBMIT_IO']);
    expect(events(lasso.cycle)).toEqual(['IO_COMPLETE']);
    expect((lasso.stem.steps[2].context as VfContext).outstanding).toBe(1);
    expectRealLasso(spec, 'L3', lasso);
    expect(liveness(deferred, 'L3').holds).toBe(true);
  });

  it('L4: a SAVE whose drain never completes a command: lasso to saving with two I/O in flight, then IO_COMPLETE forever', () => {
    const nothing = assign<VfContext, VfEvent, undefined, VfEvent, never>(({ context, event }) => noCompletion(context, event.type));
    const spec = seeded(deferred, 'drainOne', nothing);
    const r = liveness(spec, 'L4');
    expect(r.holds).toBe(false);
    const lasso = r.lasso as Lasso;
    expect(events(lasso.stem.steps)).toEqual(['ENABLE', 'CREATE_IO_QUEUE', 'SUBMIT_IO', 'SUBMIT_IO', 'LM_SUSPEND', 'LM_SAVE']);
    expect(events(lasso.cycle)).toEqual(['IO_COMPLETE']);
    expect(lasso.stem.steps[5].value).toBe('saving');
    expectRealLasso(spec, 'L4', lasso);
    expect(liveness(deferred, 'L4').holds).toBe(true);
  });

  it('L1: the pre-fix kernel (pre-copy): lasso START(STOP_COPY, PRE_COPY), STEP (the lookup gives ERROR), then STEP (ERROR -> ERROR) forever', () => {
    const spec = vfioWalkSpec(VFIO_MIGRATION_STOP_COPY | VFIO_MIGRATION_PRE_COPY, 'pre-fix');
    const r = liveness(spec, 'L1');
    expect(r.holds).toBe(false);
    const lasso = r.lasso as Lasso;
    expect(lasso.stem.steps.map((s) => s.event)).toEqual([{ type: 'START', current: 'STOP_COPY', requested: 'PRE_COPY' }, { type: 'STEP' }]);
    expect(events(lasso.cycle)).toEqual(['STEP']);
    expect(lasso.cycle[0].context).toMatchObject({ current: 'STOP_COPY', requested: 'PRE_COPY', next: 'ERROR' });
    expectRealLasso(spec, 'L1', lasso);
    expect(liveness(vfioWalkSpec(VFIO_MIGRATION_STOP_COPY | VFIO_MIGRATION_PRE_COPY, 'fixed'), 'L1').holds).toBe(true);
  });

  it('L1: a driver walk that cycles (a from-table seeded so RUNNING_P2P steps back to RUNNING on the way to STOP) is found past the arc counter', () => {
    const table: VfioFromTable = { ...FROM_FSM_TABLE, RUNNING_P2P: { ...FROM_FSM_TABLE.RUNNING_P2P, STOP: 'RUNNING' } };
    const flags = VFIO_MIGRATION_STOP_COPY | VFIO_MIGRATION_P2P;
    const spec = vfioWalkSpec(flags, 'fixed', { table, pairs: [['RUNNING', 'STOP']] });
    const r = liveness(spec, 'L1');
    expect(r.holds).toBe(false);
    const lasso = r.lasso as Lasso;
    expect(lasso.stem.steps[0].event).toEqual({ type: 'START', current: 'RUNNING', requested: 'STOP' });
    expect(events(lasso.stem.steps.slice(1)).every((t) => t === 'STEP')).toBe(true);
    // the stem counts arcs up to VFIO_ARC_LIMIT; the cycle is two calls, each one STEP (lookup, arc): RUNNING -> RUNNING_P2P -> RUNNING
    expect(events(lasso.cycle)).toEqual(['STEP', 'STEP']);
    const visited = lasso.cycle.map((s) => (s.context as { current: string }).current).sort();
    expect(visited).toEqual(['RUNNING', 'RUNNING_P2P']);
    expectRealLasso(spec, 'L1', lasso);
    expect(liveness(vfioWalkSpec(flags, 'fixed', { pairs: [['RUNNING', 'STOP']] }), 'L1').holds).toBe(true);
  });
});
