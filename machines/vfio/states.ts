// Linux VFIO migration device states and feature flags, with the numbers of
// the uAPI (include/uapi/linux/vfio.h, enum vfio_device_mig_state and
// struct vfio_device_feature_migration). The spec defines its own constants:
// machines/ imports nothing from src/.

/** enum vfio_device_mig_state: name -> uAPI number. */
export const VFIO_STATE_NUMBER = {
  ERROR: 0,
  STOP: 1,
  RUNNING: 2,
  STOP_COPY: 3,
  RESUMING: 4,
  RUNNING_P2P: 5,
  PRE_COPY: 6,
  PRE_COPY_P2P: 7,
} as const;

export type VfioState = keyof typeof VFIO_STATE_NUMBER;

/** All eight states, in uAPI number order (ERROR = 0 first). */
export const VFIO_STATES: readonly VfioState[] = [
  'ERROR',
  'STOP',
  'RUNNING',
  'STOP_COPY',
  'RESUMING',
  'RUNNING_P2P',
  'PRE_COPY',
  'PRE_COPY_P2P',
];

/** The order the CLI table prints rows and columns in (the usual reading order, ERROR last). */
export const VFIO_DISPLAY_ORDER: readonly VfioState[] = [
  'STOP',
  'RUNNING',
  'STOP_COPY',
  'RESUMING',
  'RUNNING_P2P',
  'PRE_COPY',
  'PRE_COPY_P2P',
  'ERROR',
];

export function isVfioState(name: string): name is VfioState {
  return Object.hasOwn(VFIO_STATE_NUMBER, name);
}

/** struct vfio_device_feature_migration flags (uAPI bit values). */
export const VFIO_MIGRATION_STOP_COPY = 1 << 0;
export const VFIO_MIGRATION_P2P = 1 << 1;
export const VFIO_MIGRATION_PRE_COPY = 1 << 2;

/** A device's migration flags: a bit set of the three values above, STOP_COPY always included. */
export type VfioFlags = number;

/** Feature names as the CLI and ids spell them, with their flag bit. */
const VFIO_FEATURES: readonly { name: string; flag: number }[] = [
  { name: 'stop-copy', flag: VFIO_MIGRATION_STOP_COPY },
  { name: 'p2p', flag: VFIO_MIGRATION_P2P },
  { name: 'pre-copy', flag: VFIO_MIGRATION_PRE_COPY },
];

/**
 * Parse a feature list such as "p2p,pre-copy". The empty string is allowed;
 * STOP_COPY is always implied (the uAPI requires it). Names are
 * case-insensitive and `_` may stand for `-` ("PRE_COPY").
 */
export function parseVfioFeatures(list: string): VfioFlags {
  let flags = VFIO_MIGRATION_STOP_COPY;
  for (const raw of list.split(',')) {
    const name = raw.trim().toLowerCase().replaceAll('_', '-');
    if (name === '') continue;
    const feature = VFIO_FEATURES.find((f) => f.name === name);
    if (feature === undefined) {
      const valid = VFIO_FEATURES.map((f) => f.name).join(', ');
      throw new Error(
        `unknown VFIO migration feature "${raw.trim()}"; valid features are ${valid} ` +
          `(comma-separated, e.g. "p2p,pre-copy"; "" means STOP_COPY only)`,
      );
    }
    flags |= feature.flag;
  }
  return flags;
}

/** The canonical feature list of a flag set: "stop-copy", "p2p", "pre-copy" or "p2p,pre-copy". */
export function formatVfioFeatures(flags: VfioFlags): string {
  const optional = VFIO_FEATURES.filter((f) => f.flag !== VFIO_MIGRATION_STOP_COPY && (flags & f.flag) !== 0);
  return optional.length === 0 ? 'stop-copy' : optional.map((f) => f.name).join(',');
}

/** The four flag sets the uAPI defines behaviour for: STOP_COPY alone, +P2P, +PRE_COPY, +both. */
export const VFIO_FLAG_SETS: readonly VfioFlags[] = [
  VFIO_MIGRATION_STOP_COPY,
  VFIO_MIGRATION_STOP_COPY | VFIO_MIGRATION_P2P,
  VFIO_MIGRATION_STOP_COPY | VFIO_MIGRATION_PRE_COPY,
  VFIO_MIGRATION_STOP_COPY | VFIO_MIGRATION_P2P | VFIO_MIGRATION_PRE_COPY,
];
