// SAVE's drain (D12, L4) with ioCompletion 'deferred': a SAVE of a VF with
// fetched I/O in flight is held until completeIo has completed that I/O, and
// what a held SAVE meets on the way (D5, D13, D18, snapshots).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { CommandTrace } from '../../src/emulator/controller.ts';
import { SAVED_HEADER_SIZE } from '../../src/emulator/savedData.ts';
import { sqeFor } from '../../src/wire/adminCommands.ts';
import { encodeLmCommand } from '../../src/wire/lmCommands.ts';
import { LM } from '../../src/wire/opcodes.ts';
import { REG } from '../../src/wire/registers.ts';
import { decodeCqe } from '../../src/wire/cqe.ts';
import { SC } from '../../src/wire/status.ts';
import { Host, setup, status } from './helpers.ts';

const ok = { sct: 0, sc: 0, dnr: false };
const rejected = (sc: number) => ({ sct: 0, sc, dnr: true });

/** Submit a write on VF `fn`'s I/O queue 1 without waiting; returns its CID. */
function postWrite(host: Host, fn: number, slba: number, fill: number): number {
  const buf = host.alloc(4096);
  host.dev.memory.write(buf, new Uint8Array(4096).fill(fill));
  return host.post(fn, 1, sqeFor.write(host.nextCid(), 1, BigInt(slba), 8, BigInt(buf)));
}

/** The CQ tail of I/O queue 1 as the migration data records it (first queue record, bytes 17:16). */
const savedCqTail = (data: Uint8Array): number => data[SAVED_HEADER_SIZE + 16] | (data[SAVED_HEADER_SIZE + 17] << 8);

/** A suspended VF 1 with `n` writes in flight, and a SAVE of it held for the drain. */
function heldSave(n: number, options: { vfs?: number } = {}) {
  const { dev, host } = setup({ vfs: options.vfs ?? 1, ioCompletion: 'deferred' });
  host.createIoPair(1, 1);
  const cids = Array.from({ length: n }, (_, i) => postWrite(host, 1, i * 8, 0x10 + i));
  expect(status(host.suspend(1))).toEqual(ok);
  const size = host.query(1)!.dw0;
  const buffer = host.alloc(2 * 4096);
  const cid = host.nextCid();
  const cqe = host.submit(0, 0, encodeLmCommand({ opcode: LM.SAVE, cid, vfIndex: 1, prp1: BigInt(buffer), prp2: BigInt(buffer + 4096) }));
  expect(cqe, 'D12: a SAVE with fetched I/O in flight gets no completion yet').toBeNull();
  return { dev, host, cids, save: { cid, buffer, size } };
}

describe('D12: a SAVE of a VF with fetched I/O in flight is held', () => {
  it('D12: no completion, nothing written, the VF in saving fetches nothing new (doorbells latched, D11)', () => {
    const { dev, host, save } = heldSave(3);
    expect(dev.inspect(1)).toMatchObject({ lmState: 'saving', inFlight: 3 });
    expect(dev.memory.read(save.buffer, save.size).every((b) => b === 0)).toBe(true);
    postWrite(host, 1, 64, 0x77);
    host.post(1, 0, sqeFor.getNumberOfQueues(host.nextCid()));
    expect(dev.inspect(1)).toMatchObject({ lmState: 'saving', inFlight: 3, pendingEntries: { 0: 1, 1: 1 } });
    expect(host.reap(0, 0)).toEqual([]);
  });

  it('D12, L4: each completeIo completes I/O normally; the last ends the drain, the SAVE captures after every I/O CQE and posts its own CQE (its CID, SQ id 0)', () => {
    const { dev, host, cids, save } = heldSave(3);
    const traces: CommandTrace[] = [];
    dev.trace = (t) => traces.push(t);
    expect(dev.completeIo(1, 1)).toBe(1);
    expect(host.reap(0, 0)).toEqual([]);
    expect(dev.inspect(1)).toMatchObject({ lmState: 'saving', inFlight: 2 });
    expect(dev.completeIo(1, 5)).toBe(2);
    const pf = host.reap(0, 0);
    expect(pf.map((c) => [c.cid, c.sqid, status(c)])).toEqual([[save.cid, 0, ok]]);
    expect(dev.inspect(1)).toMatchObject({ lmState: 'saved', inFlight: 0 });
    // D12: the three I/O completions were posted before the capture: the saved CQ tail counts them.
    const data = dev.memory.read(save.buffer, save.size);
    expect(savedCqTail(data)).toBe(3);
    expect(traces.map((t) => [t.fn, t.opcode, t.outcome])).toEqual([
      [1, 0x01, 'completed'],
      [1, 0x01, 'completed'],
      [1, 0x01, 'completed'],
      [0, LM.SAVE, 'completed'],
    ]);
    expect(traces.at(-1)!.decision).toBe('D12');
    // D6: a SAVE right after, with nothing between, gives the same bytes (and completes at once: nothing to drain).
    const again = host.save(1);
    expect(again.held).toBe(false);
    expect(status(again.cqe)).toEqual(ok);
    expect(again.data).toEqual(data);
    expect(host.reap(1, 1).map((c) => c.cid)).toEqual(cids);
  });

  it('D12: the SAVE\'s hold is announced in the trace as in flight, with D12', () => {
    const { dev, host } = setup({ vfs: 1, ioCompletion: 'deferred' });
    host.createIoPair(1, 1);
    postWrite(host, 1, 0, 1);
    host.suspend(1);
    const traces: CommandTrace[] = [];
    dev.trace = (t) => traces.push(t);
    expect(host.save(1).held).toBe(true);
    expect(traces.at(-1)).toMatchObject({ fn: 0, sqid: 0, opcode: LM.SAVE, outcome: 'in-flight', decision: 'D12' });
  });

  it('D12: what was latched during the drain is carried by the image and fetched after RESUME (D6, D11)', () => {
    const { dev, host } = heldSave(1);
    const late = postWrite(host, 1, 64, 0x77);
    dev.completeIo(1);
    expect(status(host.reap(0, 0)[0])).toEqual(ok);
    expect(dev.inspect(1).pendingEntries).toEqual({ 1: 1 });
    expect(status(host.resume(1))).toEqual(ok);
    expect(dev.inspect(1)).toMatchObject({ lmState: 'running', inFlight: 1 });
    dev.completeIo(1);
    expect(host.reap(1, 1).map((c) => c.cid).at(-1)).toBe(late);
  });

  it('D12: with nothing in flight a deferred-mode SAVE completes at once', () => {
    const { dev, host } = setup({ vfs: 1, ioCompletion: 'deferred' });
    host.createIoPair(1, 1);
    host.suspend(1);
    const s = host.save(1);
    expect(s.held).toBe(false);
    expect(status(s.cqe)).toEqual(ok);
    expect(dev.inspect(1).lmState).toBe('saved');
  });

  it('L4: whatever the completeIo batches, the SAVE completes exactly at the call that completes the last fetched I/O, and captures all of them', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 8 }), (n, batches) => {
        const { dev, host, save } = heldSave(n);
        let left = n;
        for (const b of [...batches, n]) {
          const done = dev.completeIo(1, b);
          expect(done).toBe(Math.min(b, left));
          left -= done;
          const pf = host.reap(0, 0);
          if (left === 0 && done > 0) expect(pf.map((c) => [c.cid, status(c)])).toEqual([[save.cid, ok]]);
          else expect(pf).toEqual([]);
          expect(dev.inspect(1).lmState).toBe(left === 0 ? 'saved' : 'saving');
        }
        expect(savedCqTail(dev.memory.read(save.buffer, save.size))).toBe(n);
      }),
    );
  });
});

describe('D5 during a drain: the VF is stopped, and the drain is left to end (L4)', () => {
  it('D5, D8: QUERY answers the size, SUSPEND succeeds with no change; RESUME, SAVE and LOAD get Command Sequence Error and change nothing (I3); the drain then ends', () => {
    const { dev, host, save } = heldSave(2);
    expect(host.query(1)!.dw0).toBe(save.size);
    expect(status(host.suspend(1))).toEqual(ok);
    expect(dev.inspect(1).lmState).toBe('saving');
    const before = dev.stateHash({ fn: 0, sqid: 0 });
    const buf = BigInt(host.alloc(2 * 4096));
    const cmds = [{ opcode: LM.RESUME }, { opcode: LM.SAVE, prp1: buf, prp2: buf + 4096n }, { opcode: LM.LOAD, prp1: buf, prp2: buf + 4096n, size: save.size }];
    for (const { opcode, ...fields } of cmds) {
      const c = host.lm({ opcode, vfIndex: 1, ...fields });
      expect(status(c), `opcode 0x${opcode.toString(16)}`).toEqual(rejected(SC.SEQUENCE_ERROR));
      expect(dev.stateHash({ fn: 0, sqid: 0 })).toBe(before);
    }
    expect(dev.completeIo(1)).toBe(2);
    expect(host.reap(0, 0).map((c) => [c.cid, status(c)])).toEqual([[save.cid, ok]]);
    expect(status(host.resume(1))).toEqual(ok);
    expect(dev.inspect(1).lmState).toBe('running');
  });

  it('D14: a held SAVE of VF 1 holds nothing else: the PF admin queue and VF 2 keep working, VF 2 saves at once', () => {
    const { dev, host, save } = heldSave(1, { vfs: 2 });
    host.suspend(2);
    const other = host.save(2);
    expect(other.held).toBe(false);
    expect(status(other.cqe)).toEqual(ok);
    expect(dev.inspect(1).lmState).toBe('saving');
    dev.completeIo(1);
    expect(host.reap(0, 0).map((c) => c.cid)).toEqual([save.cid]);
  });
});

describe('D13, D18: resets during a drain', () => {
  for (const how of ['FLR', 'CC.EN 1->0'] as const) {
    it(`D13: VF ${how} during a drain: the SAVE completes with Command Sequence Error (DNR), nothing written; the I/O in flight is dropped; the VF is in power-on`, () => {
      const { dev, host, save } = heldSave(2);
      if (how === 'FLR') dev.flr(1);
      else dev.regWrite(1, REG.CC, 4, 0n);
      const pf = host.reap(0, 0);
      expect(pf.map((c) => [c.cid, c.sqid, status(c)])).toEqual([[save.cid, 0, rejected(SC.SEQUENCE_ERROR)]]);
      expect(dev.memory.read(save.buffer, save.size).every((b) => b === 0)).toBe(true);
      expect(dev.inspect(1)).toMatchObject({ lmState: 'running', ready: false, ioQueues: 0, inFlight: 0 });
      expect(dev.completeIo(1)).toBe(0);
      expect(host.reap(1, 1)).toEqual([]);
      expect(host.reap(0, 0)).toEqual([]);
    });
  }

  for (const how of ['PF FLR', 'PF CC.EN 1->0'] as const) {
    it(`D18: ${how} during a drain: the SAVE goes with the PF's queues (no completion, nothing written), every VF is reset; the PF comes back clean`, () => {
      const { dev, host, save } = heldSave(2, { vfs: 2 });
      if (how === 'PF FLR') dev.flr(0);
      else dev.regWrite(0, REG.CC, 4, 0n);
      expect(host.reap(0, 0)).toEqual([]);
      for (const vf of [1, 2]) expect(dev.inspect(vf)).toMatchObject({ lmState: 'running', ready: false, ioQueues: 0, inFlight: 0 });
      expect(dev.completeIo(1)).toBe(0);
      expect(dev.memory.read(save.buffer, save.size).every((b) => b === 0)).toBe(true);
      host.forget(0);
      host.enable(0);
      // Every slot of the new admin CQ is free: 31 commands posted at once all complete, and nothing else arrives.
      const posted = Array.from({ length: 31 }, () => host.post(0, 0, encodeLmCommand({ opcode: LM.QUERY, cid: host.nextCid(), vfIndex: 1 })));
      expect(host.reap(0, 0).map((c) => c.cid)).toEqual(posted);
    });
  }

  it('I2 (acceptLmOnVfQueue mutant): a SAVE held for VF 1 from VF 2\'s own admin queue completes there, or vanishes with VF 2\'s queues when VF 2 resets', () => {
    for (const reset of [false, true]) {
      const { dev, host } = setup({ vfs: 2, ioCompletion: 'deferred', mutant: 'acceptLmOnVfQueue' });
      host.createIoPair(1, 1);
      postWrite(host, 1, 0, 1);
      host.suspend(1);
      const buf = BigInt(host.alloc(2 * 4096));
      const cid = host.nextCid();
      expect(host.submit(2, 0, encodeLmCommand({ opcode: LM.SAVE, cid, vfIndex: 1, prp1: buf, prp2: buf + 4096n }))).toBeNull();
      expect(dev.inspect(1).lmState).toBe('saving');
      if (reset) dev.flr(2);
      expect(dev.inspect(1).lmState).toBe(reset ? 'suspended' : 'saving');
      expect(dev.completeIo(1)).toBe(1);
      expect(host.reap(2, 0).map((c) => [c.cid, status(c)])).toEqual(reset ? [] : [[cid, ok]]);
      expect(host.reap(0, 0)).toEqual([]);
      expect(dev.inspect(1).lmState).toBe(reset ? 'suspended' : 'saved');
    }
  });
});

describe('D12: a held SAVE is device state', () => {
  /** Every CQE in the PF admin CQ's memory carrying `cid` (read directly: the host's own view has moved on). */
  function pfCqes(host: Host, cid: number) {
    const acq = Number(host.dev.regRead(0, REG.ACQ, 8));
    return Array.from({ length: 32 }, (_, i) => decodeCqe(host.dev.memory.read(acq + i * 16, 16))).filter((c) => c.cid === cid && c.sqid === 0);
  }

  it('I3: stateHash tells a held SAVE apart; a snapshot taken during a drain replays it to the same bytes and completion', () => {
    const { dev, host, save } = heldSave(2);
    const snap = dev.snapshot();
    const hash = dev.stateHash();
    dev.completeIo(1);
    const data = dev.memory.read(save.buffer, save.size);
    const cqes = pfCqes(host, save.cid);
    expect(cqes.map(status)).toEqual([ok]);
    expect(dev.stateHash()).not.toBe(hash);
    dev.restore(snap);
    expect(dev.stateHash()).toBe(hash);
    expect(dev.inspect(1)).toMatchObject({ lmState: 'saving', inFlight: 2 });
    expect(pfCqes(host, save.cid)).toEqual([]);
    expect(dev.memory.read(save.buffer, save.size).every((b) => b === 0)).toBe(true);
    expect(dev.completeIo(1)).toBe(2);
    expect(pfCqes(host, save.cid)).toEqual(cqes);
    expect(dev.memory.read(save.buffer, save.size)).toEqual(data);
  });
});
