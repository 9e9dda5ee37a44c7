// What a fuzz sequence is made of: plain data, so fast-check can shrink it
// and a failure prints it. Each step is what a host (hypervisor or guest)
// does to the device; the runner (runner.ts) turns it into register writes,
// SQEs in host memory and doorbells. VF numbers in steps are 1..MAX_FUZZ_VFS
// and are taken modulo the device's VF count when run; I/O queue slots are
// taken modulo the queues the host has, so a shrunk step still means something.
import type { Mutant } from '../emulator/options.ts';
import type { IoCompletion, VfQueuePolicy } from '../emulator/options.ts';
import type { Profile } from '../emulator/profiles.ts';
import type { PartsPlan } from './hmlmSteps.ts';
import type { StateMutation } from './stateMutation.ts';

export const MAX_FUZZ_VFS = 3;

/** Device options drawn for one run. */
export interface FuzzDevice {
  vfs: number;
  profile: Profile;
  strict: boolean;
  vfQueuePolicy: VfQueuePolicy;
  ioCompletion: IoCompletion;
  maxIoQueuesPerVf: number;
  mutant?: Mutant;
}

/** Which submission queue a command goes to. */
export type QueueTarget = { queue: 'pfAdmin' } | { queue: 'vfAdmin'; vf: number } | { queue: 'vfIo'; vf: number; slot: number };

/**
 * Where PRP1/PRP2 come from. `raw`: as the bytes say. `buffer`: the host
 * allocates `pages` pages (a PRP list page too when more than two) filled
 * with `fill`, puts PRP1 at `offset` in the first page, then adds
 * `prp1Delta` (a corruption when nonzero); `prp2` may be replaced.
 */
export type PrpSource =
  | { kind: 'raw' }
  | { kind: 'buffer'; pages: number; offset: number; fill: number; prp1Delta: number; prp2: 'auto' | 'zero' | 'unaligned' | 'unmapped' };

/** One 64-byte SQE as generated; the host writes its own CID into bytes 3:2. */
export interface SqeSpec {
  bytes: Uint8Array;
  prps: PrpSource;
  origin: 'random' | 'corrupted' | 'lm';
  /** what was generated, for the failure report (e.g. "Identify, nsid corrupted") */
  note: string;
}

/**
 * A migration image mutation that D7 says LOAD must refuse (each one breaks
 * a check D7 lists: size, recorded length, magic, version, checksum, geometry).
 */
export type ImageMutation =
  | { kind: 'flip'; at: number; xor: number }
  | { kind: 'size'; delta: number }
  | { kind: 'magic'; value: number }
  | { kind: 'version'; value: number }
  | { kind: 'queueCount'; add: number }
  | { kind: 'queueSize'; record: number; sq: boolean; value: number }
  | { kind: 'qid'; record: number; value: number }
  | { kind: 'garbage'; bytes: Uint8Array };

/** `real`: the VF's own SAVE, nothing changed since; `mutated`: an image LOAD must refuse. */
export type ImageChoice = { kind: 'real' } | { kind: 'mutated'; mutation: ImageMutation };

export type Step =
  | { kind: 'submit'; target: QueueTarget; sqe: SqeSpec }
  | { kind: 'enable'; fn: number }
  | { kind: 'createQueues'; vf: number; entries: number }
  | { kind: 'deleteQueues'; vf: number; slot: number }
  | { kind: 'io'; vf: number; slot: number; op: 'write' | 'read' | 'flush'; slba: number; blocks: number; fill: number }
  | { kind: 'completeIo'; vf: number; n: number }
  | { kind: 'lm'; op: 'suspend' | 'resume' | 'query' | 'save'; vf: number }
  | { kind: 'load'; vf: number; image: ImageChoice; offset: number }
  | { kind: 'migrate'; vf: number; image: ImageChoice; offset: number; saveTwice: boolean; resume: boolean }
  | { kind: 'reset'; what: 'flr' | 'disable'; fn: number; recover: boolean }
  /** tp4159: a UDMQ for `vf`, maybe logging, a tail-pointer trigger and a One-Shot AER (D28-D33) */
  | { kind: 'cdq'; vf: number; entries: number; start: boolean; tpt?: number; aer: boolean }
  /** tp4159: Suspend `from`, Get its state, Set it (or a corrupted copy) onto `to` (D22-D27, I12) */
  | { kind: 'hmlmMigrate'; from: number; to: number; csuuidi: number; offset: number; plan: PartsPlan; mutation?: StateMutation };

/** A VF number from a step, on a device with `vfs` VFs (1-based). */
export function resolveVf(vf: number, vfs: number): number {
  return ((vf - 1) % vfs) + 1;
}

/** A function number from a step (0 = PF stays the PF). */
export function resolveFn(fn: number, vfs: number): number {
  return fn === 0 ? 0 : resolveVf(fn, vfs);
}
