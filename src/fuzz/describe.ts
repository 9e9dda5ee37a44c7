// Readable text for a failure report: one line per step, and one line per
// command with its queue, opcode name and the fields that are set.
import { ADMIN_LAYOUTS, NVM_LAYOUTS, decodeCommand } from '../wire/adminCommands.ts';
import { decodeLmCommand } from '../wire/lmCommands.ts';
import { adminOpcodeName, nvmOpcodeName } from '../wire/opcodes.ts';
import { describeStatus } from '../wire/status.ts';
import type { Cqe } from '../wire/cqe.ts';
import type { ImageChoice, QueueTarget, SqeSpec, Step } from './steps.ts';

const hex = (v: bigint | number): string => `0x${v.toString(16)}`;

export function queueName(fn: number, qid: number): string {
  const f = fn === 0 ? 'PF' : `VF${fn}`;
  return qid === 0 ? `${f} admin` : `${f} I/O q${qid}`;
}

/** An SQE as "opcode name field=value ..." (fields that are zero left out; CID always shown). */
export function describeSqe(sqe: Uint8Array, ioQueue: boolean, withCid = true): string {
  const opc = sqe[0];
  const fuse = sqe[1] & 3;
  const psdt = sqe[1] >> 6;
  const parts: string[] = [];
  let name: string;
  const lm = ioQueue ? undefined : decodeLmCommand(sqe);
  if (lm) {
    name = lm.layout.opcode.name;
    for (const [k, v] of Object.entries(lm.fields)) if (k !== 'opc' && (k === 'cid' ? withCid : v !== 0n || k === 'vfIndex')) parts.push(`${k}=${hex(v)}`);
    const cdw10hi = sqe[42] | (sqe[43] << 8);
    if (cdw10hi) parts.push(`cdw10[31:16]=${hex(cdw10hi)}`);
    const nsid = new DataView(sqe.buffer, sqe.byteOffset).getUint32(4, true);
    if (nsid) parts.push(`nsid=${hex(nsid)}`);
    if (lm.reservedNonzero.length) parts.push(`reserved set: ${lm.reservedNonzero.map((r) => r.doc).join(', ')}`);
  } else {
    const layout = ioQueue ? NVM_LAYOUTS[opc] : ADMIN_LAYOUTS[opc];
    name = ioQueue ? nvmOpcodeName(opc) : adminOpcodeName(opc);
    if (layout) {
      for (const [k, v] of Object.entries(decodeCommand(layout, sqe))) if (k !== 'opc' && (k === 'cid' ? withCid : v !== 0n)) parts.push(`${k}=${hex(v)}`);
    } else {
      if (withCid) parts.push(`cid=${hex(sqe[2] | (sqe[3] << 8))}`);
      const v = new DataView(sqe.buffer, sqe.byteOffset);
      for (let dw = 1; dw < 16; dw++) if (v.getUint32(dw * 4, true)) parts.push(`cdw${dw}=${hex(v.getUint32(dw * 4, true))}`);
    }
  }
  if (fuse && !parts.some((p) => p.startsWith('fuse='))) parts.push(`fuse=${fuse}`);
  if (psdt && !parts.some((p) => p.startsWith('psdt='))) parts.push(`psdt=${psdt}`);
  return `${name} ${parts.join(' ')}`;
}

export function describeCqe(c: Cqe): string {
  return `${describeStatus(c)} dw0=${hex(c.dw0)} sqhd=${c.sqhd}`;
}

function target(t: QueueTarget): string {
  return t.queue === 'pfAdmin' ? 'PF admin' : t.queue === 'vfAdmin' ? `VF${t.vf} admin` : `VF${t.vf} I/O slot ${t.slot}`;
}

function image(i: ImageChoice): string {
  if (i.kind === 'real') return 'its own unchanged SAVE';
  const m = i.mutation;
  if (m.kind === 'garbage') return `${m.bytes.length} bytes of garbage`;
  return `a SAVE with ${JSON.stringify(m)}`;
}

function sqeSpec(s: SqeSpec, ioQueue: boolean): string {
  const p = s.prps;
  const prps = p.kind === 'raw' ? 'PRPs as generated' : `PRPs to ${p.pages} host page(s) at offset ${p.offset}${p.prp1Delta ? ` + ${p.prp1Delta}` : ''}, PRP2 ${p.prp2}`;
  return `${describeSqe(s.bytes, ioQueue, false)} (${s.origin}: ${s.note}; ${prps})`;
}

/** One step as one line. */
export function describeStep(s: Step): string {
  switch (s.kind) {
    case 'submit':
      return `submit to ${target(s.target)}: ${sqeSpec(s.sqe, s.target.queue === 'vfIo')}`;
    case 'enable':
      return `enable ${s.fn === 0 ? 'the PF' : `VF${s.fn}`} controller`;
    case 'createQueues':
      return `VF${s.vf} guest creates an I/O queue pair of ${s.entries} entries`;
    case 'deleteQueues':
      return `VF${s.vf} guest deletes I/O queue slot ${s.slot} (SQ, then CQ)`;
    case 'io':
      return `VF${s.vf} guest ${s.op} on I/O slot ${s.slot}: slba ${s.slba}, ${s.blocks} block(s), fill 0x${s.fill.toString(16)}`;
    case 'completeIo':
      return `VF${s.vf} completes ${s.n} I/O command(s) in flight`;
    case 'lm':
      return `PF admin: ${s.op.toUpperCase()} VF${s.vf}`;
    case 'load':
      return `PF admin: LOAD VF${s.vf} from ${image(s.image)} (buffer offset ${s.offset})`;
    case 'migrate':
      return `migrate VF${s.vf}: SUSPEND, QUERY, SAVE${s.saveTwice ? ' twice' : ''}, LOAD ${image(s.image)}${s.resume ? ', RESUME' : ''} (buffer offset ${s.offset})`;
    case 'cdq':
      return `PF admin: create a ${s.entries}-entry UDMQ for VF${s.vf}${s.tpt !== undefined ? `, trigger at ${s.tpt}` : ''}${s.aer ? ', an AER' : ''}${s.start ? ', start logging' : ''}`;
    case 'hmlmMigrate':
      return `PF admin: Suspend VF${s.from}, Get its state (CSUUIDI ${s.csuuidi}, buffer offset ${s.offset}), Set ${s.mutation ? `it corrupted (${JSON.stringify(s.mutation, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))})` : 'it'} onto VF${s.to} (${s.plan})`;
    case 'reset':
      return `${s.what === 'flr' ? 'function-level reset of' : 'CC.EN 1 -> 0 on'} ${s.fn === 0 ? 'the PF' : `VF${s.fn}`}${s.recover ? ', then the host brings it back up' : ''}`;
  }
}
