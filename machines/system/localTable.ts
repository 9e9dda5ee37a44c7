// One VF's local transition relation inside the system, as a table: for each
// local state, what each event aimed at that VF does. Every VF region is
// built from this one table (region.ts), so a checker may learn the relation
// once, from the table or by calling XState per (local state, event), and
// explore the product of n VFs on packed vectors.
//
// An event missing from a row is not enabled there: the guest is stopped from
// SAVE until RESUME; a busy VF is not loaded over; VF-queue LM opcodes are
// modelled where the VF fetches them (running); a LOAD into saved/loaded is
// of that VF's own image, so it carries the same I/O.
//
// `Busy` is one I/O that is fetched while running and latched in every other
// state (D11): the 8 local states cannot tell a fetched I/O from a latched
// one, so the table never lets the two meet. The host suspends a VF with no
// I/O fetched (runningBusy takes no SUSPEND), so a suspended VF's I/O was
// submitted after SUSPEND and is latched: it completes only after RESUME
// (suspendedBusy takes no IO_COMPLETE), and SAVE carries it with nothing to
// drain. A fetched I/O across SUSPEND, and SAVE's drain of it (D12), are
// vfLifecycle's. (With both, SAVE of a VF holding a fetched I/O would have to
// answer at once and still carry the I/O, which D12 forbids.)
import type { SystemStatus, SystemVfEventType, VfLocalState, VfQueuePolicy } from './types.ts';

export interface LocalRow {
  /** the local state after; absent = unchanged (a targetless edge) */
  to?: VfLocalState;
  status: SystemStatus | 'none';
  decision: string;
}

export type LocalTable = Record<VfLocalState, Partial<Record<SystemVfEventType, LocalRow>>>;

const ok = (decision: string, to?: VfLocalState): LocalRow => (to === undefined ? { status: 'SUCCESS', decision } : { to, status: 'SUCCESS', decision });
const none = (decision: string, to?: VfLocalState): LocalRow => (to === undefined ? { status: 'none', decision } : { to, status: 'none', decision });
const fail = (status: SystemStatus, decision: string): LocalRow => ({ status, decision });

/** Rows shared by every non-running state (D5, D7, D13). */
function stopped(self: 'saved' | 'loaded' | 'suspended', busy: boolean): Partial<Record<SystemVfEventType, LocalRow>> {
  const b = busy ? 'Busy' : 'Idle';
  return {
    LM_QUERY: ok('D8'),
    LM_SUSPEND: ok('D5'),
    LM_RESUME: ok('D5', `running${b}`),
    LM_SAVE: self === 'saved' ? ok('D6') : ok('D12', `saved${b}`),
    LM_LOAD_CORRUPT: fail('INVALID_FIELD', 'D7'),
    FLR: none('D13', 'runningIdle'),
  };
}

/** The table for one VF-queue policy (D1). */
export function localTable(policy: VfQueuePolicy): LocalTable {
  const vfLm = policy === 'reject' ? fail('INVALID_OPCODE', 'D1') : none('D1');
  const running = {
    LM_QUERY: ok('D8'),
    LM_RESUME: ok('D5'),
    LM_SAVE: fail('SEQUENCE_ERROR', 'D5'),
    LM_LOAD: fail('SEQUENCE_ERROR', 'D5'),
    LM_LOAD_IO: fail('SEQUENCE_ERROR', 'D5'),
    LM_LOAD_CORRUPT: fail('SEQUENCE_ERROR', 'D5'),
    VF_LM: vfLm,
  };
  return {
    runningIdle: { ...running, SUBMIT_IO: none('NVMe', 'runningBusy'), LM_SUSPEND: ok('D5', 'suspendedIdle'), FLR: none('D13') },
    runningBusy: { ...running, IO_COMPLETE: none('NVMe', 'runningIdle'), FLR: none('D13', 'runningIdle') },
    suspendedIdle: {
      ...stopped('suspended', false),
      SUBMIT_IO: none('D11', 'suspendedBusy'),
      LM_LOAD: ok('D7', 'loadedIdle'),
      LM_LOAD_IO: ok('D7', 'loadedBusy'),
    },
    // D11: the latched I/O waits for RESUME; no LOAD over a VF with guest work
    suspendedBusy: { ...stopped('suspended', true) },
    savedIdle: { ...stopped('saved', false), LM_LOAD: ok('D7', 'loadedIdle') },
    savedBusy: { ...stopped('saved', true), LM_LOAD_IO: ok('D7', 'loadedBusy') },
    loadedIdle: { ...stopped('loaded', false), LM_SAVE: ok('D12', 'savedIdle'), LM_LOAD: ok('D7') },
    loadedBusy: { ...stopped('loaded', true), LM_SAVE: ok('D12', 'savedBusy'), LM_LOAD_IO: ok('D7') },
  };
}

export function isBusy(s: VfLocalState): boolean {
  return s.endsWith('Busy');
}
