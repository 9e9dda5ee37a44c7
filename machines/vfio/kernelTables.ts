// The two tables inside Linux's vfio_mig_get_next_state()
// (drivers/vfio/vfio_main.c), transcribed as data. Both the fixed function
// (nextState.ts) and the pre-fix transition system (nextStatePreFix.ts) read
// them; neither copies the kernel's control flow.
import {
  VFIO_MIGRATION_P2P,
  VFIO_MIGRATION_PRE_COPY,
  VFIO_MIGRATION_STOP_COPY,
  type VfioFlags,
  type VfioState,
} from './states.ts';

/**
 * vfio_from_fsm_table[from][requested]: the next state on the way from
 * `from` to `requested`, assuming every optional state is supported. ERROR
 * in a cell is the blocked-arc marker (the request is not allowed); the
 * ERROR row is all ERROR.
 */
export const FROM_FSM_TABLE: Readonly<Record<VfioState, Readonly<Record<VfioState, VfioState>>>> = {
  STOP: {
    STOP: 'STOP',
    RUNNING: 'RUNNING_P2P',
    PRE_COPY: 'RUNNING_P2P',
    PRE_COPY_P2P: 'RUNNING_P2P',
    STOP_COPY: 'STOP_COPY',
    RESUMING: 'RESUMING',
    RUNNING_P2P: 'RUNNING_P2P',
    ERROR: 'ERROR',
  },
  RUNNING: {
    STOP: 'RUNNING_P2P',
    RUNNING: 'RUNNING',
    PRE_COPY: 'PRE_COPY',
    PRE_COPY_P2P: 'RUNNING_P2P',
    STOP_COPY: 'RUNNING_P2P',
    RESUMING: 'RUNNING_P2P',
    RUNNING_P2P: 'RUNNING_P2P',
    ERROR: 'ERROR',
  },
  PRE_COPY: {
    STOP: 'RUNNING',
    RUNNING: 'RUNNING',
    PRE_COPY: 'PRE_COPY',
    PRE_COPY_P2P: 'PRE_COPY_P2P',
    STOP_COPY: 'PRE_COPY_P2P',
    RESUMING: 'RUNNING',
    RUNNING_P2P: 'RUNNING',
    ERROR: 'ERROR',
  },
  PRE_COPY_P2P: {
    STOP: 'RUNNING_P2P',
    RUNNING: 'RUNNING_P2P',
    PRE_COPY: 'PRE_COPY',
    PRE_COPY_P2P: 'PRE_COPY_P2P',
    STOP_COPY: 'STOP_COPY',
    RESUMING: 'RUNNING_P2P',
    RUNNING_P2P: 'RUNNING_P2P',
    ERROR: 'ERROR',
  },
  STOP_COPY: {
    STOP: 'STOP',
    RUNNING: 'STOP',
    PRE_COPY: 'ERROR',
    PRE_COPY_P2P: 'ERROR',
    STOP_COPY: 'STOP_COPY',
    RESUMING: 'STOP',
    RUNNING_P2P: 'STOP',
    ERROR: 'ERROR',
  },
  RESUMING: {
    STOP: 'STOP',
    RUNNING: 'STOP',
    PRE_COPY: 'STOP',
    PRE_COPY_P2P: 'STOP',
    STOP_COPY: 'STOP',
    RESUMING: 'RESUMING',
    RUNNING_P2P: 'STOP',
    ERROR: 'ERROR',
  },
  RUNNING_P2P: {
    STOP: 'STOP',
    RUNNING: 'RUNNING',
    PRE_COPY: 'RUNNING',
    PRE_COPY_P2P: 'PRE_COPY_P2P',
    STOP_COPY: 'STOP',
    RESUMING: 'STOP',
    RUNNING_P2P: 'RUNNING_P2P',
    ERROR: 'ERROR',
  },
  ERROR: {
    STOP: 'ERROR',
    RUNNING: 'ERROR',
    PRE_COPY: 'ERROR',
    PRE_COPY_P2P: 'ERROR',
    STOP_COPY: 'ERROR',
    RESUMING: 'ERROR',
    RUNNING_P2P: 'ERROR',
    ERROR: 'ERROR',
  },
};

/** C's `~0U`: every bit of an unsigned int set. No device's flags contain it. */
export const ALL_BITS_U32 = 0xffff_ffff;

/**
 * state_flags_table[state]: the flags a device needs for the state to exist.
 * ERROR's mask is ~0U, so ERROR never counts as supported: that is what
 * makes SET_STATE(ERROR) fail, and what made the pre-fix skip loop spin.
 */
export const STATE_FLAGS_TABLE: Readonly<Record<VfioState, number>> = {
  STOP: VFIO_MIGRATION_STOP_COPY,
  RUNNING: VFIO_MIGRATION_STOP_COPY,
  PRE_COPY: VFIO_MIGRATION_STOP_COPY | VFIO_MIGRATION_PRE_COPY,
  PRE_COPY_P2P: VFIO_MIGRATION_STOP_COPY | VFIO_MIGRATION_P2P | VFIO_MIGRATION_PRE_COPY,
  STOP_COPY: VFIO_MIGRATION_STOP_COPY,
  RESUMING: VFIO_MIGRATION_STOP_COPY,
  RUNNING_P2P: VFIO_MIGRATION_STOP_COPY | VFIO_MIGRATION_P2P,
  ERROR: ALL_BITS_U32,
};

/** `(state_flags_table[s] & flags) == state_flags_table[s]`, in unsigned 32-bit arithmetic as in C. */
export function stateSupported(state: VfioState, flags: VfioFlags): boolean {
  const need = STATE_FLAGS_TABLE[state] >>> 0;
  return ((need & flags) >>> 0) === need;
}
