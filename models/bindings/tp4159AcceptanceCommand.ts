// The one management command a tp4159Acceptance path classifies, as the 64
// bytes the binding submits (pure): the opcode and SEL, the command's own
// fields, the CNTLID (or CQS, CDQID) the path names, CSVI/CSUUIDI and the
// offset; every field the path leaves open is a valid one, so the path's
// classification is the command's only defect. Reserved values are the
// first a field does not define (NVMe Base 2.1; tp4159.md section 2).
import type { TpCommandClass } from '../../machines/tp4159Acceptance.ts';
import { sqeFor } from '../../src/wire/adminCommands.ts';
import { encodeTp4159, numdFor, type Tp4159Command } from '../../src/wire/tp4159/commandCodec.ts';
import { fieldByName } from '../../src/wire/layout.ts';
import { SUSPEND_LAYOUT } from '../../src/wire/tp4159/commands.ts';
import { GET_STATE_BYTES } from '../host/tp4159Host.ts';
import { cdqsizeOf, UDMQ_ENTRIES, type TpAcceptanceOffer } from '../host/tp4159AcceptanceHost.ts';
import { NotRealisable } from '../engine/suite.ts';
import { SEQIND_VALUE } from './tp4159AcceptanceData.ts';

/** SEL's byte (CDW10 7:0), the same in every management command's layout. */
const SEL_OFFSET = fieldByName(SUSPEND_LAYOUT, 'sel').offset;

/** The first SEL each opcode leaves undefined (41h: 0-2, 42h: 0, 3Dh: 0-1, 45h: 0-1). */
const RESERVED_SEL = { migrationSend: 3, migrationReceive: 1, trackSend: 2, cdq: 2 } as const;

/** What the binding prepared for the command: addresses and ids it names. */
export interface CommandInputs {
  offer: TpAcceptanceOffer;
  /** CNTLID of the target VF */
  vfCntlid: number;
  /** the CDQID the command names (known or not, as the path says) */
  cdqid: number;
  /** the ring a Create names, and the PRP list page naming it (PC = 0) */
  ring: bigint;
  ringList: bigint;
  /** Get State: the target's state length (an offset at its end is past it) and the buffer */
  stateLength: number;
  getPrps: { prp1: bigint; prp2: bigint };
  /** Set State: the part, its offset, its PRPs */
  set?: { part: Uint8Array; offset: number; prp1: bigint; prp2: bigint };
  /** Get Features 21h data buffer */
  featureBuffer: bigint;
}

/** The events of the path, as a set of types. */
export type Events = ReadonlySet<string>;

/** The CNTLID the path's CNTLID_* event names (D20, D28). */
export function cntlidFor(cmd: TpCommandClass, i: CommandInputs): number {
  switch (cmd.target) {
    case 'pf':
      return i.offer.pfCntlid;
    case 'unknown':
      return i.offer.unknownCntlid;
    case 'offline':
      if (i.offer.offlineCntlid === undefined) {
        throw new NotRealisable('CNTLID of an offline VF: the PF\'s Secondary Controller List (CNS 15h) shows no secondary controller offline; take one offline (Virtualization Management) to run this path');
      }
      return i.offer.offlineCntlid;
    default:
      return i.vfCntlid;
  }
}

/** CSVI and CSUUIDI as the path's getCsvi/setCsvi event names them (D24, D26). */
export function formatFor(e: Events, offer: TpAcceptanceOffer): { csvi: number; csuuidi: number } {
  if (e.has('CSVI_HEADER_ONLY')) return { csvi: 0, csuuidi: 0 };
  if (e.has('CSVI_UNLISTED')) return { csvi: offer.versions + 1, csuuidi: 0 };
  if (e.has('CSUUIDI_UNLISTED')) return { csvi: offer.csvi, csuuidi: offer.uuids + 1 };
  // the vendor format named: its index where CNS 20h lists it, else an index naming nothing
  if (e.has('CSUUIDI_VENDOR')) return { csvi: offer.csvi, csuuidi: offer.csuuidi || offer.uuids + 1 };
  return { csvi: offer.csvi, csuuidi: 0 };
}

function pick<T>(e: Events, table: Readonly<Record<string, T>>, otherwise: T): T {
  for (const [event, v] of Object.entries(table)) if (e.has(event)) return v;
  return otherwise;
}

/** The command on the PF admin queue, before a reserved SEL is written over it. */
function pfCommand(cmd: TpCommandClass, e: Events, i: CommandInputs, cid: number): Tp4159Command | Uint8Array {
  const cntlid = cntlidFor(cmd, i);
  const { offer } = i;
  switch (cmd.operation) {
    case 'suspend':
    case 'notice':
      return { kind: 'suspend', cid, cntlid, stype: pick(e, { STYPE_NOTICE: 0, STYPE_RESERVED: 2 }, 1), dudmq: false };
    case 'resume':
      return { kind: 'resume', cid, cntlid };
    case 'getState': {
      const offset = pick(e, { OFFSET_UNALIGNED: 2, OFFSET_PAST_END: i.stateLength }, 0);
      return { kind: 'getState', cid, cntlid, ...formatFor(e, offer), csuidxp: 0, offset: BigInt(offset), uidx: 0, numd: numdFor(GET_STATE_BYTES), ...i.getPrps };
    }
    case 'setState': {
      const s = i.set;
      if (s === undefined) throw new Error('binding bug: Set State without its data');
      const seqind = SEQIND_VALUE[cmd.seqind ?? 'whole'];
      return { kind: 'setState', cid, seqind, cntlid, ...formatFor(e, offer), offset: BigInt(s.offset), uidx: 0, numd: numdFor(s.part.length), prp1: s.prp1, prp2: s.prp2 };
    }
    case 'createCdq': {
      const pc = !e.has('PC_PRP_LIST');
      const entries = e.has('CDQSIZE_BELOW_TWO_ENTRIES') ? 1 : UDMQ_ENTRIES;
      return { kind: 'cdqCreate', cid, qt: e.has('QT_RESERVED') ? 1 : 0, pc, cqs: cntlid, cdqsize: cdqsizeOf(entries), prp1: pc ? i.ring : i.ringList };
    }
    case 'deleteCdq':
      return { kind: 'cdqDelete', cid, cdqid: i.cdqid };
    case 'setFeatures':
      return { kind: 'setCdqFeature', cid, sv: false, cdqid: i.cdqid, etpt: false, hp: e.has('HP_BEYOND_QUEUE') ? UDMQ_ENTRIES : 0, tpt: 0, uidx: 0 };
    case 'getFeatures':
      return { kind: 'getCdqFeature', cid, gsel: 0, cdqid: i.cdqid, uidx: 0, prp1: i.featureBuffer, prp2: 0n };
    default:
      break;
  }
  // the operation is not (yet) named: SEL reserved, Track Send, Track Receive, Track Memory
  switch (cmd.opcode) {
    case 'trackSend':
      if (e.has('SEL_TRACK_MEMORY')) return { kind: 'trackMemory', cid, mos: 0, cdw11: 0, cdw12: 0, cdw13: 0, cdw14: 0, cdw15: 0 };
      return { kind: 'trackSend', cid, lact: pick(e, { LACT_STOP: 0, LACT_RESERVED: 2 }, 1), cdqid: i.cdqid };
    case 'trackReceive':
      return { kind: 'trackReceive', cid, prp1: i.featureBuffer, prp2: 0n, cdw10: 0, cdw11: 0, cdw12: 0, cdw13: 0, cdw14: 0, cdw15: 0 };
    case 'migrationSend':
      return { kind: 'suspend', cid, cntlid, stype: 1, dudmq: false };
    case 'migrationReceive':
      return { kind: 'getState', cid, cntlid, csvi: offer.csvi, csuuidi: 0, csuidxp: 0, offset: 0n, uidx: 0, numd: numdFor(GET_STATE_BYTES), ...i.getPrps };
    case 'cdq':
      return { kind: 'cdqCreate', cid, qt: 0, pc: true, cqs: cntlid, cdqsize: cdqsizeOf(UDMQ_ENTRIES), prp1: i.ring };
    default:
      return sqeFor.getNumberOfQueues(cid); // not a management command (out of scope)
  }
}

/** The 64 bytes of the path's command. */
export function commandBytes(cmd: TpCommandClass, e: Events, i: CommandInputs, cid: number): Uint8Array {
  const c = cmd.queue === 'vfAdmin' ? vfCommand(cmd, i, cid) : pfCommand(cmd, e, i, cid);
  const sqe = c instanceof Uint8Array ? c : encodeTp4159(c);
  if (e.has('SEL_RESERVED')) {
    const opcode = cmd.opcode as keyof typeof RESERVED_SEL;
    if (!(opcode in RESERVED_SEL)) throw new Error(`binding bug: a reserved SEL for ${String(cmd.opcode)}`);
    sqe[SEL_OFFSET] = RESERVED_SEL[opcode];
  }
  return sqe;
}

/** On a VF's admin queue (D19): each opcode in a form the PF would take, naming the VF itself. */
function vfCommand(cmd: TpCommandClass, i: CommandInputs, cid: number): Tp4159Command | Uint8Array {
  const cntlid = i.vfCntlid;
  switch (cmd.opcode) {
    case 'trackSend':
      return { kind: 'trackSend', cid, lact: 1, cdqid: i.cdqid };
    case 'setFeaturesCdq':
      return { kind: 'setCdqFeature', cid, sv: false, cdqid: i.cdqid, etpt: false, hp: 0, tpt: 0, uidx: 0 };
    case 'getFeaturesCdq':
      return { kind: 'getCdqFeature', cid, gsel: 0, cdqid: i.cdqid, uidx: 0, prp1: i.featureBuffer, prp2: 0n };
    default:
      return pfCommand({ ...cmd, queue: 'pfAdmin', target: 'vf' }, new Set(), { ...i, vfCntlid: cntlid }, cid);
  }
}
