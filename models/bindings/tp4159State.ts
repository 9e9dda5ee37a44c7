// A Get Controller State's bytes against what the tp4159 lifecycle machine
// predicts (pure): CSATTR's suspended bit (D24), the I/O queue pairs, the SQ
// entries between saved head and tail (latched, D25), and, with the vendor
// section, the guest's admin queue: enabled, its position (slot and phase),
// a latched admin command. The binding's guest sends two admin commands per
// machine admin operation (an I/O queue pair is a CQ and an SQ), so the
// machine's position p is slot 2p mod the admin depth, phase 1 on the first
// pass; with a 4-entry admin queue the two count alike (p mod 4).
import { type DecodedControllerState } from '../../src/wire/tp4159/state.ts';
import { cqPhaseFromS0pt, decodeControllerState } from '../../src/wire/tp4159/state.ts';
import { decodeVendorState } from '../../src/wire/tp4159/vendorState.ts';
import type { TpState } from '../../machines/tp4159Lifecycle.ts';
import { ADMIN_POSITIONS } from '../../machines/tp4159Lifecycle.ts';
import type { QueueDepths } from '../host/guest.ts';
import { Mismatch } from '../engine/suite.ts';

/** Admin commands the binding's guest sends per machine admin operation (Create/Delete I/O CQ and SQ). */
export const COMMANDS_PER_ADMIN_OP = 2;

/** The admin depth at which the machine's positions (mod ADMIN_POSITIONS) and the bytes' (slot, phase) agree one to one. */
export const TP_ADMIN_DEPTH = (COMMANDS_PER_ADMIN_OP * ADMIN_POSITIONS) / 2;

/** Slot and phase of the controller's admin SQ head / CQ tail at machine position `p`. */
export function adminSlot(p: number, adminDepth: number): { slot: number; phase: number } {
  const n = (COMMANDS_PER_ADMIN_OP * p) % (2 * adminDepth);
  return { slot: n % adminDepth, phase: n < adminDepth ? 1 : 0 };
}

/** The state as bytes decoded, or a Mismatch naming what is malformed (a controller's state must decode, D25). */
export function decodeGot(label: string, bytes: Uint8Array): DecodedControllerState {
  try {
    return decodeControllerState(bytes);
  } catch (e) {
    throw new Mismatch(`${label}: the state Get Controller State returned (D25)`, 'a state that decodes', e instanceof Error ? e.message : String(e));
  }
}

function expect(label: string, what: string, want: string | number | boolean, got: string | number | boolean): void {
  if (want !== got) throw new Mismatch(`${label}: ${what}`, String(want), String(got));
}

/** Compare a decoded state with the machine's prediction; `depths` are the guest's queue depths. */
export function checkGotState(label: string, d: DecodedControllerState, predicted: TpState, suspended: boolean, depths: QueueDepths): void {
  const s = d.state;
  expect(label, 'header VER (D26)', 0, s.ver);
  expect(label, 'CSATTR bit 0: suspended when taken (D24)', suspended, s.suspended);
  if (s.nvme === undefined) throw new Mismatch(`${label}: the NVMe state (CSVI 1, D24)`, 'NVMECSS != 0', 'header only');
  const { sqs, cqs } = s.nvme;
  expect(label, 'NIOSQ (D25)', predicted.ioQueues, sqs.length);
  expect(label, 'NIOCQ (D25)', predicted.ioQueues, cqs.length);
  let latched = 0;
  for (const q of sqs) {
    expect(label, `I/O SQ ${q.qid} QSIZE (0-based)`, depths.io - 1, q.qsize);
    latched += (q.tail - q.head + depths.io) % depths.io;
  }
  for (const q of cqs) expect(label, `I/O CQ ${q.qid} QSIZE (0-based)`, depths.io - 1, q.qsize);
  expect(label, 'SQ entries between saved head and tail: latched, never lost (D22, D25)', predicted.latched, latched);
  if (predicted.vendor === null) {
    expect(label, 'VSS (no vendor section asked for)', 0, s.vendor.length);
    return;
  }
  let v;
  try {
    v = decodeVendorState(s.vendor);
  } catch (e) {
    throw new Mismatch(`${label}: the nvme-lm vendor section (D25)`, 'a section that decodes', e instanceof Error ? e.message : String(e));
  }
  expect(label, 'vendor section CC.EN (D25)', predicted.vendor.enabled, (v.cc & 1) === 1);
  if (!predicted.vendor.enabled) return;
  const at = adminSlot(predicted.vendor.adminPos, depths.admin);
  expect(label, 'vendor section admin SQ head (D25)', at.slot, v.asqHead);
  expect(label, 'vendor section admin CQ tail (D25)', at.slot, v.acqTail);
  expect(label, 'vendor section admin CQ phase, from S0PT (D25, I15)', at.phase, cqPhaseFromS0pt(v.acqTail, v.acqS0pt));
  const pending = (v.asqTail - v.asqHead + depths.admin) % depths.admin;
  expect(label, 'vendor section admin SQ entries latched (D22)', predicted.vendor.adminLatched ? COMMANDS_PER_ADMIN_OP : 0, pending);
}
