// The acceptance machine's events: each one is a classification of the
// command a tester will build in bytes, one stage at a time. The record they
// leave in context (`CommandClass`) is what the byte binding reads back.

type LmCommandName = 'QUERY' | 'SUSPEND' | 'RESUME' | 'SAVE' | 'LOAD';
export type OpcodeName = LmCommandName | 'OTHER';
type QueueKind = 'pfAdmin' | 'vfAdmin' | 'io';
/** The VF's live-migration state (D5). */
export type LmState = 'running' | 'suspended' | 'saved' | 'loaded';
/** Which reserved field carries a nonzero bit (D10); reserved in all five commands. */
export type ReservedSituation = 'none' | 'cdw0' | 'cdw10High' | 'cdw12';
export type PrpSituation = 'valid' | 'entry2Offset' | 'listEntryOffset' | 'unmapped';
/** LOAD data as D7 checks it; at most one defect per command. */
export type LoadDataSituation =
  | 'valid'
  | 'sizeZero'
  | 'sizeOverBuffer'
  | 'sizeMismatch'
  | 'badMagic'
  | 'badVersion'
  | 'badChecksum'
  | 'badGeometry';

/** What the stages so far have classified; a stage not reached stays unset. */
export interface CommandClass {
  queue?: QueueKind;
  opcode?: OpcodeName;
  fuse?: 'zero' | 'set';
  psdt?: 'prp' | 'sgl';
  reserved?: ReservedSituation;
  nsid?: 'zero' | 'nonzero';
  /** CDW10 15:0 */
  vfIndex?: number;
  vfState?: LmState;
  prp?: PrpSituation;
  loadData?: LoadDataSituation;
}

// Events without a payload, by stage, in alphabet order.
const QUEUE_EVENTS = ['QUEUE_PF_ADMIN', 'QUEUE_VF_ADMIN', 'QUEUE_IO'] as const;
const OPCODE_EVENTS = ['OPC_QUERY', 'OPC_SUSPEND', 'OPC_RESUME', 'OPC_SAVE', 'OPC_LOAD', 'OPC_OTHER'] as const;
const FUSE_EVENTS = ['FUSE_ZERO', 'FUSE_SET'] as const;
const PSDT_EVENTS = ['PSDT_PRP', 'PSDT_SGL'] as const;
const RESERVED_EVENTS = ['RESERVED_NONE', 'RESERVED_CDW0', 'RESERVED_CDW10_HIGH', 'RESERVED_CDW12'] as const;
const NSID_EVENTS = ['NSID_ZERO', 'NSID_NONZERO'] as const;
const VF_STATE_EVENTS = ['VF_RUNNING', 'VF_SUSPENDED', 'VF_SAVED', 'VF_LOADED'] as const;
const PRP_EVENTS = ['PRP_VALID', 'PRP_ENTRY2_OFFSET', 'PRP_LIST_ENTRY_OFFSET', 'PRP_UNMAPPED'] as const;
const LOAD_DATA_EVENTS = [
  'LOAD_VALID',
  'LOAD_SIZE_ZERO',
  'LOAD_SIZE_OVER_BUFFER',
  'LOAD_SIZE_MISMATCH',
  'LOAD_BAD_MAGIC',
  'LOAD_BAD_VERSION',
  'LOAD_BAD_CHECKSUM',
  'LOAD_BAD_GEOMETRY',
] as const;

type SimpleEventType =
  | (typeof QUEUE_EVENTS)[number]
  | (typeof OPCODE_EVENTS)[number]
  | (typeof FUSE_EVENTS)[number]
  | (typeof PSDT_EVENTS)[number]
  | (typeof RESERVED_EVENTS)[number]
  | (typeof NSID_EVENTS)[number]
  | (typeof VF_STATE_EVENTS)[number]
  | (typeof PRP_EVENTS)[number]
  | (typeof LOAD_DATA_EVENTS)[number];

type VfIndexEvent = { type: 'VF_INDEX'; index: number };
export type AcceptanceEvent = { type: SimpleEventType } | VfIndexEvent;

/** The classification each payload-free event records. */
const RECORDS: Record<SimpleEventType, CommandClass> = {
  QUEUE_PF_ADMIN: { queue: 'pfAdmin' },
  QUEUE_VF_ADMIN: { queue: 'vfAdmin' },
  QUEUE_IO: { queue: 'io' },
  OPC_QUERY: { opcode: 'QUERY' },
  OPC_SUSPEND: { opcode: 'SUSPEND' },
  OPC_RESUME: { opcode: 'RESUME' },
  OPC_SAVE: { opcode: 'SAVE' },
  OPC_LOAD: { opcode: 'LOAD' },
  OPC_OTHER: { opcode: 'OTHER' },
  FUSE_ZERO: { fuse: 'zero' },
  FUSE_SET: { fuse: 'set' },
  PSDT_PRP: { psdt: 'prp' },
  PSDT_SGL: { psdt: 'sgl' },
  RESERVED_NONE: { reserved: 'none' },
  RESERVED_CDW0: { reserved: 'cdw0' },
  RESERVED_CDW10_HIGH: { reserved: 'cdw10High' },
  RESERVED_CDW12: { reserved: 'cdw12' },
  NSID_ZERO: { nsid: 'zero' },
  NSID_NONZERO: { nsid: 'nonzero' },
  VF_RUNNING: { vfState: 'running' },
  VF_SUSPENDED: { vfState: 'suspended' },
  VF_SAVED: { vfState: 'saved' },
  VF_LOADED: { vfState: 'loaded' },
  PRP_VALID: { prp: 'valid' },
  PRP_ENTRY2_OFFSET: { prp: 'entry2Offset' },
  PRP_LIST_ENTRY_OFFSET: { prp: 'listEntryOffset' },
  PRP_UNMAPPED: { prp: 'unmapped' },
  LOAD_VALID: { loadData: 'valid' },
  LOAD_SIZE_ZERO: { loadData: 'sizeZero' },
  LOAD_SIZE_OVER_BUFFER: { loadData: 'sizeOverBuffer' },
  LOAD_SIZE_MISMATCH: { loadData: 'sizeMismatch' },
  LOAD_BAD_MAGIC: { loadData: 'badMagic' },
  LOAD_BAD_VERSION: { loadData: 'badVersion' },
  LOAD_BAD_CHECKSUM: { loadData: 'badChecksum' },
  LOAD_BAD_GEOMETRY: { loadData: 'badGeometry' },
};

/** The fields an event classifies (pure; the machine's `record` action uses it). */
export function classify(event: AcceptanceEvent): CommandClass {
  if (event.type === 'VF_INDEX') return { vfIndex: event.index };
  return RECORDS[event.type];
}

/** Largest value of CDW10 15:0. */
const MAX_VF_INDEX_FIELD = 0xffff;

/**
 * VF index values worth trying (D4): 0, every enabled VF, the first one past
 * them, and the largest the 16-bit field holds.
 */
export function vfIndexValues(vfs: number): number[] {
  const values = [0];
  for (let i = 1; i <= vfs + 1; i++) values.push(i);
  if (!values.includes(MAX_VF_INDEX_FIELD)) values.push(MAX_VF_INDEX_FIELD);
  return values;
}

/** The finite event alphabet, in stage order (deterministic for the checker and the path generator). */
export function acceptanceAlphabet(vfs: number): AcceptanceEvent[] {
  const simple = (types: readonly SimpleEventType[]): AcceptanceEvent[] => types.map((type) => ({ type }));
  return [
    ...simple(QUEUE_EVENTS),
    ...simple(OPCODE_EVENTS),
    ...simple(FUSE_EVENTS),
    ...simple(PSDT_EVENTS),
    ...simple(RESERVED_EVENTS),
    ...simple(NSID_EVENTS),
    ...vfIndexValues(vfs).map((index): AcceptanceEvent => ({ type: 'VF_INDEX', index })),
    ...simple(VF_STATE_EVENTS),
    ...simple(PRP_EVENTS),
    ...simple(LOAD_DATA_EVENTS),
  ];
}
