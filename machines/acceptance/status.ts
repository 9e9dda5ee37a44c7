// The specification's one table of NVMe status values: the machines
// (acceptance, VF lifecycle, tp4159) take their codes and names from here.
// The spec stands alone (machines/ imports nothing from src/), so it names
// its own constants rather than reading the implementation's src/wire/status.ts.
// Generic Command Status (SCT 0), NVMe Base 2.x, the subset the spec's status
// table lists; Command Specific Status (SCT 1), the codes tp4159 section 2 lists.

export const SCT_GENERIC = 0;
export const SCT_COMMAND_SPECIFIC = 1;

const SC_SUCCESS = 0x00;
export const SC_INVALID_OPCODE = 0x01;
export const SC_INVALID_FIELD = 0x02;
export const SC_DATA_TRANSFER_ERROR = 0x04;
export const SC_COMMAND_SEQUENCE_ERROR = 0x0c;
export const SC_PRP_OFFSET_INVALID = 0x13;

/** SCT 1 codes of tp4159's commands. */
export const SC_INVALID_CONTROLLER_ID = 0x1f;
export const SC_INVALID_CDQ = 0x37;
export const SC_NOT_ENOUGH_RESOURCES = 0x38;
export const SC_CONTROLLER_SUSPENDED = 0x39;
export const SC_CONTROLLER_NOT_SUSPENDED = 0x3a;
export const SC_CDQ_FULL = 0x3b;

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

/** The spec's status table (SCT 0): the codes I2 allows, by name. */
const GENERIC_NAMES: Record<number, string> = {
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

const COMMAND_SPECIFIC_NAMES: Record<number, string> = {
  [SC_INVALID_CONTROLLER_ID]: 'Invalid Controller Identifier',
  [SC_INVALID_CDQ]: 'Invalid Controller Data Queue',
  [SC_NOT_ENOUGH_RESOURCES]: 'Not Enough Resources',
  [SC_CONTROLLER_SUSPENDED]: 'Controller Suspended',
  [SC_CONTROLLER_NOT_SUSPENDED]: 'Controller Not Suspended',
  [SC_CDQ_FULL]: 'Controller Data Queue Full',
};

/** SCT 0 codes the spec's status table allows (I2: "a status from the table above"). */
export const SPEC_STATUS_CODES: readonly number[] = Object.keys(GENERIC_NAMES).map(Number);

/** The spec's name of (SCT, SC), or undefined where its table lists none. */
export function statusName(sct: number, sc: number): string | undefined {
  return sct === SCT_GENERIC ? GENERIC_NAMES[sc] : sct === SCT_COMMAND_SPECIFIC ? COMMAND_SPECIFIC_NAMES[sc] : undefined;
}

/** e.g. `Invalid Command Opcode (SC 01h, DNR)` */
export function statusText(s: NvmeStatus): string {
  const hex = s.sc.toString(16).padStart(2, '0').toUpperCase();
  const name = s.sct === SCT_GENERIC ? (statusName(s.sct, s.sc) ?? 'unnamed') : `SCT ${s.sct}`;
  return `${name} (SC ${hex}h${s.dnr ? ', DNR' : ''})`;
}
