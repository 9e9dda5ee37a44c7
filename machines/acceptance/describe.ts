// From a path that ends in a final state to the command a byte binding must
// build: every field with a concrete value, the preconditions, and the outcome
// to expect. Stages the path never reached get a valid default, so a path's
// command has exactly the defect its events name and no other.
import { initialTransition, transition, type AnyMachineSnapshot, type AnyStateMachine } from 'xstate';
import type { AcceptanceEvent, CommandClass, LmState, LoadDataSituation, OpcodeName, PrpSituation, ReservedSituation } from './events.ts';
import { FINALS } from './finals.ts';
import type { AcceptanceContext } from './machine.ts';
import { expectedOutcome, finalStateOf, type ExpectedOutcome } from './outcome.ts';

/** Opcode bytes (spec section 1), and the non-LM command used for OTHER. */
export const LM_OPCODE_BYTES: Record<Exclude<OpcodeName, 'OTHER'>, number> = {
  QUERY: 0xc4,
  SUSPEND: 0xc8,
  RESUME: 0xcc,
  SAVE: 0xd2,
  LOAD: 0xd5,
};
/** OTHER on an admin queue: Get Features (0x0A), CDW10 = 0x07 Number of Queues; on an I/O queue: Flush (0x00), NSID 1. */
const OTHER_ADMIN_OPCODE = 0x0a;
const OTHER_IO_OPCODE = 0x00;

export type QueueToUse =
  | { kind: 'pfAdmin' }
  /** the VF's own admin queue (SQ 0 of that VF) */
  | { kind: 'vfAdmin'; vf: number }
  | { kind: 'io'; vf: number; qid: number };

/** A reserved bit to set: bit `bit` of command dword `dword` (D10). */
export interface ReservedBit {
  dword: number;
  bit: number;
}

const RESERVED_BITS: Record<Exclude<ReservedSituation, 'none'>, ReservedBit> = {
  cdw0: { dword: 0, bit: 10 }, // CDW0 13:10
  cdw10High: { dword: 10, bit: 16 }, // CDW10 31:16
  cdw12: { dword: 12, bit: 0 }, // bytes 51:48, reserved in all five
};

const PRP_TEXT: Record<PrpSituation, string> = {
  valid: 'PRP1 (and PRP2 as the transfer needs) point at mapped host memory; PRP2 and list entries page aligned',
  entry2Offset:
    'the transfer spans exactly two pages (PRP1 near the end of its page), and PRP2, a page pointer, carries a nonzero offset (e.g. +0x10)',
  listEntryOffset:
    'the transfer spans more than two pages (PRP1 at offset 0x1000-0x40 of its page, and the data larger than 0x1040 bytes), PRP2 points to a PRP list whose first entry carries a nonzero offset (e.g. +0x10); needs migration data over 0x1040 bytes',
  unmapped: 'PRP1 points at host memory that does not exist (beyond the end of host memory)',
};

/** CDW11 for LOAD and the data bytes, per D7 situation. */
const LOAD_TEXT: Record<LoadDataSituation, { size: string; data: string }> = {
  valid: { size: 'the length recorded in the data', data: 'the bytes of the last SAVE of this VF, unchanged' },
  sizeZero: { size: '0', data: 'the bytes of the last SAVE of this VF, unchanged' },
  sizeOverBuffer: {
    size: '0x40001: one byte more than 256 KiB, the largest buffer a host hands to LOAD (the RFC driver\'s RESUMING buffer)',
    data: 'the bytes of the last SAVE of this VF, unchanged',
  },
  sizeMismatch: { size: 'the recorded length minus 4 (nonzero, fits the buffer)', data: 'the bytes of the last SAVE of this VF, unchanged' },
  badMagic: { size: 'the recorded length', data: 'the saved image with its magic changed, checksum recomputed so only the magic is wrong' },
  badVersion: { size: 'the recorded length', data: 'the saved image with an unknown format version, checksum recomputed' },
  badChecksum: { size: 'the recorded length', data: 'the saved image with one payload byte flipped and the checksum left as it was' },
  badGeometry: {
    size: 'the recorded length',
    data: 'the saved image describing more I/O queues (or a larger queue) than the VF allows, checksum recomputed',
  },
};

/** How to bring the target VF into an LM state before the command, through PF commands (D5). */
const REACH_STATE: Record<LmState, string> = {
  running: 'its power-on state',
  suspended: 'SUSPEND',
  saved: 'SUSPEND, SAVE',
  loaded: 'SUSPEND, SAVE, LOAD of that image',
};

export interface CommandToBuild {
  /** the final state the path ends in */
  final: string;
  queue: QueueToUse;
  opcodeName: OpcodeName;
  opcode: number;
  /** CDW0 9:8 */
  fuse: number;
  /** CDW0 15:14 */
  psdt: number;
  /** null: every reserved bit zero */
  reservedBit: ReservedBit | null;
  /** CDW1 */
  nsid: number;
  /** CDW10 15:0 (LM opcodes) */
  vfIndex: number;
  /** the LM state the VF named by vfIndex must be in beforehand, if the index names an enabled VF */
  vfState: LmState;
  /** SAVE and LOAD only */
  prp?: { situation: PrpSituation; text: string };
  /** LOAD only: CDW11 and the data in host memory */
  load?: { situation: LoadDataSituation; size: string; data: string };
  preconditions: string[];
  /** the whole command in one sentence */
  words: string;
  expected: ExpectedOutcome;
}

function replay(machine: AnyStateMachine, events: readonly AcceptanceEvent[]): AnyMachineSnapshot {
  let [snapshot] = initialTransition(machine);
  events.forEach((event, i) => {
    const before = snapshot.value;
    [snapshot] = transition(machine, snapshot, event);
    if (snapshot.value === before) {
      throw new Error(
        `event ${i + 1} (${JSON.stringify(event)}) is not accepted at stage ${JSON.stringify(before)}: list the events in stage order, one per stage`,
      );
    }
  });
  return snapshot;
}

function queueOf(cmd: CommandClass): QueueToUse {
  if (cmd.queue === 'vfAdmin') return { kind: 'vfAdmin', vf: 1 };
  if (cmd.queue === 'io') return { kind: 'io', vf: 1, qid: 1 };
  return { kind: 'pfAdmin' };
}

function queueWords(q: QueueToUse): string {
  if (q.kind === 'pfAdmin') return 'the PF admin queue';
  if (q.kind === 'vfAdmin') return `VF ${q.vf}'s own admin queue`;
  return `I/O SQ ${q.qid} of VF ${q.vf}`;
}

/**
 * Describe the command for a path of the acceptance machine that ends in a
 * final state. `machine` is the one the path was found on (its options decide
 * the outcome).
 */
export function describeCommand(machine: AnyStateMachine, events: readonly AcceptanceEvent[]): CommandToBuild {
  const end = replay(machine, events);
  const final = finalStateOf(end);
  const { cmd, options } = end.context as AcceptanceContext;
  const queue = queueOf(cmd);
  const opcodeName: OpcodeName = cmd.opcode ?? 'OTHER';
  const opcode = opcodeName !== 'OTHER' ? LM_OPCODE_BYTES[opcodeName] : queue.kind === 'io' ? OTHER_IO_OPCODE : OTHER_ADMIN_OPCODE;
  const vfIndex = cmd.vfIndex ?? 1;
  const vfState = cmd.vfState ?? 'running';
  const reserved = cmd.reserved ?? 'none';
  const transfers = opcodeName === 'SAVE' || opcodeName === 'LOAD';

  const preconditions: string[] = [`${options.vfs} VFs enabled (profile ${options.profile})`];
  if (queue.kind === 'vfAdmin') preconditions.push(`VF ${queue.vf}'s controller enabled with its admin queue`);
  if (queue.kind === 'io') preconditions.push(`VF ${queue.vf}'s controller enabled, I/O queue pair ${queue.qid} created, VF running`);
  const targetsVf = queue.kind === 'pfAdmin' && opcodeName !== 'OTHER' && vfIndex >= 1 && vfIndex <= options.vfs;
  if (targetsVf) preconditions.push(`VF ${vfIndex} in LM state ${vfState} (${REACH_STATE[vfState]})`);
  if (opcodeName === 'LOAD') preconditions.push(`host memory holds an image from a SAVE of VF ${vfIndex}`);

  const prpSituation = cmd.prp ?? 'valid';
  const loadSituation = cmd.loadData ?? 'valid';
  const built: CommandToBuild = {
    final,
    queue,
    opcodeName,
    opcode,
    fuse: cmd.fuse === 'set' ? 1 : 0,
    psdt: cmd.psdt === 'sgl' ? 1 : 0,
    reservedBit: reserved === 'none' ? null : RESERVED_BITS[reserved],
    nsid: cmd.nsid === 'nonzero' ? 1 : 0,
    vfIndex,
    vfState,
    ...(transfers ? { prp: { situation: prpSituation, text: PRP_TEXT[prpSituation] } } : {}),
    ...(opcodeName === 'LOAD' ? { load: { situation: loadSituation, ...LOAD_TEXT[loadSituation] } } : {}),
    preconditions,
    words: '',
    expected: expectedOutcome(end),
  };
  built.words = sentence(built, FINALS[final].summary);
  return built;
}

function sentence(c: CommandToBuild, summary: string): string {
  const hex = (n: number): string => `0x${n.toString(16).toUpperCase().padStart(2, '0')}`;
  const parts = [`${c.opcodeName} (${hex(c.opcode)}) on ${queueWords(c.queue)}`];
  if (c.opcodeName === 'OTHER') {
    parts.push(c.queue.kind === 'io' ? 'Flush, NSID 1' : 'Get Features, CDW10 = 0x07 (Number of Queues)');
  } else {
    parts.push(`FUSE ${c.fuse}, PSDT ${c.psdt}, NSID ${c.nsid}, VF index ${c.vfIndex}`);
    parts.push(c.reservedBit === null ? 'no reserved bit set' : `reserved bit ${c.reservedBit.bit} of CDW${c.reservedBit.dword} set`);
    if (c.queue.kind === 'pfAdmin') parts.push(`VF state ${c.vfState}`);
  }
  if (c.prp !== undefined) parts.push(`PRPs: ${c.prp.text}`);
  if (c.load !== undefined) parts.push(`size ${c.load.size}; data: ${c.load.data}`);
  return `${parts.join('; ')}. Expect: ${summary}.`;
}
