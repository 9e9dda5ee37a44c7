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

export const VF_STATUS = {
  SUCCESS: { sct: 0, sc: 0x00, dnr: false },
  INVALID_OPCODE: { sct: 0, sc: 0x01, dnr: true },
  INVALID_FIELD: { sct: 0, sc: 0x02, dnr: true },
  DATA_TRANSFER_ERROR: { sct: 0, sc: 0x04, dnr: true },
  SEQUENCE_ERROR: { sct: 0, sc: 0x0c, dnr: true },
} as const;

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
