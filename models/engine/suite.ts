// A generated suite: one specification machine (with its options), the paths
// generated from it, and the binding that plays each machine event on an
// implementation in bytes and compares what it observes with the machine's
// prediction. Bindings observe ONLY through the Adapter (registers, memory,
// submit, FLR), so the same suite runs on the emulator, a JSON-lines process,
// or QEMU.
import type { EventObject } from 'xstate';
import type { MachineSpec } from '../../machines/spec.ts';
import type { Adapter, Profile, ResetOptions } from '../../src/target/adapter.ts';
import type { Implementation } from '../../src/paths/trie.ts';
import type { Path } from '../../src/paths/path.ts';
import type { Requirements } from './requirements.ts';
import type { MismatchDetail } from './mismatchDetail.ts';

export type { Requirements } from './requirements.ts';

export interface Suite {
  /** unique, e.g. `vfLifecycle:lm:deferred`; the prefix before the first ':' is the machine family */
  id: string;
  /** the device profile the implementation must claim for this suite */
  profile: Profile;
  /** what reset asks for (profile, vfs, strict, vfQueuePolicy, ioCompletion) */
  reset: ResetOptions;
  spec: MachineSpec;
  requires: Requirements;
  /** deterministic: the same paths in the same order every run (a short transition cover: few steps replayed from reset) */
  paths(): Path[];
  /**
   * Optional, deterministic: one path per reachable transition along the
   * breadth-first tree (src/paths/branchCover.ts), for a runner that
   * snapshots: it plays every transition once. `nvme-lm check` uses it.
   */
  branchPaths?(): Path[];
  /** a fresh driver of this suite's events on `adapter` (reset() is called before each path or branch) */
  implementation(adapter: Adapter): Implementation;
}

/**
 * Thrown by a binding's step when the implementation disagrees with the
 * machine: readable expected/observed text, and where the binding knows them
 * the fields that differ, the command, the completion bytes and the decision.
 */
export class Mismatch extends Error {
  constructor(
    readonly what: string,
    readonly expected: string,
    readonly observed: string,
    readonly detail: MismatchDetail = {},
  ) {
    super(`${what}: expected ${expected}, observed ${observed}`);
    this.name = 'Mismatch';
  }
}

/** Thrown when a path cannot be played on this target at all (not a failure of the implementation). */
export class NotRealisable extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'NotRealisable';
  }
}

export function eventName(e: EventObject): string {
  const { type, ...rest } = e as EventObject & Record<string, unknown>;
  const args = Object.entries(rest).map(([k, v]) => `${k}=${String(v)}`);
  return args.length ? `${type}(${args.join(',')})` : type;
}
