// What an executor hands back for one command: the controller posts the CQE
// from it (status and DW0) and traces it (decision and reason). Executors
// return it instead of leaving results on the controller, so what a command
// did is one value that a mutant (mutants.ts) or a second profile can wrap.
import { ST } from './fields.ts';

/** Not a status word: the entry is consumed with no completion (D1 drop). */
export const DROPPED = -1;
/** Not a status word: the command is held; its completion comes later (completeIo, a SAVE's drain, D12). */
export const IN_FLIGHT = -2;

export interface Outcome {
  /** the CQE status word, or DROPPED / IN_FLIGHT */
  readonly status: number;
  /** CQE DW0 (command specific; 0 when the command defines none) */
  readonly dw0: number;
  /** CQE DW1 (an Asynchronous Event Request's event-specific parameter, D33); 0 when absent */
  readonly dw1?: number;
  /** the spec rule behind a rejection or an LM outcome (D1..D34, or NVMe) */
  readonly decision?: string;
  readonly reason?: string;
}

// Constant outcomes: the hot paths (I/O, SUSPEND/RESUME) allocate nothing to say yes.
export const SUCCESS: Outcome = Object.freeze({ status: ST.SUCCESS, dw0: 0 });
export const HELD: Outcome = Object.freeze({ status: IN_FLIGHT, dw0: 0 });

/** Success with a command-specific DW0. */
export function succeeded(dw0: number, decision?: string): Outcome {
  return decision === undefined ? { status: ST.SUCCESS, dw0 } : { status: ST.SUCCESS, dw0, decision };
}

/** A rejection: nothing changed; the status word and why. */
export function rejected(status: number, decision: string, reason: string): Outcome {
  return { status, dw0: 0, decision, reason };
}
