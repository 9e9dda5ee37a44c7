// The standard profile's admin commands as layout tables over the 64-byte SQE
// (tp4159 section 2; TP4159, NVMe Base 2.1). Every table covers all 512 bits
// of the entry exactly once: the common head of the SQE, then CDW10-CDW15 cut
// into the command's fields and its reserved ranges (rows named `rsvd...`),
// so an encoder, a decoder, a reserved-bit check and the CLI's field table
// all read the same rows.
import type { Field, Layout } from '../layout.ts';
import { ADMIN, FEATURE_CONTROLLER_DATA_QUEUE, HMLM } from '../opcodes.ts';
import { SQE_LAYOUT, SQE_SIZE } from '../sqe.ts';

/** A command layout together with the values that identify it (opcode, SEL or FID). */
export interface Tp4159Layout extends Layout {
  /** fields whose values select this layout: opc always, then sel or fid */
  fixed: Readonly<Record<string, number>>;
}

const HEAD_NAMES = ['opc', 'fuse', 'cdw0Reserved', 'psdt', 'cid', 'nsid', 'cdw2', 'cdw3', 'mptr', 'prp1', 'prp2'];
const head: readonly Field[] = SQE_LAYOUT.fields.filter((f) => HEAD_NAMES.includes(f.name));

/** Byte offset of command dword `n` (CDW10 starts at byte 40). */
function dwOffset(n: number): number {
  return 4 * n;
}

/** A field in bits hi:lo of CDW`n`; a whole dword has no bit range. */
function dw(n: number, hi: number, lo: number, name: string, doc: string): Field {
  const whole = hi === 31 && lo === 0;
  return { name, offset: dwOffset(n), width: 4, ...(whole ? {} : { bits: [hi, lo] as const }), doc: `CDW${n} ${hi}:${lo} ${doc}` };
}

function rsvd(n: number, hi: number, lo: number): Field {
  return dw(n, hi, lo, `rsvdCdw${n}_${hi}_${lo}`, 'reserved');
}

/** True for the rows a strict controller expects to be zero. */
export function isReservedField(f: Field): boolean {
  return f.name.startsWith('rsvd') || f.name === 'cdw0Reserved';
}

const sel = dw(10, 7, 0, 'sel', 'SEL select (management operation)');
const cdw10Rsvd = rsvd(10, 15, 8);
const mos = dw(10, 31, 16, 'mos', 'MOS management operation specific');
const offset: Field = { name: 'offset', offset: 48, width: 8, doc: 'CDW13:12 byte offset into the controller state (CDW12 low, CDW13 high)' };
const uidx = [dw(14, 6, 0, 'uidx', 'UIDX UUID index'), rsvd(14, 31, 7)];
const numd = (doc: string): Field => dw(15, 31, 0, 'numd', doc);
const rsvdFrom = (first: number): Field[] => [10, 11, 12, 13, 14, 15].filter((n) => n >= first).map((n) => rsvd(n, 31, 0));
const raw = (first: number): Field[] => [10, 11, 12, 13, 14, 15].filter((n) => n >= first).map((n) => dw(n, 31, 0, `cdw${n}`, 'not defined by the public material'));

function cmd(name: string, fixed: Record<string, number>, fields: Field[]): Tp4159Layout {
  return { name, size: SQE_SIZE, fixed, fields: [...head, ...fields] };
}

// Migration Send (41h)
export const SUSPEND_LAYOUT = cmd('Migration Send / Suspend', { opc: HMLM.MIGRATION_SEND, sel: 0 }, [
  sel, cdw10Rsvd, mos,
  dw(11, 15, 0, 'cntlid', 'CNTLID the migratable controller'),
  dw(11, 23, 16, 'stype', 'STYPE 0 suspend notification, 1 suspend (D22)'),
  rsvd(11, 30, 24),
  dw(11, 31, 31, 'dudmq', 'DUDMQ delete the user data migration queue with the suspend (D32)'),
  ...rsvdFrom(12),
]);

export const RESUME_LAYOUT = cmd('Migration Send / Resume', { opc: HMLM.MIGRATION_SEND, sel: 1 }, [
  sel, cdw10Rsvd, mos,
  dw(11, 15, 0, 'cntlid', 'CNTLID the migratable controller'),
  rsvd(11, 31, 16),
  ...rsvdFrom(12),
]);

export const SET_STATE_LAYOUT = cmd('Migration Send / Set Controller State', { opc: HMLM.MIGRATION_SEND, sel: 2 }, [
  sel, cdw10Rsvd,
  dw(10, 17, 16, 'seqind', 'MOS 1:0 SEQIND 0 middle, 1 first, 2 last, 3 whole state (D26)'),
  rsvd(10, 31, 18),
  dw(11, 15, 0, 'cntlid', 'CNTLID the migratable controller'),
  dw(11, 23, 16, 'csvi', 'CSVI controller state version index, 1-based into CNS 20h'),
  dw(11, 31, 24, 'csuuidi', 'CSUUIDI controller state UUID index (0: none)'),
  offset, ...uidx,
  numd('NUMD dwords to transfer, 0-based as this project sends it (D27)'),
]);

// Migration Receive (42h)
export const GET_STATE_LAYOUT = cmd('Migration Receive / Get Controller State', { opc: HMLM.MIGRATION_RECEIVE, sel: 0 }, [
  sel, cdw10Rsvd,
  dw(10, 23, 16, 'csvi', 'MOS 7:0 CSVI controller state version index (0: header only, D24)'),
  rsvd(10, 31, 24),
  dw(11, 15, 0, 'cntlid', 'CNTLID the migratable controller'),
  dw(11, 23, 16, 'csuuidi', 'CSUUIDI controller state UUID index (0: none)'),
  dw(11, 31, 24, 'csuidxp', 'CSUIDXP controller state UUID index parameter'),
  offset, ...uidx,
  numd('NUMD dwords to transfer, 0-based (D27)'),
]);

// Controller Data Queue (45h)
export const CDQ_CREATE_LAYOUT = cmd('Controller Data Queue / Create', { opc: HMLM.CONTROLLER_DATA_QUEUE, sel: 0 }, [
  sel, cdw10Rsvd,
  dw(10, 23, 16, 'qt', 'MOS 7:0 QT queue type (0 user data migration queue, D28)'),
  rsvd(10, 31, 24),
  dw(11, 0, 0, 'pc', 'PC physically contiguous (PRP1 is the queue; else a PRP list)'),
  rsvd(11, 15, 1),
  dw(11, 31, 16, 'cqs', 'CQS for a UDMQ: the migratable controller\'s CNTLID'),
  dw(12, 31, 0, 'cdqsize', 'CDQSIZE queue size in dwords'),
  ...rsvdFrom(13),
]);

export const CDQ_DELETE_LAYOUT = cmd('Controller Data Queue / Delete', { opc: HMLM.CONTROLLER_DATA_QUEUE, sel: 1 }, [
  sel, cdw10Rsvd, mos,
  dw(11, 15, 0, 'cdqid', 'CDQID the queue to delete'),
  rsvd(11, 31, 16),
  ...rsvdFrom(12),
]);

// Track Send (3Dh) and Track Receive (3Eh)
export const TRACK_SEND_LAYOUT = cmd('Track Send / Log User Data Changes', { opc: HMLM.TRACK_SEND, sel: 0 }, [
  sel, cdw10Rsvd,
  dw(10, 19, 16, 'lact', 'MOS 3:0 LACT 1 start logging, 0 stop (D29)'),
  rsvd(10, 31, 20),
  dw(11, 15, 0, 'cdqid', 'CDQID the user data migration queue'),
  rsvd(11, 31, 16),
  ...rsvdFrom(12),
]);

/** SEL 1: no public implementation names its fields, so the dwords stay raw. */
export const TRACK_MEMORY_LAYOUT = cmd('Track Send / Track Memory Changes', { opc: HMLM.TRACK_SEND, sel: 1 }, [sel, cdw10Rsvd, mos, ...raw(11)]);

export const TRACK_RECEIVE_LAYOUT = cmd('Track Receive', { opc: HMLM.TRACK_RECEIVE }, raw(10));

// Set/Get Features, FID 21h (Controller Data Queue)
export const SET_CDQ_FEATURE_LAYOUT = cmd('Set Features / Controller Data Queue (FID 21h)', { opc: ADMIN.SET_FEATURES, fid: FEATURE_CONTROLLER_DATA_QUEUE }, [
  dw(10, 7, 0, 'fid', 'FID feature identifier (21h)'),
  rsvd(10, 30, 8),
  dw(10, 31, 31, 'sv', 'SV save'),
  dw(11, 15, 0, 'cdqid', 'CDQID the controller data queue'),
  rsvd(11, 30, 16),
  dw(11, 31, 31, 'etpt', 'ETPT enable the tail pointer trigger (D33)'),
  dw(12, 31, 0, 'hp', 'HP head pointer: the host\'s consumer index, in entries (D31)'),
  dw(13, 31, 0, 'tpt', 'TPT tail pointer trigger, in entries'),
  dw(14, 6, 0, 'uidx', 'UIDX UUID index'),
  rsvd(14, 31, 7),
  rsvd(15, 31, 0),
]);

export const GET_CDQ_FEATURE_LAYOUT = cmd('Get Features / Controller Data Queue (FID 21h)', { opc: ADMIN.GET_FEATURES, fid: FEATURE_CONTROLLER_DATA_QUEUE }, [
  dw(10, 7, 0, 'fid', 'FID feature identifier (21h)'),
  dw(10, 10, 8, 'gsel', 'SEL 0 current, 1 default, 2 saved, 3 capabilities'),
  rsvd(10, 31, 11),
  dw(11, 15, 0, 'cdqid', 'CDQID the controller data queue'),
  rsvd(11, 31, 16),
  rsvd(12, 31, 0),
  rsvd(13, 31, 0),
  dw(14, 6, 0, 'uidx', 'UIDX UUID index'),
  rsvd(14, 31, 7),
  rsvd(15, 31, 0),
]);

export const TP4159_LAYOUTS: readonly Tp4159Layout[] = [
  SUSPEND_LAYOUT,
  RESUME_LAYOUT,
  SET_STATE_LAYOUT,
  GET_STATE_LAYOUT,
  CDQ_CREATE_LAYOUT,
  CDQ_DELETE_LAYOUT,
  TRACK_SEND_LAYOUT,
  TRACK_MEMORY_LAYOUT,
  TRACK_RECEIVE_LAYOUT,
  SET_CDQ_FEATURE_LAYOUT,
  GET_CDQ_FEATURE_LAYOUT,
];
