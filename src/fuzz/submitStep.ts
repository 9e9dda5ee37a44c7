// A generated SQE (random bytes, a valid command with one field corrupted,
// or a fuzzed LM command) sent to its target queue. The host gives it a data
// buffer when asked, and keeps its PRPs away from memory the command does not
// own: a fuzzed Read may write wherever its PRPs say, and if that were the
// host's own queues the host, not the device, would be at fault.
import { FuzzHost, UNMAPPED } from './host.ts';
import { setPrps, takePages } from './buffers.ts';
import { PAGE_SIZE } from '../wire/page.ts';
import { u64 } from './bytes.ts';
import { cdqRegion } from './hmlmLedger.ts';
import { HMLM } from '../wire/opcodes.ts';
import type { Runner } from './runner.ts';
import { ioQueues } from './guestSteps.ts';
import { resolveVf, type QueueTarget, type SqeSpec } from './steps.ts';

const PRP2_UNALIGNED = 4;

export function submitStep(r: Runner, t: QueueTarget, spec: SqeSpec): void {
  const fn = t.queue === 'pfAdmin' ? 0 : resolveVf(t.vf, r.cfg.vfs);
  let qid = 0;
  if (t.queue === 'vfIo') {
    const qs = ioQueues(r, fn);
    if (qs.length === 0) return r.skip(`VF${fn} has no I/O queue`);
    qid = qs[t.slot % qs.length];
  }
  if (!r.canPost(fn, qid)) return r.skip(`the target queue of VF${fn} is not there or full`);
  const sqe = spec.bytes.slice();
  let pages: number[] = [];
  let buffer: { pages: number[]; offset: number } | undefined;
  const p = spec.prps;
  if (p.kind === 'buffer') {
    const offset = p.offset - (p.offset % 4);
    const b = takePages(r.host, Math.min(Math.max(p.pages, 1), 4), offset, p.fill);
    pages = b.pages;
    buffer = { pages: b.data, offset };
    const prp2 = p.prp2 === 'auto' ? b.prp2 : p.prp2 === 'zero' ? 0 : p.prp2 === 'unaligned' ? b.prp2 + PRP2_UNALIGNED : UNMAPPED;
    setPrps(sqe, b.prp1 + p.prp1Delta, prp2);
  }
  if (!prpsStayHome(r, qid === 0, sqe, pages)) {
    setPrps(sqe, UNMAPPED + (u64(sqe, 24) % PAGE_SIZE), UNMAPPED + (u64(sqe, 32) % PAGE_SIZE));
    r.stats.movedPrps++;
    r.log(`  (PRPs moved to unmapped memory: they reached host memory this command does not own)`);
  }
  r.submit(fn, qid, sqe, { origin: spec.origin, pages, ...(buffer ? { buffer } : {}) });
}

/** True when PRP1, PRP2 and every byte the command could write lie in its own pages or in unmapped memory. */
function prpsStayHome(r: Runner, admin: boolean, sqe: Uint8Array, own: readonly number[]): boolean {
  const w = r.host.watch;
  const home = (addr: number): boolean => !w.isMapped(addr) || FuzzHost.within(own, addr, 1);
  if (!home(u64(sqe, 24)) || !home(u64(sqe, 32))) return false;
  if (r.hmlm && admin && sqe[0] === HMLM.CONTROLLER_DATA_QUEUE && sqe[40] === 0 && !cdqStaysHome(r, sqe, own)) return false;
  const ranges = r.writeRanges(admin, sqe);
  for (let i = 0; i < ranges.length; i += 2) {
    for (let a = Math.floor(ranges[i] / PAGE_SIZE) * PAGE_SIZE; a < ranges[i + 1]; a += PAGE_SIZE) if (!home(a)) return false;
  }
  return true;
}

/** A UDMQ the device may accept lies wholly in the command's own pages, or starts unmapped: the device writes it whenever it logs (D28). */
function cdqStaysHome(r: Runner, sqe: Uint8Array, own: readonly number[]): boolean {
  const { base, bytes } = cdqRegion(sqe);
  if (!r.host.watch.isMapped(base)) return true;
  if (bytes > own.length * PAGE_SIZE) return false;
  for (let a = Math.floor(base / PAGE_SIZE) * PAGE_SIZE; a < base + Math.max(bytes, 1); a += PAGE_SIZE) if (!own.includes(a)) return false;
  return true;
}
