// Migration steps on the PF admin queue, as a hypervisor sends them: single
// SUSPEND/RESUME/QUERY/SAVE, LOAD of a real or a mutated image, and a whole
// migration (SUSPEND, QUERY, SAVE, LOAD, RESUME) checking D6 and D8 on the way.
import { encodeLmCommand } from '../wire/lmCommands.ts';
import { LM } from '../wire/opcodes.ts';
import { isSuccess } from '../wire/status.ts';
import type { Cqe } from '../wire/cqe.ts';
import { PAGE_SIZE } from '../wire/page.ts';
import { readBuffer, takeBuffer, writeBuffer } from './buffers.ts';
import { EXECUTES_LM } from './ledger.ts';
import { emptyImage, mutateImage } from './images.ts';
import { FuzzFailure } from './failure.ts';
import type { Runner } from './runner.ts';
import type { ImageChoice } from './steps.ts';

const OPCODE = { suspend: LM.SUSPEND, resume: LM.RESUME, query: LM.QUERY, save: LM.SAVE } as const;
type SimpleOp = keyof typeof OPCODE;

/** The SAVE buffer when the host has not asked QUERY: room for the largest migration data (64 queues). */
const SAVE_ROOM = 2 * PAGE_SIZE;

/** One LM command for `vf` on the PF admin queue; the completion if it came. */
function lm(r: Runner, op: SimpleOp, vf: number, saveAt?: { offset: number; len: number; fill: number }): Cqe | undefined {
  const executes = EXECUTES_LM[r.cfg.profile];
  // D5: SUSPEND, RESUME and QUERY succeed in every state; SAVE once the VF is stopped.
  // While a SAVE of the VF waits for its drain (D12) a RESUME or another SAVE may be refused.
  const draining = r.heldSave(vf) !== undefined && (op === 'resume' || op === 'save');
  const must = executes && !draining && (op !== 'save' || r.running.get(vf) === false) ? { mustSucceed: `D5: ${op.toUpperCase()} of VF${vf} succeeds in this state` } : {};
  if (op !== 'save') return r.submit(0, 0, encodeLmCommand({ opcode: OPCODE[op], vfIndex: vf }), { origin: 'host', ...must })?.cqe;
  const at = saveAt ?? { offset: 0, len: SAVE_ROOM, fill: 0 };
  const b = takeBuffer(r.host, at.offset, at.len, at.fill);
  const sqe = encodeLmCommand({ opcode: LM.SAVE, vfIndex: vf, prp1: BigInt(b.prp1), prp2: BigInt(b.prp2) });
  return r.submit(0, 0, sqe, { origin: 'host', pages: b.pages, buffer: { pages: b.data, offset: b.offset }, ...must })?.cqe;
}

export function lmStep(r: Runner, op: SimpleOp, vf: number): void {
  if (!r.host.queues(0)) return r.skip('the PF is not enabled');
  lm(r, op, vf);
}

/** LOAD `vf` from a real or mutated image; the completion if it came. */
export function loadStep(r: Runner, vf: number, image: ImageChoice, offset: number): Cqe | undefined {
  if (!r.host.queues(0)) {
    r.skip('the PF is not enabled');
    return undefined;
  }
  let data: Uint8Array;
  let size: number;
  let meta: { mustSucceed?: string; mustFail?: string };
  if (image.kind === 'real') {
    const own = r.cleanSave.get(vf);
    if (!own) {
      r.skip(`VF${vf} has no SAVE taken since it last changed`);
      return undefined;
    }
    data = own;
    size = own.length;
    meta = EXECUTES_LM[r.cfg.profile] && !r.heldSave(vf) ? { mustSucceed: `D7: LOAD of VF${vf}'s own unchanged SAVE passes every check` } : {};
  } else {
    ({ data, size } = mutateImage(r.cleanSave.get(vf) ?? r.lastImage ?? emptyImage(), image.mutation));
    meta = { mustFail: `the image breaks a D7 check (${image.mutation.kind})` };
  }
  const at = offset - (offset % 4);
  const b = takeBuffer(r.host, at, data.length, 0);
  writeBuffer(r.host, b, data);
  const sqe = encodeLmCommand({ opcode: LM.LOAD, vfIndex: vf, prp1: BigInt(b.prp1), prp2: BigInt(b.prp2), size });
  return r.submit(0, 0, sqe, { origin: 'host', pages: b.pages, buffer: { pages: b.data, offset: at }, image: { bytes: data, real: image.kind === 'real' }, ...meta })?.cqe;
}

/** A whole migration of `vf` as the RFC's driver does it; stops where a command fails, as the driver's arc does (D16). */
export function migrateStep(r: Runner, vf: number, image: ImageChoice, offset: number, saveTwice: boolean, resume: boolean): void {
  if (!r.host.queues(0)) return r.skip('the PF is not enabled');
  const ok = (c: Cqe | undefined): c is Cqe => c !== undefined && isSuccess(c);
  if (!ok(lm(r, 'suspend', vf))) return;
  const q = lm(r, 'query', vf);
  if (!ok(q)) return;
  const at = offset - (offset % 4);
  const first = saveAndRead(r, vf, at, q.dw0, 0x00);
  if (!first) return;
  const length = first[8] | (first[9] << 8) | (first[10] << 16) | (first[11] * 0x100_0000);
  if (length !== q.dw0) throw new FuzzFailure('D8', `step ${r.step}: QUERY of VF${vf} said ${q.dw0} bytes, SAVE wrote ${length}`);
  // D6 holds when nothing happened between: reaping completions the first SAVE drained moves the CQ head.
  if (saveTwice && r.cleanSave.has(vf)) {
    const second = saveAndRead(r, vf, at, q.dw0, 0xff);
    if (second && Buffer.compare(first, second) !== 0) throw new FuzzFailure('D6', `step ${r.step}: two SAVEs of VF${vf} with nothing between gave different bytes`);
  }
  const c = loadStep(r, vf, image, offset);
  if (image.kind === 'real' && !ok(c)) return;
  if (resume) lm(r, 'resume', vf);
}

/** SAVE into a buffer of QUERY's size (pre-filled with `fill`) and read back what it wrote. */
function saveAndRead(r: Runner, vf: number, offset: number, size: number, fill: number): Uint8Array | undefined {
  const len = Math.max(16, Math.min(size, SAVE_ROOM));
  const b = takeBuffer(r.host, offset, len, fill);
  const sqe = encodeLmCommand({ opcode: LM.SAVE, vfIndex: vf, prp1: BigInt(b.prp1), prp2: BigInt(b.prp2) });
  // A SAVE already waiting for this VF's drain (D12) may make this one a Command Sequence Error.
  const must = EXECUTES_LM[r.cfg.profile] && !r.heldSave(vf) ? { mustSucceed: `D5: SAVE of a suspended VF${vf} succeeds` } : {};
  const s = r.submit(0, 0, sqe, { origin: 'host', pages: b.pages, buffer: { pages: b.data, offset }, ...must });
  if (!s?.cqe || !isSuccess(s.cqe)) return undefined;
  return readBuffer(r.host, { pages: b.data, offset }, len);
}
