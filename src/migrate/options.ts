// What `nvme-lm migrate` takes, its defaults, and the checks that turn bad
// input into one-line errors (the CLI exits 2 on them).
import { MAX_IO_QUEUES, MAX_VFS } from '../emulator/options.ts';
import { PROFILES, type Profile } from '../emulator/profiles.ts';
import type { Mutant } from '../emulator/options.ts';
import type { HostProfile } from '../host/driver.ts';
import { faultNotFor, parseFault, type FaultSpec } from './faults.ts';

export interface MigrateOptions {
  /** VFs per device */
  vfs: number;
  /** the migrating VF, 1-based (the NVMe VF index; the kernel's VF id is vf - 1) */
  vf: number;
  /** I/O queue pairs the migrating guest uses */
  queues: number;
  /** workload I/O commands of the migrating guest */
  io: number;
  seed: number;
  faults: readonly FaultSpec[];
  profile: Profile;
  /** test knobs that break the setup on purpose, to show the checks can fail */
  knobs?: {
    /** build the destination with a deliberately broken controller */
    destinationMutant?: Mutant;
    /** build the source with a deliberately broken controller */
    sourceMutant?: Mutant;
    /** forget to copy the guest's memory to the destination */
    skipMemoryCopy?: boolean;
    /** storage copy: a host that does not copy the ranges the log reported after Suspend */
    skipFinalCopy?: boolean;
    /** storage copy: a host that releases each drain's last entry before copying its range, so the controller reuses the slot and the range is never copied */
    releaseBeforeCopy?: boolean;
  };
}

export const MIGRATE_DEFAULTS: Readonly<Omit<MigrateOptions, 'knobs'>> = { vfs: 4, vf: 1, queues: 4, io: 256, seed: 1, faults: [], profile: 'lm' };

const MAX_IO = 1_000_000;

/** The commands the host driver speaks to a device of `profile`: the standard's to a tp4159 PF, the vendor's LM opcodes to every other (whose guard then decides, D2, D3). */
export function hostProfileOf(profile: Profile): HostProfile {
  return profile === 'tp4159' ? 'tp4159' : 'lm';
}

function wholeNumber(name: string, value: number, lo: number, hi: number): void {
  if (!Number.isInteger(value) || value < lo || value > hi) throw new Error(`${name} ${value} is out of range: give a whole number from ${lo} to ${hi}`);
}

/** Fill defaults and check everything; throws Error with a one-line message on bad input. */
export function resolveMigrateOptions(partial: Partial<MigrateOptions> = {}): MigrateOptions {
  const o: MigrateOptions = { ...MIGRATE_DEFAULTS, ...partial };
  wholeNumber('--vfs', o.vfs, 1, MAX_VFS);
  wholeNumber('--vf', o.vf, 1, o.vfs);
  wholeNumber('--queues', o.queues, 1, MAX_IO_QUEUES);
  wholeNumber('--io', o.io, 1, MAX_IO);
  wholeNumber('--seed', o.seed, 0, 0xffff_ffff);
  if (!PROFILES.includes(o.profile)) throw new Error(`unknown profile "${o.profile}": use one of ${PROFILES.join(', ')}`);
  for (const f of o.faults) {
    const why = faultNotFor(f.fault, o.profile);
    if (why) throw new Error(`fault ${f.fault} does not apply to profile ${o.profile}: ${why}`);
  }
  if (o.faults.length > 0 && o.vfs < 2) throw new Error('fault injection needs --vfs 2 or more: another VF runs its own workload to show the fault stays on the migrating VF (D14)');
  if (o.faults.some((f) => f.fault === 'small-dst-limit') && o.queues < 2) throw new Error('small-dst-limit needs --queues 2 or more (the destination then allows one queue fewer)');
  return o;
}

/** Parse the CLI's string values; every problem is a one-line Error. */
export function parseMigrateArgs(raw: { vfs?: string; vf?: string; queues?: string; io?: string; seed?: string; fault?: string[]; profile?: string }): MigrateOptions {
  const num = (name: string, text: string | undefined): number | undefined => {
    if (text === undefined) return undefined;
    if (!/^(0|[1-9][0-9]*)$/.test(text.trim())) throw new Error(`${name} "${text}" is not a whole number`);
    return Number(text.trim());
  };
  const partial: Partial<MigrateOptions> = {};
  const set = <K extends 'vfs' | 'vf' | 'queues' | 'io' | 'seed'>(key: K, v: number | undefined) => {
    if (v !== undefined) partial[key] = v;
  };
  set('vfs', num('--vfs', raw.vfs));
  set('vf', num('--vf', raw.vf));
  set('queues', num('--queues', raw.queues));
  set('io', num('--io', raw.io));
  set('seed', num('--seed', raw.seed));
  if (raw.profile !== undefined) partial.profile = raw.profile as Profile;
  partial.faults = (raw.fault ?? []).map(parseFault);
  return resolveMigrateOptions(partial);
}
