// Completion statuses of the standard profile tp4159, as the working
// specification lists them (shared spec tp4159.md, section 2). The spec stands
// alone (machines/ imports nothing from src/), so this table mirrors the
// spec, as machines/acceptance/status.ts does for the vendor profile, and
// reuses its NvmeStatus shape.
//
// | name                      | SCT | SC   | DNR |
// |---------------------------|-----|------|-----|
// | SUCCESS                   | 0   | 00h  | 0   |
// | INVALID_OPCODE            | 0   | 01h  | 1   |
// | INVALID_FIELD             | 0   | 02h  | 1   |
// | INVALID_CONTROLLER_ID     | 1   | 1Fh  | 1   |
// | INVALID_CDQ               | 1   | 37h  | 1   |
// | NOT_ENOUGH_RESOURCES      | 1   | 38h  | 1   |
// | CONTROLLER_SUSPENDED      | 1   | 39h  | 1   |
// | CONTROLLER_NOT_SUSPENDED  | 1   | 3Ah  | 1   |
// | CDQ_FULL                  | 1   | 3Bh  | 1   |
// | SEQUENCE_ERROR            | 0   | 0Ch  | 1   |
//
// Every error sets DNR: each is a pure function of the command and the
// state, and a rejection changes nothing (I3, I9, I11), so a retry fails alike.
// Codes and names come from the spec's one status table (machines/acceptance/status.ts).
import {
  rejected,
  SC_CDQ_FULL,
  SC_CONTROLLER_NOT_SUSPENDED,
  SC_COMMAND_SEQUENCE_ERROR,
  SC_CONTROLLER_SUSPENDED,
  SC_INVALID_CDQ,
  SC_INVALID_CONTROLLER_ID,
  SC_INVALID_FIELD,
  SC_INVALID_OPCODE,
  SC_NOT_ENOUGH_RESOURCES,
  SCT_COMMAND_SPECIFIC,
  statusName,
  SUCCESS,
  type NvmeStatus,
} from '../acceptance/status.ts';

/** A command-specific rejection (SCT 1, DNR). */
const specific = (sc: number): NvmeStatus => ({ sct: SCT_COMMAND_SPECIFIC, sc, dnr: true });

export const TP_STATUS = {
  SUCCESS,
  INVALID_OPCODE: rejected(SC_INVALID_OPCODE),
  INVALID_FIELD: rejected(SC_INVALID_FIELD),
  INVALID_CONTROLLER_ID: specific(SC_INVALID_CONTROLLER_ID),
  INVALID_CDQ: specific(SC_INVALID_CDQ),
  NOT_ENOUGH_RESOURCES: specific(SC_NOT_ENOUGH_RESOURCES),
  CONTROLLER_SUSPENDED: specific(SC_CONTROLLER_SUSPENDED),
  CONTROLLER_NOT_SUSPENDED: specific(SC_CONTROLLER_NOT_SUSPENDED),
  CDQ_FULL: specific(SC_CDQ_FULL),
  /** a Suspend whose drain a reset of the VF cut short (D34): the VF is not suspended */
  SEQUENCE_ERROR: rejected(SC_COMMAND_SEQUENCE_ERROR),
} as const satisfies Record<string, NvmeStatus>;

export type TpStatusName = keyof typeof TP_STATUS;
const TP_STATUS_NAMES = Object.keys(TP_STATUS) as TpStatusName[];

/** The rule that decides a completion: a decision of tp4159.md, or 'NVMe' for NVMe Base behaviour. */
export type TpDecision =
  | 'D19' | 'D20' | 'D21' | 'D22' | 'D23' | 'D24' | 'D25' | 'D26' | 'D27' | 'D28' | 'D29' | 'D30' | 'D31' | 'D32' | 'D33' | 'D34'
  | 'NVMe';

export interface TpCompletion extends NvmeStatus {
  status: TpStatusName;
  decision: TpDecision;
}

export function tpCompletion(status: TpStatusName, decision: TpDecision): TpCompletion {
  return { status, ...TP_STATUS[status], decision };
}

/** Whether (SCT, SC) is a status this profile's table lists. */
export function isTpStatus(s: NvmeStatus): boolean {
  return TP_STATUS_NAMES.some((n) => TP_STATUS[n].sct === s.sct && TP_STATUS[n].sc === s.sc);
}

/** e.g. `Invalid Controller Identifier (SCT 1h, SC 1Fh, DNR)` */
export function tpStatusText(s: NvmeStatus): string {
  const name = TP_STATUS_NAMES.find((n) => TP_STATUS[n].sct === s.sct && TP_STATUS[n].sc === s.sc);
  const hex = s.sc.toString(16).padStart(2, '0').toUpperCase();
  return `${name === undefined ? 'unlisted' : statusName(s.sct, s.sc)} (SCT ${s.sct}h, SC ${hex}h${s.dnr ? ', DNR' : ''})`;
}
