import { describe, expect, it } from 'vitest';
import { EmulatedDevice } from '../../src/emulator/device.ts';
import { Host, setup, status } from './helpers.ts';
import { bitsOf, CAP_FIELDS, CC_ENABLE, cqHeadDoorbell, REG, sqTailDoorbell } from '../../src/wire/registers.ts';
import { encodeCommand, IDENTIFY_LAYOUT, sqeFor } from '../../src/wire/adminCommands.ts';
import { decodeIdentifyNamespace } from '../../src/wire/identifyNamespace.ts';
import { decodeCqe } from '../../src/wire/cqe.ts';
import { SC, SC_CMD, SCT_COMMAND_SPECIFIC } from '../../src/wire/status.ts';
import { NVM } from '../../src/wire/opcodes.ts';
import { encodeSqe } from '../../src/wire/sqe.ts';

const ok = { sct: 0, sc: 0, dnr: false };
const generic = (sc: number) => ({ sct: 0, sc, dnr: true });
const specific = (sc: number) => ({ sct: SCT_COMMAND_SPECIFIC, sc, dnr: true });

describe('registers (NVMe: CAP, VS, CC, CSTS, AQA, ASQ, ACQ)', () => {
  it('CAP: MQES 1023, CQR 1, DSTRD 0, CSS NVM, MPSMIN 0; VS 1.4.0; every function alike', () => {
    const dev = new EmulatedDevice({ vfs: 1 });
    for (const fn of [0, 1]) {
      const cap = dev.regRead(fn, REG.CAP, 8);
      expect(bitsOf(cap, CAP_FIELDS.MQES)).toBe(1023);
      expect(bitsOf(cap, CAP_FIELDS.CQR)).toBe(1);
      expect(bitsOf(cap, CAP_FIELDS.DSTRD)).toBe(0);
      expect(bitsOf(cap, CAP_FIELDS.CSS) & 1).toBe(1);
      expect(bitsOf(cap, CAP_FIELDS.MPSMIN)).toBe(0);
      expect(bitsOf(cap, CAP_FIELDS.TO)).toBeGreaterThan(0);
      expect((dev.regRead(fn, REG.CAP + 4, 4) << 32n) | dev.regRead(fn, REG.CAP, 4)).toBe(cap);
      expect(dev.regRead(fn, REG.VS, 4)).toBe(0x10400n);
    }
  });
  it('CSTS.RDY follows CC.EN at once; ASQ/ACQ read back in halves', () => {
    const dev = new EmulatedDevice({ vfs: 0 });
    dev.memory.map(0x10000, 0x2000);
    dev.regWrite(0, REG.AQA, 4, 0x000f000fn);
    dev.regWrite(0, REG.ASQ, 4, 0x10000n);
    dev.regWrite(0, REG.ASQ + 4, 4, 0n);
    dev.regWrite(0, REG.ACQ, 8, 0x11000n);
    expect(dev.regRead(0, REG.ACQ, 4)).toBe(0x11000n);
    expect(dev.regRead(0, REG.CSTS, 4)).toBe(0n);
    dev.regWrite(0, REG.CC, 4, CC_ENABLE);
    expect(dev.regRead(0, REG.CSTS, 4)).toBe(1n);
    dev.regWrite(0, REG.CC, 4, 0n);
    expect(dev.regRead(0, REG.CSTS, 4)).toBe(0n);
    expect(dev.regRead(0, REG.AQA, 4)).toBe(0x000f000fn);
  });
  it('CC.EN with unusable admin queue attributes gives CSTS.CFS, not RDY', () => {
    const dev = new EmulatedDevice({ vfs: 0 });
    dev.regWrite(0, REG.AQA, 4, 0x000f000fn);
    dev.regWrite(0, REG.ASQ, 8, 0x10000n); // memory never mapped
    dev.regWrite(0, REG.ACQ, 8, 0x11000n);
    dev.regWrite(0, REG.CC, 4, CC_ENABLE);
    expect(dev.regRead(0, REG.CSTS, 4)).toBe(2n);
  });
  it('shutdown notification completes at once (CSTS.SHST = 10b)', () => {
    const { dev } = setup({ vfs: 0 });
    dev.regWrite(0, REG.CC, 4, CC_ENABLE | (1n << 14n));
    expect(dev.regRead(0, REG.CSTS, 4) & 0xcn).toBe(0x8n);
  });
  it('malformed accesses throw with the allowed range', () => {
    const dev = new EmulatedDevice({ vfs: 1 });
    expect(() => dev.regRead(0, 0x4000, 4)).toThrow(/not a dword inside BAR0/);
    expect(() => dev.regRead(0, 0, 2)).toThrow(/use 4 or 8/);
    expect(() => dev.regRead(2, 0, 4)).toThrow(/use 0 for the PF or 1\.\.1/);
  });
});

describe('Identify', () => {
  it('controller: VID/SSVID from the profile, SN/MN/FR set, CNTLID = function number', () => {
    const { dev, host } = setup({ vfs: 2 });
    for (const fn of [0, 1, 2]) {
      const buf = host.alloc(4096);
      expect(status(host.submit(fn, 0, sqeFor.identify(host.nextCid(), 1, BigInt(buf))))).toEqual(ok);
      const id = dev.memory.read(buf, 4096);
      expect(id[0] | (id[1] << 8)).toBe(0x8086);
      expect(id[78] | (id[79] << 8)).toBe(fn);
      expect(String.fromCharCode(...id.subarray(24, 30))).toBe('nvme-l');
    }
  });
  it('namespace (CNS 00h): size of the shared namespace, 512-byte LBAs; other NSIDs invalid', () => {
    const { dev, host } = setup({ vfs: 0 });
    const buf = host.alloc(4096);
    const sqe = encodeCommand(IDENTIFY_LAYOUT, { opc: 0x06, cid: 5, cns: 0, nsid: 1, prp1: BigInt(buf) });
    expect(status(host.submit(0, 0, sqe))).toEqual(ok);
    const ns = decodeIdentifyNamespace(dev.memory.read(buf, 4096));
    expect(ns.nsze).toBe(BigInt(dev.namespace.lbaCount));
    expect(ns.lbaf0Lbads).toBe(9);
    const bad = encodeCommand(IDENTIFY_LAYOUT, { opc: 0x06, cid: 6, cns: 0, nsid: 2, prp1: BigInt(buf) });
    expect(status(host.submit(0, 0, bad))).toEqual(generic(SC.INVALID_NAMESPACE));
    expect(status(host.submit(0, 0, sqeFor.identify(7, 0x99, BigInt(buf))))).toEqual(generic(SC.INVALID_FIELD));
  });
  it('PRP rules apply: unmapped buffer is a Data Transfer Error, PRP2 with an offset PRP Offset Invalid', () => {
    const { host } = setup({ vfs: 0 });
    expect(status(host.submit(0, 0, sqeFor.identify(1, 1, 0x7000_0000n)))).toEqual(generic(SC.DATA_TRANSFER_ERROR));
    const buf = host.alloc(3 * 4096);
    const sqe = encodeCommand(IDENTIFY_LAYOUT, { opc: 0x06, cid: 2, cns: 1, prp1: BigInt(buf + 8), prp2: BigInt(buf + 4096 + 8) });
    expect(status(host.submit(0, 0, sqe))).toEqual(generic(SC.PRP_OFFSET_INVALID));
  });
});

describe('I/O queue management', () => {
  it('create and delete with NVMe statuses for bad qid, size, CQ and deletion order', () => {
    const { host } = setup({ vfs: 1, maxIoQueuesPerVf: 4 });
    const mem = BigInt(host.alloc(2 * 4096));
    const sub = (sqe: Uint8Array) => status(host.submit(1, 0, sqe));
    expect(sub(sqeFor.createIoCq(1, 0, 16, mem))).toEqual(specific(SC_CMD.INVALID_QUEUE_IDENTIFIER));
    expect(sub(sqeFor.createIoCq(2, 5, 16, mem))).toEqual(specific(SC_CMD.INVALID_QUEUE_IDENTIFIER));
    expect(sub(sqeFor.createIoCq(3, 1, 1, mem))).toEqual(specific(SC_CMD.INVALID_QUEUE_SIZE));
    expect(sub(sqeFor.createIoCq(4, 1, 2048, mem))).toEqual(specific(SC_CMD.INVALID_QUEUE_SIZE));
    expect(sub(sqeFor.createIoCq(5, 1, 16, mem + 8n))).toEqual(generic(SC.PRP_OFFSET_INVALID));
    expect(sub(sqeFor.createIoCq(6, 1, 16, 0x7000_0000n))).toEqual(generic(SC.DATA_TRANSFER_ERROR));
    expect(sub(sqeFor.createIoSq(7, 1, 16, mem, 1))).toEqual(specific(SC_CMD.COMPLETION_QUEUE_INVALID));
    expect(sub(sqeFor.createIoCq(8, 1, 16, mem))).toEqual(ok);
    expect(sub(sqeFor.createIoCq(9, 1, 16, mem))).toEqual(specific(SC_CMD.INVALID_QUEUE_IDENTIFIER));
    expect(sub(sqeFor.createIoSq(10, 1, 16, mem + 4096n, 1))).toEqual(ok);
    expect(sub(sqeFor.deleteIoCq(11, 1))).toEqual(specific(SC_CMD.INVALID_QUEUE_DELETION));
    expect(sub(sqeFor.deleteIoSq(12, 2))).toEqual(specific(SC_CMD.INVALID_QUEUE_IDENTIFIER));
    expect(sub(sqeFor.deleteIoSq(13, 1))).toEqual(ok);
    expect(sub(sqeFor.deleteIoCq(14, 1))).toEqual(ok);
    expect(sub(sqeFor.deleteIoCq(15, 1))).toEqual(specific(SC_CMD.INVALID_QUEUE_IDENTIFIER));
  });
  it('Set/Get Features Number of Queues: allocated counts capped by the geometry limit', () => {
    const { host } = setup({ vfs: 1, maxIoQueuesPerVf: 4 });
    const set = host.submit(1, 0, sqeFor.setNumberOfQueues(1, 100, 2));
    expect(status(set)).toEqual(ok);
    expect(set!.dw0).toBe((1 << 16) | 3);
    expect(host.submit(1, 0, sqeFor.getNumberOfQueues(2))!.dw0).toBe((1 << 16) | 3);
    expect(status(host.submit(1, 0, sqeFor.setNumberOfQueues(3, 0x10000, 1)))).toEqual(generic(SC.INVALID_FIELD));
  });
  it('Abort completes successfully with DW0 bit 0 = 1: "command not aborted"', () => {
    const { host } = setup({ vfs: 0 });
    const c = host.submit(0, 0, sqeFor.abort(1, 0, 77));
    expect(status(c)).toEqual(ok);
    expect(c!.dw0 & 1).toBe(1);
  });
  it('unknown admin and I/O opcodes: Invalid Command Opcode with DNR', () => {
    const { host } = setup({ vfs: 1 });
    host.createIoPair(1, 1);
    expect(status(host.submit(0, 0, encodeSqe({ opc: 0x7f, cid: 1 })))).toEqual(generic(SC.INVALID_OPCODE));
    expect(status(host.submit(1, 1, encodeSqe({ opc: 0xc4, cid: 2 })))).toEqual(generic(SC.INVALID_OPCODE));
  });
});

describe('completion queues: phase tag, SQ head, and a full CQ', () => {
  it('the phase tag flips on wrap and every CQE carries SQ head and SQ id', () => {
    const { host } = setup({ vfs: 0 });
    for (let i = 0; i < 70; i++) {
      const c = host.submit(0, 0, sqeFor.getNumberOfQueues(1000 + i))!;
      expect(c.cid).toBe(1000 + i);
      expect(c.sqid).toBe(0);
      expect(c.phase).toBe(Math.floor(i / 32) % 2 === 0 ? 1 : 0);
      expect(c.sqhd).toBe((i + 1) % 32);
    }
  });
  it('a full CQ holds commands back in the SQ (none lost); the CQ head doorbell resumes fetching', () => {
    const dev = new EmulatedDevice({ vfs: 0 });
    const host = new Host(dev);
    host.enable(0, 4); // CQ of 4 holds 3 completions
    const sqBase = Number(dev.regRead(0, REG.ASQ, 8));
    const cqBase = Number(dev.regRead(0, REG.ACQ, 8));
    for (let i = 0; i < 3; i++) dev.memory.write(sqBase + i * 64, sqeFor.getNumberOfQueues(i + 1));
    dev.regWrite(0, sqTailDoorbell(0), 4, 3n);
    const cqe = (slot: number) => decodeCqe(dev.memory.read(cqBase + slot * 16, 16));
    expect([0, 1, 2].map((s) => cqe(s).cid)).toEqual([1, 2, 3]);
    // Consume nothing, submit one more: the CQ is full, so it stays unfetched.
    dev.memory.write(sqBase + 3 * 64, sqeFor.getNumberOfQueues(4));
    dev.regWrite(0, sqTailDoorbell(0), 4, 0n);
    expect(cqe(3).phase).toBe(0);
    expect(dev.inspect(0).pendingEntries).toEqual({ 0: 1 });
    dev.regWrite(0, cqHeadDoorbell(0), 4, 1n);
    expect(cqe(3)).toMatchObject({ cid: 4, phase: 1, sqhd: 0 });
  });
});

describe('NVM I/O on the shared namespace', () => {
  it('Write then Read returns the data; Flush succeeds', () => {
    const { host } = setup({ vfs: 1 });
    host.createIoPair(1, 1);
    expect(status(host.write(1, 1, 100, 16, 0x5a))).toEqual(ok);
    const r = host.read(1, 1, 100, 16);
    expect(status(r.cqe)).toEqual(ok);
    expect(r.data.every((b) => b === 0x5a)).toBe(true);
    expect(status(host.submit(1, 1, sqeFor.flush(host.nextCid(), 1)))).toEqual(ok);
  });
  it('LBA Out of Range, Invalid Namespace, PRP errors; a failing Write stores nothing', () => {
    const { dev, host } = setup({ vfs: 1 });
    host.createIoPair(1, 1);
    const n = dev.namespace.lbaCount;
    const buf = BigInt(host.alloc(8192));
    expect(status(host.submit(1, 1, sqeFor.write(1, 1, BigInt(n - 1), 2, buf, buf + 4096n)))).toEqual(generic(SC.LBA_OUT_OF_RANGE));
    expect(status(host.submit(1, 1, sqeFor.write(2, 2, 0n, 1, buf)))).toEqual(generic(SC.INVALID_NAMESPACE));
    expect(status(host.submit(1, 1, sqeFor.write(3, 1, 0n, 16, buf, 0x7000_0000n)))).toEqual(generic(SC.DATA_TRANSFER_ERROR));
    expect(status(host.submit(1, 1, sqeFor.write(4, 1, 0n, 16, buf, buf + 4100n)))).toEqual(generic(SC.PRP_OFFSET_INVALID));
    expect(dev.namespace.nonzeroChunks()).toBe(0);
    const withFuse = sqeFor.read(5, 1, 0n, 1, buf);
    withFuse[1] = 1;
    expect(status(host.submit(1, 1, withFuse))).toEqual(generic(SC.INVALID_FIELD));
    expect(NVM.READ).toBe(2);
  });
});
