// XState's pure transition and initial transition, without the cost XState
// adds per call: its `transition(machine, snapshot, event)` builds a fresh
// inert actor for every call, and the actor's constructor computes the
// machine's whole initial snapshot (the initial context included) only to
// throw it away. That was most of the check job's time (issue 17). Here each
// machine gets one unstarted actor, made once, whose scope every step reuses;
// the next snapshot is the same, since a pure step only reads the scope (the
// actions it would execute are dropped, as the callers of XState's
// `transition` drop them too). The specification machines spawn and invoke
// nothing, so no child ever registers in the shared scope's system.
import { createActor, type AnyActorScope, type AnyMachineSnapshot, type AnyStateMachine, type AnyStateNode, type EventObject } from 'xstate';

const scopes = new WeakMap<AnyStateMachine, AnyActorScope>();

function inertScope(machine: AnyStateMachine): AnyActorScope {
  let scope = scopes.get(machine);
  if (scope === undefined) {
    const self = createActor(machine);
    scope = {
      self,
      id: '',
      sessionId: '',
      system: self.system,
      logger: () => {},
      defer: () => {},
      emit: () => {},
      stopChild: () => {},
      actionExecutor: () => {},
    } as AnyActorScope;
    scopes.set(machine, scope);
  }
  return scope;
}

/** The snapshot after `event` (XState's `transition(machine, snapshot, event)[0]`). */
export function machineStep(machine: AnyStateMachine, snapshot: AnyMachineSnapshot, event: EventObject): AnyMachineSnapshot {
  return machine.transition(snapshot, event, inertScope(machine));
}

const eventless = new WeakMap<AnyStateMachine, boolean>();

/** Whether any state node of the machine has eventless (`always`) transitions. */
function hasEventless(machine: AnyStateMachine): boolean {
  let found = eventless.get(machine);
  if (found === undefined) {
    const visit = (node: AnyStateNode): boolean => (node.always?.length ?? 0) > 0 || (Object.values(node.states) as AnyStateNode[]).some(visit);
    found = visit(machine.root);
    eventless.set(machine, found);
  }
  return found;
}

/**
 * machineStep for a caller that already has the transitions XState selects
 * for `event` (machine.getTransitionData, which the explorer reads for the
 * edges): with none selected and no eventless transition in the machine,
 * XState hands back the very snapshot, so it is not asked again. Most of the
 * explorer's (state, event) pairs enable nothing.
 */
export function machineStepSelected(machine: AnyStateMachine, snapshot: AnyMachineSnapshot, event: EventObject, selected: readonly unknown[]): AnyMachineSnapshot {
  if (selected.length === 0 && !hasEventless(machine)) return snapshot;
  return machineStep(machine, snapshot, event);
}

const initials = new WeakMap<AnyStateMachine, AnyMachineSnapshot>();

/**
 * The machine's initial snapshot (XState's `initialTransition(machine)[0]`),
 * made once per machine: snapshots are values nobody changes, and one shared
 * object lets a binding that starts from it find its steps in the explored
 * graph by identity (PathStep.from, models/engine/observe.ts).
 */
export function machineInitial(machine: AnyStateMachine): AnyMachineSnapshot {
  let initial = initials.get(machine);
  if (initial === undefined) {
    initial = machine.getInitialSnapshot(inertScope(machine), undefined);
    initials.set(machine, initial);
  }
  return initial;
}
