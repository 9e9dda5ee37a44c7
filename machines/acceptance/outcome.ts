// What a tester must observe when the command ends in a given final state:
// the one completion (status, decision, effect) or, for D1 drop, none.
import type { AnyMachineSnapshot } from 'xstate';
import type { LmState } from './events.ts';
import { FINALS, isFinalName, reachedFinal, type FinalName } from './finals.ts';
import type { AcceptanceContext } from './machine.ts';

export type Effect =
  | { kind: 'none' }
  /** the target VF's LM state changes (D5) */
  | { kind: 'vfLmState'; vf: number; from: LmState; to: LmState }
  /** foreign profile's 0xC4 (D17) */
  | { kind: 'namespaceErased' };

export type ExpectedOutcome =
  /** D1 policy drop: the host sees no completion and must time out / Abort */
  | { completion: 'none'; decision: string; effect: { kind: 'none' } }
  | {
      completion: 'one';
      sct: number;
      sc: number;
      dnr: boolean;
      decision: string;
      effect: Effect;
      /** QUERY: DW0 must equal the byte count a SAVE would write now (D8) */
      dw0?: 'migrationDataSize';
    }
  /** not an LM command: one completion whose status this machine does not specify */
  | { completion: 'unspecified'; reason: string };

/** The final state a snapshot is in, or an error naming the stage it is still in. */
export function finalStateOf(snapshot: AnyMachineSnapshot): FinalName {
  const value: unknown = snapshot.value;
  if (snapshot.status !== 'done' || !isFinalName(value)) {
    throw new Error(
      `the command is still at stage ${JSON.stringify(value)}, not in a final state: extend the path with one of that stage's events`,
    );
  }
  return value;
}

export function expectedOutcome(snapshot: AnyMachineSnapshot): ExpectedOutcome {
  const name = finalStateOf(snapshot);
  const meta = reachedFinal(snapshot)?.meta ?? FINALS[name];
  const { cmd } = snapshot.context as AcceptanceContext;
  if (meta.completion === 'none') return { completion: 'none', decision: meta.decision, effect: { kind: 'none' } };
  if (meta.completion === 'unspecified' || meta.status === undefined) return { completion: 'unspecified', reason: meta.summary };
  return {
    completion: 'one',
    ...meta.status,
    decision: meta.decision,
    effect: effectOf(meta.changes, meta.leadsTo, cmd.vfIndex, cmd.vfState, name),
    ...(meta.dw0 === undefined ? {} : { dw0: meta.dw0 }),
  };
}

function effectOf(
  changes: string,
  leadsTo: LmState | undefined,
  vf: number | undefined,
  from: LmState | undefined,
  name: FinalName,
): Effect {
  if (changes === 'namespaceErased') return { kind: 'namespaceErased' };
  if (changes !== 'vfLmState') return { kind: 'none' };
  if (leadsTo === undefined || vf === undefined || from === undefined) {
    throw new Error(`final state ${name} changes the VF's LM state but the path did not classify the VF index and state`);
  }
  return { kind: 'vfLmState', vf, from, to: leadsTo };
}
