// D22-D27, I12, I15, L5, L6 on the emulated tp4159 device, in bytes.
import { describe, expect, it } from 'vitest';
import { status } from '../helpers.ts';
import { cs, invalidField, OK, tpSetup, TpHost } from './tpHost.ts';
import { EmulatedDevice } from '../../../src/emulator/device.ts';
import { sqeFor } from '../../../src/wire/adminCommands.ts';
import { decodeControllerState, STATE_HEADER_SIZE } from '../../../src/wire/tp4159/state.ts';
import { stateBlobSizes } from '../../../src/wire/tp4159/sizes.ts';
import { decodeGetStateDw0 } from '../../../src/wire/tp4159/completions.ts';
import { SC_HMLM } from '../../../src/wire/status.ts';
import { Host } from '../helpers.ts';

const NOT_SUSPENDED = cs(SC_HMLM.CONTROLLER_NOT_SUSPENDED);

describe('D22 Suspend', () => {
  it('D22, L5: a fetched Write holds the Suspend; its completion is posted first, then the Suspend completes', () => {
    const { dev, host, tp } = tpSetup({ ioCompletion: 'deferred' });
    host.createIoPair(1, 1, 4);
    const wcid = host.post(1, 1, sqeFor.write(host.nextCid(), 1, 0n, 1, BigInt(host.alloc(4096))));
    expect(tp.suspend(1)).toBeNull();
    expect(dev.inspect(1).lmState).not.toBe('suspended');
    expect(host.reap(1, 1)).toEqual([]);
    dev.completeIo(1);
    expect(host.reap(1, 1).map((c) => c.cid)).toEqual([wcid]);
    expect(host.reap(0, 0).map(status).concat(host.stray.map(status))).toContainEqual(OK);
    expect(dev.inspect(1).lmState).toBe('suspended');
  });

  it('D22: a suspended VF fetches from no SQ, the admin SQ included; doorbells are latched; suspend again is success, no change', () => {
    const { dev, host, tp } = tpSetup();
    host.createIoPair(1, 1, 4);
    expect(status(tp.suspend(1))).toEqual(OK);
    expect(host.submit(1, 0, sqeFor.identify(host.nextCid(), 1, BigInt(host.alloc(4096))))).toBeNull();
    expect(host.submit(1, 1, sqeFor.read(host.nextCid(), 1, 0n, 1, BigInt(host.alloc(4096)), 0n))).toBeNull();
    expect(dev.inspect(1).pendingEntries).toEqual({ 0: 1, 1: 1 });
    const before = dev.stateHash({ fn: 0, sqid: 0 });
    expect(status(tp.suspend(1))).toEqual(OK);
    expect(dev.stateHash({ fn: 0, sqid: 0 })).toBe(before);
  });

  it('D22: STYPE 0 is a notice (success, VF still running); STYPE 2 is Invalid Field, DNR', () => {
    const { dev, tp } = tpSetup();
    expect(status(tp.suspend(1, 0))).toEqual(OK);
    expect(dev.inspect(1).lmState).toBe('running');
    expect(status(tp.suspend(1, 2))).toEqual(invalidField);
    expect(dev.inspect(1).lmState).toBe('running');
  });
});

describe('D23 Resume', () => {
  it('D23: Resume of a running VF is Controller Not Suspended (1/3Ah), DNR', () => {
    const { tp } = tpSetup();
    expect(status(tp.resume(1))).toEqual(NOT_SUSPENDED);
  });

  it('D23, L6: Resume fetches every SQ whose tail moved while suspended, the admin SQ included, with no further doorbell', () => {
    const { dev, host, tp } = tpSetup();
    host.createIoPair(1, 1, 4);
    tp.suspend(1);
    host.post(1, 0, sqeFor.identify(7, 1, BigInt(host.alloc(4096))));
    host.post(1, 1, sqeFor.read(8, 1, 0n, 1, BigInt(host.alloc(4096)), 0n));
    expect(status(tp.resume(1))).toEqual(OK);
    expect(dev.inspect(1).pendingEntries).toEqual({});
    expect(host.reap(1, 0).map((c) => [c.cid, c.sc])).toEqual([[7, 0]]);
    expect(host.reap(1, 1).map((c) => [c.cid, c.sc])).toEqual([[8, 0]]);
  });
});

describe('D24 Get Controller State', () => {
  it('D24: CSATTR bit 0 and DW0 CSUP say suspended or not; CSVI 0 is the header alone; two Gets give identical bytes', () => {
    const { host, tp } = tpSetup();
    host.createIoPair(1, 1, 4);
    const running = tp.getState(1);
    expect(decodeGetStateDw0(running.cqe!.dw0).csup).toBe(false);
    expect(decodeControllerState(running.data).state.suspended).toBe(false);
    tp.suspend(1);
    const a = tp.getState(1);
    expect(decodeGetStateDw0(a.cqe!.dw0).csup).toBe(true);
    expect(decodeControllerState(a.data).state.suspended).toBe(true);
    expect(tp.getState(1).data).toEqual(a.data);
    const header = tp.getState(1, { csvi: 0 });
    expect(header.data.length).toBe(STATE_HEADER_SIZE);
    expect(decodeControllerState(header.data).state.nvme).toBeUndefined();
  });

  it('D24, D27: NUMD is 0-based; an offset not dword aligned, or at or past the end, is Invalid Field; CSVI 2 and CSUUIDI 2 too', () => {
    const { host, tp } = tpSetup();
    host.createIoPair(1, 1, 4);
    const whole = tp.state(1);
    const part = tp.getState(1, { offset: 4n, numd: 1 });
    expect(status(part.cqe)).toEqual(OK);
    expect(part.data.subarray(0, 8)).toEqual(whole.subarray(4, 12));
    expect(part.data[8]).toBe(0);
    for (const o of [{ offset: 2n }, { offset: BigInt(whole.length) }, { csvi: 2 }, { csuuidi: 2 }]) expect(status(tp.getState(1, o).cqe)).toEqual(invalidField);
  });
});

/** A VF with a 4-entry I/O pair whose CQ wrapped back to tail 0, suspended with entries latched on both SQs. */
function wrappedAndLatched(): { dev: EmulatedDevice; host: Host; tp: TpHost } {
  const env = tpSetup({ vfs: 2 }, 4);
  const { host, tp } = env;
  host.createIoPair(1, 1, 4);
  for (let i = 0; i < 4; i++) expect(status(host.write(1, 1, i, 1, 0x10 + i))).toEqual(OK);
  for (let i = 0; i < 2; i++) expect(status(host.submit(1, 0, sqeFor.identify(host.nextCid(), 1, BigInt(host.alloc(4096)))))).toEqual(OK);
  expect(status(tp.suspend(1))).toEqual(OK);
  host.post(1, 1, sqeFor.read(101, 1, 0n, 1, BigInt(host.alloc(4096)), 0n));
  host.post(1, 1, sqeFor.read(102, 1, 1n, 1, BigInt(host.alloc(4096)), 0n));
  host.post(1, 0, sqeFor.identify(103, 1, BigInt(host.alloc(4096))));
  return env;
}

describe('I12, D25, I15: the round trip', () => {
  it('I15: a CQ that wrapped to tail 0 is saved with S0PT, a state the checks accept', () => {
    const { tp } = wrappedAndLatched();
    const cq = decodeControllerState(tp.state(1)).state.nvme!.cqs[0];
    expect([cq.tail, cq.s0pt]).toEqual([0, 1]);
  });

  it('I12: Get (suspended) -> Set onto another VF -> Get gives identical bytes; after Resume each latched entry is fetched once, one completion each', () => {
    const { dev, host, tp } = wrappedAndLatched();
    const saved = tp.state(1, 1);
    expect(status(tp.suspend(2))).toEqual(OK);
    dev.flr(2);
    expect(status(tp.suspend(2))).toEqual(OK);
    expect(status(tp.setState(2, saved, { csuuidi: 1 }))).toEqual(OK);
    expect(tp.state(2, 1)).toEqual(saved);
    expect(status(tp.resume(2))).toEqual(OK);
    // VF 2 fetched the three latched entries (on the guest's queues, the same memory); VF 1 stays suspended.
    expect(dev.inspect(2).pendingEntries).toEqual({});
    expect(dev.inspect(1).pendingEntries).toEqual({ 0: 1, 1: 2 });
    const guest = host.guestOn(dev, 1, 0x4000_0000);
    expect(guest.reap(1, 1).map((c) => c.cid).sort()).toEqual([101, 102]);
  });

  it('D25, I12: on another device the vendor section lets the guest admin queue continue; latched I/O completes once', () => {
    const { dev, host, tp } = wrappedAndLatched();
    const saved = tp.state(1, 1);
    const dst = new EmulatedDevice({ vfs: 2, profile: 'tp4159', memory: dev.memory, namespace: dev.namespace });
    const dstHost = new Host(dst, 0x6000_0000);
    dstHost.enable(0);
    const dtp = new TpHost(dstHost);
    expect(status(dtp.suspend(1))).toEqual(OK);
    expect(status(dtp.setState(1, saved, { csuuidi: 1 }))).toEqual(OK);
    expect(dtp.state(1, 1)).toEqual(saved);
    expect(status(dtp.resume(1))).toEqual(OK);
    const guest = host.guestOn(dst, 1, 0x7000_0000);
    expect(guest.reap(1, 1).map((c) => c.cid).sort()).toEqual([101, 102]);
    expect(guest.reap(1, 0).map((c) => c.cid)).toEqual([103]);
    // The guest's next admin command completes where its ring expects it.
    expect(status(guest.submit(1, 0, sqeFor.identify(guest.nextCid(), 1, BigInt(guest.alloc(4096)))))).toEqual(OK);
    expect(guest.reap(1, 1)).toEqual([]);
  });

  it('D25: with format 0 alone (no vendor section) the destination admin queue is not the guest one', () => {
    const { dev, host, tp } = wrappedAndLatched();
    const saved = tp.state(1);
    const dst = new EmulatedDevice({ vfs: 2, profile: 'tp4159', memory: dev.memory, namespace: dev.namespace });
    const dtp = new TpHost(new Host(dst, 0x6000_0000));
    dtp.host.enable(0);
    dtp.suspend(1);
    expect(status(dtp.setState(1, saved))).toEqual(OK);
    dtp.resume(1);
    const guest = host.guestOn(dst, 1, 0x7000_0000);
    expect(guest.reap(1, 0)).toEqual([]);
  });
});

describe('D26 Set Controller State', () => {
  it('D26: a running VF is Controller Not Suspended; a VF with I/O queues is Invalid Field; nothing changes', () => {
    const { dev, host, tp } = wrappedAndLatched();
    const saved = tp.state(1);
    let before = dev.functionHash(2);
    expect(status(tp.setState(2, saved))).toEqual(NOT_SUSPENDED);
    expect(dev.functionHash(2)).toBe(before);
    host.createIoPair(2, 1, 4);
    tp.suspend(2);
    before = dev.functionHash(2);
    expect(status(tp.setState(2, saved))).toEqual(invalidField);
    expect(dev.functionHash(2)).toBe(before);
  });

  it('D26: a controller that takes the whole state only (seqind whole-only) answers Invalid Field for SEQIND 1, 0 and 2 whatever the VF\'s state, changes nothing, and applies SEQIND 3', () => {
    const { dev, host, tp } = tpSetup({ vfs: 2, tp4159: { seqind: 'whole-only' } });
    host.createIoPair(1, 1, 4);
    const saved = tp.state(1);
    // SEQIND is the command's own field: refused before the VF's state is looked at
    expect(status(tp.setState(2, saved.subarray(0, 48), { seqind: 1 }))).toEqual(invalidField);
    expect(status(tp.setState(2, saved))).toEqual(NOT_SUSPENDED);
    tp.suspend(2);
    const before = dev.functionHash(2);
    for (const seqind of [1, 0, 2]) {
      expect(status(tp.setState(2, seqind === 1 ? saved.subarray(0, 48) : saved.subarray(48), { seqind, offset: seqind === 1 ? 0n : 48n }))).toEqual(invalidField);
      expect(dev.functionHash(2)).toBe(before);
    }
    expect(status(tp.setState(2, saved))).toEqual(OK);
    expect(dev.inspect(2).ioQueues).toBe(1);
    expect(tp.state(2).subarray(3)).toEqual(saved.subarray(3)); // all but CSATTR (VF 2 is suspended, VF 1 was not)
  });

  it('D26: parts 1, 0, 2 at their offsets apply at the last; a middle out of order or a new first restarts with Invalid Field', () => {
    const { dev, tp } = wrappedAndLatched();
    const saved = tp.state(1);
    tp.suspend(2);
    const cut = [0, 48, 96, saved.length];
    const part = (i: number, seqind: number): ReturnType<TpHost['setState']> =>
      tp.setState(2, saved.subarray(cut[i], cut[i + 1]), { seqind, offset: BigInt(cut[i]) });
    expect(status(part(0, 1))).toEqual(OK);
    expect(dev.inspect(2).ioQueues).toBe(0);
    expect(status(part(2, 0))).toEqual(invalidField); // skipped the part at 48
    expect(status(part(1, 0))).toEqual(invalidField); // restarted: no first any more
    expect(status(part(0, 1))).toEqual(OK);
    expect(status(part(0, 1))).toEqual(invalidField); // a new first before the last
    expect(status(part(0, 1))).toEqual(OK);
    expect(status(part(1, 0))).toEqual(OK);
    expect(status(part(2, 2))).toEqual(OK);
    expect(tp.state(2)).toEqual(saved);
  });

  it('D27: a transfer one dword longer than the state is accepted; a shorter one is Invalid Field', () => {
    const { tp } = wrappedAndLatched();
    const saved = tp.state(1);
    tp.suspend(2);
    expect(status(tp.setState(2, saved, { numd: saved.length / 4 - 2 }))).toEqual(invalidField);
    expect(status(tp.setState(2, saved, { numd: saved.length / 4 }))).toEqual(OK);
    expect(tp.state(2)).toEqual(saved);
  });
});

describe('D25: the state blob size', () => {
  it('D25: Get State of a VF with 1, 16 and 64 I/O queue pairs is 48 + 8 + 48 per pair bytes (+ 64 with the vendor section), as sizes.ts says', () => {
    const sizes: Array<[number, number, number]> = [];
    for (const pairs of [1, 16, 64]) {
      const { host, tp } = tpSetup({ vfs: 1 });
      for (let q = 1; q <= pairs; q++) host.createIoPair(1, q, 2);
      tp.suspend(1);
      sizes.push([pairs, tp.state(1).length, tp.state(1, 1).length]);
    }
    expect(sizes).toEqual(stateBlobSizes([1, 16, 64]).map((s) => [s.pairs, s.format0, s.withVendor]));
    expect(sizes).toEqual([[1, 104, 168], [16, 824, 888], [64, 3128, 3192]]);
  });
});
