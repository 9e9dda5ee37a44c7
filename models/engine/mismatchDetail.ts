// The structured half of a Mismatch: which fields differ, the command that
// was involved (function, queue, CID, SQE bytes), the completion's bytes and
// the decision id of the expected behaviour. The text a user reads is
// rendered from it in one place (src/verify/failureText.ts); the grouping of
// identical differences keys on `differences` (src/verify/failureGroups.ts).
import type { Cqe } from '../../src/wire/cqe.ts';

/** One field that differs, e.g. `{ field: 'DNR', expected: '1', observed: '0' }`. */
export interface FieldDifference {
  field: string;
  expected: string;
  observed: string;
}

/** The command a completion answers: where it was submitted and its 64 bytes (hex). */
export interface CommandInfo {
  fn: number;
  qid: number;
  cid: number;
  sqe: string;
}

export interface MismatchDetail {
  /** empty or absent when the difference is not field by field (no completion at all, a byte count...) */
  differences?: FieldDifference[];
  /** the decision id (D1..D34, I.., L..) whose behaviour was expected */
  decision?: string;
  command?: CommandInfo;
  /** the 16 completion bytes observed (hex) */
  cqe?: string;
}

/** The status the machine predicts; DNR, More and CRD are compared only when it names them. */
export interface StatusExpectation {
  sct: number;
  sc: number;
  dnr?: boolean;
  more?: boolean;
  crd?: number;
}

const bit = (b: boolean): string => (b ? '1' : '0');
const code = (n: number): string => `0x${n.toString(16).padStart(2, '0')}`;

/** Status fields one by one (SCT, SC, DNR, More, CRD): only those that differ. */
export function statusDifferences(expected: StatusExpectation, got: Pick<Cqe, 'sct' | 'sc' | 'dnr' | 'more' | 'crd'>): FieldDifference[] {
  const out: FieldDifference[] = [];
  const add = (field: string, e: string, o: string): void => {
    if (e !== o) out.push({ field, expected: e, observed: o });
  };
  add('SCT', String(expected.sct), String(got.sct));
  add('SC', code(expected.sc), code(got.sc));
  if (expected.dnr !== undefined) add('DNR', bit(expected.dnr), bit(got.dnr));
  if (expected.more !== undefined) add('More', bit(expected.more), bit(got.more));
  if (expected.crd !== undefined) add('CRD', String(expected.crd), String(got.crd));
  return out;
}

/** The other CQE fields one by one (DW0, SQ head, SQ id, CID, phase): those the expectation names and that differ. */
export function cqeDifferences(expected: Partial<Pick<Cqe, 'dw0' | 'sqhd' | 'sqid' | 'cid' | 'phase'>>, got: Cqe): FieldDifference[] {
  const names: Array<[keyof typeof expected, string]> = [['dw0', 'DW0'], ['sqhd', 'SQ head'], ['sqid', 'SQ id'], ['cid', 'CID'], ['phase', 'phase']];
  return names.flatMap(([k, field]) => {
    const e = expected[k];
    return e === undefined || e === got[k] ? [] : [{ field, expected: String(e), observed: String(got[k]) }];
  });
}

/** "Successful Completion", as the bindings check it: SCT 0, SC 0, DNR not judged. */
export const SUCCESSFUL: StatusExpectation = { sct: 0, sc: 0 };

/** The first decision id a binding's description names, e.g. `(D8: one record per queue)` gives D8. */
export function decisionNamedIn(text: string): string | undefined {
  return /\b([DIL]\d{1,2})\b/.exec(text)?.[1];
}
