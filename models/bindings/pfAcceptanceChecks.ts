// What the pfAcceptance binding observes after the command, all through the
// Adapter: registers and QUERY sizes that must not change (I3), whether the
// VF runs (a Flush completes or stays latched, D11), how many bytes a SAVE
// writes (D8, measured without reading the data format), that two SAVEs
// agree (D6), and the namespace around the foreign profile's erase (D17).
import type { LmState } from '../../machines/pfAcceptance.ts';
import { sqeFor } from '../../src/wire/adminCommands.ts';
import { decodeCqe, type Cqe } from '../../src/wire/cqe.ts';
import { toHex } from '../../src/wire/hex.ts';
import { LM } from '../../src/wire/opcodes.ts';
import { REG } from '../../src/wire/registers.ts';
import { isSuccess } from '../../src/wire/status.ts';
import { hex, roundUp, statusOf, type AcceptanceHost } from '../host/pfAcceptanceHost.ts';
import { ACCEPTANCE_PLAN, BUFFER_BYTES } from '../host/hostPlan.ts';
import { PAGE_SIZE as PAGE } from '../../src/wire/page.ts';
import { Mismatch } from '../engine/suite.ts';


/** Per VF: CC, CSTS and (where the PF executes LM) QUERY's size: what must not change unless the machine says so. */
export async function fingerprint(host: AcceptanceHost, vfs: number, withQuery: boolean): Promise<string> {
  const parts: string[] = [];
  for (let vf = 1; vf <= vfs; vf++) {
    const cc = await host.adapter.regRead(vf, REG.CC, 4);
    const csts = await host.adapter.regRead(vf, REG.CSTS, 4);
    const size = withQuery ? `, QUERY ${await host.query(vf, 'a before/after comparison')} bytes` : '';
    parts.push(`VF ${vf}: CC ${hex(cc)}, CSTS ${hex(csts)}${size}`);
  }
  return parts.join('; ');
}

/** The VF runs: a Flush on its I/O queue completes at once; stopped: it stays latched until RESUME (D11). */
export async function checkRuns(host: AcceptanceHost, what: string, vf: number, state: LmState): Promise<void> {
  const cid = host.nextCid();
  const raw = await host.tracker.submit(vf, 1, sqeFor.flush(cid, 1));
  const cqe = raw === null ? null : decodeCqe(raw);
  if (state === 'running') {
    if (cqe === null || !isSuccess(cqe)) throw new Mismatch(`${what}: VF ${vf} runs afterwards, so a Flush on its I/O queue 1 completes (D5)`, 'Successful Completion', statusOf(cqe));
    return;
  }
  if (cqe !== null) throw new Mismatch(`${what}: VF ${vf} is ${state} afterwards, so a Flush on its I/O queue 1 stays latched (D11)`, 'no completion before RESUME', statusOf(cqe));
  await host.pfLm(`RESUME of VF ${vf} to release the latched Flush`, LM.RESUME, vf);
  const deadline = Date.now() + host.timeoutMs;
  let late: Cqe[] = [];
  do {
    late.push(...(await host.tracker.reap(vf)).map(decodeCqe));
    late = late.filter((x) => x.cid === cid && x.sqid === 1);
  } while (late.length === 0 && Date.now() < deadline);
  if (late.length !== 1 || !isSuccess(late[0])) {
    throw new Mismatch(`${what}: the Flush latched on VF ${vf}, after RESUME (D11: latched doorbells are fetched)`, 'one Successful Completion', late.map(statusOf).join(', ') || 'none');
  }
}

/** D8: QUERY's DW0 is exactly what a SAVE then writes. Measured format-free: two SAVEs over different fill patterns (D6). */
export async function checkQuerySize(host: AcceptanceHost, what: string, vf: number, dw0: number): Promise<void> {
  const { measure, measureList } = ACCEPTANCE_PLAN;
  if (dw0 === 0 || dw0 > BUFFER_BYTES - PAGE) throw new Mismatch(`${what}: QUERY DW0 (D8)`, `1..${BUFFER_BYTES - PAGE} bytes`, `${dw0}`);
  const span = roundUp(dw0) + PAGE;
  await host.pfLm(`SUSPEND of VF ${vf} to measure a SAVE`, LM.SUSPEND, vf);
  const fills: Uint8Array[] = [];
  for (const fill of [0xa5, 0x5a]) {
    await host.adapter.memWrite(measure, new Uint8Array(span).fill(fill));
    await host.pfLm(`SAVE_DATA of VF ${vf} to measure its length`, LM.SAVE, vf, await host.listPrps(measure, measureList, dw0));
    fills.push(await host.adapter.memRead(measure, span));
  }
  let written = 0;
  for (let i = 0; i < span; i++) if (fills[0][i] === fills[1][i]) written = i + 1;
  if (written !== dw0) throw new Mismatch(`${what}: QUERY's DW0 against the bytes a SAVE then writes (D8)`, `${dw0} bytes`, `${written} bytes`);
}

/** executedSave: the image was written, and a second SAVE with nothing between writes the same bytes (D6). */
export async function checkSaveRepeats(host: AcceptanceHost, what: string, vf: number, length: number): Promise<void> {
  const first = await host.adapter.memRead(ACCEPTANCE_PLAN.image, length);
  if (first.every((b) => b === 0)) throw new Mismatch(`${what}: the SAVE's data in host memory`, `${length} bytes of migration data`, 'all zero: nothing was written');
  const { measure, measureList } = ACCEPTANCE_PLAN;
  await host.adapter.memWrite(measure, new Uint8Array(roundUp(length)));
  await host.pfLm(`second SAVE_DATA of VF ${vf}`, LM.SAVE, vf, await host.listPrps(measure, measureList, length));
  const second = await host.adapter.memRead(measure, length);
  const at = first.findIndex((b, i) => b !== second[i]);
  if (at >= 0) throw new Mismatch(`${what}: two SAVEs with nothing between (D6)`, 'identical bytes', `they differ first at byte ${at} (${hex(first[at])} vs ${hex(second[at])})`);
}

/** Write a pattern to LBA 0 through VF 1's I/O queue 1 and read it back (so the erase check can fail). */
export async function writePattern(host: AcceptanceHost): Promise<void> {
  const page = new Uint8Array(PAGE).map((_, i) => (i * 7 + 1) & 0xff);
  await host.adapter.memWrite(ACCEPTANCE_PLAN.data, page);
  const w = await host.tracker.submit(1, 1, sqeFor.write(host.nextCid(), 1, 0n, 1, ACCEPTANCE_PLAN.data));
  if (w === null || !isSuccess(decodeCqe(w))) throw new Error(`bring-up: Write of LBA 0 through VF 1 failed with ${statusOf(w && decodeCqe(w))}`);
  const back = await readLba0(host, 'bring-up');
  if (!back.every((b, i) => b === page[i])) throw new Error('bring-up: LBA 0 read back differs from what was written; the namespace does not keep data');
}

export async function readLba0(host: AcceptanceHost, what: string): Promise<Uint8Array> {
  const at = ACCEPTANCE_PLAN.data + BigInt(PAGE);
  await host.adapter.memWrite(at, new Uint8Array(PAGE).fill(0xee));
  const r = await host.tracker.submit(1, 1, sqeFor.read(host.nextCid(), 1, 0n, 1, at));
  const cqe = r === null ? null : decodeCqe(r);
  if (cqe === null || !isSuccess(cqe)) throw new Mismatch(`${what}: Read of LBA 0 through VF 1`, 'Successful Completion', statusOf(cqe));
  return host.adapter.memRead(at, 512);
}

/** D17: the foreign profile's 0xC4 erases the namespace; every other command leaves the data as it was. */
export async function checkPattern(host: AcceptanceHost, what: string, erased: boolean): Promise<void> {
  const back = await readLba0(host, what);
  const zero = back.every((b) => b === 0);
  const kept = back.every((b, i) => b === ((i * 7 + 1) & 0xff));
  if (erased && !zero) throw new Mismatch(`${what}: LBA 0 afterwards (D17: the namespace is erased)`, 'all zero', `first bytes ${toHex(back.subarray(0, 8))}`);
  if (!erased && !kept) throw new Mismatch(`${what}: LBA 0 afterwards (nothing may touch the namespace)`, 'the pattern written before', `first bytes ${toHex(back.subarray(0, 8))}`);
}
