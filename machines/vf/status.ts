// Completion statuses the VF lifecycle specifies. The spec stands alone
// (machines/ imports nothing from src/), so it names its own values:
// Generic Command Status (SCT 0), NVMe Base 2.x.
//
// | name                | SCT | SC   | DNR |
// |---------------------|-----|------|-----|
// | SUCCESS             | 0   | 0x00 | 0   |
// | INVALID_OPCODE      | 0   | 0x01 | 1   |
// | INVALID_FIELD       | 0   | 0x02 | 1   |
// | DATA_TRANSFER_ERROR | 0   | 0x04 | 1   |
// | SEQUENCE_ERROR      | 0   | 0x0C | 1   |
//
// Every error sets DNR: a rejection changes no state (I3), so the same
// command in the same state fails the same way again (as pfAcceptance says).
// The codes are the spec's one table's (machines/acceptance/status.ts).
import {
  rejected,
  SC_COMMAND_SEQUENCE_ERROR,
  SC_DATA_TRANSFER_ERROR,
  SC_INVALID_FIELD,
  SC_INVALID_OPCODE,
  SUCCESS,
  type NvmeStatus,
} from '../acceptance/status.ts';

export const VF_STATUS = {
  SUCCESS,
  INVALID_OPCODE: rejected(SC_INVALID_OPCODE),
  INVALID_FIELD: rejected(SC_INVALID_FIELD),
  DATA_TRANSFER_ERROR: rejected(SC_DATA_TRANSFER_ERROR),
  SEQUENCE_ERROR: rejected(SC_COMMAND_SEQUENCE_ERROR),
} as const satisfies Record<string, NvmeStatus>;

export type VfStatusName = keyof typeof VF_STATUS;

/** The rule that decides a completion: a decision of the spec, or 'NVMe' for plain NVMe Base behaviour. */
export type VfDecision = 'D1' | 'D5' | 'D6' | 'D7' | 'D8' | 'D11' | 'D12' | 'D17' | 'NVMe';

export interface Completion {
  status: VfStatusName;
  sct: number;
  sc: number;
  dnr: boolean;
  decision: VfDecision;
}

export function completion(status: VfStatusName, decision: VfDecision): Completion {
  return { status, ...VF_STATUS[status], decision };
}
