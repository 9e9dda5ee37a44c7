// Acceptance of the five LM commands (architecture rule 3): pure functions
// that read the SQE, the device state and host memory, change nothing, and
// return either what to execute or the rejection with the decision behind
// it. Only an accepted command reaches execution (migration.ts), so a
// rejected command provably touches nothing (I3); a rejection is the
// command's outcome as it stands. Order of checks (spec D17, D9, D10, D4,
// D5, PRPs, D7):
//   1. routeLmOpcode: opcode known for the profile and the queue (D17, D1)
//   2. FUSE, then PSDT (D9)
//   3. strict only: reserved bytes, then NSID (D10)
//   4. VF index 1..vfs (D4)
//   5. VF state (D5): SAVE and LOAD need a stopped VF; while a SAVE drains
//      (saving, D12) only QUERY and SUSPEND are answered
//   6. PRPs of SAVE/LOAD (NVMe PRP rules; unmapped memory D7)
//   7. LOAD data (D7): size, length, magic, version, checksum, geometry
import type { DeviceConfig } from './options.ts';
import type { HostMemory } from './hostMemory.ts';
import type { LmState } from './controller.ts';
import { LM } from '../wire/opcodes.ts';
import { LM_FIELDS, LM_RESERVED, rd, SQE, ST, genericStatus } from './fields.ts';
import { pfOpcodeMeaning } from './profiles.ts';
import { dmaFromHost, walkPrps } from './prp.ts';
import { decodeSavedData, MAX_MIGRATION_DATA, savedDataSize, type LoadDefect, type SavedState } from './savedData.ts';
import type { Outcome } from './outcome.ts';
import { SC } from '../wire/status.ts';

export type LmDecision = 'D1' | 'D4' | 'D5' | 'D7' | 'D9' | 'D10' | 'D17' | 'NVMe';

/** A rejection is already the command's outcome: its status, no DW0, the decision; nothing changed. */
export interface LmRejection extends Outcome {
  readonly accept: false;
  readonly dw0: 0;
  readonly decision: LmDecision;
  readonly reason: string;
  /** the VF named by CDW10, once it passed D4 */
  vf?: number;
  /** LOAD data defect (D7), named as the acceptance machine names it */
  defect?: LoadDefect;
}

export type LmAcceptance =
  | { accept: true; op: 'query' | 'suspend' | 'resume'; vf: number }
  | { accept: true; op: 'save'; vf: number; segments: number[]; length: number }
  | { accept: true; op: 'load'; vf: number; state: SavedState }
  | LmRejection;

export type LmAccepted = Exclude<LmAcceptance, LmRejection>;

/** What the checks may read about the device; nothing here writes. */
export interface LmView {
  readonly config: DeviceConfig;
  readonly memory: HostMemory;
  lmState(vf: number): LmState;
  ioQueueCount(vf: number): number;
  maxIoQueues(vf: number): number;
}

const rejection = (status: number, decision: LmDecision, reason: string): LmRejection => Object.freeze({ accept: false, status, dw0: 0, decision, reason });

// Constant rejections: the hot path allocates nothing to say no.
const R = {
  unknownPf: rejection(ST.INVALID_OPCODE, 'D17', 'this profile does not implement the LM opcodes: unknown opcode'),
  unknownVf: rejection(ST.INVALID_OPCODE, 'D17', 'this profile does not implement the LM opcodes: unknown opcode on the VF too'),
  vfQueue: rejection(ST.INVALID_OPCODE, 'D1', 'LM commands belong on the PF admin queue; a VF rejects them on its own'),
  fuse: rejection(ST.INVALID_FIELD, 'D9', 'FUSE != 0'),
  psdt: rejection(ST.INVALID_FIELD, 'D9', 'PSDT != 00b: admin commands over PCIe use PRPs'),
  reserved: rejection(ST.INVALID_FIELD, 'D10', 'strict: a reserved bit is set'),
  nsid: rejection(ST.INVALID_FIELD, 'D10', 'strict: NSID != 0'),
  vfZero: rejection(ST.INVALID_FIELD, 'D4', 'VF index 0: VFs are numbered from 1'),
  vfAbove: rejection(ST.INVALID_FIELD, 'D4', 'VF index above the number of enabled VFs'),
} as const;

/** D12: a held SAVE's drain must end (L4): nothing may restart fetching or replace the state it is about to capture. */
const DRAINING = (what: string): string => `${what} while a SAVE of the VF drains its fetched I/O: complete that I/O first (the SAVE then completes)`;

export type LmRoute = 'execute' | 'foreignErase' | 'drop' | LmRejection;

/** Step 1: what this function's admin queue does with an opcode in 0xC4-0xD5 (D17 on the PF, D1 on a VF). */
export function routeLmOpcode(config: DeviceConfig, fn: number, opcode: number): LmRoute {
  if (fn === 0) {
    const meaning = pfOpcodeMeaning(config.profile, opcode);
    return meaning === 'lm' ? 'execute' : meaning === 'foreignErase' ? 'foreignErase' : R.unknownPf;
  }
  if (!config.profile.lmCommands) return R.unknownVf;
  return config.vfQueuePolicy === 'drop' ? 'drop' : R.vfQueue;
}

const NSID_FIRST = SQE.nsid.offset;
const NSID_LAST = SQE.nsid.offset + SQE.nsid.width - 1;

/** Steps 2-7 for a command that routeLmOpcode sent to 'execute'. */
export function acceptLm(v: DataView, o: number, dev: LmView): LmAcceptance {
  const opc = v.getUint8(o);
  if (rd(v, o, SQE.fuse) !== 0) return R.fuse;
  if (rd(v, o, SQE.psdt) !== 0) return R.psdt;
  if (dev.config.strict) {
    const r = strictCheck(v, o, opc);
    if (r) return r;
  }
  const vf = rd(v, o, LM_FIELDS.vfIndex);
  if (vf === 0) return R.vfZero;
  if (vf > dev.config.vfs) return R.vfAbove;
  const state = dev.lmState(vf);
  switch (opc) {
    case LM.QUERY:
      return { accept: true, op: 'query', vf };
    case LM.SUSPEND:
      return { accept: true, op: 'suspend', vf };
    case LM.RESUME:
      if (state === 'saving') return sequence(vf, DRAINING('RESUME'));
      return { accept: true, op: 'resume', vf };
    case LM.SAVE: {
      if (state === 'saving') return sequence(vf, DRAINING('another SAVE'));
      if (state === 'running') return sequence(vf, 'SAVE while the VF is running: SUSPEND it first');
      const length = savedDataSize(dev.ioQueueCount(vf));
      const walk = walkPrps(dev.memory, rd(v, o, LM_FIELDS.prp1), rd(v, o, LM_FIELDS.prp2), length);
      if (!walk.ok) return prpRejection(vf, walk.sc, walk.reason);
      return { accept: true, op: 'save', vf, segments: walk.segments, length };
    }
    default: {
      if (state === 'running') return sequence(vf, 'LOAD while the VF is running: SUSPEND it first');
      if (state === 'saving') return sequence(vf, DRAINING('LOAD'));
      const size = rd(v, o, LM_FIELDS.size);
      // The PRPs describe at most the 256 KiB migration buffer; a larger size is then refused by D7.
      const walk = walkPrps(dev.memory, rd(v, o, LM_FIELDS.prp1), rd(v, o, LM_FIELDS.prp2), Math.min(size, MAX_MIGRATION_DATA));
      if (!walk.ok) return prpRejection(vf, walk.sc, walk.reason);
      const data = dmaFromHost(dev.memory, walk.segments, walk.length);
      const d = decodeSavedData(data, size, { maxIoQueues: dev.maxIoQueues(vf), isMapped: (a, n) => dev.memory.isMapped(a, n) });
      if (!d.ok) return { accept: false, status: ST.INVALID_FIELD, dw0: 0, decision: 'D7', reason: d.reason, vf, defect: d.defect };
      return { accept: true, op: 'load', vf, state: d.state };
    }
  }
}

function sequence(vf: number, reason: string): LmRejection {
  return { accept: false, status: ST.SEQUENCE_ERROR, dw0: 0, decision: 'D5', reason, vf };
}

function prpRejection(vf: number, sc: number, reason: string): LmRejection {
  return { accept: false, status: genericStatus(sc), dw0: 0, decision: sc === SC.DATA_TRANSFER_ERROR ? 'D7' : 'NVMe', reason, vf };
}

/** D10 strict: any nonzero reserved bit, then a nonzero NSID (bytes 7:4 are reserved in all five). */
function strictCheck(v: DataView, o: number, opc: number): LmRejection | undefined {
  const check = LM_RESERVED.get(opc)!;
  if ((v.getUint8(o + check.cdw0Byte) & check.cdw0Mask) !== 0) return R.reserved;
  const ranges = check.ranges;
  for (let i = 0; i < ranges.length; i += 2) {
    for (let b = ranges[i]; b <= ranges[i + 1]; b++) {
      if (b >= NSID_FIRST && b <= NSID_LAST) continue;
      if (v.getUint8(o + b) !== 0) return R.reserved;
    }
  }
  if (rd(v, o, SQE.nsid) !== 0) return R.nsid;
  return undefined;
}
