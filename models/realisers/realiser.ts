// The shape of an event realiser, as fast-check shapes a model command: a
// pure precondition (`check`: can this event be played on this target from
// here, else why not), the effect (`run`: cause the event in bytes, check
// what the target answered against the machine's prediction, return what was
// observed for the binding's book) and a label (`toString`). A profile brings
// its own table of them (models/realisers/); the bindings look events up in
// it, so the byte meaning of each event is written once.
import { NotRealisable } from '../engine/suite.ts';
import type { Adapter } from '../../src/target/adapter.ts';
import type { Posted } from '../host/guest.ts';
import type { VfGuest } from '../host/vfGuest.ts';

export type Realisability = { ok: true } | { ok: false; reason: string };

export const REALISABLE: Realisability = { ok: true };

export interface Realiser<Ctx, Observed> {
  /** pure: whether the event can be played on this target from here */
  check(ctx: Ctx): Realisability;
  /** the effect on the target; throws Mismatch when the target disagrees with the machine */
  run(ctx: Ctx): Promise<Observed>;
  /** the event and how it is caused, for messages and listings */
  toString(): string;
}

export type RealiserTable<Ctx, Observed> = Readonly<Record<string, Realiser<Ctx, Observed>>>;

/** A realiser with a label `event: how` (checks nothing unless `check` is given). */
export function realiser<Ctx, Observed>(event: string, how: string, run: (ctx: Ctx) => Promise<Observed>, check: (ctx: Ctx) => Realisability = () => REALISABLE): Realiser<Ctx, Observed> {
  return { check, run, toString: () => `${event}: ${how}` };
}

/**
 * Play `event` from `table`: its precondition (NotRealisable with the
 * reason when it fails), then its effect. An event the table lacks is a
 * binding bug (the machine and the table disagree), not a target's failure.
 */
export async function realise<Ctx, Observed>(table: RealiserTable<Ctx, Observed>, event: string, ctx: Ctx, binding: string): Promise<Observed> {
  const r = Object.hasOwn(table, event) ? table[event] : undefined;
  if (r === undefined) throw new Error(`${binding} binding: no realisation for event ${event}; add it to the profile's realiser table`);
  const c = r.check(ctx);
  if (!c.ok) throw new NotRealisable(`${String(r)}: ${c.reason}`);
  return r.run(ctx);
}

/** Held I/O completes only where the target can complete it (every profile's IO_COMPLETE). */
export function holdsIo(s: { adapter: Adapter }): Realisability {
  return s.adapter.completeIo !== undefined ? REALISABLE : { ok: false, reason: 'the target cannot complete I/O held in flight (its adapter has no completeIo)' };
}

/** The guest creates (CQ then SQ) or deletes (SQ then CQ) an I/O queue pair on its VF's admin queue: each completion with what it answers. */
export async function guestQueuePair(guest: VfGuest, create: boolean): Promise<Array<{ what: string; cqe: Posted | null }>> {
  const { qid, cqes } = create ? await guest.createPair() : await guest.deletePair();
  const names = create ? [`Create I/O CQ ${qid}`, `Create I/O SQ ${qid}`] : [`Delete I/O SQ ${qid}`, `Delete I/O CQ ${qid}`];
  return cqes.map((cqe, i) => ({ what: names[i], cqe }));
}
