// NVMe status as diagrams print it, e.g. `Invalid Command Opcode (SC 01h, DNR) D1`.
// The names are the specification's own table (machines/acceptance/status.ts),
// not the implementation's src/wire: diagrams draw the specification.
import { SCT_GENERIC, statusName as specStatusName, type NvmeStatus } from '../../machines/acceptance/status.ts';

/**
 * What a transition or final state says about the command's completion:
 * an NVMe status, no completion at all (D1 `drop` policy), or a status the
 * machine names only symbolically (e.g. `INVALID_OPCODE`).
 */
export type Completion =
  | { kind: 'status'; status: NvmeStatus }
  | { kind: 'named'; name: string; dnr?: boolean }
  | { kind: 'none' };

export interface Outcome {
  completion?: Completion;
  /** NVMe commands the transition sends (the VFIO arcs' `meta.commands`) */
  sends?: string[];
  decision?: string;
}

function hex(n: number, digits: number): string {
  return `${n.toString(16).toUpperCase().padStart(digits, '0')}h`;
}

/** Generic statuses only (SCT 0): diagrams print command-specific codes by number. */
export function statusName(status: NvmeStatus): string | undefined {
  return status.sct === SCT_GENERIC ? specStatusName(status.sct, status.sc) : undefined;
}

/** `Invalid Command Opcode (SC 01h, DNR)`; unknown codes print as `Status (SCT 1h, SC 02h)`. */
export function formatStatus(status: NvmeStatus): string {
  const fields: string[] = [];
  if (status.sct !== 0) fields.push(`SCT ${hex(status.sct, 1)}`);
  fields.push(`SC ${hex(status.sc, 2)}`);
  if (status.dnr) fields.push('DNR');
  return `${statusName(status) ?? 'Status'} (${fields.join(', ')})`;
}

function formatCompletion(completion: Completion): string {
  switch (completion.kind) {
    case 'status':
      return formatStatus(completion.status);
    case 'named':
      return completion.dnr ? `${completion.name} (DNR)` : completion.name;
    case 'none':
      return 'no completion';
  }
}

/** `Invalid Command Opcode (SC 01h, DNR) D1`, or just the part that is known. */
export function formatOutcome(outcome: Outcome): string {
  const parts: string[] = [];
  if (outcome.completion) parts.push(formatCompletion(outcome.completion));
  if (outcome.sends) parts.push(`sends ${outcome.sends.join(', ')}`);
  if (outcome.decision) parts.push(outcome.decision);
  return parts.join(' ');
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function numberField(r: Record<string, unknown>, key: string): number | undefined {
  const v = r[key];
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : undefined;
}

/** `{ sct?, sc, dnr? }` -> status; SCT defaults to 0 (generic). */
function statusFrom(r: Record<string, unknown>): NvmeStatus | undefined {
  const sc = numberField(r, 'sc');
  if (sc === undefined) return undefined;
  return { sct: numberField(r, 'sct') ?? 0, sc, dnr: r.dnr === true };
}

/**
 * Reads the outcome from a transition's or a final state's `meta`. Accepted
 * shapes (machines are written by several people):
 *   { status: { sct, sc, dnr }, decision }   { sc, sct?, dnr?, decision }
 *   { status: 'INVALID_OPCODE', dnr?, decision }   { completion: 'none' | status: 'none', decision }
 *   { commands: ['SUSPEND'], decision }  (commands a transition sends)
 * A decision of 'none' counts as absent. Returns undefined when the meta says
 * nothing about a completion, commands or decision.
 */
export function outcomeFromMeta(meta: unknown): Outcome | undefined {
  if (!isRecord(meta)) return undefined;
  let completion: Completion | undefined;
  if (meta.completion === 'none' || meta.status === 'none') completion = { kind: 'none' };
  else if (isRecord(meta.status)) {
    const status = statusFrom(meta.status);
    if (status) completion = { kind: 'status', status };
  } else if (typeof meta.status === 'string') {
    completion = { kind: 'named', name: meta.status, dnr: meta.dnr === true };
  } else {
    const status = statusFrom(meta);
    if (status) completion = { kind: 'status', status };
  }
  const sends =
    Array.isArray(meta.commands) && meta.commands.length > 0 && meta.commands.every((c) => typeof c === 'string')
      ? (meta.commands as string[])
      : undefined;
  const decision = typeof meta.decision === 'string' && meta.decision !== '' && meta.decision !== 'none' ? meta.decision : undefined;
  if (!completion && !sends && !decision) return undefined;
  const outcome: Outcome = {};
  if (completion) outcome.completion = completion;
  if (sends) outcome.sends = sends;
  if (decision) outcome.decision = decision;
  return outcome;
}
