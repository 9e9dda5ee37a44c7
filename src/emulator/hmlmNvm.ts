// The NVM commands the standard profile adds because its logging covers them
// (D30): Write Zeroes, and Dataset Management with the deallocate attribute
// (a deallocated block reads as zeroes here). Each validates fully before it
// changes the namespace, and returns its outcome and the ranges it changed.
import type { Controller } from './controller.ts';
import { genericStatus, rd, RW, SQE, ST } from './fields.ts';
import { rejected, SUCCESS, type Outcome } from './outcome.ts';
import { dmaFromHost, walkPrps } from './prp.ts';
import { LBA_SIZE } from './namespace.ts';
import { NVM_DATASET_MANAGEMENT } from '../wire/opcodes.ts';

/** A range of logical blocks a command changed: what D30 logs. */
export interface ChangedRange {
  slba: number;
  blocks: number;
  deallocated: boolean;
}

const DSM_RANGE_SIZE = 16;
const DSM_AD = 1 << 2;

export function runDataChange(c: Controller, v: DataView, o: number): { out: Outcome; ranges: ChangedRange[] } {
  const none = (out: Outcome): { out: Outcome; ranges: ChangedRange[] } => ({ out, ranges: [] });
  if (rd(v, o, SQE.fuse) !== 0 || rd(v, o, SQE.psdt) !== 0) return none(rejected(ST.INVALID_FIELD, 'NVMe', 'FUSE and PSDT must be 0 (no fused operations, PRPs only)'));
  const nsid = rd(v, o, SQE.nsid);
  if (nsid !== 1) return none(rejected(ST.INVALID_NAMESPACE, 'NVMe', `namespace ${nsid} does not exist (only namespace 1)`));
  const ns = c.ctx.namespace;
  if (v.getUint8(o) !== NVM_DATASET_MANAGEMENT) {
    const slba = rd(v, o, RW.slba);
    const blocks = rd(v, o, RW.nlb) + 1;
    if (!ns.inRange(slba, blocks)) return none(rejected(ST.LBA_OUT_OF_RANGE, 'NVMe', `LBAs ${slba}+${blocks} run past the namespace end`));
    ns.write(slba, blocks, new Uint8Array(blocks * LBA_SIZE));
    return { out: SUCCESS, ranges: [{ slba, blocks, deallocated: false }] };
  }
  const count = (v.getUint32(o + 40, true) & 0xff) + 1;
  if ((v.getUint32(o + 44, true) & DSM_AD) === 0) return none(SUCCESS); // hints only: no data changes
  const walk = walkPrps(c.ctx.memory, rd(v, o, SQE.prp1), rd(v, o, SQE.prp2), count * DSM_RANGE_SIZE);
  if (!walk.ok) return none(rejected(genericStatus(walk.sc), 'NVMe', walk.reason));
  const list = new DataView(dmaFromHost(c.ctx.memory, walk.segments, walk.length).buffer);
  const ranges: ChangedRange[] = [];
  for (let i = 0; i < count; i++) {
    const blocks = list.getUint32(i * DSM_RANGE_SIZE + 4, true);
    const slba = Number(list.getBigUint64(i * DSM_RANGE_SIZE + 8, true));
    if (blocks === 0) continue;
    if (!ns.inRange(slba, blocks)) return none(rejected(ST.LBA_OUT_OF_RANGE, 'NVMe', `range ${i}: LBAs ${slba}+${blocks} run past the namespace end`));
    ranges.push({ slba, blocks, deallocated: true });
  }
  for (const r of ranges) ns.write(r.slba, r.blocks, new Uint8Array(r.blocks * LBA_SIZE));
  return { out: SUCCESS, ranges };
}
