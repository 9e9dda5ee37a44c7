// The tp4159 acceptance machine's events: each classifies the management
// command a tester will build in bytes, one stage at a time; the record they
// leave in context (`TpCommandClass`) is what a byte binding reads back.

type TpQueue = 'pfAdmin' | 'vfAdmin';
/** 3Dh, 3Eh, 41h, 42h, 45h, Set/Get Features FID 21h, or any other opcode */
type TpOpcode = 'trackSend' | 'trackReceive' | 'migrationSend' | 'migrationReceive' | 'cdq' | 'setFeaturesCdq' | 'getFeaturesCdq' | 'other';
/** The operation the opcode and its SEL (and Suspend's STYPE) select. */
type TpOperation = 'suspend' | 'notice' | 'resume' | 'setState' | 'getState' | 'logUserData' | 'createCdq' | 'deleteCdq' | 'setFeatures' | 'getFeatures';
/** Set State MOS 1:0 SEQIND: 3 whole, 1 first, 0 middle, 2 last */
type TpSeqind = 'whole' | 'first' | 'middle' | 'last';
/** What the CNTLID (or a Create's CQS) names (D20) */
type TpTarget = 'vf' | 'pf' | 'unknown' | 'offline';

export interface TpCommandClass {
  queue?: TpQueue;
  opcode?: TpOpcode;
  operation?: TpOperation;
  seqind?: TpSeqind;
  target?: TpTarget;
  vfState?: 'active' | 'suspended';
}

/** Every payload-free event and what it records (stage by stage, in alphabet order). */
const RECORDS = {
  QUEUE_PF_ADMIN: { queue: 'pfAdmin' },
  QUEUE_VF_ADMIN: { queue: 'vfAdmin' },
  OPC_TRACK_SEND: { opcode: 'trackSend' },
  OPC_TRACK_RECEIVE: { opcode: 'trackReceive' },
  OPC_MIGRATION_SEND: { opcode: 'migrationSend' },
  OPC_MIGRATION_RECEIVE: { opcode: 'migrationReceive' },
  OPC_CDQ: { opcode: 'cdq' },
  OPC_SET_FEATURES_CDQ: { opcode: 'setFeaturesCdq', operation: 'setFeatures' },
  OPC_GET_FEATURES_CDQ: { opcode: 'getFeaturesCdq', operation: 'getFeatures' },
  OPC_OTHER: { opcode: 'other' },
  // SEL (CDW10 7:0), per opcode
  SEL_SUSPEND: { operation: 'suspend' },
  SEL_RESUME: { operation: 'resume' },
  SEL_SET_STATE: { operation: 'setState' },
  SEL_GET_STATE: { operation: 'getState' },
  SEL_LOG_USER_DATA: { operation: 'logUserData' },
  SEL_TRACK_MEMORY: {},
  SEL_CREATE: { operation: 'createCdq' },
  SEL_DELETE: { operation: 'deleteCdq' },
  SEL_RESERVED: {},
  // fields of the command itself
  STYPE_SUSPEND: {},
  STYPE_NOTICE: { operation: 'notice' },
  STYPE_RESERVED: {},
  SEQIND_WHOLE: { seqind: 'whole' },
  SEQIND_FIRST: { seqind: 'first' },
  SEQIND_MIDDLE: { seqind: 'middle' },
  SEQIND_LAST: { seqind: 'last' },
  LACT_START: {},
  LACT_STOP: {},
  LACT_RESERVED: {},
  QT_UDMQ: {},
  QT_RESERVED: {},
  CDQSIZE_OK: {},
  CDQSIZE_BELOW_TWO_ENTRIES: {},
  PC_CONTIGUOUS: {},
  PC_PRP_LIST: {},
  // the target
  CNTLID_VF: { target: 'vf' },
  CNTLID_PF: { target: 'pf' },
  CNTLID_UNKNOWN: { target: 'unknown' },
  CNTLID_OFFLINE_VF: { target: 'offline' },
  CDQID_KNOWN: {},
  CDQID_UNKNOWN: {},
  // the target's state
  VF_ACTIVE: { vfState: 'active' },
  VF_SUSPENDED: { vfState: 'suspended' },
  VF_NO_IO_QUEUES: {},
  VF_HAS_IO_QUEUES: {},
  UDMQS_BELOW_LIMIT: {},
  UDMQS_AT_LIMIT: {},
  // CSVI / CSUUIDI (Get and Set State)
  CSVI_HEADER_ONLY: {},
  CSVI_NVME_STATE: {},
  CSVI_UNLISTED: {},
  CSUUIDI_VENDOR: {},
  CSUUIDI_UNLISTED: {},
  PARTS_IN_ORDER: {},
  PART_OUT_OF_ORDER: {},
  // data
  OFFSET_VALID: {},
  OFFSET_UNALIGNED: {},
  OFFSET_PAST_END: {},
  HP_VALID: {},
  HP_BEYOND_QUEUE: {},
  DATA_VALID: {},
  DATA_LONGER_BY_A_DWORD: {},
  DATA_SHORTER_THAN_HEADER_SAYS: {},
  DATA_VER_NONZERO: {},
  DATA_NVMECSS_ZERO: {},
  DATA_LENGTH_DISAGREES: {},
  DATA_VSS_WITHOUT_SECTION: {},
  DATA_VENDOR_SECTION_BAD: {},
  DATA_QID_OUT_OF_RANGE_OR_DUPLICATE: {},
  DATA_CQID_NOT_IN_STATE: {},
  DATA_QSIZE_OVER_MQES: {},
  DATA_PC_ZERO_UNSUPPORTED: {},
  DATA_HEAD_OR_TAIL_OVER_SIZE: {},
} as const satisfies Record<string, TpCommandClass>;

type TpAcceptanceEventType = keyof typeof RECORDS;
export type TpAcceptanceEvent = { type: TpAcceptanceEventType };
const TP_ACCEPTANCE_EVENT_TYPES = Object.keys(RECORDS) as TpAcceptanceEventType[];

export function tpClassify(event: TpAcceptanceEvent): TpCommandClass {
  return RECORDS[event.type];
}

export function tpAcceptanceAlphabet(): TpAcceptanceEvent[] {
  return TP_ACCEPTANCE_EVENT_TYPES.map((type) => ({ type }));
}
