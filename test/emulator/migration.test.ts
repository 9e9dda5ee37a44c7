import { describe, expect, it } from 'vitest';
import { EmulatedDevice } from '../../src/emulator/device.ts';
import type { CommandTrace } from '../../src/emulator/controller.ts';
import { Host, setup, status, type Completion } from './helpers.ts';
import { encodeLmCommand } from '../../src/wire/lmCommands.ts';
import { LM } from '../../src/wire/opcodes.ts';
import { sqeFor } from '../../src/wire/adminCommands.ts';
import { CC_ENABLE, REG } from '../../src/wire/registers.ts';
import { SC } from '../../src/wire/status.ts';
import { SAVED_HEADER_SIZE } from '../../src/emulator/savedData.ts';

const ok = { sct: 0, sc: 0, dnr: false };
const rejected = (sc: number) => ({ sct: 0, sc, dnr: true });

/** Submit a write on an I/O queue without waiting; returns its CID. */
function postWrite(host: Host, fn: number, qid: number, slba: number, fill: number): number {
  const buf = host.alloc(4096);
  host.dev.memory.write(buf, new Uint8Array(4096).fill(fill));
  return host.post(fn, qid, sqeFor.write(host.nextCid(), 1, BigInt(slba), 8, BigInt(buf)));
}

/** A destination device on a copy of the source's memory, with its own hypervisor host (PF enabled). */
function destination(options: ConstructorParameters<typeof EmulatedDevice>[0]): { dev: EmulatedDevice; host: Host } {
  const dev = new EmulatedDevice(options);
  const host = new Host(dev, 0x4000_0000);
  host.enable(0);
  return { dev, host };
}

/** A host buffer of `bytes` with a PRP list, for transfers larger than two pages. */
function bigBuffer(host: Host, bytes: number): { prp1: bigint; prp2: bigint; addr: number } {
  const pages = Math.ceil(bytes / 4096);
  const addr = host.alloc(pages * 4096);
  const list = new Uint8Array((pages - 1) * 8);
  for (let i = 1; i < pages; i++) new DataView(list.buffer).setBigUint64((i - 1) * 8, BigInt(addr + i * 4096), true);
  const listAddr = host.alloc(list.length);
  host.dev.memory.write(listAddr, list);
  return { prp1: BigInt(addr), prp2: BigInt(listAddr), addr };
}

describe('D6: SAVE does not destroy', () => {
  it('D6: two SAVEs with nothing between give identical bytes; RESUME after SAVE continues with nothing lost or repeated', () => {
    const { dev, host } = setup({ vfs: 1 });
    host.createIoPair(1, 1);
    expect(status(host.write(1, 1, 0, 8, 1))).toEqual(ok);
    host.suspend(1);
    const latched = postWrite(host, 1, 1, 8, 2);
    const a = host.save(1);
    const b = host.save(1);
    expect(status(a.cqe)).toEqual(ok);
    expect(b.data).toEqual(a.data);
    expect(host.reap(1, 1)).toEqual([]);
    expect(status(host.resume(1))).toEqual(ok);
    const done = host.reap(1, 1);
    expect(done.map((c) => c.cid)).toEqual([latched]);
    expect(status(host.write(1, 1, 16, 8, 3))).toEqual(ok);
    expect(host.read(1, 1, 8, 8).data.every((x) => x === 2)).toBe(true);
    expect(dev.inspect(1).lmState).toBe('running');
  });
});

describe('D7: LOAD is all or nothing', () => {
  function prepared(maxIoQueuesPerVf = 64) {
    const { dev, host } = setup({ vfs: 2, maxIoQueuesPerVf });
    host.createIoPair(1, 1);
    host.createIoPair(1, 2);
    host.suspend(1);
    const { data } = host.save(1);
    host.createIoPair(2, 1);
    host.suspend(2);
    return { dev, host, data };
  }
  const defects: Array<[string, (d: Uint8Array) => Uint8Array, (d: Uint8Array) => number]> = [
    ['zero size', (d) => d, () => 0],
    ['size differs from the recorded length', (d) => d, (d) => d.length + 4],
    ['size shorter than the header', (d) => d, () => 12],
    ['bad magic', (d) => Object.assign(d.slice(), { 0: d[0] ^ 0xff }), (d) => d.length],
    ['bad version', (d) => Object.assign(d.slice(), { 4: 2 }), (d) => d.length],
    ['a flipped bit (checksum)', (d) => Object.assign(d.slice(), { 30: d[30] ^ 0x01 }), (d) => d.length],
    ['a flipped bit in a queue record (checksum)', (d) => Object.assign(d.slice(), { [SAVED_HEADER_SIZE + 5]: d[SAVED_HEADER_SIZE + 5] ^ 0x80 }), (d) => d.length],
  ];
  for (const [name, corrupt, size] of defects) {
    it(`D7: ${name}: Invalid Field in Command, the VF exactly as it was`, () => {
      const { dev, host, data } = prepared();
      const before = dev.stateHash({ fn: 0, sqid: 0 });
      const traces: CommandTrace[] = [];
      dev.trace = (t) => traces.push(t);
      const bad = corrupt(data);
      expect(status(host.load(2, bad, size(bad)))).toEqual(rejected(SC.INVALID_FIELD));
      expect(traces.at(-1)!.decision).toBe('D7');
      expect(dev.stateHash({ fn: 0, sqid: 0 })).toBe(before);
      expect(dev.inspect(2).lmState).toBe('suspended');
      expect(status(host.load(2, data))).toEqual(ok);
    });
  }
  it('D7: size larger than the 256 KiB migration buffer: Invalid Field, VF unchanged', () => {
    const { dev, host, data } = prepared();
    const buf = bigBuffer(host, 256 * 1024);
    dev.memory.write(buf.addr, data);
    const before = dev.stateHash({ fn: 0, sqid: 0 });
    const c = host.lm({ opcode: LM.LOAD, vfIndex: 2, prp1: buf.prp1, prp2: buf.prp2, size: 256 * 1024 + 1 });
    expect(status(c)).toEqual(rejected(SC.INVALID_FIELD));
    expect(dev.stateHash({ fn: 0, sqid: 0 })).toBe(before);
  });
  it('D7: geometry too big for a smaller VF (more queues than it allows): Invalid Field, VF unchanged', () => {
    const src = setup({ vfs: 1 });
    for (let q = 1; q <= 5; q++) src.host.createIoPair(1, q);
    src.host.suspend(1);
    const { data } = src.host.save(1);
    const { dev, host } = destination({ vfs: 1, maxIoQueuesPerVf: 4, memory: src.dev.memory.clone() });
    host.suspend(1);
    const before = dev.stateHash({ fn: 0, sqid: 0 });
    expect(status(host.load(1, data))).toEqual(rejected(SC.INVALID_FIELD));
    expect(dev.stateHash({ fn: 0, sqid: 0 })).toBe(before);
  });
  it('D7: a queue id beyond a smaller VF\'s limit: Invalid Field', () => {
    const src = setup({ vfs: 1 });
    src.host.createIoPair(1, 8);
    src.host.suspend(1);
    const { data } = src.host.save(1);
    const { host } = destination({ vfs: 1, maxIoQueuesPerVf: 4, memory: src.dev.memory.clone() });
    host.suspend(1);
    expect(status(host.load(1, data))).toEqual(rejected(SC.INVALID_FIELD));
  });
  it('D7: a failing DMA (unmapped PRP) gives Data Transfer Error, VF unchanged', () => {
    const { dev, host, data } = prepared();
    const before = dev.stateHash({ fn: 0, sqid: 0 });
    const c = host.lm({ opcode: LM.LOAD, vfIndex: 2, prp1: 0x7000_0000n, prp2: 0n, size: data.length });
    expect(status(c)).toEqual(rejected(SC.DATA_TRANSFER_ERROR));
    expect(dev.stateHash({ fn: 0, sqid: 0 })).toBe(before);
  });
  it('D7: a valid LOAD restores registers, admin queue and every I/O queue', () => {
    const { dev, host, data } = prepared();
    expect(status(host.load(2, data))).toEqual(ok);
    expect(dev.inspect(2)).toMatchObject({ lmState: 'loaded', ioQueues: 2, ready: true });
    expect(dev.functionHash(2)).not.toBe(dev.functionHash(1)); // LM states differ (loaded vs saved)
    host.resume(1);
    host.resume(2);
    expect(dev.functionHash(2)).toBe(dev.functionHash(1));
  });
});

describe('D7/I2: LOAD onto a VF with commands in flight', () => {
  it('I2: commands the VF had fetched complete on their old queues before LOAD replaces them', () => {
    const { dev, host } = setup({ vfs: 2, ioCompletion: 'deferred' });
    host.createIoPair(1, 1);
    host.suspend(1);
    const { data } = host.save(1);
    host.createIoPair(2, 1);
    const cid = postWrite(host, 2, 1, 0, 7);
    host.suspend(2);
    expect(dev.inspect(2).inFlight).toBe(1);
    expect(status(host.load(2, data))).toEqual(ok);
    expect(host.reap(2, 1).map((c) => c.cid)).toEqual([cid]);
    expect(dev.inspect(2).inFlight).toBe(0);
  });
});

describe('D8: QUERY size', () => {
  it('D8: depends only on the number of I/O queue ids in use; I/O and suspension do not change it', () => {
    const { host } = setup({ vfs: 1 });
    expect(host.query(1)!.dw0).toBe(80);
    host.createIoPair(1, 1);
    expect(host.query(1)!.dw0).toBe(120);
    const cq = host.alloc(4096);
    expect(status(host.submit(1, 0, sqeFor.createIoCq(host.nextCid(), 9, 16, BigInt(cq))))).toEqual(ok);
    expect(host.query(1)!.dw0).toBe(160);
    host.write(1, 1, 0, 8, 9);
    expect(host.query(1)!.dw0).toBe(160);
    host.suspend(1);
    expect(host.query(1)!.dw0).toBe(160);
    expect(host.save(1).data.length).toBe(160);
  });
});

describe('D11: SUSPEND stops fetching; latched doorbells are fetched later', () => {
  it('D11: admin and I/O doorbells written while suspended are latched, then fetched after RESUME', () => {
    const { dev, host } = setup({ vfs: 1 });
    host.createIoPair(1, 1);
    host.suspend(1);
    const io = postWrite(host, 1, 1, 0, 5);
    const admin = host.post(1, 0, sqeFor.getNumberOfQueues(host.nextCid()));
    expect(host.reap(1, 1)).toEqual([]);
    expect(host.reap(1, 0)).toEqual([]);
    expect(dev.inspect(1).pendingEntries).toEqual({ 0: 1, 1: 1 });
    host.resume(1);
    expect(host.reap(1, 0).map((c) => c.cid)).toEqual([admin]);
    expect(host.reap(1, 1).map((c) => c.cid)).toEqual([io]);
  });
  it('D11: after LOAD + RESUME on a second device sharing the namespace, the destination fetches the latched entries', () => {
    const a = setup({ vfs: 1 });
    a.host.createIoPair(1, 1);
    expect(status(a.host.write(1, 1, 0, 8, 1))).toEqual(ok);
    a.host.suspend(1);
    const latched = postWrite(a.host, 1, 1, 8, 2);
    const { data } = a.host.save(1);
    // Destination: guest memory copied, namespace shared (D15), a hypervisor host of its own.
    const b = new EmulatedDevice({ vfs: 1, namespace: a.dev.namespace, memory: a.dev.memory.clone() });
    const hv = new Host(b, 0x4000_0000);
    hv.enable(0);
    expect(status(hv.suspend(1))).toEqual(ok);
    expect(status(hv.load(1, data))).toEqual(ok);
    expect(b.inspect(1).pendingEntries).toEqual({ 1: 1 });
    const guest = a.host.guestOn(b, 1, 0x5000_0000);
    expect(guest.reap(1, 1)).toEqual([]);
    expect(status(hv.resume(1))).toEqual(ok);
    expect(guest.reap(1, 1).map((c) => c.cid)).toEqual([latched]);
    expect(guest.read(1, 1, 8, 8).data.every((x) => x === 2)).toBe(true);
    expect(a.host.reap(1, 1)).toEqual([]);
  });
});

describe('D12: SAVE drains (held-SAVE cases in saveDrain.test.ts)', () => {
  it('D12: deferred I/O in flight at SAVE completes, and its CQE is posted, before the state is captured', () => {
    const { dev, host } = setup({ vfs: 1, ioCompletion: 'deferred' });
    host.createIoPair(1, 1);
    const cids = [postWrite(host, 1, 1, 0, 1), postWrite(host, 1, 1, 8, 2), postWrite(host, 1, 1, 16, 3)];
    expect(dev.inspect(1).inFlight).toBe(3);
    host.suspend(1);
    expect(dev.inspect(1).inFlight).toBe(3);
    // The SAVE is held until the device completes the fetched I/O (drain: true lets it, as time would).
    const { cqe, data, held } = host.save(1, { drain: true });
    expect(held).toBe(true);
    expect(status(cqe)).toEqual(ok);
    expect(dev.inspect(1).inFlight).toBe(0);
    expect(host.reap(1, 1).map((c) => c.cid)).toEqual(cids);
    const cqTail = data[SAVED_HEADER_SIZE + 16] | (data[SAVED_HEADER_SIZE + 17] << 8);
    expect(cqTail).toBe(3);
    expect(dev.namespace.nonzeroChunks()).toBe(3);
  });
  it('D11: while suspended, commands already fetched still complete normally (completeIo)', () => {
    const { dev, host } = setup({ vfs: 1, ioCompletion: 'deferred' });
    host.createIoPair(1, 1);
    const cid = postWrite(host, 1, 1, 0, 1);
    host.suspend(1);
    expect(dev.completeIo(1)).toBe(1);
    expect(host.reap(1, 1).map((c) => c.cid)).toEqual([cid]);
  });
});

describe('D13: VF reset', () => {
  for (const how of ['FLR', 'CC.EN 1->0'] as const) {
    it(`D13: ${how} in any LM state: running, controller disabled, no I/O queues, migration data dropped`, () => {
      for (const state of ['running', 'suspended', 'saving', 'saved', 'loaded'] as const) {
        const { dev, host } = setup({ vfs: 1, ioCompletion: 'deferred' });
        host.createIoPair(1, 1);
        postWrite(host, 1, 1, 0, 1);
        if (state !== 'running') host.suspend(1);
        if (state === 'saving') expect(host.save(1).held).toBe(true);
        if (state === 'saved' || state === 'loaded') {
          const { cqe, data } = host.save(1, { drain: true });
          expect(status(cqe)).toEqual(ok);
          if (state === 'loaded') expect(status(host.load(1, data))).toEqual(ok);
        }
        expect(dev.inspect(1).lmState).toBe(state);
        if (how === 'FLR') dev.flr(1);
        else dev.regWrite(1, REG.CC, 4, 0n);
        expect(dev.inspect(1)).toMatchObject({ lmState: 'running', ready: false, ioQueues: 0, inFlight: 0 });
        expect(dev.regRead(1, REG.CSTS, 4)).toBe(0n);
        expect(status(host.lm({ opcode: LM.SAVE, vfIndex: 1, prp1: BigInt(host.alloc(4096)) }))).toEqual(rejected(SC.SEQUENCE_ERROR));
        expect(dev.inspect(0).ready).toBe(true);
      }
    });
  }
});

describe('D14: isolation', () => {
  it('D14: SAVE of VF 1 gives the same bytes whatever VF 2 does; commands for VF 1 never change VF 2 or the PF', () => {
    const { dev, host } = setup({ vfs: 2 });
    host.createIoPair(1, 1);
    host.suspend(1);
    const first = host.save(1).data;
    host.createIoPair(2, 1);
    host.createIoPair(2, 2);
    host.write(2, 1, 0, 8, 0x22);
    host.suspend(2);
    host.save(2);
    expect(host.save(1).data).toEqual(first);
    const vf2 = dev.functionHash(2);
    const pfQueues = dev.inspect(0).ioQueues;
    for (const opcode of [LM.QUERY, LM.SUSPEND, LM.RESUME, LM.SUSPEND]) host.lm({ opcode, vfIndex: 1 });
    host.save(1);
    host.load(1, first);
    host.resume(1);
    host.write(1, 1, 64, 8, 0x11);
    expect(dev.functionHash(2)).toBe(vf2);
    expect(dev.inspect(0).ioQueues).toBe(pfQueues);
  });
  it('D14: the migration data holds no guest data and no other VF\'s state', () => {
    const { host } = setup({ vfs: 2 });
    host.createIoPair(1, 1);
    host.write(1, 1, 0, 8, 0xee);
    host.suspend(1);
    const { data } = host.save(1);
    expect(data.length).toBe(120);
    expect(data.includes(0xee)).toBe(false);
  });
});

describe('D15: exactly once across a migration', () => {
  it('D15: every I/O the guest submitted gets exactly one completion, source or destination, and every completed write is readable after', () => {
    const a = setup({ vfs: 1, ioCompletion: 'deferred' });
    a.host.createIoPair(1, 1, 32);
    const cids: number[] = [];
    const seen: Completion[] = [];
    for (let i = 0; i < 4; i++) cids.push(postWrite(a.host, 1, 1, i * 8, 0x10 + i));
    a.dev.completeIo(1, 2);
    seen.push(...a.host.reap(1, 1));
    a.host.suspend(1);
    for (let i = 4; i < 6; i++) cids.push(postWrite(a.host, 1, 1, i * 8, 0x10 + i));
    const { data } = a.host.save(1, { drain: true });
    seen.push(...a.host.reap(1, 1));
    // The destination completes I/O at once, so the guest's reads below complete without completeIo.
    const b = new EmulatedDevice({ vfs: 1, namespace: a.dev.namespace, memory: a.dev.memory.clone() });
    const hv = new Host(b, 0x4000_0000);
    hv.enable(0);
    hv.suspend(1);
    expect(status(hv.load(1, data))).toEqual(ok);
    hv.resume(1);
    expect(b.completeIo(1)).toBe(0);
    const guest = a.host.guestOn(b, 1, 0x5000_0000);
    seen.push(...guest.reap(1, 1));
    expect(seen.map((c) => c.cid).sort((x, y) => x - y)).toEqual([...cids].sort((x, y) => x - y));
    expect(seen.map((c) => [c.sqid, c.sc])).toEqual(cids.map(() => [1, 0]));
    for (let i = 0; i < 6; i++) expect(guest.read(1, 1, i * 8, 8).data.every((x) => x === 0x10 + i)).toBe(true);
    expect(a.dev.completeIo(1)).toBe(0);
  });
});

describe('D18: PF reset', () => {
  for (const how of ['PF FLR', 'PF CC.EN 1->0'] as const) {
    it(`D18: ${how} resets every VF as D13 does and drops all migration state; the namespace survives`, () => {
      const { dev, host } = setup({ vfs: 3 });
      host.createIoPair(1, 1);
      host.write(1, 1, 0, 8, 0x33);
      host.suspend(1);
      host.save(1);
      host.suspend(2);
      if (how === 'PF FLR') dev.flr(0);
      else dev.regWrite(0, REG.CC, 4, 0n);
      for (const vf of [1, 2, 3]) expect(dev.inspect(vf)).toMatchObject({ lmState: 'running', ready: false, ioQueues: 0 });
      expect(dev.inspect(0).ready).toBe(false);
      expect(dev.namespace.nonzeroChunks()).toBe(1);
      // The PF comes back; a fresh VF is in its power-on state.
      host.forget(0);
      host.enable(0);
      expect(host.query(1)!.dw0).toBe(80);
      expect(dev.regRead(1, REG.CC, 4)).toBe(0n);
    });
  }
  it('D13: a VF reset leaves the PF and the other VFs alone', () => {
    const { dev, host } = setup({ vfs: 2 });
    host.createIoPair(2, 1);
    const vf2 = dev.functionHash(2);
    const pf = dev.functionHash(0);
    dev.flr(1);
    dev.regWrite(1, REG.CC, 4, CC_ENABLE);
    dev.regWrite(1, REG.CC, 4, 0n);
    expect(dev.functionHash(2)).toBe(vf2);
    expect(dev.functionHash(0)).toBe(pf);
  });
});

describe('LM commands never run on VF queues by accident', () => {
  it('D1: an LM opcode on a VF I/O queue is an unknown NVM opcode', () => {
    const { host } = setup({ vfs: 1 });
    host.createIoPair(1, 1);
    expect(status(host.submit(1, 1, encodeLmCommand({ opcode: LM.SUSPEND, cid: 3, vfIndex: 1 })))).toEqual(rejected(SC.INVALID_OPCODE));
  });
});
