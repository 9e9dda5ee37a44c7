// NVMe status values this project uses (NVMe Base, "Generic Command Status").
export const SCT_GENERIC = 0;
export const SCT_COMMAND_SPECIFIC = 1;

export const SC = {
  SUCCESS: 0x00,
  INVALID_OPCODE: 0x01,
  INVALID_FIELD: 0x02,
  CID_CONFLICT: 0x03,
  DATA_TRANSFER_ERROR: 0x04,
  INTERNAL_ERROR: 0x06,
  ABORTED_BY_REQUEST: 0x07,
  ABORTED_SQ_DELETION: 0x08,
  SEQUENCE_ERROR: 0x0c,
  INVALID_NAMESPACE: 0x0b,
  PRP_OFFSET_INVALID: 0x13,
  OPERATION_DENIED: 0x15,
  LBA_OUT_OF_RANGE: 0x80,
} as const;

/** Command-specific status codes (SCT 1) the emulator uses. */
export const SC_CMD = {
  INVALID_QUEUE_IDENTIFIER: 0x01,
  INVALID_QUEUE_SIZE: 0x02,
  INVALID_QUEUE_DELETION: 0x0c,
  COMPLETION_QUEUE_INVALID: 0x00,
} as const;

/** Command-specific 05h: more Asynchronous Event Requests than AERL + 1 (tp4159 profile, D33). */
export const SC_AER_LIMIT_EXCEEDED = 0x05;

/** Command-specific 09h: Get Log Page of a log the controller does not serve (tp4159 profile, D19's effects log). */
export const SC_INVALID_LOG_PAGE = 0x09;

/**
 * Command-specific status codes (SCT 1) of the standard profile's commands
 * (tp4159 section 2). Apart from SC_CMD because the fuzzer takes SC_CMD as the
 * queue commands' codes; both share the one name table below.
 */
export const SC_HMLM = {
  INVALID_CONTROLLER_IDENTIFIER: 0x1f,
  INVALID_CONTROLLER_DATA_QUEUE: 0x37,
  NOT_ENOUGH_RESOURCES: 0x38,
  CONTROLLER_SUSPENDED: 0x39,
  CONTROLLER_NOT_SUSPENDED: 0x3a,
  CONTROLLER_DATA_QUEUE_FULL: 0x3b,
} as const;

export function commandSpecific(sc: number, dnr = true): Status {
  return { sct: SCT_COMMAND_SPECIFIC, sc, dnr };
}

export interface Status {
  sct: number;
  sc: number;
  dnr: boolean;
  more?: boolean;
  crd?: number;
}

export const SUCCESS: Status = { sct: SCT_GENERIC, sc: SC.SUCCESS, dnr: false };

export function generic(sc: number, dnr = true): Status {
  return { sct: SCT_GENERIC, sc, dnr };
}

const GENERIC_NAMES: Record<number, string> = {
  0x00: 'Successful Completion',
  0x01: 'Invalid Command Opcode',
  0x02: 'Invalid Field in Command',
  0x03: 'Command ID Conflict',
  0x04: 'Data Transfer Error',
  0x06: 'Internal Error',
  0x07: 'Command Abort Requested',
  0x08: 'Command Aborted due to SQ Deletion',
  0x0b: 'Invalid Namespace or Format',
  0x0c: 'Command Sequence Error',
  0x13: 'PRP Offset Invalid',
  0x15: 'Operation Denied',
  0x80: 'LBA Out of Range',
};

const COMMAND_SPECIFIC_NAMES: Record<number, string> = {
  0x00: 'Completion Queue Invalid',
  0x01: 'Invalid Queue Identifier',
  0x02: 'Invalid Queue Size',
  0x0c: 'Invalid Queue Deletion',
  [SC_AER_LIMIT_EXCEEDED]: 'Asynchronous Event Request Limit Exceeded',
  [SC_INVALID_LOG_PAGE]: 'Invalid Log Page',
  [SC_HMLM.INVALID_CONTROLLER_IDENTIFIER]: 'Invalid Controller Identifier',
  [SC_HMLM.INVALID_CONTROLLER_DATA_QUEUE]: 'Invalid Controller Data Queue',
  [SC_HMLM.NOT_ENOUGH_RESOURCES]: 'Not Enough Resources',
  [SC_HMLM.CONTROLLER_SUSPENDED]: 'Controller Suspended',
  [SC_HMLM.CONTROLLER_NOT_SUSPENDED]: 'Controller Not Suspended',
  [SC_HMLM.CONTROLLER_DATA_QUEUE_FULL]: 'Controller Data Queue Full',
};

export function statusName(sct: number, sc: number): string {
  const table = sct === SCT_GENERIC ? GENERIC_NAMES : sct === SCT_COMMAND_SPECIFIC ? COMMAND_SPECIFIC_NAMES : {};
  return table[sc] ?? `SCT ${sct} SC 0x${sc.toString(16).padStart(2, '0')}`;
}

export function describeStatus(s: Status): string {
  return `${statusName(s.sct, s.sc)} (SCT ${s.sct}, SC 0x${s.sc.toString(16).padStart(2, '0')}${s.dnr ? ', DNR' : ''})`;
}

export function isSuccess(s: Pick<Status, 'sct' | 'sc'>): boolean {
  return s.sct === SCT_GENERIC && s.sc === SC.SUCCESS;
}
