// The realisers of the VF events of the lm profile (vendor opcodes, D1-D18),
// one table for every binding that plays them (vfLifecycle on VF 1, system
// on VF 1 and VF 2): how each event is caused in bytes on the VF (the PF's
// LM commands on the PF admin queue, the guest's own on the VF's BAR0 and
// queues) and what is observed right after it:
// - the event's own completion against the machine's (status, SCT, DNR), or
//   that none came (latched D11, in flight, dropped D1, a draining SAVE D12);
// - QUERY's size as a function of the I/O queue count (D8);
// - SAVE writing exactly QUERY's size (a canary after it, D8) and, while
//   nothing changed the VF, the same bytes as before (D6);
// - an enabled VF's own Identify byte 3072 (0x00, D2); CSTS.RDY 0 right
//   after an FLR (D13).
// What a binding keeps between events (its images, the D6 reference) stays
// in the binding: a realiser reads it through VfBookView and returns what it
// observed (VfObserved) for the binding to file.
import type { Adapter, VfQueuePolicy } from '../../src/target/adapter.ts';
import { together } from '../../src/target/batch.ts';
import { LM_CAPABILITY_OFFSET } from '../../src/wire/identify.ts';
import { encodeLmCommand } from '../../src/wire/lmCommands.ts';
import { isOk, type FunctionDriver, type Posted } from '../host/guest.ts';
import { PAGE_SIZE as PAGE } from '../../src/wire/page.ts';
import { checkRdy, expectOwn, SUCCESS_STATUS, type ExpectedStatus, type SizeTable } from '../engine/observe.ts';
import { CORRUPTIONS, corruptLoad, LM_OPCODE, type LmOpName, type PfHost } from '../host/pfHost.ts';
import type { AfterRead } from '../../src/target/queueTracker.ts';
import { Mismatch } from '../engine/suite.ts';
import type { VfGuest, VmImage } from '../host/vfGuest.ts';
import { guestQueuePair, holdsIo, realiser, type Realiser, type RealiserTable } from './realiser.ts';

/** A SAVE's bytes as the host keeps them, with the VM they belong to (what a LOAD hands over). */
export interface VfImage {
  bytes: Uint8Array;
  size: number;
  /** the guest's I/O queue pairs when SAVE captured the VF */
  queues: number;
  vm: VmImage;
}

/** What a realiser reads from the binding's book of the VF (and the counters of what cycles). */
export interface VfBookView {
  /** the bytes the next SAVE must give, nothing having changed the VF since (D6); null when no such reference */
  readonly same: Uint8Array | null;
  /** the image bad LOAD data is made from and an unmapped LOAD is sized by (null: none yet) */
  readonly last: VfImage | null;
  /** the image a LOAD event plays, and how a message names it */
  forLoad(event: string): { image: VfImage; what: string };
  /** a counter per cycling choice: which corruption a bad LOAD carries, which LM opcode VF_LM sends */
  next(counter: 'corruption' | 'vfQueueOp'): number;
}

/** Everything a VF event's realiser works with: the target, the drivers, the machine's prediction. */
export interface VfStep {
  readonly adapter: Adapter;
  readonly pf: PfHost;
  readonly guest: VfGuest;
  /** how messages name the step, e.g. `LM_SAVE` or `LM_SAVE(vf=2)` */
  readonly label: string;
  /** the event's own completion as the machine predicts it */
  readonly expected: ExpectedStatus | 'none';
  /** the machine says the VF latches what the guest submits now (D11) */
  readonly latched: boolean;
  /** the PF executes the LM opcodes (profile lm; false for no-lm, D17) */
  readonly lm: boolean;
  readonly vfQueuePolicy: VfQueuePolicy;
  /** D8: QUERY's size per I/O queue count, over every path the binding plays */
  readonly sizes: SizeTable;
  readonly book: VfBookView;
}

/** What a realiser observed that the binding files in its book. */
export type VfObserved =
  | { kind: 'done' }
  | { kind: 'saved'; image: VfImage }
  /** a SAVE waiting for the VF's fetched I/O (D12): its CID and size */
  | { kind: 'draining'; cid: number; size: number }
  | { kind: 'loaded'; image: VfImage }
  /** CC.EN 1->0 */
  | { kind: 'disabled' }
  /** FLR: the VF is at power-on (D13) */
  | { kind: 'reset' };

export type VfRealiser = Realiser<VfStep, VfObserved>;

const DONE: VfObserved = { kind: 'done' };

/** LOAD's size when there is no image to size it by, and SAVE's where QUERY does not answer (no-lm). */
const NO_IMAGE_SIZE = 256;

/** The order VF_LM cycles through the LM opcodes on the VF's own admin queue (D1). */
const VF_QUEUE_CYCLE: readonly LmOpName[] = ['QUERY', 'SUSPEND', 'RESUME', 'SAVE', 'LOAD'];

function own(s: VfStep, what: string, got: Posted | null, why = ''): void {
  expectOwn(`${s.label}: ${what}`, s.expected, got, why);
}

/** The parts of a step the helpers below need (a binding's own set-up calls them too). */
export type VfDrivers = Pick<VfStep, 'pf' | 'guest' | 'sizes' | 'label'>;

/** QUERY before a SAVE, as the RFC's host driver does it: it must succeed; its size, checked (D8). */
export async function queryBeforeSave(s: VfDrivers): Promise<number> {
  const fn = s.guest.fn;
  const q = await s.pf.lm('QUERY', fn);
  expectOwn(`${s.label}: QUERY_DATA_SIZE of VF ${fn} before SAVE`, SUCCESS_STATUS, q.cqe);
  const size = (q.cqe as Posted).dw0;
  s.sizes.check(`${s.label}: QUERY of VF ${fn}`, s.guest.book.queues, size);
  return size;
}

/** What savedImage reads: the SAVE buffer, then the VM's pages (for PfHost.save to read with its completion). */
export function savedImageReads(s: VfDrivers, size: number): AfterRead[] {
  return [s.pf.savedRead(s.guest.fn, size), ...s.guest.vmPages()];
}

/**
 * A SAVE of `size` bytes completed successfully: the bytes, checked (exactly
 * QUERY's size, D8; the same as `same` when nothing changed the VF, D6),
 * with the VM they belong to. `read`: savedImageReads' bytes, read with the
 * SAVE's completion (Sent.data); else they are read now.
 */
export async function savedImage(s: VfDrivers, size: number, same: Uint8Array | null, read?: Uint8Array[] | null): Promise<VfImage> {
  const fn = s.guest.fn;
  // independent reads, asked for together (one round trip on a batch target), unless read with the completion
  const [{ bytes, fault }, vm] = await together([s.pf.saved(fn, size, read?.[0]), s.guest.captureVm(read?.slice(1))]);
  if (fault !== null) throw new Mismatch(`${s.label}: SAVE_DATA of VF ${fn} writes exactly QUERY's size (D8)`, `${size} bytes`, fault);
  if (same !== null) {
    const i = bytes.findIndex((b, k) => same[k] !== b);
    if (i >= 0 || same.length !== bytes.length) {
      throw new Mismatch(`${s.label}: SAVE of VF ${fn} with nothing changed since the last SAVE or LOAD (D6)`, 'the same bytes', `they differ from byte ${i < 0 ? Math.min(same.length, bytes.length) : i}`);
    }
  }
  return { bytes, size, queues: s.guest.book.queues, vm };
}

/** The guest enables its VF: CSTS.RDY 1, and its own Identify Controller byte 3072 is 0x00 (D2: a VF never advertises LM). */
export async function enableVf(label: string, g: VfGuest): Promise<void> {
  await g.enable();
  // the CSTS read goes with the Identify after it (one round trip on a batch target); a wrong CSTS is still the failure reported
  const [, byte] = await together([checkRdy(`${label}: VF ${g.fn}`, g.driver, true), g.driver.capabilityByte()]);
  if (byte !== 0) throw new Mismatch(`${label}: VF ${g.fn}'s own Identify Controller byte ${LM_CAPABILITY_OFFSET} (D2)`, '0x00', `0x${byte.toString(16)}`);
}

/** An LM opcode on the VF's own admin queue (D1: rejected or dropped, per the policy); SAVE and LOAD carry the scratch page. */
async function vfQueueLm(s: VfStep, op: LmOpName): Promise<VfObserved> {
  const d = s.guest.driver;
  const fn = s.guest.fn;
  await s.adapter.memWrite(d.plan.scratch, new Uint8Array(PAGE));
  const transfer = op === 'SAVE' || op === 'LOAD' ? { prp1: d.plan.scratch } : {};
  const sqe = encodeLmCommand({ opcode: LM_OPCODE[op], cid: d.cid(), vfIndex: fn, ...transfer, ...(op === 'LOAD' ? { size: NO_IMAGE_SIZE } : {}) });
  own(s, `${op} on VF ${fn}'s own admin queue (D1)`, await d.submit(0, sqe), s.vfQueuePolicy === 'drop' ? 'policy drop (D1)' : '');
  return DONE;
}

const pfLm = (op: 'SUSPEND' | 'RESUME'): VfRealiser =>
  realiser(`LM_${op}`, `${op} of the VF on the PF admin queue`, async (s) => {
    own(s, `${op} on the PF`, (await s.pf.lm(op, s.guest.fn)).cqe);
    return DONE;
  });

const load = (event: string): VfRealiser =>
  realiser(event, 'LOAD_DATA of an image the host holds; a success hands the VM over', async (s) => {
    const { image, what } = s.book.forLoad(event);
    const { cqe } = await s.pf.load(s.guest.fn, image.bytes, image.size);
    own(s, `LOAD_DATA of ${what} (${image.size} bytes)`, cqe);
    if (cqe === null || !isOk(cqe)) return DONE;
    await s.guest.handOver(image.vm);
    return { kind: 'loaded', image };
  });

const vfQueue = (op: LmOpName): VfRealiser => realiser(`VF_LM_${op}`, `${op} on the VF's own admin queue (D1)`, (s) => vfQueueLm(s, op));

const pair = (event: 'CREATE_IO_QUEUE' | 'DELETE_IO_QUEUE'): VfRealiser =>
  realiser(event, `the guest's ${event === 'CREATE_IO_QUEUE' ? 'Create I/O CQ then SQ' : 'Delete I/O SQ then CQ'} on the VF's admin queue`, async (s) => {
    for (const { what, cqe } of await guestQueuePair(s.guest, event === 'CREATE_IO_QUEUE')) own(s, what, cqe, s.latched ? 'latched while suspended (D11)' : '');
    return DONE;
  });


/** Every VF event of the lm profile's machines (vfLifecycle, system), realised once. */
export const VF_REALISERS: RealiserTable<VfStep, VfObserved> = {
  LM_QUERY: realiser('LM_QUERY', 'QUERY_DATA_SIZE of the VF on the PF admin queue; its size checked (D8)', async (s) => {
    const { cqe } = await s.pf.lm('QUERY', s.guest.fn);
    own(s, 'QUERY_DATA_SIZE on the PF', cqe);
    if (cqe !== null && isOk(cqe)) s.sizes.check(`${s.label}: QUERY`, s.guest.book.queues, cqe.dw0);
    return DONE;
  }),
  LM_SUSPEND: pfLm('SUSPEND'),
  LM_RESUME: pfLm('RESUME'),
  LM_SAVE: realiser('LM_SAVE', 'QUERY, then SAVE_DATA into a canary-filled buffer of that size (D6, D8, D12)', async (s) => {
    const size = s.lm ? await queryBeforeSave(s) : NO_IMAGE_SIZE;
    // the image read with the completion when the machine says it succeeds at once (a draining or rejected SAVE reads nothing)
    const succeeds = s.expected !== 'none' && s.expected.sct === 0 && s.expected.sc === 0;
    const { cid, cqe, data } = await s.pf.save(s.guest.fn, size, succeeds ? savedImageReads(s, size) : []);
    own(s, `SAVE_DATA of QUERY's ${size} bytes`, cqe, 'SAVE drains fetched I/O first (D12)');
    if (cqe === null) return { kind: 'draining', cid, size };
    if (!isOk(cqe)) return DONE;
    return { kind: 'saved', image: await savedImage(s, size, s.book.same, data) };
  }),
  LM_SAVE_UNMAPPED: realiser('LM_SAVE_UNMAPPED', 'SAVE_DATA whose PRPs point at memory nothing maps (D7)', async (s) => {
    own(s, 'SAVE_DATA into unmapped memory', (await s.pf.saveUnmapped(s.guest.fn)).cqe);
    return DONE;
  }),
  LM_LOAD: load('LM_LOAD'),
  LM_LOAD_IO: load('LM_LOAD_IO'),
  LM_LOAD_CORRUPT: realiser('LM_LOAD_CORRUPT', 'LOAD_DATA of bad data, cycling through the D7 corruptions', async (s) => {
    const kind = CORRUPTIONS[s.book.next('corruption') % CORRUPTIONS.length];
    const bad = corruptLoad(kind, s.book.last);
    own(s, `LOAD_DATA with bad data (${kind}, size ${bad.size})`, (await s.pf.load(s.guest.fn, bad.data, bad.size)).cqe);
    return DONE;
  }),
  LM_LOAD_UNMAPPED: realiser('LM_LOAD_UNMAPPED', 'LOAD_DATA whose PRPs point at memory nothing maps (D7)', async (s) => {
    own(s, 'LOAD_DATA from unmapped memory', (await s.pf.loadUnmapped(s.guest.fn, s.book.last?.size ?? NO_IMAGE_SIZE)).cqe);
    return DONE;
  }),
  VF_LM_QUERY: vfQueue('QUERY'),
  VF_LM_SUSPEND: vfQueue('SUSPEND'),
  VF_LM_RESUME: vfQueue('RESUME'),
  VF_LM_SAVE: vfQueue('SAVE'),
  VF_LM_LOAD: vfQueue('LOAD'),
  VF_LM: realiser('VF_LM', 'the next LM opcode (QUERY, SUSPEND, RESUME, SAVE, LOAD in turn) on the VF\'s own admin queue (D1)', (s) =>
    vfQueueLm(s, VF_QUEUE_CYCLE[s.book.next('vfQueueOp') % VF_QUEUE_CYCLE.length]),
  ),
  ENABLE: realiser('ENABLE', 'the guest enables its VF (CC.EN 0->1 with a fresh admin queue pair; D2, D13)', async (s) => {
    await enableVf(s.label, s.guest);
    return DONE;
  }),
  DISABLE: realiser('DISABLE', 'the guest disables its VF (CC.EN 1->0, D13)', async (s) => {
    await s.guest.disable();
    return { kind: 'disabled' };
  }),
  CREATE_IO_QUEUE: pair('CREATE_IO_QUEUE'),
  DELETE_IO_QUEUE: pair('DELETE_IO_QUEUE'),
  SUBMIT_IO: realiser('SUBMIT_IO', 'the guest writes the next block (completed, in flight, or latched: D11)', async (s) => {
    const g = s.guest;
    const { rec, cqe } = await g.submitWrite();
    own(s, `Write of LBA ${rec.lba} on SQ ${rec.sqid}`, cqe, s.latched ? 'latched while suspended (D11)' : 'in flight until completeIo (deferred)');
    if (cqe !== null) g.completedNow(rec, cqe);
    else (s.latched ? g.book.latched : g.book.fetched).push(rec);
    return DONE;
  }),
  IO_COMPLETE: realiser<VfStep, VfObserved>(
    'IO_COMPLETE',
    'the target completes one I/O held in flight (completeIo)',
    async (s) => {
      const fn = s.guest.fn;
      const n = (await s.adapter.completeIo?.(fn, 1)) ?? 0;
      if (n !== 1) throw new Mismatch(`${s.label}: completeIo(${fn}, 1)`, '1 I/O in flight completed', `${n} completed`);
      return DONE;
    },
    holdsIo,
  ),
  FLR: realiser('FLR', 'function-level reset of the VF: power-on state at once (D13)', async (s) => {
    const g = s.guest;
    await s.adapter.flr(g.fn);
    g.powerOn(false);
    await checkRdy(`${s.label}: VF ${g.fn} right after its FLR (D13)`, g.driver, false);
    return { kind: 'reset' };
  }),
};

/**
 * A profile's way of playing the VF machines (vfLifecycle, system): its
 * realiser table, and what the bindings check outside any one event: how the
 * PF shows that it offers migration (at reset, at PF_ENABLE) and how a guest
 * brings its VF up. The bindings take one, so a second profile whose machines
 * keep the same observation brings its own (models/realisers/<profile>.ts).
 */
export interface VfRealisation {
  readonly realisers: RealiserTable<VfStep, VfObserved>;
  /** Mismatch unless the PF's Identify says migration is offered (`offered`), or not (D2, D17) */
  checkPfCapability(label: string, pf: FunctionDriver, offered: boolean): Promise<void>;
  /** the guest enables its VF and checks what it sees (D2: a VF never advertises migration) */
  enableVf(label: string, g: VfGuest): Promise<void>;
}

/** The lm profile (and no-lm, its device without migration, D17): Identify Controller byte 3072. */
export const LM_REALISATION: VfRealisation = {
  realisers: VF_REALISERS,
  async checkPfCapability(label, pf, offered) {
    const byte = await pf.capabilityByte();
    const want = offered ? 0x01 : 0x00;
    if (byte !== want) {
      throw new Mismatch(`${label}: PF Identify Controller byte ${LM_CAPABILITY_OFFSET} (D2, D17)`, `0x0${want} (${offered ? 'lm' : 'no-lm'})`, `0x${byte.toString(16).padStart(2, '0')}`);
    }
  },
  enableVf,
};
