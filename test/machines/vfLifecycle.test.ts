import { describe, expect, it } from 'vitest';
import { transition } from 'xstate';
import type { AnyMachineSnapshot } from 'xstate';
import {
  VF_LIFECYCLE_OPTION_SETS,
  createVfLifecycle,
  lmStateOf,
  normalizeVfOptions,
  vfContextOf,
  vfLifecycleEvents,
  vfLifecycleSpec,
  vfStateKey,
  type VfLifecycleOptionsInput,
  type VfLmState,
  type VfObservation,
} from '../../machines/vfLifecycle.ts';
import { definitionEdges, takenEdgeIds } from '../../src/check/edges.ts';
import { bfs, run } from './vfLifecycleBfs.ts';

/** The breadth-first search of one option set's machine, once per file: four tests read it. */
const searched = new Map<string, ReturnType<typeof bfs>>();
function bfsOf(o: VfLifecycleOptionsInput): ReturnType<typeof bfs> {
  const id = JSON.stringify(normalizeVfOptions(o));
  let g = searched.get(id);
  if (g === undefined) {
    const spec = vfLifecycleSpec(o);
    searched.set(id, (g = bfs(spec.machine, spec.events, vfStateKey)));
  }
  return g;
}

const last = (s: AnyMachineSnapshot): VfObservation => vfContextOf(s).last;
const status = (s: AnyMachineSnapshot): string => {
  const c = last(s).completion;
  return c === 'none' ? 'none' : c.status;
};

// Paths to each LM state with an image held, a queue pair, and one I/O that
// was latched while suspended (so SAVE and LOAD have something to carry).
const SAVED = ['ENABLE', 'CREATE_IO_QUEUE', 'LM_SUSPEND', 'SUBMIT_IO', 'LM_SAVE'];
const PATH_TO: Record<Exclude<VfLmState, 'saving'>, string[]> = {
  running: [...SAVED, 'LM_RESUME'],
  suspended: [...SAVED, 'LM_RESUME', 'LM_SUSPEND'],
  saved: SAVED,
  loaded: [...SAVED, 'LM_LOAD'],
};
const LM_STATES = Object.keys(PATH_TO) as Exclude<VfLmState, 'saving'>[];

// D5's table: [state, command, status, state after].
const D5_TABLE: [VfLmState, string, string, VfLmState][] = [
  ['running', 'LM_QUERY', 'SUCCESS', 'running'],
  ['running', 'LM_SUSPEND', 'SUCCESS', 'suspended'],
  ['running', 'LM_RESUME', 'SUCCESS', 'running'],
  ['running', 'LM_SAVE', 'SEQUENCE_ERROR', 'running'],
  ['running', 'LM_LOAD', 'SEQUENCE_ERROR', 'running'],
  ['suspended', 'LM_QUERY', 'SUCCESS', 'suspended'],
  ['suspended', 'LM_SUSPEND', 'SUCCESS', 'suspended'],
  ['suspended', 'LM_RESUME', 'SUCCESS', 'running'],
  ['suspended', 'LM_SAVE', 'SUCCESS', 'saved'],
  ['suspended', 'LM_LOAD', 'SUCCESS', 'loaded'],
  ['saved', 'LM_QUERY', 'SUCCESS', 'saved'],
  ['saved', 'LM_SUSPEND', 'SUCCESS', 'saved'],
  ['saved', 'LM_RESUME', 'SUCCESS', 'running'],
  ['saved', 'LM_SAVE', 'SUCCESS', 'saved'],
  ['saved', 'LM_LOAD', 'SUCCESS', 'loaded'],
  ['loaded', 'LM_QUERY', 'SUCCESS', 'loaded'],
  ['loaded', 'LM_SUSPEND', 'SUCCESS', 'loaded'],
  ['loaded', 'LM_RESUME', 'SUCCESS', 'running'],
  ['loaded', 'LM_SAVE', 'SUCCESS', 'saved'],
  ['loaded', 'LM_LOAD', 'SUCCESS', 'loaded'],
];

describe('vfLifecycle: D5 state table', () => {
  const m = createVfLifecycle();
  it.each(D5_TABLE)('D5: %s + %s -> %s, VF %s', (from, command, expected, to) => {
    const s = run(m, PATH_TO[from as keyof typeof PATH_TO]);
    expect(lmStateOf(s)).toBe(from);
    const after = run(m, [command], s);
    expect(status(after)).toBe(expected);
    expect(lmStateOf(after)).toBe(to);
    const c = last(after).completion;
    if (expected === 'SEQUENCE_ERROR' && c !== 'none') {
      expect(c).toMatchObject({ sct: 0, sc: 0x0c, dnr: true, decision: 'D5' });
      expect(vfStateKey(after)).toBe(vfStateKey(s));
    }
  });

  it.each(LM_STATES)('D5/D7: a failing transfer or bad data in %s changes nothing', (from) => {
    const s = run(m, PATH_TO[from]);
    const cases: [string, string][] =
      from === 'running'
        ? [['LM_SAVE_UNMAPPED', 'SEQUENCE_ERROR'], ['LM_LOAD_CORRUPT', 'SEQUENCE_ERROR'], ['LM_LOAD_UNMAPPED', 'SEQUENCE_ERROR']]
        : [['LM_SAVE_UNMAPPED', 'DATA_TRANSFER_ERROR'], ['LM_LOAD_CORRUPT', 'INVALID_FIELD'], ['LM_LOAD_UNMAPPED', 'DATA_TRANSFER_ERROR']];
    for (const [event, expected] of cases) {
      const after = run(m, [event], s);
      expect(status(after), event).toBe(expected);
      expect(vfStateKey(after), event).toBe(vfStateKey(s));
    }
  });
});

describe('vfLifecycle: decisions', () => {
  it('D1: the five LM opcodes on the VF admin queue complete with Invalid Command Opcode (SCT 0, SC 0x01, DNR) and change nothing', () => {
    const m = createVfLifecycle();
    const s = run(m, ['ENABLE', 'CREATE_IO_QUEUE']);
    for (const type of ['VF_LM_QUERY', 'VF_LM_SUSPEND', 'VF_LM_RESUME', 'VF_LM_SAVE', 'VF_LM_LOAD']) {
      const after = run(m, [type], s);
      expect(last(after).completion).toEqual({ status: 'INVALID_OPCODE', sct: 0, sc: 0x01, dnr: true, decision: 'D1' });
      expect(vfStateKey(after)).toBe(vfStateKey(s));
    }
  });

  it('D1: with policy drop the VF posts no completion and changes nothing', () => {
    const m = createVfLifecycle({ vfQueuePolicy: 'drop' });
    const s = run(m, ['ENABLE']);
    const after = run(m, ['VF_LM_SUSPEND'], s);
    expect(last(after).completion).toBe('none');
    expect(vfStateKey(after)).toBe(vfStateKey(s));
  });

  it('D6: two SAVEs with nothing between give the same image, and SAVE leaves the VF as it was', () => {
    const m = createVfLifecycle();
    const before = run(m, SAVED.slice(0, -1));
    const once = run(m, ['LM_SAVE'], before);
    const twice = run(m, ['LM_SAVE'], once);
    expect(vfContextOf(twice).image).toEqual(vfContextOf(once).image);
    const { image: _ignored, last: _l, ...vfBefore } = vfContextOf(before);
    const { image: img, last: _l2, ...vfAfter } = vfContextOf(once);
    expect(vfAfter).toEqual(vfBefore);
    expect(img).toEqual({ enabled: true, ioQueues: 1, latched: 1, adminLatched: 'none' });
  });

  it('D6: RESUME after SAVE (migration called off) continues: the latched I/O is fetched and completed exactly once', () => {
    const m = createVfLifecycle();
    const s = run(m, [...SAVED, 'LM_RESUME']);
    expect(last(s)).toMatchObject({ ioFetched: 1, ioCompleted: 1 });
    expect(vfContextOf(s)).toMatchObject({ latched: 0, outstanding: 0 });
    expect(last(run(m, ['LM_QUERY'], s)).ioCompleted).toBe(0);
  });

  it('D7: LOAD restores queues, registers and latched doorbells from the image, all at once', () => {
    const m = createVfLifecycle();
    // image: 2 pairs, 1 latched I/O; then the VF changes (completes it, drops a pair) and LOAD brings the image back
    const s = run(m, ['ENABLE', 'CREATE_IO_QUEUE', 'CREATE_IO_QUEUE', 'LM_SUSPEND', 'SUBMIT_IO', 'LM_SAVE', 'LM_RESUME', 'DELETE_IO_QUEUE', 'LM_SUSPEND']);
    expect(vfContextOf(s)).toMatchObject({ ioQueues: 1, latched: 0 });
    const after = run(m, ['LM_LOAD'], s);
    expect(lmStateOf(after)).toBe('loaded');
    expect(vfContextOf(after)).toMatchObject({ enabled: true, ioQueues: 2, latched: 1, outstanding: 0, adminLatched: 'none' });
    expect(last(run(m, ['LM_RESUME'], after))).toMatchObject({ ioFetched: 1, ioCompleted: 1 });
  });

  it('D7: LOAD is offered only with an image: none before the first SAVE, none after a reset', () => {
    const m = createVfLifecycle();
    const fresh = run(m, ['LM_SUSPEND']);
    expect(transition(m, fresh, { type: 'LM_LOAD' })[0]).toBe(fresh);
    const reset = run(m, [...SAVED, 'FLR', 'LM_SUSPEND']);
    expect(vfContextOf(reset).image).toBeNull();
    expect(transition(m, reset, { type: 'LM_LOAD' })[0]).toBe(reset);
  });

  it('D8: QUERY reports the I/O queue count its size depends on, and a SAVE writes exactly that size', () => {
    for (const o of VF_LIFECYCLE_OPTION_SETS) {
      const spec = vfLifecycleSpec(o);
      const g = bfsOf(o);
      let compared = 0;
      for (const s of g.snapshots) {
        const q = transition(spec.machine, s, { type: 'LM_QUERY' })[0];
        if (q === s) {
          expect(lmStateOf(s)).toBe('saving'); // the host waits for a draining SAVE
          continue;
        }
        expect(last(q).sizeQueues).toBe(vfContextOf(s).ioQueues);
        const saved = transition(spec.machine, s, { type: 'LM_SAVE' })[0];
        if (saved !== s && status(saved) === 'SUCCESS') {
          expect(last(saved).sizeQueues).toBe(last(q).sizeQueues);
          compared++;
        }
      }
      expect(compared).toBeGreaterThan(0);
    }
  });

  it('D8: QUERY is stable while the VF does not run (guest doorbells are latched, not executed)', () => {
    const m = createVfLifecycle();
    const s = run(m, ['ENABLE', 'CREATE_IO_QUEUE', 'LM_SUSPEND']);
    const q1 = last(run(m, ['LM_QUERY'], s)).sizeQueues;
    const later = run(m, ['CREATE_IO_QUEUE', 'LM_QUERY'], s);
    expect(last(later).sizeQueues).toBe(q1);
    expect(last(run(m, ['LM_RESUME', 'LM_QUERY'], later)).sizeQueues).toBe(2);
  });

  it('D11: while suspended, I/O and admin doorbells are latched, not executed; RESUME fetches all of them', () => {
    const m = createVfLifecycle();
    let s = run(m, ['ENABLE', 'CREATE_IO_QUEUE', 'LM_SUSPEND', 'SUBMIT_IO']);
    expect(last(s)).toMatchObject({ completion: 'none', latched: true });
    s = run(m, ['CREATE_IO_QUEUE', 'SUBMIT_IO'], s);
    expect(vfContextOf(s)).toMatchObject({ latched: 2, adminLatched: 'create', ioQueues: 1 });
    s = run(m, ['LM_RESUME'], s);
    expect(last(s)).toMatchObject({ adminCompleted: 'create', ioFetched: 2, ioCompleted: 2 });
    expect(vfContextOf(s)).toMatchObject({ latched: 0, adminLatched: 'none', ioQueues: 2 });
  });

  it('D11: a command fetched before SUSPEND completes normally while suspended (deferred I/O)', () => {
    const m = createVfLifecycle({ ioCompletion: 'deferred' });
    const s = run(m, ['ENABLE', 'CREATE_IO_QUEUE', 'SUBMIT_IO', 'LM_SUSPEND', 'IO_COMPLETE']);
    expect(lmStateOf(s)).toBe('suspended');
    expect(last(s)).toMatchObject({ ioCompleted: 1 });
    expect(vfContextOf(s).outstanding).toBe(0);
  });

  it('D12: SAVE drains fetched I/O first (each completion posted), then completes, carrying the latched I/O', () => {
    const m = createVfLifecycle({ ioCompletion: 'deferred' });
    let s = run(m, ['ENABLE', 'CREATE_IO_QUEUE', 'SUBMIT_IO', 'LM_SUSPEND', 'SUBMIT_IO', 'LM_SAVE']);
    expect(lmStateOf(s)).toBe('saving');
    expect(last(s).completion).toBe('none');
    // while draining, the host sends nothing else for this VF and the guest is stopped
    expect(transition(m, s, { type: 'LM_QUERY' })[0]).toBe(s);
    s = run(m, ['IO_COMPLETE'], s);
    expect(lmStateOf(s)).toBe('saved');
    expect(last(s)).toMatchObject({ ioCompleted: 1, saveCompleted: { status: 'SUCCESS', decision: 'D12' }, sizeQueues: 1 });
    expect(vfContextOf(s).image).toEqual({ enabled: true, ioQueues: 1, latched: 1, adminLatched: 'none' });
  });

  it('D12: with two in flight, the drain takes two completions and the SAVE completes on the second only', () => {
    const m = createVfLifecycle({ ioCompletion: 'deferred' });
    let s = run(m, ['ENABLE', 'CREATE_IO_QUEUE', 'SUBMIT_IO', 'SUBMIT_IO', 'LM_SUSPEND', 'LM_SAVE', 'IO_COMPLETE']);
    expect(lmStateOf(s)).toBe('saving');
    expect(last(s).saveCompleted).toBe('none');
    s = run(m, ['IO_COMPLETE'], s);
    expect(last(s).saveCompleted).not.toBe('none');
  });

  it.each(LM_STATES)('D13: FLR in %s puts the VF back to power-on and drops the image and all pending work', (from) => {
    const m = createVfLifecycle();
    const s = run(m, [...PATH_TO[from], 'FLR']);
    expect(lmStateOf(s)).toBe('running');
    const { last: seen, ...rest } = vfContextOf(s);
    expect(rest).toEqual({ enabled: false, ioQueues: 0, outstanding: 0, latched: 0, adminLatched: 'none', image: null });
    expect(seen.rdy).toBe(false);
    expect(seen.ioDropped).toBe(from === 'saved' || from === 'loaded' ? 1 : 0);
  });

  it('D13: CC.EN 1->0 while suspended resets like FLR, discarding latched work', () => {
    const m = createVfLifecycle();
    const s = run(m, ['ENABLE', 'CREATE_IO_QUEUE', 'LM_SUSPEND', 'SUBMIT_IO', 'DISABLE']);
    expect(lmStateOf(s)).toBe('running');
    expect(last(s)).toMatchObject({ ioDropped: 1, rdy: false });
    expect(vfContextOf(s).ioQueues).toBe(0);
  });
});

describe('vfLifecycle: the alphabet and its coverage', () => {
  it.each(VF_LIFECYCLE_OPTION_SETS.map((o) => [vfLifecycleSpec(o).id, o] as const))(
    'every definition edge of %s is taken by some reachable step',
    (_id, o) => {
      const spec = vfLifecycleSpec(o);
      const g = bfsOf(o);
      const taken = new Set(g.steps.flatMap((st) => takenEdgeIds(spec.machine, st.before, st.event)));
      const never = definitionEdges(spec.machine).filter((e) => !taken.has(e.id)).map((e) => e.id);
      expect(never).toEqual([]);
    },
  );

  it('reachable states: 272 (immediate) and 602 (deferred) with the default bounds; 2,702 deferred with 3 queue pairs and 3 in flight', () => {
    const count = (o: VfLifecycleOptionsInput): number => bfsOf(o).snapshots.length;
    expect(count({})).toBe(272);
    expect(count({ ioCompletion: 'deferred' })).toBe(602);
    expect(count({ vfQueuePolicy: 'drop' })).toBe(272);
    expect(count({ ioCompletion: 'deferred', maxIoQueues: 3, maxOutstanding: 3 })).toBe(2702);
  });

  it('the alphabet: 8 PF-side LM events, 5 VF-queue LM events, 5 guest events, FLR, and IO_COMPLETE when deferred', () => {
    expect(vfLifecycleEvents().map((e) => e.type)).toHaveLength(19);
    expect(vfLifecycleEvents({ ioCompletion: 'deferred' }).map((e) => e.type)).toContain('IO_COMPLETE');
    expect(vfLifecycleEvents().map((e) => e.type)).not.toContain('IO_COMPLETE');
  });

  it('every reachable state takes some event (no deadlock), and every step records its own event in `last`', () => {
    for (const o of VF_LIFECYCLE_OPTION_SETS) {
      const g = bfsOf(o);
      const hasOut = new Set(g.steps.map((st) => st.from));
      expect(g.snapshots.every((_, i) => hasOut.has(i))).toBe(true);
      expect(g.steps.every((st) => last(st.after).event === st.event.type)).toBe(true);
    }
  });

  it('rejects bad options with a message saying what to use', () => {
    expect(() => normalizeVfOptions({ maxIoQueues: 0 })).toThrow(/maxIoQueues must be an integer from 1 to 8/);
    expect(() => normalizeVfOptions({ ioCompletion: 'later' as 'deferred' })).toThrow(/use immediate or deferred/);
  });
});
