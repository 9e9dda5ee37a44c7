// Steps a guest or a host driver takes on a function: enable, create and
// delete I/O queues, NVM I/O, completing deferred I/O, and resets (D13, D18).
import { sqeFor } from '../wire/adminCommands.ts';
import { CC_ENABLE, REG } from '../wire/registers.ts';
import { newCq } from '../target/ring.ts';
import type { HostCq, HostSq } from './host.ts';
import { takeBuffer } from './buffers.ts';
import { FuzzFailure } from './failure.ts';
import { u16 } from './bytes.ts';
import type { Runner } from './runner.ts';
import { PAGE_SIZE } from '../wire/page.ts';

/** The host keeps to a few I/O queue pairs per VF, each within one page. */
const HOST_IO_QUEUES = 4;
const QUEUE_OPCODES = new Set([0x00, 0x01, 0x04, 0x05]);

/** Ready I/O SQ ids of a function, ascending. */
export function ioQueues(r: Runner, fn: number): number[] {
  const f = r.host.queues(fn);
  if (!f) return [];
  return [...f.sqs.values()].filter((q) => q.qid !== 0 && q.ready).map((q) => q.qid).sort((a, b) => a - b);
}

/** Queue ids that a fuzzed Create or Delete still outstanding on `fn` may take or free. */
function contested(r: Runner, fn: number): Set<number> {
  const out = new Set<number>();
  for (const o of r.outstanding.values()) if (o.fn === fn && o.admin && o.origin !== 'host' && QUEUE_OPCODES.has(o.sqe[0])) out.add(u16(o.sqe, 40));
  return out;
}

export function enableStep(r: Runner, fn: number): void {
  if (r.host.queues(fn)) return r.skip(`${fn === 0 ? 'the PF' : `VF${fn}`} is enabled already`);
  r.enable(fn);
}

/** Create I/O CQ then SQ with the lowest free queue id. */
export function createQueues(r: Runner, fn: number, entries: number): void {
  const f = r.host.queues(fn);
  if (!f) return r.skip(`VF${fn} is not enabled`);
  const busy = contested(r, fn);
  const limit = Math.min(HOST_IO_QUEUES, r.cfg.maxIoQueuesPerVf);
  let qid = 0;
  for (let q = 1; q <= limit && qid === 0; q++) {
    if (!f.sqs.has(q) && !f.cqs.has(q) && !f.foreignSqs.has(q) && !f.foreignCqs.has(q) && !busy.has(q)) qid = q;
  }
  if (qid === 0) return r.skip(`VF${fn} has no free I/O queue id`);
  const n = Math.min(Math.max(entries, 2), PAGE_SIZE / 64);
  const cqBase = r.host.queuePage(`${fn}:cq${qid}`);
  const sqBase = r.host.queuePage(`${fn}:sq${qid}`);
  r.host.watch.write(cqBase, new Uint8Array(PAGE_SIZE));
  const cq: HostCq = { ...newCq(n), qid, base: cqBase };
  f.cqs.set(qid, cq);
  const why = 'NVMe: Create I/O queue with a free queue id, a valid size and mapped, aligned memory succeeds';
  const c = r.submit(fn, 0, sqeFor.createIoCq(0, qid, n, BigInt(cqBase)), { origin: 'host', mustSucceed: why, creates: { cq } });
  if (!c) {
    f.cqs.delete(qid);
    return;
  }
  if (!r.host.queues(fn)?.cqs.has(qid)) return; // the Create CQ failed at once
  const sq: HostSq = { qid, base: sqBase, size: n, tail: 0, cqid: qid, ready: false };
  f.sqs.set(qid, sq);
  if (!r.submit(fn, 0, sqeFor.createIoSq(0, qid, n, BigInt(sqBase), qid), { origin: 'host', mustSucceed: why, creates: { sq } })) f.sqs.delete(qid);
}

/** Delete I/O SQ then its CQ. */
export function deleteQueues(r: Runner, fn: number, slot: number): void {
  const qs = ioQueues(r, fn);
  if (qs.length === 0) return r.skip(`VF${fn} has no I/O queue`);
  const qid = qs[slot % qs.length];
  if (contested(r, fn).has(qid)) return r.skip(`a fuzzed command outstanding on VF${fn} may create or delete queue ${qid}`);
  const f = r.host.queues(fn)!;
  const sq = f.sqs.get(qid)!;
  sq.ready = false; // the host stops posting before it deletes
  const c = r.submit(fn, 0, sqeFor.deleteIoSq(0, qid), { origin: 'host', mustSucceed: 'NVMe: Delete I/O SQ of an existing SQ succeeds' });
  if (!c) {
    sq.ready = true;
    return;
  }
  // A fuzzed Create SQ may have bound another SQ to this CQ: then Invalid Queue Deletion is right.
  const must = f.foreignSqs.size === 0 ? { mustSucceed: 'NVMe: Delete I/O CQ after its only SQ is deleted succeeds' } : {};
  r.submit(fn, 0, sqeFor.deleteIoCq(0, qid), { origin: 'host', ...must });
}

export function ioStep(r: Runner, fn: number, slot: number, op: 'write' | 'read' | 'flush', slba: number, blocks: number, fill: number): void {
  const qs = ioQueues(r, fn);
  if (qs.length === 0) return r.skip(`VF${fn} has no I/O queue`);
  const qid = qs[slot % qs.length];
  if (!r.canPost(fn, qid)) return r.skip(`VF${fn} I/O queue ${qid} is full`);
  const must = { origin: 'host' as const, mustSucceed: 'NVMe: a well-formed Read, Write or Flush of namespace 1, in range, with valid PRPs succeeds' };
  if (op === 'flush') {
    r.submit(fn, qid, sqeFor.flush(0, 1), must);
    return;
  }
  const n = Math.min(Math.max(blocks, 1), 16);
  const b = takeBuffer(r.host, 0, n * 512, op === 'write' ? fill : undefined);
  const sqe = op === 'write' ? sqeFor.write(0, 1, BigInt(slba), n, BigInt(b.prp1), BigInt(b.prp2)) : sqeFor.read(0, 1, BigInt(slba), n, BigInt(b.prp1), BigInt(b.prp2));
  r.submit(fn, qid, sqe, { ...must, pages: b.pages, buffer: { pages: b.data, offset: 0 } });
}

/** completeIo(fn, n): exactly the min(n, in flight) commands held in flight complete, and a SAVE waiting for them (D12); nothing else. */
export function completeIoStep(r: Runner, fn: number, n: number): void {
  const inFlight = r.inFlight(fn);
  const save = r.heldSave(fn);
  r.log(`  [step ${r.step}] completeIo(VF${fn}, ${n}) with ${inFlight} in flight${save ? ' and a SAVE waiting for them' : ''}`);
  const done = r.act(`step ${r.step}: completeIo(VF${fn}, ${n})`, save ? [fn, 0] : [fn], () => r.dev.completeIo(fn, n));
  const held = done.filter((d) => d.o.fn === fn && d.o.fetched).length;
  const saves = done.filter((d) => d.o === save).length;
  // tp4159: the I/O's log entries may raise One-Shot events, which complete AERs (D33)
  const events = done.filter((d) => d.o.waitsForEvent).length;
  if (held !== Math.min(n, inFlight) || held + saves + events !== done.length) {
    throw new FuzzFailure('I2', `step ${r.step}: completeIo(VF${fn}, ${n}) with ${inFlight} command(s) in flight gave ${done.length} completion(s), ${held} of them in flight (expected ${Math.min(n, inFlight)})`);
  }
}

/** FLR or CC.EN 1 -> 0 on `fn`: the function (every VF too, for the PF) returns to its power-on state. */
export function resetStep(r: Runner, what: 'flr' | 'disable', fn: number, recover: boolean): void {
  if (what === 'disable' && !r.host.queues(fn)) return r.skip(`${fn === 0 ? 'the PF' : `VF${fn}`} is not enabled`);
  const affected = r.affectedBy(fn);
  // A SAVE waiting for this VF's drain gets its completion from the reset (D13): any status, on the PF's CQ.
  const save = fn === 0 ? undefined : r.heldSave(fn);
  if (save) delete save.mustSucceed;
  for (const o of [...r.outstanding.values()]) if (affected.includes(o.fn)) r.discard(o);
  for (const f of affected) {
    r.host.forget(f);
    if (f !== 0) r.running.set(f, true);
    r.parts.delete(f); // D34
  }
  if (fn === 0) r.host.release(r.cdqs.remove('all')); // D34: a PF reset deletes every CDQ
  const name = fn === 0 ? 'the PF' : `VF${fn}`;
  r.log(`  [step ${r.step}] ${what === 'flr' ? 'FLR' : 'CC.EN = 0'} on ${name}`);
  r.act(`step ${r.step}: ${what === 'flr' ? 'FLR' : 'CC.EN 1 -> 0'} on ${name}`, fn === 0 ? 'all' : save ? [fn, 0] : [fn], () => {
    if (what === 'flr') r.dev.flr(fn);
    else r.dev.regWrite(fn, REG.CC, 4, CC_ENABLE & ~1n);
  });
  const rule = fn === 0 ? 'D18' : 'D13';
  for (const f of affected) {
    const csts = r.device('read CSTS', () => r.dev.regRead(f, REG.CSTS, 4));
    const info = r.dev.inspect(f);
    if ((csts & 1n) !== 0n || info.ioQueues !== 0 || info.lmState !== 'running' || info.inFlight !== 0) {
      throw new FuzzFailure(rule, `step ${r.step}: after the reset of ${name}, ${f === 0 ? 'the PF' : `VF${f}`} is not in its power-on state (CSTS ${csts}, ${info.ioQueues} I/O queues, ${info.lmState}, ${info.inFlight} in flight)`);
    }
  }
  if (!recover) return;
  for (const f of affected) {
    r.enable(f);
    if (f !== 0) createQueues(r, f, 16);
  }
}
