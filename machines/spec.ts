// What every specification machine exports, so the checker, the path
// generator, the diagrams and the CLI can treat all machines alike.
import type { AnyMachineSnapshot, AnyStateMachine, EventObject } from 'xstate';

/** One explored step: the state before, the event, the state after. */
export interface Step {
  before: AnyMachineSnapshot;
  event: EventObject;
  after: AnyMachineSnapshot;
}

/** A safety property (I1..I8): true when the step is allowed, else a message saying why not. */
export interface Invariant {
  id: string;
  description: string;
  check(step: Step): true | string;
}

/**
 * A liveness property (L1..L4), checked as "no reachable cycle in which the
 * obligation stays pending". `fairness` states, in words, the assumption
 * under which a cycle counts as a counterexample.
 */
export interface Liveness {
  id: string;
  description: string;
  fairness: string;
  pending(snapshot: AnyMachineSnapshot): boolean;
  /** Steps a fair run cannot repeat forever while pending (optional). */
  unfair?(step: Step): boolean;
}

export interface MachineSpec {
  /** e.g. `vfLifecycle`, `pfAcceptance:lm`, `vfioMigration:p2p`, `system:2` */
  id: string;
  description: string;
  machine: AnyStateMachine;
  /** The finite event alphabet the checker tries in every reachable state. */
  events: EventObject[];
  /** Key of a snapshot for state identity (default: value + context as canonical JSON). */
  key?(snapshot: AnyMachineSnapshot): string;
  /**
   * The key leaves out context a later step reads (the acceptance machines
   * record the path taken beside the state): two snapshots of one state may
   * step differently, so a binding steps its own (the explored graph keeps
   * the flag and src/paths/path.ts maps no copy; models/engine/observe.ts
   * nextState; test/models/canonicalSnapshot.test.ts finds a spec that
   * needs this and lacks it).
   */
  keyOmitsContext?: true;
  /** Key under symmetry reduction (interchangeable VFs sorted), if the machine has symmetry. */
  symmetricKey?(snapshot: AnyMachineSnapshot): string;
  invariants: Invariant[];
  liveness: Liveness[];
}
