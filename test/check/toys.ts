// Small machines with known answers, for the checker's and the path
// generator's tests. Each factory can seed one specific bug.
import { and, assign, setup } from 'xstate';
import type { AnyMachineSnapshot } from 'xstate';
import type { MachineSpec } from '../../machines/spec.ts';
import type { ProductDecomposition } from '../../src/check/localRelation.ts';

// ---------------------------------------------------------------------------
// mutex(n): n identical parallel regions share one critical section. Under
// symmetry reduction states that differ only by region order are one state.
type MutexEvent = { type: 'REQ' | 'ENTER' | 'EXIT'; vf: number };

export function mutexToy(n: number, opts: { forgetLock?: boolean } = {}): MachineSpec {
  const m = setup({
    types: { context: {} as { holder: number }, events: {} as MutexEvent },
    guards: {
      forMe: ({ event }, p: { vf: number }) => event.vf === p.vf,
      free: ({ context }) => context.holder === 0,
      alwaysFree: () => true,
    },
    actions: {
      take: assign((_, p: { vf: number }) => ({ holder: p.vf })),
      release: assign({ holder: 0 }),
    },
  });
  const region = (vf: number) => ({
    initial: 'idle',
    states: {
      idle: { on: { REQ: { guard: { type: 'forMe', params: { vf } }, target: 'waiting' } } },
      waiting: {
        on: {
          ENTER: {
            guard: and([{ type: 'forMe', params: { vf } }, opts.forgetLock ? 'alwaysFree' : 'free']),
            target: 'critical',
            actions: { type: 'take', params: { vf } },
          },
        },
      },
      critical: {
        on: { EXIT: { guard: { type: 'forMe', params: { vf } }, target: 'idle', actions: 'release' } },
      },
    },
  });
  const states: Record<string, ReturnType<typeof region>> = {};
  for (let i = 1; i <= n; i++) states[`vf${i}`] = region(i);
  const machine = m.createMachine({ id: 'mutex', type: 'parallel', context: { holder: 0 }, states: states as {} });
  const events: MutexEvent[] = [];
  for (const type of ['REQ', 'ENTER', 'EXIT'] as const) for (let vf = 1; vf <= n; vf++) events.push({ type, vf });
  const regionStates = (s: AnyMachineSnapshot): string[] => {
    const v = s.value as Record<string, string>;
    return Array.from({ length: n }, (_, i) => v[`vf${i + 1}`]);
  };
  const inCritical = (s: AnyMachineSnapshot) => regionStates(s).filter((r) => r === 'critical').length;
  return {
    id: `mutex:${n}${opts.forgetLock ? ':bug' : ''}`,
    description: 'n regions share one critical section',
    machine,
    events,
    symmetricKey: (s) =>
      regionStates(s)
        .map((r, i) => `${r}${(s.context as { holder: number }).holder === i + 1 ? '*' : ''}`)
        .sort()
        .join(','),
    invariants: [
      {
        id: 'MUTEX',
        description: 'at most one region is critical',
        check: ({ after }) => inCritical(after) <= 1 || `${inCritical(after)} regions are critical at once`,
      },
    ],
    liveness: [
      {
        id: 'ENTRY',
        description: 'a waiting region eventually enters',
        fairness: 'a region in critical eventually exits; REQ of another region cannot repeat forever',
        pending: (s) => regionStates(s).includes('waiting'),
      },
      {
        id: 'PROGRESS',
        description: 'when regions wait and none is critical, one enters',
        fairness: 'none needed',
        pending: (s) => regionStates(s).includes('waiting') && inCritical(s) === 0,
      },
    ],
  };
}

// ---------------------------------------------------------------------------
// vf: one VF's LM states (D5). `saveWhileRunning` seeds the bug I5/D5 forbid.
type VfEvent = { type: 'ENABLE' | 'SUSPEND' | 'RESUME' | 'SAVE' | 'LOAD' | 'RESET' };

export function vfToy(opts: { saveWhileRunning?: boolean } = {}): MachineSpec {
  const machine = setup({
    types: { context: {} as { saves: number }, events: {} as VfEvent },
    guards: { underTwo: ({ context }) => context.saves < 2 },
    actions: { countSave: assign(({ context }) => ({ saves: context.saves + 1 })) },
  }).createMachine({
    id: 'vf',
    initial: 'disabled',
    context: { saves: 0 },
    states: {
      disabled: { on: { ENABLE: 'running' } },
      running: {
        on: { SUSPEND: 'suspended', RESET: 'disabled', ...(opts.saveWhileRunning ? { SAVE: 'saved' as const } : {}) },
      },
      suspended: {
        on: { RESUME: 'running', SAVE: { guard: 'underTwo', target: 'saved', actions: 'countSave' }, LOAD: 'loaded' },
      },
      saved: { on: { RESUME: 'running', LOAD: 'loaded', SAVE: { guard: 'underTwo', target: 'saved', actions: 'countSave' } } },
      loaded: { on: { RESUME: 'running' } },
    },
  });
  const events: VfEvent[] = ['ENABLE', 'SUSPEND', 'RESUME', 'SAVE', 'LOAD', 'RESET'].map((type) => ({ type }) as VfEvent);
  return {
    id: `vf${opts.saveWhileRunning ? ':bug' : ''}`,
    description: 'one VF: running, suspended, saved, loaded',
    machine,
    events,
    invariants: [
      {
        id: 'I5',
        description: 'D5: SAVE on a running VF changes nothing',
        check: ({ before, event, after }) =>
          event.type !== 'SAVE' || !before.matches('running') || after.matches('running') || 'SAVE succeeded on a running VF',
      },
      {
        id: 'COUNT',
        description: 'saves never exceed 2',
        check: ({ after }) => (after.context as { saves: number }).saves <= 2 || 'more than two saves',
      },
    ],
    liveness: [],
  };
}

// ---------------------------------------------------------------------------
// doorbell: L2 style. Doorbells rung while suspended are latched; RESUME must
// fetch them. `resumeForgets` seeds the bug: the latch survives RESUME and
// nothing fetches it again.
type BellEvent = { type: 'DOORBELL' | 'SUSPEND' | 'RESUME' };

export function doorbellToy(opts: { resumeForgets?: boolean } = {}): MachineSpec {
  const machine = setup({
    types: { context: {} as { latched: boolean; fetched: number }, events: {} as BellEvent },
    guards: { notLatched: ({ context }) => !context.latched },
    actions: {
      latch: assign({ latched: true }),
      fetch: assign(({ context }) => ({ fetched: (context.fetched + 1) % 2, latched: false })),
      fetchLatched: assign(({ context }) => (context.latched ? { latched: false, fetched: (context.fetched + 1) % 2 } : {})),
    },
  }).createMachine({
    id: 'doorbell',
    initial: 'running',
    context: { latched: false, fetched: 0 },
    states: {
      running: {
        on: {
          // a running VF fetches what a doorbell announces; a stale latch blocks the fetcher (the bug's symptom)
          DOORBELL: { guard: 'notLatched', actions: 'fetch' },
          SUSPEND: 'suspended',
        },
      },
      suspended: {
        on: {
          DOORBELL: { actions: 'latch' },
          RESUME: opts.resumeForgets ? { target: 'running' } : { target: 'running', actions: 'fetchLatched' },
        },
      },
    },
  });
  return {
    id: `doorbell${opts.resumeForgets ? ':bug' : ''}`,
    description: 'doorbells latched while suspended',
    machine,
    events: [{ type: 'DOORBELL' }, { type: 'SUSPEND' }, { type: 'RESUME' }],
    invariants: [],
    liveness: [
      {
        id: 'L2',
        description: 'D11: a latched doorbell is fetched once the VF runs again',
        fairness: 'a suspended VF is eventually resumed: a run cannot stay suspended forever',
        pending: (s) => (s.context as { latched: boolean }).latched,
        unfair: ({ before, event }) => before.matches('suspended') && event.type !== 'RESUME',
      },
    ],
  };
}

// ---------------------------------------------------------------------------
// drain: L4 style. SAVE waits until every fetched command completes.
// `fetchWhileDraining` seeds a drain that never ends (fetching goes on);
// `noCompletions` a drain that gets stuck (nothing completes while draining).
type DrainEvent = { type: 'FETCH' | 'COMPLETE' | 'SAVE' | 'RESUME' };

export function drainToy(opts: { fetchWhileDraining?: boolean; noCompletions?: boolean } = {}): MachineSpec {
  const machine = setup({
    types: { context: {} as { inflight: number }, events: {} as DrainEvent },
    guards: {
      idle: ({ context }) => context.inflight === 0,
      busy: ({ context }) => context.inflight > 0,
      room: ({ context }) => context.inflight < 2,
    },
    actions: {
      fetch: assign(({ context }) => ({ inflight: context.inflight + 1 })),
      complete: assign(({ context }) => ({ inflight: context.inflight - 1 })),
    },
  }).createMachine({
    id: 'drain',
    initial: 'running',
    context: { inflight: 0 },
    states: {
      running: {
        on: {
          FETCH: { guard: 'room', actions: 'fetch' },
          COMPLETE: { guard: 'busy', actions: 'complete' },
          SAVE: 'draining',
        },
      },
      draining: {
        always: { guard: 'idle', target: 'saved' },
        on: {
          ...(opts.noCompletions ? {} : { COMPLETE: { guard: 'busy' as const, actions: 'complete' as const } }),
          ...(opts.fetchWhileDraining ? { FETCH: { guard: 'room' as const, actions: 'fetch' as const } } : {}),
        },
      },
      saved: { on: { RESUME: 'running' } },
    },
  });
  const tag = [opts.fetchWhileDraining ? 'fetch' : '', opts.noCompletions ? 'stuck' : ''].filter(Boolean).join('+');
  return {
    id: `drain${tag ? `:${tag}` : ''}`,
    description: 'SAVE drains fetched commands',
    machine,
    events: [{ type: 'FETCH' }, { type: 'COMPLETE' }, { type: 'SAVE' }, { type: 'RESUME' }],
    invariants: [],
    liveness: [
      {
        id: 'L4',
        description: "D12: a SAVE's drain ends",
        fairness: 'every fetched command eventually completes',
        pending: (s) => s.matches('draining'),
      },
    ],
  };
}

// ---------------------------------------------------------------------------
// deadlock: `broken` has no way out and is not final; `off` is final.
export function deadlockToy(): MachineSpec {
  const machine = setup({ types: { events: {} as { type: 'GO' | 'BREAK' | 'STOP' } } }).createMachine({
    id: 'dl',
    initial: 'a',
    states: {
      a: { on: { GO: 'b', STOP: 'off' } },
      b: { on: { GO: 'a', BREAK: 'broken' } },
      broken: {},
      off: { type: 'final' },
    },
  });
  return {
    id: 'deadlock',
    description: 'one state with no way out',
    machine,
    events: [{ type: 'GO' }, { type: 'BREAK' }, { type: 'STOP' }],
    invariants: [],
    liveness: [],
  };
}

// ---------------------------------------------------------------------------
// product(n): n identical, independent VF regions with a per-region counter in
// a shared context array, a broadcast PF_RESET that every region takes, and a
// root-level TICK (a targetless edge outside every region).
type ProductEvent = { type: 'SUBMIT' | 'COMPLETE' | 'SUSPEND' | 'SAVE' | 'RESUME'; vf: number } | { type: 'PF_RESET' | 'TICK' };

export function productToy(n: number): MachineSpec & { decomposition: ProductDecomposition } {
  const m = setup({
    types: { context: {} as { c: number[] }, events: {} as ProductEvent },
    guards: {
      mine: ({ event }, p: { i: number }) => 'vf' in event && event.vf === p.i,
      room: ({ context }, p: { i: number }) => context.c[p.i - 1] < 2,
      busy: ({ context }, p: { i: number }) => context.c[p.i - 1] > 0,
      idle: ({ context }, p: { i: number }) => context.c[p.i - 1] === 0,
    },
    actions: {
      add: assign(({ context }, p: { i: number; d: number }) => ({ c: context.c.map((x, k) => (k === p.i - 1 ? x + p.d : x)) })),
      clear: assign(({ context }, p: { i: number }) => ({ c: context.c.map((x, k) => (k === p.i - 1 ? 0 : x)) })),
    },
  });
  const region = (i: number) => {
    const mine = { type: 'mine', params: { i } } as const;
    const reset = { target: 'running', actions: { type: 'clear', params: { i } } } as const;
    return {
      initial: 'running',
      states: {
        running: {
          on: {
            SUBMIT: { guard: and([mine, { type: 'room', params: { i } }]), actions: { type: 'add', params: { i, d: 1 } } },
            COMPLETE: { guard: and([mine, { type: 'busy', params: { i } }]), actions: { type: 'add', params: { i, d: -1 } } },
            SUSPEND: { guard: mine, target: 'suspended' },
            PF_RESET: reset,
          },
        },
        suspended: {
          on: {
            COMPLETE: { guard: and([mine, { type: 'busy', params: { i } }]), actions: { type: 'add', params: { i, d: -1 } } },
            SAVE: { guard: and([mine, { type: 'idle', params: { i } }]), target: 'saved' },
            RESUME: { guard: mine, target: 'running' },
            PF_RESET: reset,
          },
        },
        saved: { on: { RESUME: { guard: mine, target: 'running' }, PF_RESET: reset } },
      },
    };
  };
  const states: Record<string, ReturnType<typeof region>> = {};
  for (let i = 1; i <= n; i++) states[`vf${i}`] = region(i);
  const machine = m.createMachine({
    id: 'product',
    type: 'parallel',
    context: { c: new Array<number>(n).fill(0) },
    on: { TICK: {} },
    states: states as {},
  });
  const events: ProductEvent[] = [];
  for (const type of ['SUBMIT', 'COMPLETE', 'SUSPEND', 'SAVE', 'RESUME'] as const) for (let vf = 1; vf <= n; vf++) events.push({ type, vf });
  events.push({ type: 'PF_RESET' }, { type: 'TICK' });
  const project = (s: AnyMachineSnapshot): string[] => {
    const v = s.value as Record<string, string>;
    const c = (s.context as { c: number[] }).c;
    return Array.from({ length: n }, (_, i) => `${v[`vf${i + 1}`]}:${c[i]}`);
  };
  return {
    id: `product:${n}`,
    description: 'n independent VF regions',
    machine,
    events,
    symmetricKey: (s) => project(s).sort().join(','),
    invariants: [],
    liveness: [],
    decomposition: {
      regions: n,
      project,
      route: (e) => ('vf' in e ? { region: (e as { vf: number }).vf - 1, local: e.type } : { region: 'all', local: e.type }),
    },
  };
}
