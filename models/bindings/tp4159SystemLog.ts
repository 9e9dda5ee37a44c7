// The UDMQ of each VF in the tp4159System binding: which entries a step
// posts into it, read from the VF's local states before and after (the
// machine keeps only whether unreleased entries exist), and the check of the
// ring in host memory against that. A ring that got an entry the step did not
// post into it, or lacks one, is another controller's entry in it or a lost
// one (I13: a UDMQ holds entries of its own controller only).
import { decodeUdmqEntries, UDMQ_ENTRY_SIZE, UDMQ_LBACIR } from '../../src/wire/tp4159/udmq.ts';
import { PAGE_SIZE as PAGE } from '../../src/wire/page.ts';
import { ESA, type EntryKind } from '../../machines/tp4159Udmq.ts';
import type { Adapter } from '../../src/target/adapter.ts';
import { NSID } from '../host/guest.ts';
import { udmqRing } from '../host/hostPlan.ts';
import { Mismatch, NotRealisable } from '../engine/suite.ts';

/** Each VF's UDMQ is one page (128 entries): no path of the system machine posts that many before a release, so the controller's tail never wraps. */
export const SYSTEM_RING_ENTRIES = PAGE / UDMQ_ENTRY_SIZE;

/** What the host knows of a VF's UDMQ. */
export interface RingBook {
  cdqid: number;
  /** the controller's next slot (entries posted so far; one pass) */
  tail: number;
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
 * book's tail, then every slot's phase tag (slots before the new tail
 * written on the first pass, 1; the rest untouched, 0). Returns the new tail.
 */
export async function checkRing(adapter: Adapter, label: string, vf: number, ring: RingBook, posted: readonly EntryKind[], lba: number | null): Promise<number> {
  const tail = ring.tail + posted.length;
  if (tail >= SYSTEM_RING_ENTRIES - 1) throw new NotRealisable(`${label}: the path posts ${tail} entries into VF ${vf}'s ${SYSTEM_RING_ENTRIES}-entry UDMQ without a release; the binding checks one pass only`);
  const slots = decodeUdmqEntries(await adapter.memRead(udmqRing(vf), SYSTEM_RING_ENTRIES * UDMQ_ENTRY_SIZE));
  posted.forEach((kind, i) => {
    const slot = ring.tail + i;
    const e = slots[slot];
    const what = `${label}: VF ${vf}'s UDMQ entry at slot ${slot}`;
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
  const phases = slots.map((e) => e.phase).join('');
  const want = '1'.repeat(tail) + '0'.repeat(SYSTEM_RING_ENTRIES - tail);
  if (phases !== want) {
    const at = [...want].findIndex((c, i) => phases[i] !== c);
    throw new Mismatch(`${label}: phase tags of VF ${vf}'s UDMQ (I13: entries of its own controller only)`, `${tail} entries written`, `slot ${at} ${phases[at] === '1' ? 'written: an entry this VF did not cause' : 'not written'}`);
  }
  return tail;
}
