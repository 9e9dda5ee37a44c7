// Command-specific fields of the standard admin and NVM I/O commands the
// emulator serves, as layout tables over the 64-byte SQE.
import { getUint, setUint, WireError, type Field, type Layout } from './layout.ts';
import { ADMIN, ASYNC_EVENT_REQUEST, NVM, NVM_DATASET_MANAGEMENT, NVM_WRITE_ZEROES } from './opcodes.ts';
import { SQE_LAYOUT, SQE_SIZE } from './sqe.ts';

const head: readonly Field[] = SQE_LAYOUT.fields.filter((f) => ['opc', 'fuse', 'psdt', 'cid', 'nsid', 'prp1', 'prp2'].includes(f.name));

function cmd(name: string, fields: Field[]): Layout {
  return { name, size: SQE_SIZE, fields: [...head, ...fields] };
}

export const IDENTIFY_LAYOUT = cmd('Identify', [
  { name: 'cns', offset: 40, width: 1, doc: 'CDW10 7:0 controller or namespace structure' },
  { name: 'cntid', offset: 42, width: 2, doc: 'CDW10 31:16 controller identifier' },
]);

export const CREATE_IO_CQ_LAYOUT = cmd('Create I/O Completion Queue', [
  { name: 'qid', offset: 40, width: 2, doc: 'CDW10 15:0 queue identifier' },
  { name: 'qsize', offset: 42, width: 2, doc: 'CDW10 31:16 queue size, zero-based' },
  { name: 'pc', offset: 44, width: 1, bits: [0, 0], doc: 'CDW11 0 physically contiguous' },
  { name: 'ien', offset: 44, width: 1, bits: [1, 1], doc: 'CDW11 1 interrupts enabled' },
  { name: 'iv', offset: 46, width: 2, doc: 'CDW11 31:16 interrupt vector' },
]);

export const CREATE_IO_SQ_LAYOUT = cmd('Create I/O Submission Queue', [
  { name: 'qid', offset: 40, width: 2, doc: 'CDW10 15:0 queue identifier' },
  { name: 'qsize', offset: 42, width: 2, doc: 'CDW10 31:16 queue size, zero-based' },
  { name: 'pc', offset: 44, width: 1, bits: [0, 0], doc: 'CDW11 0 physically contiguous' },
  { name: 'qprio', offset: 44, width: 1, bits: [2, 1], doc: 'CDW11 2:1 queue priority' },
  { name: 'cqid', offset: 46, width: 2, doc: 'CDW11 31:16 completion queue identifier' },
]);

export const DELETE_IO_QUEUE_LAYOUT = cmd('Delete I/O Queue', [{ name: 'qid', offset: 40, width: 2, doc: 'CDW10 15:0 queue identifier' }]);

export const FEATURES_LAYOUT = cmd('Set/Get Features', [
  { name: 'fid', offset: 40, width: 1, doc: 'CDW10 7:0 feature identifier' },
  { name: 'sv', offset: 40, width: 4, bits: [31, 31], doc: 'CDW10 31 save (Set Features)' },
  { name: 'nsqr', offset: 44, width: 2, doc: 'CDW11 15:0 number of I/O SQs requested, zero-based (Number of Queues)' },
  { name: 'ncqr', offset: 46, width: 2, doc: 'CDW11 31:16 number of I/O CQs requested, zero-based (Number of Queues)' },
]);

export const ABORT_LAYOUT = cmd('Abort', [
  { name: 'sqid', offset: 40, width: 2, doc: 'CDW10 15:0 SQ identifier' },
  { name: 'acid', offset: 42, width: 2, doc: 'CDW10 31:16 CID of the command to abort' },
]);

export const READ_WRITE_LAYOUT = cmd('Read/Write', [
  { name: 'slba', offset: 40, width: 8, doc: 'CDW11:10 starting LBA' },
  { name: 'nlb', offset: 48, width: 2, doc: 'CDW12 15:0 number of logical blocks, zero-based' },
]);

export const FLUSH_LAYOUT = cmd('Flush', []);

/** Dataset Management: the range list (16 bytes a range) is in the data buffer. */
export const DSM_LAYOUT = cmd('Dataset Management', [
  { name: 'nr', offset: 40, width: 1, doc: 'CDW10 7:0 number of ranges, zero-based' },
  { name: 'ad', offset: 44, width: 1, bits: [2, 2], doc: 'CDW11 bit 2 AD: deallocate the ranges' },
]);
/** Bytes of one Dataset Management range: context attributes, length in blocks, starting LBA. */
export const DSM_RANGE_SIZE = 16;

export const ADMIN_LAYOUTS: Record<number, Layout> = {
  [ADMIN.IDENTIFY]: IDENTIFY_LAYOUT,
  [ADMIN.CREATE_IO_CQ]: CREATE_IO_CQ_LAYOUT,
  [ADMIN.CREATE_IO_SQ]: CREATE_IO_SQ_LAYOUT,
  [ADMIN.DELETE_IO_CQ]: DELETE_IO_QUEUE_LAYOUT,
  [ADMIN.DELETE_IO_SQ]: DELETE_IO_QUEUE_LAYOUT,
  [ADMIN.SET_FEATURES]: FEATURES_LAYOUT,
  [ADMIN.GET_FEATURES]: FEATURES_LAYOUT,
  [ADMIN.ABORT]: ABORT_LAYOUT,
};

export const NVM_LAYOUTS: Record<number, Layout> = {
  [NVM.FLUSH]: FLUSH_LAYOUT,
  [NVM.WRITE]: READ_WRITE_LAYOUT,
  [NVM.READ]: READ_WRITE_LAYOUT,
};

/** Build an SQE from a command layout and named field values. */
export function encodeCommand(layout: Layout, values: Record<string, bigint | number | undefined>): Uint8Array {
  const buf = new Uint8Array(SQE_SIZE);
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined) continue;
    const f = layout.fields.find((x) => x.name === name);
    if (!f) throw new WireError(`${layout.name} has no field "${name}"; fields: ${layout.fields.map((x) => x.name).join(', ')}`);
    setUint(buf, f, value);
  }
  return buf;
}

/** Read named fields of an SQE through a command layout. */
export function decodeCommand(layout: Layout, sqe: Uint8Array): Record<string, bigint> {
  if (sqe.length !== SQE_SIZE) throw new WireError(`SQE must be exactly ${SQE_SIZE} bytes, got ${sqe.length}`);
  const out: Record<string, bigint> = {};
  for (const f of layout.fields) out[f.name] = getUint(sqe, f);
  return out;
}

// Convenience builders used by hosts and tests.
export const sqeFor = {
  identify: (cid: number, cns: number, prp1: bigint, cntid = 0): Uint8Array =>
    encodeCommand(IDENTIFY_LAYOUT, { opc: ADMIN.IDENTIFY, cid, cns, cntid, prp1 }),
  createIoCq: (cid: number, qid: number, entries: number, prp1: bigint): Uint8Array =>
    encodeCommand(CREATE_IO_CQ_LAYOUT, { opc: ADMIN.CREATE_IO_CQ, cid, qid, qsize: entries - 1, pc: 1, prp1 }),
  createIoSq: (cid: number, qid: number, entries: number, prp1: bigint, cqid: number): Uint8Array =>
    encodeCommand(CREATE_IO_SQ_LAYOUT, { opc: ADMIN.CREATE_IO_SQ, cid, qid, qsize: entries - 1, pc: 1, cqid, prp1 }),
  deleteIoSq: (cid: number, qid: number): Uint8Array => encodeCommand(DELETE_IO_QUEUE_LAYOUT, { opc: ADMIN.DELETE_IO_SQ, cid, qid }),
  deleteIoCq: (cid: number, qid: number): Uint8Array => encodeCommand(DELETE_IO_QUEUE_LAYOUT, { opc: ADMIN.DELETE_IO_CQ, cid, qid }),
  setNumberOfQueues: (cid: number, nsq: number, ncq: number): Uint8Array =>
    encodeCommand(FEATURES_LAYOUT, { opc: ADMIN.SET_FEATURES, cid, fid: 0x07, nsqr: nsq - 1, ncqr: ncq - 1 }),
  getNumberOfQueues: (cid: number): Uint8Array => encodeCommand(FEATURES_LAYOUT, { opc: ADMIN.GET_FEATURES, cid, fid: 0x07 }),
  abort: (cid: number, sqid: number, acid: number): Uint8Array => encodeCommand(ABORT_LAYOUT, { opc: ADMIN.ABORT, cid, sqid, acid }),
  /** Asynchronous Event Request: no fields; the controller holds it until an event completes it. */
  asyncEventRequest: (cid: number): Uint8Array => encodeCommand(SQE_LAYOUT, { opc: ASYNC_EVENT_REQUEST, cid }),
  write: (cid: number, nsid: number, slba: bigint, blocks: number, prp1: bigint, prp2 = 0n): Uint8Array =>
    encodeCommand(READ_WRITE_LAYOUT, { opc: NVM.WRITE, cid, nsid, slba, nlb: blocks - 1, prp1, prp2 }),
  read: (cid: number, nsid: number, slba: bigint, blocks: number, prp1: bigint, prp2 = 0n): Uint8Array =>
    encodeCommand(READ_WRITE_LAYOUT, { opc: NVM.READ, cid, nsid, slba, nlb: blocks - 1, prp1, prp2 }),
  flush: (cid: number, nsid: number): Uint8Array => encodeCommand(FLUSH_LAYOUT, { opc: NVM.FLUSH, cid, nsid }),
  writeZeroes: (cid: number, nsid: number, slba: bigint, blocks: number): Uint8Array =>
    encodeCommand(READ_WRITE_LAYOUT, { opc: NVM_WRITE_ZEROES, cid, nsid, slba, nlb: blocks - 1 }),
  /** Dataset Management with AD: `ranges` range descriptors (dsmRanges) at prp1/prp2. */
  deallocate: (cid: number, nsid: number, ranges: number, prp1: bigint, prp2 = 0n): Uint8Array =>
    encodeCommand(DSM_LAYOUT, { opc: NVM_DATASET_MANAGEMENT, cid, nsid, nr: ranges - 1, ad: 1, prp1, prp2 }),
};

/** The range list of a Dataset Management command. */
export function dsmRanges(ranges: readonly { slba: number; blocks: number }[]): Uint8Array {
  const out = new Uint8Array(ranges.length * DSM_RANGE_SIZE);
  const v = new DataView(out.buffer);
  ranges.forEach((r, i) => {
    v.setUint32(i * DSM_RANGE_SIZE + 4, r.blocks, true);
    v.setBigUint64(i * DSM_RANGE_SIZE + 8, BigInt(r.slba), true);
  });
  return out;
}
