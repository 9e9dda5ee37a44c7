// Constructor options of the emulated device, resolved and checked once.
import { PROFILE_INFO, PROFILES, type Profile, type ProfileInfo } from './profiles.ts';
import type { HostMemory } from './hostMemory.ts';
import type { RamNamespace } from './namespace.ts';
import type { Tp4159Capabilities } from '../target/adapter.ts';

/** What a VF does with an LM opcode on its own admin queue (D1). */
export type VfQueuePolicy = 'reject' | 'drop';
/** deferred: NVM I/O fetched on a VF I/O queue stays in flight until `completeIo` (D11, D12 tests). */
export type IoCompletion = 'immediate' | 'deferred';

/**
 * Deliberately broken variants, used only to prove that generated suites catch
 * bugs (each is a wrapper in mutants.ts around the correct steps). The lm ones
 * break the vendor profile's LM commands; the tp4159 ones the standard
 * profile's (on the other profiles they change nothing); the controller ones
 * every profile's queues and Identify. MUTANT_BUGS says
 * what each gets wrong.
 */
export const LM_MUTANTS = ['acceptLmOnVfQueue', 'saveWhileRunning', 'partialLoad', 'queryOffByOneQueue', 'ignoreCapability'] as const;
export const TP4159_MUTANTS = ['partialSetState', 'suspendBeforeDrain', 'stateDropsLatchedTail', 'crossVfLog', 'trackWhileSuspended', 'cdqForPf'] as const;
export const CONTROLLER_MUTANTS = ['staleSqHead', 'noPhaseInvert', 'duplicateCompletion', 'badPfIdentify'] as const;
export const MUTANTS = [...LM_MUTANTS, ...TP4159_MUTANTS, ...CONTROLLER_MUTANTS] as const;
export type LmMutant = (typeof LM_MUTANTS)[number];
export type Tp4159Mutant = (typeof TP4159_MUTANTS)[number];
export type ControllerMutant = (typeof CONTROLLER_MUTANTS)[number];
/**
 * Broken logging only the storage-copy property test asks for
 * (test/migrate/storageProperty.test.ts): no generated suite sends Dataset
 * Management, so serve and verify do not offer them.
 */
export const STORAGE_MUTANTS = ['unloggedDeallocate'] as const;
export type StorageMutant = (typeof STORAGE_MUTANTS)[number];
export type Mutant = (typeof MUTANTS)[number] | StorageMutant;

/** The bug each mutant plants and the rules it breaks: `serve --help`, the README's table and the tests' names read it here. */
export const MUTANT_BUGS: Readonly<Record<Mutant, { bug: string; breaks: string }>> = {
  acceptLmOnVfQueue: { bug: "a VF's own admin queue executes LM commands", breaks: 'D1, I1' },
  saveWhileRunning: { bug: 'SAVE succeeds on a running VF, without draining', breaks: 'D5, D12' },
  partialLoad: { bug: 'LOAD tears the VF down and applies registers before checking the data', breaks: 'D7, I5' },
  queryOffByOneQueue: { bug: 'QUERY counts the admin queue as an I/O queue', breaks: 'D8' },
  ignoreCapability: { bug: 'executes the LM commands on every profile', breaks: 'D17' },
  partialSetState: { bug: 'a failing Set Controller State has already created some queues', breaks: 'D26, I11' },
  suspendBeforeDrain: { bug: "Suspend completes before the fetched commands' completions are posted", breaks: 'D22, L5' },
  stateDropsLatchedTail: { bug: "Get Controller State reports an SQ's head as its tail, losing latched doorbells", breaks: 'D25, I12' },
  crossVfLog: { bug: "VF 1's writes are logged into VF 2's user data migration queue", breaks: 'I13' },
  trackWhileSuspended: { bug: 'Track Send start is accepted while the VF is suspended', breaks: 'D29' },
  cdqForPf: { bug: "a Controller Data Queue is created for the PF's own CNTLID", breaks: 'D20, D28' },
  unloggedDeallocate: { bug: 'a Dataset Management deallocate changes the namespace but posts no user data migration queue entry', breaks: 'D30, I10' },
  staleSqHead: { bug: 'every completion reports the SQ head from before its command was fetched', breaks: "NVMe's SQ head pointer, I2" },
  noPhaseInvert: { bug: 'the phase tag is never inverted when a CQ wraps', breaks: "NVMe's phase tag, I2" },
  duplicateCompletion: { bug: "every completion on the PF's admin queue is posted twice", breaks: 'I2' },
  badPfIdentify: { bug: "the PF's Identify Controller byte 3072 is inverted in bit 0", breaks: 'D2, D17' },
};

/** Largest number of I/O queue pairs per function this emulator supports (saved data stays far below 256 KiB). */
export const MAX_IO_QUEUES = 64;
export const MAX_VFS = 255;

export interface DeviceOptions {
  /** SR-IOV VFs enabled; VF k is function k (1-based). Default 2. */
  vfs?: number;
  profile?: Profile;
  /** D10: reject nonzero reserved bits and a nonzero NSID in LM commands */
  strict?: boolean;
  vfQueuePolicy?: VfQueuePolicy;
  /** geometry limit per VF: I/O queue ids 1..n (default 64, max 64) */
  maxIoQueuesPerVf?: number;
  ioCompletion?: IoCompletion;
  mutant?: Mutant;
  /** profile tp4159: the choices the standard leaves a device (D25, D26, D28); default vendor state listed, parts, PC = 1 only */
  tp4159?: Tp4159Capabilities;
  /** share a namespace with another device (D15); default a fresh 1 GiB sparse one */
  namespace?: RamNamespace;
  /** host memory; default a fresh empty one */
  memory?: HostMemory;
}

export interface DeviceConfig {
  vfs: number;
  profile: ProfileInfo;
  strict: boolean;
  vfQueuePolicy: VfQueuePolicy;
  maxIoQueuesPerVf: number;
  ioCompletion: IoCompletion;
  mutant: Mutant | undefined;
  tp4159: Required<Tp4159Capabilities>;
}

function resolveTp4159(c: Tp4159Capabilities = {}): Required<Tp4159Capabilities> {
  const seqind = c.seqind ?? 'parts';
  if (seqind !== 'parts' && seqind !== 'whole-only') throw new RangeError(`tp4159 seqind "${seqind}": use "parts" or "whole-only"`);
  return { vendorState: c.vendorState ?? true, seqind, nonContiguousCdq: c.nonContiguousCdq ?? false };
}

export function resolveOptions(o: DeviceOptions): DeviceConfig {
  const vfs = o.vfs ?? 2;
  if (!Number.isInteger(vfs) || vfs < 0 || vfs > MAX_VFS) throw new RangeError(`vfs = ${vfs}: give a whole number of VFs from 0 to ${MAX_VFS}`);
  const profile = o.profile ?? 'lm';
  if (!PROFILES.includes(profile)) throw new RangeError(`unknown profile "${profile}": use one of ${PROFILES.join(', ')}`);
  const maxIo = o.maxIoQueuesPerVf ?? MAX_IO_QUEUES;
  if (!Number.isInteger(maxIo) || maxIo < 1 || maxIo > MAX_IO_QUEUES) {
    throw new RangeError(`maxIoQueuesPerVf = ${maxIo}: give a whole number from 1 to ${MAX_IO_QUEUES}`);
  }
  const policy = o.vfQueuePolicy ?? 'reject';
  if (policy !== 'reject' && policy !== 'drop') throw new RangeError(`vfQueuePolicy "${policy}": use "reject" or "drop"`);
  const io = o.ioCompletion ?? 'immediate';
  if (io !== 'immediate' && io !== 'deferred') throw new RangeError(`ioCompletion "${io}": use "immediate" or "deferred"`);
  const known: readonly Mutant[] = [...MUTANTS, ...STORAGE_MUTANTS];
  if (o.mutant !== undefined && !known.includes(o.mutant)) throw new RangeError(`unknown mutant "${o.mutant}": use one of ${known.join(', ')}`);
  return {
    vfs,
    profile: PROFILE_INFO[profile],
    strict: o.strict ?? false,
    vfQueuePolicy: policy,
    maxIoQueuesPerVf: maxIo,
    ioCompletion: io,
    mutant: o.mutant,
    tp4159: resolveTp4159(o.tp4159),
  };
}
