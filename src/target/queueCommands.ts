// What a successful admin command does to the set of I/O queues a host
// knows: Create I/O CQ/SQ adds one, Delete I/O SQ/CQ removes one, anything
// else changes nothing. Pure: the queue driver applies it.
import { ADMIN } from '../wire/opcodes.ts';
import { decodeSqe } from '../wire/sqe.ts';

export type QueueChange =
  | { kind: 'create-cq'; qid: number; base: bigint; size: number }
  | { kind: 'create-sq'; qid: number; base: bigint; size: number; cqid: number }
  | { kind: 'delete-sq'; qid: number }
  | { kind: 'delete-cq'; qid: number };

/** The queue change of admin SQE `bytes` had it succeeded; undefined for other opcodes and for the admin queue (QID 0). */
export function queueChange(bytes: Uint8Array): QueueChange | undefined {
  const sqe = decodeSqe(bytes);
  const qid = sqe.cdw10 & 0xffff; // CDW10 15:0 QID
  const size = (sqe.cdw10 >>> 16) + 1; // CDW10 31:16 QSIZE, zero-based
  if (qid === 0) return undefined;
  switch (sqe.opc) {
    case ADMIN.CREATE_IO_CQ:
      return { kind: 'create-cq', qid, base: sqe.prp1, size };
    case ADMIN.CREATE_IO_SQ:
      return { kind: 'create-sq', qid, base: sqe.prp1, size, cqid: sqe.cdw11 >>> 16 }; // CDW11 31:16 CQID
    case ADMIN.DELETE_IO_SQ:
      return { kind: 'delete-sq', qid };
    case ADMIN.DELETE_IO_CQ:
      return { kind: 'delete-cq', qid };
    default:
      return undefined;
  }
}
