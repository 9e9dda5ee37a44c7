// NVM I/O commands on I/O queues: Flush, Write, Read on namespace 1, data
// through PRPs. Anything else (the LM opcodes included) is Invalid Command
// Opcode: the five LM commands exist only on the PF admin queue. Each returns
// its outcome (outcome.ts).
import type { Controller, InFlight } from './controller.ts';
import type { SubmissionQueue } from './queues.ts';
import { NVM } from '../wire/opcodes.ts';
import { genericStatus, rd, RW, SQE, ST } from './fields.ts';
import { HELD, rejected, SUCCESS, type Outcome } from './outcome.ts';
import { dmaFromHost, dmaToHost, walkPrps } from './prp.ts';
import { LBA_SIZE } from './namespace.ts';
import { PAGE_SIZE } from './hostMemory.ts';
import { SQE_SIZE } from './queues.ts';

const NSID_ALL = 0xffffffff;

export function execIo(c: Controller, sq: SubmissionQueue, v: DataView, o: number): Outcome {
  const opc = v.getUint8(o);
  if (opc !== NVM.FLUSH && opc !== NVM.WRITE && opc !== NVM.READ) {
    return rejected(ST.INVALID_OPCODE, 'NVMe', `I/O opcode 0x${opc.toString(16)} is not supported (Flush, Write, Read)`);
  }
  // Deferred mode: a VF's valid I/O is held in flight until completeIo (or a SAVE's drain, D12).
  if (c.isVf && c.ctx.config.ioCompletion === 'deferred') {
    const bad = checkNvm(c, v, o);
    if (bad) return bad;
    const copy = new Uint8Array(SQE_SIZE);
    copy.set(new Uint8Array(v.buffer, v.byteOffset + o, SQE_SIZE));
    const f: InFlight = { sqid: sq.qid, cid: rd(v, o, SQE.cid), sqe: new DataView(copy.buffer) };
    c.inFlight.push(f);
    return HELD;
  }
  return runNvm(c, v, o);
}

/** Pure checks of a Flush/Write/Read; undefined when it may run. */
function checkNvm(c: Controller, v: DataView, o: number): Outcome | undefined {
  if (rd(v, o, SQE.fuse) !== 0) return rejected(ST.INVALID_FIELD, 'NVMe', 'FUSE != 0: fused operations are not supported');
  if (rd(v, o, SQE.psdt) !== 0) return rejected(ST.INVALID_FIELD, 'NVMe', 'PSDT != 00b: only PRPs are supported');
  const nsid = rd(v, o, SQE.nsid);
  const opc = v.getUint8(o);
  if (opc === NVM.FLUSH) {
    if (nsid !== 1 && nsid !== NSID_ALL) return rejected(ST.INVALID_NAMESPACE, 'NVMe', `namespace ${nsid} does not exist (only namespace 1)`);
    return undefined;
  }
  if (nsid !== 1) return rejected(ST.INVALID_NAMESPACE, 'NVMe', `namespace ${nsid} does not exist (only namespace 1)`);
  const slba = rd(v, o, RW.slba);
  const blocks = rd(v, o, RW.nlb) + 1;
  if (!c.ctx.namespace.inRange(slba, blocks)) return rejected(ST.LBA_OUT_OF_RANGE, 'NVMe', `LBAs ${slba}+${blocks} run past the namespace end`);
  return undefined;
}

/** Check and execute a Flush/Write/Read (at once, or a held one in completeIo). */
export function runNvm(c: Controller, v: DataView, o: number): Outcome {
  const bad = checkNvm(c, v, o);
  if (bad) return bad;
  const opc = v.getUint8(o);
  if (opc === NVM.FLUSH) return SUCCESS; // RAM: nothing volatile to flush
  const slba = rd(v, o, RW.slba);
  const blocks = rd(v, o, RW.nlb) + 1;
  const mem = c.ctx.memory;
  const ns = c.ctx.namespace;
  const walk = walkPrps(mem, rd(v, o, SQE.prp1), rd(v, o, SQE.prp2), blocks * LBA_SIZE);
  if (!walk.ok) return rejected(genericStatus(walk.sc), 'NVMe', walk.reason);
  if (walk.segments.length === 2) {
    // One segment (the transfer fits PRP1's page, mapped: the walk checked it):
    // the namespace copies straight to or from host memory, no bounce buffer.
    const addr = walk.segments[0];
    const page = (opc === NVM.WRITE ? mem.pageAt(addr) : mem.writablePageAt(addr))!;
    if (opc === NVM.WRITE) ns.write(slba, blocks, page.bytes, addr % PAGE_SIZE);
    else ns.read(slba, blocks, page.bytes, addr % PAGE_SIZE);
  } else if (opc === NVM.WRITE) {
    ns.write(slba, blocks, dmaFromHost(mem, walk.segments, walk.length));
  } else {
    const data = new Uint8Array(walk.length);
    ns.read(slba, blocks, data);
    dmaToHost(mem, walk.segments, data);
  }
  return SUCCESS;
}
