// NVMe status values the acceptance machine specifies. The spec stands alone
// (machines/ imports nothing from src/), so it names its own constants.
// Generic Command Status (SCT 0), NVMe Base 2.x; the subset the spec's
// status table lists.

export const SCT_GENERIC = 0;

export const SC_SUCCESS = 0x00;
export const SC_INVALID_OPCODE = 0x01;
export const SC_INVALID_FIELD = 0x02;
export const SC_DATA_TRANSFER_ERROR = 0x04;
export const SC_COMMAND_SEQUENCE_ERROR = 0x0c;
export const SC_PRP_OFFSET_INVALID = 0x13;

/** SCT 0 codes the spec's status table allows (I2: "a status from the table above"). */
export const SPEC_STATUS_CODES: readonly number[] = [0x00, 0x01, 0x02, 0x03, 0x04, 0x06, 0x08, 0x0c, 0x13, 0x15];

export interface NvmeStatus {
  sct: number;
  sc: number;
  dnr: boolean;
}

export const SUCCESS: NvmeStatus = { sct: SCT_GENERIC, sc: SC_SUCCESS, dnr: false };

/**
 * Every error this machine specifies sets DNR. Why: the pipeline is a pure
 * function of the command and the VF state, and a rejection changes no state
 * (I3), so the identical command re-submitted fails again the same way. That
 * is what DNR promises.
 */
export function rejected(sc: number): NvmeStatus {
  return { sct: SCT_GENERIC, sc, dnr: true };
}

const NAMES: Record<number, string> = {
  0x00: 'Successful Completion',
  0x01: 'Invalid Command Opcode',
  0x02: 'Invalid Field in Command',
  0x03: 'Command ID Conflict',
  0x04: 'Data Transfer Error',
  0x06: 'Internal Error',
  0x08: 'Command Aborted due to SQ Deletion',
  0x0c: 'Command Sequence Error',
  0x13: 'PRP Offset Invalid',
  0x15: 'Operation Denied',
};

/** e.g. `Invalid Command Opcode (SC 01h, DNR)` */
export function statusText(s: NvmeStatus): string {
  const hex = s.sc.toString(16).padStart(2, '0').toUpperCase();
  const name = s.sct === SCT_GENERIC ? (NAMES[s.sc] ?? 'unnamed') : `SCT ${s.sct}`;
  return `${name} (SC ${hex}h${s.dnr ? ', DNR' : ''})`;
}
