// The emulated NVMe PF with SR-IOV VFs: the public surface.
export { EmulatedDevice, type DeviceSnapshot, type FunctionInfo, type PciId } from './device.ts';
export type { CommandTrace, LmState } from './controller.ts';
export { HostMemory, PAGE_SIZE, type Address } from './hostMemory.ts';
export { RamNamespace, LBA_SIZE, DEFAULT_NAMESPACE_LBAS } from './namespace.ts';
export { MAX_IO_QUEUES, MAX_VFS, MUTANTS, type DeviceOptions, type IoCompletion, type Mutant, type VfQueuePolicy } from './options.ts';
export { PROFILES, PROFILE_INFO, type Profile, type ProfileInfo } from './profiles.ts';
export {
  decodeSavedData,
  encodeSavedState,
  MAX_MIGRATION_DATA,
  SAVED_HEADER_LAYOUT,
  SAVED_MAGIC,
  SAVED_QUEUE_LAYOUT,
  SAVED_VERSION,
  savedDataSize,
  type LoadDefect,
  type SavedState,
} from './savedData.ts';
export { walkPrps, type PrpWalk } from './prp.ts';
export type { HashExclusion } from './stateHash.ts';
