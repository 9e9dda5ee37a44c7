// Typed encode/decode of the standard profile's admin commands over the
// layout tables in commands.ts. A typed command names exactly the layout's
// fields (minus the head fields it does not use, written as 0); one-bit flags
// are booleans, 64-bit fields bigints, everything else a number.
import { decodeUints, encodeUints, fieldByName, setUint, WireError, type Field } from '../layout.ts';
import { ADMIN, FEATURE_CONTROLLER_DATA_QUEUE, HMLM_OPCODES } from '../opcodes.ts';
import { SQE_SIZE } from '../sqe.ts';
import {
  CDQ_CREATE_LAYOUT,
  CDQ_DELETE_LAYOUT,
  GET_CDQ_FEATURE_LAYOUT,
  GET_STATE_LAYOUT,
  isReservedField,
  RESUME_LAYOUT,
  SET_CDQ_FEATURE_LAYOUT,
  SET_STATE_LAYOUT,
  SUSPEND_LAYOUT,
  TRACK_MEMORY_LAYOUT,
  TRACK_RECEIVE_LAYOUT,
  TRACK_SEND_LAYOUT,
  type Tp4159Layout,
} from './commands.ts';

interface Base {
  cid: number;
}
interface SuspendCommand extends Base { kind: 'suspend'; cntlid: number; stype: number; dudmq: boolean }
interface ResumeCommand extends Base { kind: 'resume'; cntlid: number }
interface SetStateCommand extends Base {
  kind: 'setState';
  seqind: number;
  cntlid: number;
  csvi: number;
  csuuidi: number;
  offset: bigint;
  uidx: number;
  /** 0-based as this project's host sends it (D27) */
  numd: number;
  prp1: bigint;
  prp2: bigint;
}
interface GetStateCommand extends Base {
  kind: 'getState';
  csvi: number;
  cntlid: number;
  csuuidi: number;
  csuidxp: number;
  offset: bigint;
  uidx: number;
  /** 0-based (D27) */
  numd: number;
  prp1: bigint;
  prp2: bigint;
}
interface CdqCreateCommand extends Base { kind: 'cdqCreate'; qt: number; pc: boolean; cqs: number; cdqsize: number; prp1: bigint }
interface CdqDeleteCommand extends Base { kind: 'cdqDelete'; cdqid: number }
interface TrackSendCommand extends Base { kind: 'trackSend'; lact: number; cdqid: number }
interface TrackMemoryCommand extends Base {
  kind: 'trackMemory';
  mos: number;
  cdw11: number;
  cdw12: number;
  cdw13: number;
  cdw14: number;
  cdw15: number;
}
interface TrackReceiveCommand extends Base {
  kind: 'trackReceive';
  prp1: bigint;
  prp2: bigint;
  cdw10: number;
  cdw11: number;
  cdw12: number;
  cdw13: number;
  cdw14: number;
  cdw15: number;
}
interface SetCdqFeatureCommand extends Base { kind: 'setCdqFeature'; sv: boolean; cdqid: number; etpt: boolean; hp: number; tpt: number; uidx: number }
interface GetCdqFeatureCommand extends Base { kind: 'getCdqFeature'; gsel: number; cdqid: number; uidx: number; prp1: bigint; prp2: bigint }

export type Tp4159Command =
  | SuspendCommand
  | ResumeCommand
  | SetStateCommand
  | GetStateCommand
  | CdqCreateCommand
  | CdqDeleteCommand
  | TrackSendCommand
  | TrackMemoryCommand
  | TrackReceiveCommand
  | SetCdqFeatureCommand
  | GetCdqFeatureCommand;

export type Tp4159Kind = Tp4159Command['kind'];

/** Which layout each kind uses, and which of its rows the typed form carries besides cid. */
export const TP4159_KINDS: Readonly<Record<Tp4159Kind, { layout: Tp4159Layout; fields: readonly string[] }>> = {
  suspend: { layout: SUSPEND_LAYOUT, fields: ['cntlid', 'stype', 'dudmq'] },
  resume: { layout: RESUME_LAYOUT, fields: ['cntlid'] },
  setState: { layout: SET_STATE_LAYOUT, fields: ['seqind', 'cntlid', 'csvi', 'csuuidi', 'offset', 'uidx', 'numd', 'prp1', 'prp2'] },
  getState: { layout: GET_STATE_LAYOUT, fields: ['csvi', 'cntlid', 'csuuidi', 'csuidxp', 'offset', 'uidx', 'numd', 'prp1', 'prp2'] },
  cdqCreate: { layout: CDQ_CREATE_LAYOUT, fields: ['qt', 'pc', 'cqs', 'cdqsize', 'prp1'] },
  cdqDelete: { layout: CDQ_DELETE_LAYOUT, fields: ['cdqid'] },
  trackSend: { layout: TRACK_SEND_LAYOUT, fields: ['lact', 'cdqid'] },
  trackMemory: { layout: TRACK_MEMORY_LAYOUT, fields: ['mos', 'cdw11', 'cdw12', 'cdw13', 'cdw14', 'cdw15'] },
  trackReceive: { layout: TRACK_RECEIVE_LAYOUT, fields: ['prp1', 'prp2', 'cdw10', 'cdw11', 'cdw12', 'cdw13', 'cdw14', 'cdw15'] },
  setCdqFeature: { layout: SET_CDQ_FEATURE_LAYOUT, fields: ['sv', 'cdqid', 'etpt', 'hp', 'tpt', 'uidx'] },
  getCdqFeature: { layout: GET_CDQ_FEATURE_LAYOUT, fields: ['gsel', 'cdqid', 'uidx', 'prp1', 'prp2'] },
};

/** How a row is typed: one-bit flags are booleans (phase tags are not among these rows), 8-byte rows bigints. */
export function tp4159FieldType(f: Field): 'boolean' | 'bigint' | 'number' {
  if (f.bits && f.bits[0] === f.bits[1]) return 'boolean';
  return f.width === 8 && !f.bits ? 'bigint' : 'number';
}

/** Encode one command into a fresh 64-byte SQE; unused and reserved bits are 0. Throws WireError if a value does not fit. */
export function encodeTp4159(c: Tp4159Command): Uint8Array {
  const { layout, fields } = TP4159_KINDS[c.kind];
  const record = c as unknown as Record<string, bigint | number | boolean>;
  for (const name of fields) if (record[name] === undefined) throw new WireError(`${layout.name}: ${name} is missing`);
  // written in place, the fixed rows first (a row written again is replaced
  // whole): a record of every value per command was the most of an encode
  const sqe = encodeUints(layout, layout.fixed);
  if (c.cid !== undefined) setUint(sqe, fieldByName(layout, 'cid'), c.cid);
  for (const name of fields) {
    const v = record[name];
    setUint(sqe, fieldByName(layout, name), typeof v === 'boolean' ? (v ? 1 : 0) : (v as bigint | number));
  }
  return sqe;
}

/** The kinds with their layouts, listed once (the emulator decodes every admin command it executes). */
const KINDS = Object.entries(TP4159_KINDS) as Array<[Tp4159Kind, (typeof TP4159_KINDS)[Tp4159Kind]]>;

/** Which layout an SQE is, by opcode and SEL (or FID for Set/Get Features); undefined if not a tp4159 command. */
function tp4159LayoutOf(sqe: Uint8Array): { kind: Tp4159Kind; layout: Tp4159Layout } | undefined {
  if (sqe.length !== SQE_SIZE) throw new WireError(`SQE must be exactly ${SQE_SIZE} bytes, got ${sqe.length}`);
  const opc = sqe[0];
  const byte40 = sqe[40];
  const isFeature = opc === ADMIN.SET_FEATURES || opc === ADMIN.GET_FEATURES;
  if (isFeature && byte40 !== FEATURE_CONTROLLER_DATA_QUEUE) return undefined;
  if (!isFeature && !HMLM_OPCODES.has(opc)) return undefined;
  for (const [kind, spec] of KINDS) {
    const f = spec.layout.fixed;
    if (f.opc === opc && (f.sel === undefined || f.sel === byte40) && (f.fid === undefined || f.fid === byte40)) return { kind, layout: spec.layout };
  }
  return undefined;
}

interface DecodedTp4159 {
  command: Tp4159Command;
  layout: Tp4159Layout;
  /** every row of the layout, by name */
  fields: Record<string, bigint>;
  /** reserved rows holding a nonzero bit */
  reservedNonzero: string[];
}

/** Decode an SQE as a tp4159 command; undefined for any other opcode, an undefined SEL, or a feature other than 21h. */
export function decodeTp4159(sqe: Uint8Array): DecodedTp4159 | undefined {
  const which = tp4159LayoutOf(sqe);
  if (!which) return undefined;
  const { kind, layout } = which;
  const fields = decodeUints(layout, sqe);
  const command: Record<string, unknown> = { kind, cid: Number(fields.cid) };
  for (const name of TP4159_KINDS[kind].fields) {
    const t = tp4159FieldType(fieldByName(layout, name));
    command[name] = t === 'boolean' ? fields[name] === 1n : t === 'bigint' ? fields[name] : Number(fields[name]);
  }
  const reservedNonzero = layout.fields.filter((f) => isReservedField(f) && fields[f.name] !== 0n).map((f) => f.doc);
  return { command: command as unknown as Tp4159Command, layout, fields, reservedNonzero };
}

/** Bytes a 0-based NUMD moves: (NUMD + 1) x 4 (D27). */
export function numdBytes(numd: number): number {
  return (numd + 1) * 4;
}

/** The 0-based NUMD for a transfer of `bytes` (a positive multiple of 4). */
export function numdFor(bytes: number): number {
  if (!Number.isInteger(bytes) || bytes <= 0 || bytes % 4 !== 0) throw new WireError(`a transfer of ${bytes} bytes is not a positive whole number of dwords`);
  return bytes / 4 - 1;
}
