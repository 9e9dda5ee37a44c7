// The tp4159 lifecycle binding's pure parts: its one realiser table covers
// the machine's alphabet; a Get State's bytes are compared with the
// machine's prediction field by field (D24, D25) and a wrong one is named;
// the guest's 4-entry admin queue counts positions as the machine does, so a
// state taken after a wrap (CQ tail back at slot 0) is checked; Set State
// parts are dword aligned (D26, D27).
import { describe, expect, it } from 'vitest';
import { tpLifecycleEvents, ADMIN_POSITIONS, type TpState } from '../../machines/tp4159Lifecycle.ts';
import { TP4159_REALISERS, partBounds } from '../../models/realisers/tp4159.ts';
import { adminSlot, checkGotState, decodeGot, TP_ADMIN_DEPTH } from '../../models/bindings/tp4159State.ts';
import { stateWritten } from '../../models/host/tp4159Host.ts';
import { canaryByte } from '../../models/host/pfHost.ts';
import { TP_DEPTHS, tpLifecycleSuites } from '../../models/bindings/tp4159Lifecycle.ts';
import { Mismatch } from '../../models/engine/suite.ts';
import { runPaths } from '../../src/paths/trie.ts';
import type { Adapter, ResetOptions } from '../../src/target/adapter.ts';
import { EmulatorAdapter } from '../../src/verify/emulatorAdapter.ts';
import { decodeSecondaryControllerList, encodeSecondaryControllerList } from '../../src/wire/tp4159/identify.ts';
import { encodeControllerState, s0ptFromCqPhase, type IoCqState, type IoSqState } from '../../src/wire/tp4159/state.ts';
import { encodeVendorState } from '../../src/wire/tp4159/vendorState.ts';

const IO = TP_DEPTHS.io;

/** The bytes a controller would return for `queues` pairs with the SQ (head, tail) given, and the vendor section at machine position `pos`. */
function stateBytes(o: { sq: Array<[number, number]>; suspended: boolean; vendor?: { enabled: boolean; pos: number; latched: boolean } }): Uint8Array {
  const sqs: IoSqState[] = o.sq.map(([head, tail], i) => ({ prp1: 0x1000n * BigInt(i + 1), qsize: IO - 1, qid: i + 1, cqid: i + 1, pc: true, qprio: 0, head, tail }));
  const cqs: IoCqState[] = o.sq.map((_, i) => ({ prp1: 0x9000n * BigInt(i + 1), qsize: IO - 1, qid: i + 1, head: 0, tail: 0, pc: true, ien: false, s0pt: 0, iv: 0 }));
  let vendor: Uint8Array = new Uint8Array(0);
  if (o.vendor) {
    const at = adminSlot(o.vendor.pos, TP_DEPTHS.admin);
    const tail = o.vendor.latched ? (at.slot + 2) % TP_DEPTHS.admin : at.slot;
    vendor = encodeVendorState({
      cc: o.vendor.enabled ? 1 : 0, csts: o.vendor.enabled ? 1 : 0, aqa: 0x30003, asq: 0x100_0000n, acq: 0x100_1000n, intms: 0,
      asqHead: at.slot, asqTail: tail, acqHead: at.slot, acqTail: at.slot, acqS0pt: s0ptFromCqPhase(at.slot, at.phase), nsqa: 1, ncqa: 1, aerCids: [],
    });
  }
  return encodeControllerState({ ver: 0, suspended: o.suspended, nvme: { ver: 0, sqs, cqs }, vendor });
}

const predicted = (ioQueues: number, latched: number, vendor: TpState['vendor']): TpState => ({ ioQueues, latched, vendor });

function mismatchOf(f: () => void): string {
  try {
    f();
  } catch (e) {
    if (e instanceof Mismatch) return e.what;
    throw e;
  }
  return 'none';
}

describe('tp4159 lifecycle binding', () => {
  it('one realiser per event of the tp4159Lifecycle machine (vendor section and format 0 alike), no other', () => {
    const events = new Set([...tpLifecycleEvents().map((e) => e.type), ...tpLifecycleEvents({ stateFormat: 'format0' }).map((e) => e.type)]);
    events.delete('VMM_ENABLE'); // format 0 alone is not in the catalog: D25's finding, no suite plays it
    expect(Object.keys(TP4159_REALISERS).sort()).toEqual([...events].sort());
  });

  it('D24/D25: a state matching the prediction passes; each wrong field is named', () => {
    const vendor = { enabled: true, adminPos: 1, adminLatched: true };
    const ok = stateBytes({ sq: [[1, 2], [0, 0]], suspended: true, vendor: { enabled: true, pos: 1, latched: true } });
    const check = (bytes: Uint8Array, p: TpState, suspended = true) => () => checkGotState('GET_STATE', decodeGot('GET_STATE', bytes), p, suspended, TP_DEPTHS);
    expect(mismatchOf(check(ok, predicted(2, 1, vendor)))).toBe('none');
    expect(mismatchOf(check(ok, predicted(2, 1, vendor), false))).toContain('CSATTR');
    expect(mismatchOf(check(ok, predicted(1, 1, vendor)))).toContain('NIOSQ');
    expect(mismatchOf(check(ok, predicted(2, 2, vendor)))).toContain('latched, never lost');
    expect(mismatchOf(check(ok, predicted(2, 1, { ...vendor, adminLatched: false })))).toContain('admin SQ entries latched');
    expect(mismatchOf(check(ok, predicted(2, 1, { ...vendor, adminPos: 2 })))).toContain('admin SQ head');
    expect(mismatchOf(check(ok, predicted(2, 1, null)))).toContain('VSS');
  });

  it('D25: the saved SQ entries count across the wrap of a 3-entry queue (head 2, tail 1 = two latched)', () => {
    const bytes = stateBytes({ sq: [[2, 1]], suspended: true });
    expect(mismatchOf(() => checkGotState('GET_STATE', decodeGot('GET_STATE', bytes), predicted(1, 2, null), true, TP_DEPTHS))).toBe('none');
  });

  it('D25, I15: the 4-entry admin queue counts the machine\'s positions one to one; position 2 is slot 0 on the second pass (CQ tail back at 0, phase 0)', () => {
    expect(TP_DEPTHS.admin).toBe(TP_ADMIN_DEPTH);
    const seen = new Set(Array.from({ length: ADMIN_POSITIONS }, (_, p) => JSON.stringify(adminSlot(p, TP_ADMIN_DEPTH))));
    expect(seen.size).toBe(ADMIN_POSITIONS);
    expect(adminSlot(2, TP_ADMIN_DEPTH)).toEqual({ slot: 0, phase: 0 });
    const wrapped = stateBytes({ sq: [], suspended: true, vendor: { enabled: true, pos: 2, latched: false } });
    const atZero = predicted(0, 0, { enabled: true, adminPos: 0, adminLatched: false });
    expect(mismatchOf(() => checkGotState('GET_STATE', decodeGot('GET_STATE', wrapped), atZero, true, TP_DEPTHS))).toContain('phase');
  });

  it('D24: a Get State that writes past the state\'s length is caught by the canary', () => {
    const state = stateBytes({ sq: [[0, 0]], suspended: true });
    const buffer = Uint8Array.from({ length: state.length + 64 }, (_, i) => canaryByte(i));
    buffer.set(state);
    expect(stateWritten('GET_STATE', buffer, state.length)).toEqual(state);
    buffer[state.length + 3] ^= 0xff;
    expect(mismatchOf(() => stateWritten('GET_STATE', buffer, state.length))).toContain('no more');
  });

  it('D26, D27: Set State parts are three non-empty dword-aligned pieces of the held state, the first with the whole header', () => {
    for (const len of [48 + 8, 48 + 8 + 48, 48 + 8 + 96 + 64]) {
      const [a, b] = partBounds(len);
      expect(a % 4 === 0 && b % 4 === 0 && 48 <= a && a < b && b < len).toBe(true);
    }
  });

  it('the CNTLID of a VF comes from the Secondary Controller List (tp4159 section 1, D20)', () => {
    const list = [{ scid: 0x21, pcid: 0, online: true, vfn: 1, nvq: 2, nvi: 1 }, { scid: 0x22, pcid: 0, online: false, vfn: 2, nvq: 0, nvi: 0 }];
    expect(decodeSecondaryControllerList(encodeSecondaryControllerList(list))).toEqual(list);
  });

  it('its suites ask for profile tp4159 with I/O held in flight; the whole-only one for a device that takes Set State whole only (D26)', () => {
    const suites = tpLifecycleSuites({ timeoutMs: 0 });
    expect(suites.map((s) => s.id)).toEqual(['tp4159Lifecycle', 'tp4159Lifecycle:whole-only']);
    expect(suites[0].reset).toEqual({ vfs: 1, profile: 'tp4159', ioCompletion: 'deferred' });
    expect(suites[1].reset).toEqual({ vfs: 1, profile: 'tp4159', ioCompletion: 'deferred', tp4159: { seqind: 'whole-only' } });
  });

  it('D26: the whole-only suite passes on a whole-only device and fails on one that takes parts (its Set State parts succeed)', async () => {
    const suite = tpLifecycleSuites({ timeoutMs: 0 })[1];
    const paths = suite.paths().filter((p) => p.steps.some((s) => s.event.type === 'SET_STATE_FIRST')).slice(0, 20);
    const good = await runPaths(paths, suite.implementation(new EmulatorAdapter()));
    expect(good.results.filter((r) => !r.ok).map((r) => String(r.error))).toEqual([]);
    const inner = new EmulatorAdapter();
    // the emulator as a device that takes parts whatever the reset asks (every other operation its own)
    const takesParts: Adapter = Object.assign(Object.create(inner) as EmulatorAdapter, { reset: (o: ResetOptions) => inner.reset({ ...o, tp4159: undefined }) });
    const bad = (await runPaths(paths, suite.implementation(takesParts))).results.find((r) => !r.ok);
    expect(bad?.error).toBeInstanceOf(Mismatch);
    expect(bad?.path.steps[bad.failedStep ?? -1].event.type).toMatch(/^SET_STATE_(FIRST|MIDDLE|LAST)$/);
  });
});
