// This project's decision: the NVMe LM commands each VFIO arc sends for the
// RFC's NVMe VF, and what it does to the migration data fd. The RFC driver
// only has the STOP_COPY arcs; the P2P and PRE_COPY rows are ours.
//
// Why these choices:
// - P2P: a suspended VF initiates no DMA at all, so it certainly initiates
//   no peer-to-peer DMA. RUNNING -> RUNNING_P2P therefore SUSPENDs, and
//   STOP is the same device condition as RUNNING_P2P (no command between them).
// - PRE_COPY: the VF's state can only be captured while it is suspended (D5),
//   so the pre-copy stream carries no data. Entering the saving group from a
//   running state only QUERYs (the size is what VFIO_MIG_GET_PRECOPY_INFO
//   reports as initial_bytes) and opens the data fd; SAVE comes on the way
//   into STOP_COPY, after a SUSPEND if the VF still runs.
// - RUNNING_P2P -> PRE_COPY_P2P (used with p2p,pre-copy, e.g. STOP ->
//   PRE_COPY_P2P) is not in the RFC either: like RUNNING -> PRE_COPY it
//   QUERYs and opens the fd; the VF is already suspended.
// - Arcs that leave the saving group for a non-saving state close the fd
//   (the uAPI: they "terminate a data transfer session").
import { VFIO_MIGRATION_P2P, VFIO_MIGRATION_PRE_COPY, type VfioFlags, type VfioState } from './states.ts';
import { stateSupported } from './kernelTables.ts';

/** The five vendor-specific LM admin commands (spec section 1), with their opcodes. */
export const LM_OPCODE = {
  QUERY_DATA_SIZE: 0xc4,
  SUSPEND: 0xc8,
  RESUME: 0xcc,
  SAVE_DATA: 0xd2,
  LOAD_DATA: 0xd5,
} as const;

export type LmCommand = keyof typeof LM_OPCODE;

/**
 * What an arc does to the migration data fd: open one for saving (a
 * SAVE_DATA buffer user space reads), open one for resuming (a 256 KiB
 * buffer user space writes), close the open one, or leave it as it is.
 */
export type DataFdEffect = 'open-save' | 'open-resume' | 'close' | 'keep';

export interface VfioArc {
  from: VfioState;
  to: VfioState;
  /** NVMe LM commands sent to the PF for this VF, in order */
  commands: readonly LmCommand[];
  dataFd: DataFdEffect;
  /** flags the device must have for Linux to use this arc (beyond the states' own) */
  needs: VfioFlags;
  /** flags the device must NOT have (Linux takes another path when they are present) */
  without: VfioFlags;
}

const P2P = VFIO_MIGRATION_P2P;
const PRE = VFIO_MIGRATION_PRE_COPY;

function arc(
  from: VfioState,
  to: VfioState,
  commands: readonly LmCommand[],
  dataFd: DataFdEffect,
  needs: VfioFlags = 0,
  without: VfioFlags = 0,
): VfioArc {
  return { from, to, commands, dataFd, needs, without };
}

/** Every arc this device implements, for any flag set. */
export const VFIO_ARCS: readonly VfioArc[] = [
  // from           to              commands                                   data fd        needs      without
  arc('RUNNING', 'STOP', ['SUSPEND'], 'keep', 0, P2P),
  arc('STOP', 'RUNNING', ['RESUME'], 'keep', 0, P2P),
  arc('STOP', 'STOP_COPY', ['QUERY_DATA_SIZE', 'SAVE_DATA'], 'open-save'),
  arc('STOP_COPY', 'STOP', [], 'close'),
  arc('STOP', 'RESUMING', [], 'open-resume'),
  arc('RESUMING', 'STOP', ['LOAD_DATA'], 'close'),
  // with P2P
  arc('RUNNING', 'RUNNING_P2P', ['SUSPEND'], 'keep', P2P),
  arc('RUNNING_P2P', 'STOP', [], 'keep', P2P),
  arc('STOP', 'RUNNING_P2P', [], 'keep', P2P),
  arc('RUNNING_P2P', 'RUNNING', ['RESUME'], 'keep', P2P),
  // with PRE_COPY
  arc('RUNNING', 'PRE_COPY', ['QUERY_DATA_SIZE'], 'open-save', PRE),
  arc('PRE_COPY', 'RUNNING', [], 'close', PRE),
  arc('PRE_COPY', 'STOP_COPY', ['SUSPEND', 'QUERY_DATA_SIZE', 'SAVE_DATA'], 'keep', PRE, P2P),
  // with P2P and PRE_COPY
  arc('PRE_COPY', 'PRE_COPY_P2P', ['SUSPEND'], 'keep', P2P | PRE),
  arc('PRE_COPY_P2P', 'PRE_COPY', ['RESUME'], 'keep', P2P | PRE),
  arc('PRE_COPY_P2P', 'STOP_COPY', ['QUERY_DATA_SIZE', 'SAVE_DATA'], 'keep', P2P | PRE),
  arc('PRE_COPY_P2P', 'RUNNING_P2P', [], 'close', P2P | PRE),
  arc('RUNNING_P2P', 'PRE_COPY_P2P', ['QUERY_DATA_SIZE'], 'open-save', P2P | PRE),
];

/** The arcs a device with `flags` uses. */
export function vfioArcsFor(flags: VfioFlags): VfioArc[] {
  return VFIO_ARCS.filter(
    (a) =>
      stateSupported(a.from, flags) &&
      stateSupported(a.to, flags) &&
      (a.needs & flags) === a.needs &&
      (a.without & flags) === 0,
  );
}

export function arcName(from: VfioState, to: VfioState): string {
  return `${from}->${to}`;
}
