// VFIO migration device states and feature flags, with the uAPI numbers
// (include/uapi/linux/vfio.h: enum vfio_device_mig_state, struct
// vfio_device_feature_migration). Host-side constants: src/host reads nothing
// from the specification.

export const VFIO_STATES = ['ERROR', 'STOP', 'RUNNING', 'STOP_COPY', 'RESUMING', 'RUNNING_P2P', 'PRE_COPY', 'PRE_COPY_P2P'] as const;
export type VfioState = (typeof VFIO_STATES)[number];

export function isVfioState(name: string): name is VfioState {
  return (VFIO_STATES as readonly string[]).includes(name);
}

/** Feature flags (uAPI bit values). STOP_COPY is mandatory; the other two are options. */
export const MIG_STOP_COPY = 1 << 0;
export const MIG_P2P = 1 << 1;
export const MIG_PRE_COPY = 1 << 2;

/** The four flag sets a device may advertise. */
export const FLAG_SETS: readonly number[] = [MIG_STOP_COPY, MIG_STOP_COPY | MIG_P2P, MIG_STOP_COPY | MIG_PRE_COPY, MIG_STOP_COPY | MIG_P2P | MIG_PRE_COPY];

export function describeFlags(flags: number): string {
  const names = [flags & MIG_STOP_COPY && 'STOP_COPY', flags & MIG_P2P && 'P2P', flags & MIG_PRE_COPY && 'PRE_COPY'].filter(Boolean);
  return names.join('|') || 'none';
}

export function assertFlags(flags: number): void {
  if (!Number.isInteger(flags) || (flags & ~(MIG_STOP_COPY | MIG_P2P | MIG_PRE_COPY)) !== 0 || (flags & MIG_STOP_COPY) === 0) {
    throw new RangeError(`migration flags ${flags} are invalid: STOP_COPY (1) is required, P2P (2) and PRE_COPY (4) are optional`);
  }
}

/** Whether a device with `flags` has state `s`. ERROR is never a state a user may be in or ask for. */
export function stateSupported(s: VfioState, flags: number): boolean {
  switch (s) {
    case 'ERROR':
      return false;
    case 'RUNNING_P2P':
      return (flags & MIG_P2P) !== 0;
    case 'PRE_COPY':
      return (flags & MIG_PRE_COPY) !== 0;
    case 'PRE_COPY_P2P':
      return (flags & MIG_P2P) !== 0 && (flags & MIG_PRE_COPY) !== 0;
    default:
      return true;
  }
}
