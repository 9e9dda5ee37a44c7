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
//
// Every error sets DNR: each is a pure function of the command and the
// state, and a rejection changes nothing (I3, I9, I11), so a retry fails alike.
import type { NvmeStatus } from '../acceptance/status.ts';

export const SCT_COMMAND_SPECIFIC = 1;

export const TP_STATUS = {
  SUCCESS: { sct: 0, sc: 0x00, dnr: false },
  INVALID_OPCODE: { sct: 0, sc: 0x01, dnr: true },
  INVALID_FIELD: { sct: 0, sc: 0x02, dnr: true },
  INVALID_CONTROLLER_ID: { sct: 1, sc: 0x1f, dnr: true },
  INVALID_CDQ: { sct: 1, sc: 0x37, dnr: true },
  NOT_ENOUGH_RESOURCES: { sct: 1, sc: 0x38, dnr: true },
  CONTROLLER_SUSPENDED: { sct: 1, sc: 0x39, dnr: true },
  CONTROLLER_NOT_SUSPENDED: { sct: 1, sc: 0x3a, dnr: true },
  CDQ_FULL: { sct: 1, sc: 0x3b, dnr: true },
} as const satisfies Record<string, NvmeStatus>;

export type TpStatusName = keyof typeof TP_STATUS;
export const TP_STATUS_NAMES = Object.keys(TP_STATUS) as TpStatusName[];

const TEXT: Record<TpStatusName, string> = {
  SUCCESS: 'Successful Completion',
  INVALID_OPCODE: 'Invalid Command Opcode',
  INVALID_FIELD: 'Invalid Field in Command',
  INVALID_CONTROLLER_ID: 'Invalid Controller Identifier',
  INVALID_CDQ: 'Invalid Controller Data Queue',
  NOT_ENOUGH_RESOURCES: 'Not Enough Resources',
  CONTROLLER_SUSPENDED: 'Controller Suspended',
  CONTROLLER_NOT_SUSPENDED: 'Controller Not Suspended',
  CDQ_FULL: 'Controller Data Queue Full',
};

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
  return `${name === undefined ? 'unlisted' : TEXT[name]} (SCT ${s.sct}h, SC ${hex}h${s.dnr ? ', DNR' : ''})`;
}
