// The standard profile's (tp4159) host flows, as a migration driver runs
// them, with the fuzzer's twists: a UDMQ with logging, a tail-pointer trigger
// and a One-Shot AER (D28-D33); and a migration from VF `from` to VF `to`
// (Suspend, Get Controller State header then whole into a buffer that may
// cross pages, Set Controller State whole or in SEQIND parts, possibly out of
// order, of the real blob or a corrupted one, D22-D27), checking D24's
// repeatability, CSUP, and I12's round trip.
import { encodeTp4159, numdFor, type Tp4159Command } from '../wire/tp4159/commandCodec.ts';
import { ASYNC_EVENT_REQUEST } from '../wire/opcodes.ts';
import { isSuccess } from '../wire/status.ts';
import { decodeCdqCreateDw0, decodeGetStateDw0 } from '../wire/tp4159/completions.ts';
import { decodeControllerState, STATE_HEADER_SIZE } from '../wire/tp4159/state.ts';
import { readBuffer, takeBuffer, writeBuffer } from './buffers.ts';
import { FuzzFailure } from './failure.ts';
import { resetStep } from './guestSteps.ts';
import type { Runner } from './runner.ts';
import { mutateState, type StateMutation } from './stateMutation.ts';
import type { Cqe } from '../wire/cqe.ts';

type Meta = { mustSucceed?: string; mustFail?: string };

function send(r: Runner, c: Tp4159Command, meta: Meta = {}, buffer?: { data: Uint8Array | number; offset: number }): { cqe?: Cqe; bytes?: Uint8Array } {
  let pages: number[] = [];
  let at: { pages: number[]; offset: number } | undefined;
  const sqe = encodeTp4159(c);
  if (buffer) {
    const len = typeof buffer.data === 'number' ? buffer.data : buffer.data.length;
    const b = takeBuffer(r.host, buffer.offset, len, 0x5a);
    if (typeof buffer.data !== 'number') writeBuffer(r.host, b, buffer.data);
    pages = b.pages;
    at = { pages: b.data, offset: buffer.offset };
    const v = new DataView(sqe.buffer);
    v.setBigUint64(24, BigInt(b.prp1), true);
    v.setBigUint64(32, BigInt(b.prp2), true);
  }
  // read the buffer before the completion releases its pages to the pool (nothing writes them in between)
  const s = r.submit(0, 0, sqe, { origin: 'host', pages, ...(at ? { buffer: at } : {}), ...meta });
  const got = s?.cqe && at && typeof buffer?.data === 'number' && isSuccess(s.cqe) ? readBuffer(r.host, at, buffer.data) : undefined;
  return { ...(s?.cqe ? { cqe: s.cqe } : {}), ...(got ? { bytes: got } : {}) };
}

/** Create a UDMQ of `entries` for `vf` in one fresh page; maybe start logging, set a trigger, post an AER. */
export function cdqStep(r: Runner, vf: number, entries: number, start: boolean, tpt: number | undefined, aer: boolean): void {
  if (!r.host.queues(0)) return r.skip('the PF is not enabled');
  const fresh = !r.cdqs.logsFor(vf);
  const create = send(r, { kind: 'cdqCreate', cid: 0, qt: 0, pc: true, cqs: vf, cdqsize: entries * 8, prp1: 0n }, fresh ? { mustSucceed: `D28: the first UDMQ of VF${vf} (MCUDMQ 1)` } : {}, { data: new Uint8Array(4096), offset: 0 });
  if (!create.cqe || !isSuccess(create.cqe)) return;
  const cdqid = decodeCdqCreateDw0(create.cqe.dw0).cdqid;
  if (tpt !== undefined) send(r, { kind: 'setCdqFeature', cid: 0, sv: false, cdqid, etpt: true, hp: 0, tpt: tpt % entries, uidx: 0 }, { mustSucceed: 'D33: a trigger below the queue size on an empty queue' });
  if (aer) r.submit(0, 0, Uint8Array.from({ length: 64 }, (_, i) => (i === 0 ? ASYNC_EVENT_REQUEST : 0)), { origin: 'host' });
  if (start) send(r, { kind: 'trackSend', cid: 0, lact: 1, cdqid });
}

export type PartsPlan = 'whole' | 'split' | 'outOfOrder' | 'twoFirsts';

/** Get Controller State of `vf` (header, then the whole at `offset`); the bytes, or undefined if a command did not succeed. */
function getState(r: Runner, vf: number, csuuidi: number, offset: number, must: boolean): Uint8Array | undefined {
  const get = (len: number, at: number): { cqe?: Cqe; bytes?: Uint8Array } =>
    send(r, { kind: 'getState', cid: 0, csvi: 1, cntlid: vf, csuuidi, csuidxp: 0, offset: 0n, uidx: 0, numd: numdFor(len), prp1: 0n, prp2: 0n }, must ? { mustSucceed: `D24: Get Controller State of VF${vf} is allowed in any state` } : {}, { data: len, offset: at });
  const head = get(STATE_HEADER_SIZE, 0).bytes;
  if (!head) return undefined;
  const dv = new DataView(head.buffer);
  const len = STATE_HEADER_SIZE + 4 * (dv.getUint32(16, true) + dv.getUint32(32, true));
  const whole = get(len, offset);
  if (!whole.bytes || !whole.cqe) return undefined;
  if (Buffer.compare(whole.bytes.subarray(0, STATE_HEADER_SIZE), head) !== 0) throw new FuzzFailure('D24', `step ${r.step}: two Gets of VF${vf}'s state with nothing between differ in the header`);
  if (!decodeGetStateDw0(whole.cqe.dw0).csup || (whole.bytes[2] & 1) === 0) throw new FuzzFailure('D24', `step ${r.step}: VF${vf} is suspended but CSUP or CSATTR bit 0 says it is not`);
  // the same bytes laid out from page offset 0 (another PRP shape): a mis-copy across pages shows here
  const again = get(len, 0).bytes;
  if (again && Buffer.compare(again, whole.bytes) !== 0) throw new FuzzFailure('D24', `step ${r.step}: Get Controller State of VF${vf} gave different bytes at buffer offset ${offset} and at offset 0 (a PRP copy error)`);
  return whole.bytes;
}

/** D25: every SQ the host built appears with the tail the host last wrote (doorbells latched while suspended included). */
function latchedTails(r: Runner, vf: number, blob: Uint8Array): void {
  const sqs = decodeControllerState(blob).state.nvme?.sqs ?? [];
  for (const [qid, q] of r.host.queues(vf)?.sqs ?? []) {
    if (qid === 0 || !q.ready) continue;
    const saved = sqs.find((s) => s.qid === qid);
    if (!saved || saved.tail !== q.tail) throw new FuzzFailure('D25', `step ${r.step}: VF${vf}'s state ${saved ? `says SQ ${qid} tail ${saved.tail}` : `lacks SQ ${qid}`}, but the host wrote tail ${q.tail} (a latched doorbell lost)`);
  }
}

/** Set `data` on `vf` as planned; the last command's completion. */
function setState(r: Runner, vf: number, csuuidi: number, data: Uint8Array, plan: PartsPlan, meta: Meta): Cqe | undefined {
  const part = (seqind: number, from: number, to: number, m: Meta): Cqe | undefined =>
    send(r, { kind: 'setState', cid: 0, seqind, cntlid: vf, csvi: 1, csuuidi, offset: BigInt(from), uidx: 0, numd: numdFor(Math.max(4, to - from)), prp1: 0n, prp2: 0n }, m, { data: data.subarray(from, Math.max(to, from + 4)), offset: 0 }).cqe;
  const cut = Math.max(4, Math.floor(data.length / 8) * 4);
  if (plan === 'whole' || data.length <= 8) return part(3, 0, data.length, meta);
  if (plan === 'twoFirsts') {
    part(1, 0, cut, {});
    return part(1, 0, cut, { mustFail: 'D26: a new "first" before the "last" restarts: Invalid Field' });
  }
  if (plan === 'outOfOrder') {
    part(1, 0, cut, {});
    return part(2, cut + 4, data.length, { mustFail: 'D26: a part out of order restarts: Invalid Field' });
  }
  const first = part(1, 0, cut, meta.mustSucceed ? { mustSucceed: 'D26: a first part of a valid state' } : {});
  if (!first || !isSuccess(first)) return first;
  const mid = part(0, cut, 2 * cut, meta.mustSucceed ? { mustSucceed: 'D26: a middle part in order' } : {});
  if (!mid || !isSuccess(mid)) return mid;
  return part(2, 2 * cut, data.length, meta);
}

/** Migrate `from` onto `to` (the same VF allowed): see the header. */
export function hmlmMigrateStep(r: Runner, from: number, to: number, csuuidi: number, offset: number, plan: PartsPlan, mutation: StateMutation | undefined): void {
  if (!r.host.queues(0)) return r.skip('the PF is not enabled');
  const suspended = send(r, { kind: 'suspend', cid: 0, cntlid: from, stype: 1, dudmq: false }).cqe;
  if (!suspended || !isSuccess(suspended)) return;
  const blob = getState(r, from, csuuidi, offset - (offset % 4), true);
  if (!blob) return;
  latchedTails(r, from, blob);
  const m = mutation ? mutateState(blob, mutation) : { data: blob, note: 'the real state' };
  if (!m) return r.skip('the mutation needs queues the state does not have');
  r.log(`  [step ${r.step}] state of VF${from}: ${blob.length} bytes; sending ${m.note} to VF${to}`);
  resetStep(r, 'flr', to, false);
  r.enable(to);
  send(r, { kind: 'suspend', cid: 0, cntlid: to, stype: 1, dudmq: false }, { mustSucceed: `D22: Suspend of VF${to} with nothing in flight` });
  const meta: Meta = m.mustFail ? { mustFail: m.mustFail } : mutation || plan !== 'whole' && plan !== 'split' ? {} : { mustSucceed: `D26: VF${from}'s own state onto a suspended VF${to} without I/O queues` };
  const done = setState(r, to, csuuidi, m.data, plan, meta);
  if (done && isSuccess(done) && !mutation && (plan === 'whole' || plan === 'split')) {
    const back = getState(r, to, csuuidi, 0, true);
    if (back && Buffer.compare(back, blob) !== 0) throw new FuzzFailure('I12', `step ${r.step}: VF${from}'s state set onto VF${to} and got back differs`);
  }
  // the set state (maybe the source's admin queue) is not the host's model of VF `to`: start it over
  resetStep(r, 'flr', to, true);
}
