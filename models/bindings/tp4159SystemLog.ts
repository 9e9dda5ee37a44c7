// The UDMQ of each VF in the tp4159System binding: which entries a step
// posts into it, read from the VF's local states before and after (the
// machine keeps only whether unreleased entries exist), and the check of the
// ring in host memory against that. A ring that got an entry the step did not
// post into it, or lacks one, is another controller's entry in it or a lost
// one (I13: a UDMQ holds entries of its own controller only); no byte
// outside the step's own entries may change.
import { decodeUdmqEntries, UDMQ_ENTRY_SIZE, UDMQ_LBACIR } from '../../src/wire/tp4159/udmq.ts';
import { ESA, type EntryKind } from '../../machines/tp4159Udmq.ts';
import type { Adapter } from '../../src/target/adapter.ts';
import { NSID } from '../host/guest.ts';
import { udmqRing } from '../host/hostPlan.ts';
import { Mismatch, NotRealisable } from '../engine/suite.ts';

/**
 * Each VF's UDMQ: 32 entries (a quarter page), more than a path posts (at
 * most one entry per step, paths of at most MAX_PATH_LENGTH steps), so the
 * controller's tail never wraps and the queue is never full (D31).
 */
export const SYSTEM_RING_ENTRIES = 32;

/** What the host knows of a VF's UDMQ. */
export interface RingBook {
  cdqid: number;
  /** the controller's next slot (entries posted so far; one pass) */
  tail: number;
  /** the ring's bytes as last checked (zeroes when the host created it) */
  bytes: Uint8Array;
}

export function freshRing(cdqid: number): RingBook {
  return { cdqid, tail: 0, bytes: new Uint8Array(SYSTEM_RING_ENTRIES * UDMQ_ENTRY_SIZE) };
}

interface LocalView {
  active: boolean;
  q: 'none' | 'off' | 'on';
}

/** A local state name of machines/tp4159/system/localTable.ts (`active_on1`, `suspended_none`, `offline`) read back. */
function view(local: string): LocalView {
  const [lm, q] = local.split('_');
  return { active: lm === 'active', q: q === undefined ? 'none' : (q.replace(/[01]$/, '') as LocalView['q']) };
}

/**
 * The entries `event` posts into the UDMQ of a VF that went from `before` to
 * `after`: Suspend of a logging VF ESA 3 and Resume ESA 1 (D32), Track Send
 * ESA 1 on start and ESA 2 on stop when it changes logging (D29), a change
 * completed while logging one range (D30); nothing else posts.
 */
export function postedBy(event: string, before: string, after: string): EntryKind[] {
  const b = view(before);
  const a = view(after);
  switch (event) {
    case 'SUSPEND':
      return b.active && !a.active && b.q === 'on' ? ['suspended'] : [];
    case 'RESUME':
      return !b.active && a.active && b.q === 'on' ? ['first'] : [];
    case 'TRACK_START':
      return b.q === 'off' && a.q === 'on' ? ['first'] : [];
    case 'TRACK_STOP':
      return b.q === 'on' && a.q === 'off' ? ['stopped'] : [];
    case 'WRITE':
      return b.q === 'on' ? ['range'] : [];
    default:
      return [];
  }
}

/**
 * Check VF `vf`'s ring after a step that posted `posted` into it (the range
 * entry for the guest's Write of `lba`): the entries at the slots from the
 * book's tail (first pass: phase tag 1), and every other byte of the ring as
 * it was. Returns the ring's new book.
 */
export async function checkRing(adapter: Adapter, label: string, vf: number, ring: RingBook, posted: readonly EntryKind[], lba: number | null): Promise<RingBook> {
  const tail = ring.tail + posted.length;
  if (tail >= SYSTEM_RING_ENTRIES - 1) throw new NotRealisable(`${label}: the path posts ${tail} entries into VF ${vf}'s ${SYSTEM_RING_ENTRIES}-entry UDMQ without a release; the binding checks one pass only`);
  const bytes = await adapter.memRead(udmqRing(vf), ring.bytes.length);
  const fresh = [ring.tail * UDMQ_ENTRY_SIZE, tail * UDMQ_ENTRY_SIZE];
  const changed = bytes.findIndex((b, i) => (i < fresh[0] || i >= fresh[1]) && b !== ring.bytes[i]);
  if (changed >= 0) {
    const slot = Math.floor(changed / UDMQ_ENTRY_SIZE);
    const mine = `this step posts ${posted.length === 0 ? 'nothing' : `slots ${ring.tail}..${tail - 1}`} here`;
    throw new Mismatch(`${label}: VF ${vf}'s UDMQ slot ${slot} (I13: entries of its own controller only; I14)`, `${slot < ring.tail ? 'the entry as it was' : 'untouched'} (${mine})`, 'changed: an entry this VF did not post');
  }
  const entries = posted.length === 0 ? [] : decodeUdmqEntries(bytes.subarray(fresh[0], fresh[1]));
  posted.forEach((kind, i) => {
    const e = entries[i];
    const what = `${label}: VF ${vf}'s UDMQ entry at slot ${ring.tail + i}`;
    if (e.phase !== 1) throw new Mismatch(`${what}: phase tag (I13: its own controller's ${kind} entry; I14)`, '1 (first pass)', `${e.phase}: no entry written`);
    if (e.esa !== ESA[kind]) throw new Mismatch(`${what}: ESA (D29-D32)`, `${ESA[kind]} (${kind})`, String(e.esa));
    if (kind === 'range') {
      const want = `NSID ${NSID}, SLBA ${lba}, NLB 0, LBACIR ${UDMQ_LBACIR.RANGE_VALID}`;
      const got = `NSID ${e.nsid}, SLBA ${e.slba}, NLB ${e.nlb}, LBACIR ${e.lbacir}`;
      if (want !== got) throw new Mismatch(`${what}: the range VF ${vf}'s guest wrote (D30, I13)`, want, got);
    } else if (e.lbacir !== UDMQ_LBACIR.NO_RANGE) {
      throw new Mismatch(`${what}: LBACIR of a sequence entry (D29)`, String(UDMQ_LBACIR.NO_RANGE), String(e.lbacir));
    }
  });
  return { cdqid: ring.cdqid, tail, bytes };
}
