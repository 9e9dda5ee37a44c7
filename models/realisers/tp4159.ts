// The realisers of the VF events of the standard profile tp4159 (D19-D34),
// one table for every binding that plays them: how each event is caused in
// bytes (the management commands on the PF admin queue naming the VF's
// CNTLID, the guest's own work on the VF's BAR0 and queues) and what is
// observed right after it:
// - the event's own completion against the machine's (status, SCT, DNR), or
//   that none came (Suspend's drain D22, work latched while suspended);
// - Get State: DW0 CSUP (D24), the bytes written and no more (D24), the
//   state against the machine's prediction (tp4159State.ts), and the same
//   bytes as the last Get or the Set State since while nothing changed (D24);
// - CSTS.RDY 0 right after an FLR (D34).
// The binding keeps its book (the state it holds, Set State parts sent) and
// files what a realiser returns.
import type { Adapter } from '../../src/target/adapter.ts';
import { decodeGetStateDw0 } from '../../src/wire/tp4159/completions.ts';
import { encodeControllerState, STATE_HEADER_SIZE } from '../../src/wire/tp4159/state.ts';
import type { TpObservation } from '../../machines/tp4159Lifecycle.ts';
import type { TpCompletion } from '../../machines/tp4159/status.ts';
import { isOk, type Posted } from '../host/guest.ts';
import { checkRdy, expectOwn } from '../engine/observe.ts';
import { SEQIND, stateWritten, type TpHost, dw0Text } from '../host/tp4159Host.ts';
import { checkGotState, decodeGot } from '../bindings/tp4159State.ts';
import { Mismatch, NotRealisable } from '../engine/suite.ts';
import type { VfGuest } from '../host/vfGuest.ts';
import { guestQueuePair, holdsIo, realiser, type Realiser, type RealiserTable } from './realiser.ts';

/** What a realiser reads from the binding's book. */
export interface TpBookView {
  /** the state the host holds (a Get State taken while suspended) */
  readonly held: Uint8Array | null;
  /** bytes of the held state already sent in Set State parts (SEQIND 1, 0) */
  readonly partsSent: number;
  /** the bytes the next Get State must give, nothing having changed the VF since (D24); null when none */
  readonly same: Uint8Array | null;
}

export interface TpStep {
  readonly adapter: Adapter;
  readonly host: TpHost;
  readonly guest: VfGuest;
  /** how messages name the step */
  readonly label: string;
  /** what the machine predicts for this event */
  readonly seen: TpObservation;
  /** the machine says the VF latches what the guest submits now (D22) */
  readonly latched: boolean;
  /** Get/Set State carry the project's vendor section (D25) */
  readonly vendor: boolean;
  readonly book: TpBookView;
}

export type TpObserved =
  | { kind: 'done' }
  /** a Suspend waiting for its drain (D22): its CID */
  | { kind: 'draining'; cid: number }
  /** a Get State's bytes */
  | { kind: 'got'; bytes: Uint8Array }
  /** Set State parts accepted up to this byte */
  | { kind: 'parts'; sent: number }
  /** the held state applied (D26) */
  | { kind: 'applied' }
  /** FLR or CC.EN 1->0: the VF at power-on (D34) */
  | { kind: 'reset' };

export type TpRealiser = Realiser<TpStep, TpObserved>;

const DONE: TpObserved = { kind: 'done' };

function own(s: TpStep, what: string, got: Posted | null, why = ''): void {
  expectOwn(`${s.label}: ${what}`, s.seen.completion as TpCompletion | 'none', got, why);
}

function held(s: TpStep): Uint8Array {
  if (s.book.held === null) throw new Error(`${s.label}: the machine sets a state the binding never took (binding out of step)`);
  return s.book.held;
}

/** Where the held state is cut into parts (D26): dword aligned, three non-empty parts, the first holding the whole header (D27: the length is the header's). */
export function partBounds(length: number): [number, number] {
  const dwords = length / 4;
  const a = Math.max(STATE_HEADER_SIZE, 4 * Math.floor(dwords / 3));
  return [a, Math.max(a + 4, 4 * Math.floor((2 * dwords) / 3))];
}

const accepted = (c: Posted | null): boolean => c !== null && isOk(c);

const suspend = (event: string, stype: 0 | 1): TpRealiser =>
  realiser(event, `Migration Send SEL 0 STYPE ${stype} naming the VF's CNTLID on the PF admin queue (D22)`, async (s) => {
    const { cid, cqe } = await s.host.suspend(s.guest.fn, stype);
    own(s, `Suspend STYPE ${stype}`, cqe, 'Suspend completes only after the fetched I/O (D22)');
    return cqe === null ? { kind: 'draining', cid } : DONE;
  });

/** Set State of `part` at `offset`; the state applies at SEQIND 3 or 2 when the machine says so. */
async function setPart(s: TpStep, what: string, part: Uint8Array, offset: number, seqind: number, then: TpObserved): Promise<TpObserved> {
  const { cqe } = await s.host.setState(s.guest.fn, part, offset, seqind, s.vendor);
  own(s, `${what} (SEQIND ${seqind}, ${part.length} bytes at ${offset})`, cqe);
  return accepted(cqe) ? then : DONE;
}

const getState: TpRealiser = realiser('GET_STATE', 'Migration Receive SEL 0 (CSVI of format 0, the vendor section) into a canary-filled buffer (D24, D25)', async (s) => {
  const { sent, bytes } = await s.host.getState(s.guest.fn, s.vendor);
  own(s, 'Get Controller State', sent.cqe);
  const c = sent.cqe;
  if (c === null || !isOk(c)) return DONE;
  const csup = decodeGetStateDw0(c.dw0).csup;
  if (s.seen.csup !== null && csup !== s.seen.csup) throw new Mismatch(`${s.label}: Get Controller State CQE DW0 bit 0 CSUP (D24)`, s.seen.csup ? '1 (suspended)' : '0', dw0Text(c));
  const d = decodeGot(s.label, bytes);
  const state = stateWritten(s.label, bytes, d.length);
  if (s.seen.got !== null) checkGotState(s.label, d, s.seen.got, s.seen.csup === true, s.guest.driver.depths);
  const same = s.book.same;
  if (same !== null && (same.length !== state.length || same.some((b, i) => state[i] !== b))) {
    throw new Mismatch(`${s.label}: Get Controller State with nothing changed since (D24, D26)`, 'the same bytes as before', `they differ (${same.length} then ${state.length} bytes)`);
  }
  return { kind: 'got', bytes: state };
});

const pair = (event: 'CREATE_IO_QUEUE' | 'DELETE_IO_QUEUE'): TpRealiser =>
  realiser(event, `the guest's ${event === 'CREATE_IO_QUEUE' ? 'Create I/O CQ then SQ' : 'Delete I/O SQ then CQ'} on the VF's admin queue`, async (s) => {
    for (const { what, cqe } of await guestQueuePair(s.guest, event === 'CREATE_IO_QUEUE')) own(s, what, cqe, s.latched ? 'latched while suspended (D22)' : '');
    return DONE;
  });


const reset = async (s: TpStep, how: () => Promise<void>, trackerKnows: boolean): Promise<TpObserved> => {
  await how();
  s.guest.powerOn(trackerKnows);
  await checkRdy(`${s.label}: VF ${s.guest.fn} right after the reset (D34)`, s.guest.driver, false);
  return { kind: 'reset' };
};

/** Every VF event of the tp4159 lifecycle machine, realised once. */
export const TP4159_REALISERS: RealiserTable<TpStep, TpObserved> = {
  SUSPEND: suspend('SUSPEND', 1),
  SUSPEND_NOTICE: suspend('SUSPEND_NOTICE', 0),
  RESUME: realiser('RESUME', 'Migration Send SEL 1 naming the VF\'s CNTLID (D23: fetches every SQ whose tail differs from its head)', async (s) => {
    own(s, 'Resume', (await s.host.resume(s.guest.fn)).cqe);
    return DONE;
  }),
  GET_STATE: getState,
  SET_STATE: realiser('SET_STATE', 'Set Controller State SEQIND 3 of the held state, 0-based NUMD (D26, D27)', (s) => setPart(s, 'Set Controller State', held(s), 0, SEQIND.WHOLE, { kind: 'applied' })),
  SET_STATE_FIRST: realiser('SET_STATE_FIRST', 'Set Controller State SEQIND 1: the held state\'s first third (D26)', (s) => {
    const [a] = partBounds(held(s).length);
    return setPart(s, 'Set Controller State, first part', held(s).slice(0, a), 0, SEQIND.FIRST, { kind: 'parts', sent: a });
  }),
  SET_STATE_MIDDLE: realiser('SET_STATE_MIDDLE', 'Set Controller State SEQIND 0: the next dword of the held state after the parts sent (D26; a dword each, so repeated middles fit)', (s) => {
    const from = s.book.partsSent > 0 ? s.book.partsSent : partBounds(held(s).length)[0];
    if (from + 8 > held(s).length) throw new NotRealisable(`${s.label}: the held state has no dword left for another middle part before the last`);
    return setPart(s, 'Set Controller State, middle part', held(s).slice(from, from + 4), from, SEQIND.MIDDLE, { kind: 'parts', sent: from + 4 });
  }),
  SET_STATE_LAST: realiser('SET_STATE_LAST', 'Set Controller State SEQIND 2: the rest of the held state after the parts sent (D26)', (s) => {
    const from = s.book.partsSent > 0 ? s.book.partsSent : partBounds(held(s).length)[1];
    return setPart(s, 'Set Controller State, last part', held(s).slice(from), from, SEQIND.LAST, { kind: 'applied' });
  }),
  SET_STATE_CORRUPT: realiser('SET_STATE_CORRUPT', 'Set Controller State SEQIND 3 of the held state with VER 1 (D26: VER = 0)', (s) => {
    const bad = encodeControllerState({ ...decodeGot(s.label, held(s)).state, ver: 1 });
    return setPart(s, 'Set Controller State with VER 1', bad, 0, SEQIND.WHOLE, DONE);
  }),
  MIGRATE: realiser('MIGRATE', 'the VM continues on a fresh VF: an FLR of the VF stands for the destination at power-on; the guest\'s memory and driver travel', async (s) => {
    // the guest's driver keeps its beliefs (they travel with the VM): neither its book nor its tracker is told
    await s.adapter.flr(s.guest.fn);
    await checkRdy(`${s.label}: the destination VF ${s.guest.fn} at power-on (D34)`, s.guest.driver, false);
    return DONE;
  }),
  FLR: realiser('FLR', 'function-level reset of the VF (D34)', (s) => reset(s, () => s.adapter.flr(s.guest.fn), false)),
  ENABLE: realiser('ENABLE', 'the guest enables its VF (CC.EN 0->1 with a fresh 4-entry admin queue pair)', async (s) => {
    await s.guest.enable();
    await checkRdy(`${s.label}: VF ${s.guest.fn}`, s.guest.driver, true);
    return DONE;
  }),
  DISABLE: realiser('DISABLE', 'the guest disables its VF (CC.EN 1->0, D34)', (s) => reset(s, () => s.guest.disable(), true)),
  CREATE_IO_QUEUE: pair('CREATE_IO_QUEUE'),
  DELETE_IO_QUEUE: pair('DELETE_IO_QUEUE'),
  SUBMIT_IO: realiser('SUBMIT_IO', 'the guest writes the next block (held in flight, or latched while suspended: D22)', async (s) => {
    const g = s.guest;
    const { rec, cqe } = await g.submitWrite();
    own(s, `Write of LBA ${rec.lba} on SQ ${rec.sqid}`, cqe, s.latched ? 'latched while suspended (D22)' : 'in flight until completeIo');
    (s.latched ? g.book.latched : g.book.fetched).push(rec);
    return DONE;
  }),
  IO_COMPLETE: realiser<TpStep, TpObserved>(
    'IO_COMPLETE',
    'the target completes the oldest I/O held in flight (completeIo)',
    async (s) => {
      const n = (await s.adapter.completeIo?.(s.guest.fn, 1)) ?? 0;
      if (n !== 1) throw new Mismatch(`${s.label}: completeIo(${s.guest.fn}, 1)`, '1 I/O in flight completed', `${n} completed`);
      return DONE;
    },
    holdsIo,
  ),
};
