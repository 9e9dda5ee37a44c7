// Toy machines for the diagram tests: nesting, parallel regions, final states,
// named guards, and NVMe statuses in transition and final-state meta.
import { setup, type AnyStateMachine } from 'xstate';

/** A command pipeline in miniature: guarded rejections with statuses (D1, D5), a parallel stage, finals. */
export const toyPipeline: AnyStateMachine = setup({
  types: {
    events: {} as { type: 'ARRIVE_VF_QUEUE' } | { type: 'ARRIVE_PF_QUEUE' } | { type: 'CHECK' } | { type: 'DMA_OK' } | { type: 'RESET' },
  },
  guards: { vfStateAllows: () => true, isLmOpcode: () => true },
}).createMachine({
  id: 'toyPipeline',
  initial: 'arrival',
  on: { RESET: { target: '.arrival' } },
  states: {
    arrival: {
      on: {
        ARRIVE_VF_QUEUE: [
          { guard: 'isLmOpcode', target: 'rejectedVfQueue', meta: { status: { sct: 0, sc: 0x01, dnr: true }, decision: 'D1' } },
          { target: 'done' },
        ],
        ARRIVE_PF_QUEUE: { target: 'checks' },
      },
    },
    checks: {
      initial: 'fields',
      states: {
        fields: { on: { CHECK: [{ guard: 'vfStateAllows', target: 'transfer' }, { target: '#toyPipeline.rejectedSequence' }] } },
        transfer: {
          type: 'parallel',
          states: {
            prp: { initial: 'mapping', states: { mapping: { on: { DMA_OK: 'mapped' } }, mapped: { type: 'final' } } },
            data: { initial: 'checking', states: { checking: { on: { DMA_OK: 'valid' } }, valid: { type: 'final' } } },
          },
          onDone: { target: '#toyPipeline.done' },
        },
      },
    },
    rejectedVfQueue: { type: 'final' },
    rejectedSequence: { type: 'final', meta: { status: { sct: 0, sc: 0x0c, dnr: false }, decision: 'D5' } },
    done: { type: 'final' },
  },
});

/** Duplicate keys in two regions, a targetless edge, characters Mermaid and DOT choke on. */
export const toyAwkward: AnyStateMachine = setup({
  types: { events: {} as { type: 'GO' } | { type: 'NOTE' } | { type: 'x:y;z' } },
  guards: { 'odd "guard" {x}': () => true },
}).createMachine({
  id: 'toy-awkward',
  type: 'parallel',
  states: {
    left: { initial: 'idle', states: { idle: { on: { GO: 'busy', NOTE: { actions: [] } } }, busy: { on: { 'x:y;z': { guard: 'odd "guard" {x}', target: 'idle', meta: { sc: 0x02, dnr: true, decision: 'D4' } } } } } },
    right: { initial: 'idle', states: { idle: { on: { GO: 'busy' } }, busy: { on: { GO: '#toy-awkward.left.idle' } } } },
  },
});
