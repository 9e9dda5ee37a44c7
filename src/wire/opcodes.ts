// Opcodes: the RFC's five live-migration commands and the standard commands
// the emulator serves. Opcode layout: bit 7 generic, bits 6:2 function,
// bits 1:0 data transfer direction.

export const ADMIN = {
  DELETE_IO_SQ: 0x00,
  CREATE_IO_SQ: 0x01,
  DELETE_IO_CQ: 0x04,
  CREATE_IO_CQ: 0x05,
  IDENTIFY: 0x06,
  ABORT: 0x08,
  SET_FEATURES: 0x09,
  GET_FEATURES: 0x0a,
} as const;

export const NVM = {
  FLUSH: 0x00,
  WRITE: 0x01,
  READ: 0x02,
} as const;

/** Asynchronous Event Request (admin 0Ch): served by the tp4159 profile, whose One-Shot events complete it (D33). Kept out of ADMIN: the vendor profiles do not serve it. */
export const ASYNC_EVENT_REQUEST = 0x0c;

/** NVM Write Zeroes and Dataset Management: served by the tp4159 profile, whose logging covers them (D30). Kept out of NVM for the same reason. */
export const NVM_WRITE_ZEROES = 0x08;
export const NVM_DATASET_MANAGEMENT = 0x09;

export const FEATURE_NUMBER_OF_QUEUES = 0x07;
/** Set/Get Features FID 21h: a Controller Data Queue's head pointer and tail-pointer trigger (tp4159 section 2). */
export const FEATURE_CONTROLLER_DATA_QUEUE = 0x21;

/**
 * The standard profile's admin commands (TP4159, NVMe Base 2.1; tp4159
 * section 2). Kept apart from ADMIN because ADMIN lists what the vendor
 * profile's controller serves, and the fuzzer draws its known opcodes from it.
 */
export const HMLM = {
  TRACK_SEND: 0x3d,
  TRACK_RECEIVE: 0x3e,
  MIGRATION_SEND: 0x41,
  MIGRATION_RECEIVE: 0x42,
  CONTROLLER_DATA_QUEUE: 0x45,
} as const;

/** The HMLM opcodes as a set, for a test per command. */
export const HMLM_OPCODES: ReadonlySet<number> = new Set(Object.values(HMLM));

export type Transfer = 'none' | 'host-to-controller' | 'controller-to-host' | 'bidirectional';

const LM_NAMES = ['QUERY_DATA_SIZE', 'SUSPEND', 'RESUME', 'SAVE_DATA', 'LOAD_DATA'] as const;
type LmName = (typeof LM_NAMES)[number];

export interface LmOpcode {
  name: LmName;
  /** short name used by the CLI */
  cli: 'query' | 'suspend' | 'resume' | 'save' | 'load';
  opcode: number;
  function: number;
  transfer: Transfer;
}

/** The RFC's table (spec section 1). */
export const LM_OPCODES: readonly LmOpcode[] = [
  { name: 'QUERY_DATA_SIZE', cli: 'query', opcode: 0xc4, function: 0b10001, transfer: 'none' },
  { name: 'SUSPEND', cli: 'suspend', opcode: 0xc8, function: 0b10010, transfer: 'none' },
  { name: 'RESUME', cli: 'resume', opcode: 0xcc, function: 0b10011, transfer: 'none' },
  { name: 'SAVE_DATA', cli: 'save', opcode: 0xd2, function: 0b10100, transfer: 'controller-to-host' },
  { name: 'LOAD_DATA', cli: 'load', opcode: 0xd5, function: 0b10101, transfer: 'host-to-controller' },
];

export const LM = {
  QUERY: 0xc4,
  SUSPEND: 0xc8,
  RESUME: 0xcc,
  SAVE: 0xd2,
  LOAD: 0xd5,
} as const;

export function lmByOpcode(opcode: number): LmOpcode | undefined {
  return LM_OPCODES.find((o) => o.opcode === opcode);
}

export function isLmOpcode(opcode: number): boolean {
  return lmByOpcode(opcode) !== undefined;
}

const TRANSFERS: readonly Transfer[] = ['none', 'host-to-controller', 'controller-to-host', 'bidirectional'];

/** Split an opcode into its bit fields (generic 7, function 6:2, transfer 1:0). */
export function decodeOpcodeBits(opcode: number): { generic: boolean; function: number; transfer: Transfer } {
  if (!Number.isInteger(opcode) || opcode < 0 || opcode > 0xff) throw new RangeError(`opcode ${opcode} is not a byte`);
  return { generic: (opcode & 0x80) !== 0, function: (opcode >> 2) & 0x1f, transfer: TRANSFERS[opcode & 0x3] };
}

const ADMIN_NAMES: Record<number, string> = {
  0x00: 'Delete I/O Submission Queue',
  0x01: 'Create I/O Submission Queue',
  0x04: 'Delete I/O Completion Queue',
  0x05: 'Create I/O Completion Queue',
  0x06: 'Identify',
  0x08: 'Abort',
  0x09: 'Set Features',
  0x0a: 'Get Features',
  [HMLM.TRACK_SEND]: 'Track Send',
  [HMLM.TRACK_RECEIVE]: 'Track Receive',
  [HMLM.MIGRATION_SEND]: 'Migration Send',
  [HMLM.MIGRATION_RECEIVE]: 'Migration Receive',
  [HMLM.CONTROLLER_DATA_QUEUE]: 'Controller Data Queue',
};

const NVM_NAMES: Record<number, string> = { 0x00: 'Flush', 0x01: 'Write', 0x02: 'Read' };

export function adminOpcodeName(opcode: number): string {
  return lmByOpcode(opcode)?.name ?? ADMIN_NAMES[opcode] ?? `admin opcode 0x${opcode.toString(16).padStart(2, '0')}`;
}

export function nvmOpcodeName(opcode: number): string {
  return NVM_NAMES[opcode] ?? `I/O opcode 0x${opcode.toString(16).padStart(2, '0')}`;
}
