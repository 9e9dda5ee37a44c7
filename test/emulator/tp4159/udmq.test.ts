// D28-D34, I13, I14, L7 on the emulated tp4159 device: user data migration
// queues, what is logged, flow control, One-Shot events, resets.
import { describe, expect, it } from 'vitest';
import { status } from '../helpers.ts';
import { cs, invalidField, OK, tpSetup } from './tpHost.ts';
import { sqeFor } from '../../../src/wire/adminCommands.ts';
import { UDMQ_ESA, UDMQ_LBACIR } from '../../../src/wire/tp4159/udmq.ts';
import { decodeAsyncEvent, ONE_SHOT_INFO } from '../../../src/wire/tp4159/completions.ts';
import { SC_HMLM } from '../../../src/wire/status.ts';
import { ASYNC_EVENT_REQUEST, NVM_DATASET_MANAGEMENT, NVM_WRITE_ZEROES } from '../../../src/wire/opcodes.ts';

const AER = (cid: number): Uint8Array => {
  const b = new Uint8Array(64);
  b[0] = ASYNC_EVENT_REQUEST;
  b[2] = cid & 0xff;
  b[3] = cid >> 8;
  return b;
};

describe('D28 Controller Data Queue', () => {
  it('D28: Create returns the CDQID in DW0; QT 1, fewer than two entries, PC = 0: Invalid Field; a second UDMQ for the VF: 1/38h; unknown delete: 1/37h', () => {
    const { dev, tp } = tpSetup();
    const q = tp.createUdmq(1, 4);
    expect(status(q.cqe)).toEqual(OK);
    expect(q.cdqid).toBeGreaterThan(0);
    const before = dev.stateHash({ fn: 0, sqid: 0 });
    expect(status(tp.createUdmq(2, 4, { qt: 1 }).cqe)).toEqual(invalidField);
    expect(status(tp.createUdmq(2, 1).cqe)).toEqual(invalidField);
    expect(status(tp.createUdmq(2, 4, { pc: false }).cqe)).toEqual(invalidField);
    expect(status(tp.createUdmq(1, 4).cqe)).toEqual(cs(SC_HMLM.NOT_ENOUGH_RESOURCES));
    expect(status(tp.cmd({ kind: 'cdqDelete', cdqid: q.cdqid + 7 }))).toEqual(cs(SC_HMLM.INVALID_CONTROLLER_DATA_QUEUE));
    expect(dev.stateHash({ fn: 0, sqid: 0 })).toBe(before);
    expect(status(tp.cmd({ kind: 'cdqDelete', cdqid: q.cdqid }))).toEqual(OK);
    expect(status(tp.createUdmq(1, 4).cqe)).toEqual(OK);
  });
});

describe('D29-D32 logging', () => {
  it('D29, D30: start posts ESA 1; each successful Write is one entry before its completion (NLB 0-based); Reads are not logged; stop posts ESA 2', () => {
    const { host, tp } = tpSetup();
    const q = tp.createUdmq(1, 8);
    expect(status(tp.track(q.cdqid, 1))).toEqual(OK);
    expect(status(tp.track(q.cdqid, 1))).toEqual(OK); // start while on: nothing posted
    host.createIoPair(1, 1, 4);
    host.write(1, 1, 100, 3, 0xab);
    host.read(1, 1, 100, 3);
    expect(status(tp.track(q.cdqid, 0))).toEqual(OK);
    expect(status(tp.track(q.cdqid, 0))).toEqual(OK); // stop while off: nothing posted
    const e = tp.udmq(q.base, 8);
    expect(e.slice(0, 3).map((x) => [x.phase, x.esa, x.lbacir, Number(x.slba), x.nlb])).toEqual([
      [1, UDMQ_ESA.FIRST, UDMQ_LBACIR.NO_RANGE, 0, 0],
      [1, UDMQ_ESA.NONE, UDMQ_LBACIR.RANGE_VALID, 100, 2],
      [1, UDMQ_ESA.LAST_STOPPED, UDMQ_LBACIR.NO_RANGE, 0, 0],
    ]);
    expect(e[3].phase).toBe(0);
  });

  it('D30: Write Zeroes is one entry; Dataset Management deallocate is one entry per range with DLBA; without AD nothing is logged', () => {
    const { dev, host, tp } = tpSetup();
    const q = tp.createUdmq(1, 8);
    tp.track(q.cdqid, 1);
    host.createIoPair(1, 1, 4);
    host.write(1, 1, 20, 2, 0xee);
    const wz = new Uint8Array(64);
    const wv = new DataView(wz.buffer);
    wz[0] = NVM_WRITE_ZEROES;
    wv.setUint32(4, 1, true);
    wv.setBigUint64(40, 20n, true);
    wv.setUint32(48, 0, true);
    expect(status(host.submit(1, 1, wz))).toEqual(OK);
    expect(host.read(1, 1, 20, 2).data.slice(0, 2)).toEqual(new Uint8Array([0, 0]));
    const list = host.alloc(4096);
    const lv = new DataView(new ArrayBuffer(32));
    lv.setUint32(4, 4, true);
    lv.setBigUint64(8, 30n, true);
    lv.setUint32(20, 2, true);
    lv.setBigUint64(24, 40n, true);
    dev.memory.write(list, new Uint8Array(lv.buffer));
    const dsm = (ad: boolean): Uint8Array => {
      const b = new Uint8Array(64);
      const v = new DataView(b.buffer);
      b[0] = NVM_DATASET_MANAGEMENT;
      v.setUint32(4, 1, true);
      v.setBigUint64(24, BigInt(list), true);
      v.setUint32(40, 1, true);
      v.setUint32(44, ad ? 4 : 0, true);
      return b;
    };
    expect(status(host.submit(1, 1, dsm(false)))).toEqual(OK);
    expect(status(host.submit(1, 1, dsm(true)))).toEqual(OK);
    const e = tp.udmq(q.base, 8).filter((x) => x.phase === 1);
    expect(e.map((x) => [Number(x.slba), x.nlb, x.dlba])).toEqual([[0, 0, false], [20, 1, false], [20, 0, false], [30, 3, true], [40, 1, true]]);
  });

  it('D29: LACT 2 is Invalid Field; an unknown CDQID 1/37h; Track Send SEL 1 and Track Receive: Invalid Field', () => {
    const { tp } = tpSetup();
    const q = tp.createUdmq(1, 8);
    expect(status(tp.track(q.cdqid, 2))).toEqual(invalidField);
    expect(status(tp.track(q.cdqid + 1, 1))).toEqual(cs(SC_HMLM.INVALID_CONTROLLER_DATA_QUEUE));
    expect(status(tp.cmd({ kind: 'trackMemory', mos: 1, cdw11: 0, cdw12: 0, cdw13: 0, cdw14: 0, cdw15: 0 }))).toEqual(invalidField);
    expect(status(tp.cmd({ kind: 'trackReceive', prp1: 0n, prp2: 0n, cdw10: 0, cdw11: 0, cdw12: 0, cdw13: 0, cdw14: 0, cdw15: 0 }))).toEqual(invalidField);
  });

  it('D32: Suspend (after its drain) posts ESA 3 after the last change; Resume with logging on posts ESA 1; DUDMQ deletes the queue', () => {
    const { dev, host, tp } = tpSetup({ ioCompletion: 'deferred' });
    const q = tp.createUdmq(1, 8);
    tp.track(q.cdqid, 1);
    host.createIoPair(1, 1, 4);
    host.post(1, 1, sqeFor.write(host.nextCid(), 1, 9n, 1, BigInt(host.alloc(4096))));
    expect(tp.suspend(1)).toBeNull();
    dev.completeIo(1);
    expect(status(tp.resume(1))).toEqual(OK);
    expect(tp.udmq(q.base, 8).slice(0, 4).map((x) => [x.esa, Number(x.slba)])).toEqual([[UDMQ_ESA.FIRST, 0], [UDMQ_ESA.NONE, 9], [UDMQ_ESA.LAST_SUSPENDED, 0], [UDMQ_ESA.FIRST, 0]]);
    expect(status(tp.suspend(1, 1, true))).toEqual(OK);
    expect(status(tp.track(q.cdqid, 0))).toEqual(cs(SC_HMLM.INVALID_CONTROLLER_DATA_QUEUE));
  });

  it('D31, I14: nothing is written into unreleased slots; the last free slot gets ESA 7 and logging stops; released slots take the next pass with phase 0', () => {
    const { host, tp } = tpSetup();
    const q = tp.createUdmq(1, 4);
    tp.track(q.cdqid, 1);
    host.createIoPair(1, 1, 4);
    for (let i = 0; i < 4; i++) host.write(1, 1, i, 1, i);
    const e = tp.udmq(q.base, 4);
    expect(e.map((x) => [x.phase, x.esa])).toEqual([[1, UDMQ_ESA.FIRST], [1, UDMQ_ESA.NONE], [1, UDMQ_ESA.LAST_FULL], [0, 0]]);
    expect(status(tp.track(q.cdqid, 0))).toEqual(OK); // logging stopped: nothing posted past full
    expect(tp.udmq(q.base, 4)[3].phase).toBe(0);
    expect(status(tp.setHead(q.cdqid, 3))).toEqual(OK);
    expect(status(tp.setHead(q.cdqid, 1))).toEqual(invalidField); // would release unwritten slots
    tp.track(q.cdqid, 1);
    host.write(1, 1, 50, 1, 0);
    expect(tp.udmq(q.base, 4).map((x) => x.phase)).toEqual([0, 1, 1, 1]);
    expect(Number(tp.udmq(q.base, 4)[0].slba)).toBe(50);
  });
});

describe('D33 One-Shot events', () => {
  it('D33, L7: the tail-pointer trigger and a full queue each complete the next outstanding AER (type 4, info 0 / 1, DW1 = CDQID)', () => {
    const { host, tp } = tpSetup();
    const q = tp.createUdmq(1, 4);
    expect(status(tp.setHead(q.cdqid, 0, 2, true))).toEqual(OK);
    expect(host.submit(0, 0, AER(900))).toBeNull();
    expect(host.submit(0, 0, AER(901))).toBeNull();
    tp.track(q.cdqid, 1);
    host.createIoPair(1, 1, 4);
    host.write(1, 1, 0, 1, 0);
    host.write(1, 1, 1, 1, 0);
    const done = [...host.stray, ...host.reap(0, 0)].filter((c) => c.cid >= 900);
    expect(done.map((c) => [c.cid, decodeAsyncEvent(c.dw0, c.dw1)])).toEqual([
      [900, { type: 4, info: ONE_SHOT_INFO.TAIL_POINTER_TRIGGER, lid: 0, param: q.cdqid }],
      [901, { type: 4, info: ONE_SHOT_INFO.CDQ_FULL, lid: 0, param: q.cdqid }],
    ]);
  });
});

describe('D34 resets', () => {
  it('D34: FLR of a VF clears its suspension, its I/O queues and Set State parts, and stops its logging', () => {
    const { dev, host, tp } = tpSetup();
    const q = tp.createUdmq(1, 8);
    tp.track(q.cdqid, 1);
    host.createIoPair(1, 1, 4);
    tp.suspend(1);
    expect(status(tp.setState(1, new Uint8Array(48), { seqind: 1 }))).toEqual(invalidField); // has I/O queues
    dev.flr(1);
    expect(dev.inspect(1)).toMatchObject({ lmState: 'running', ioQueues: 0 });
    host.forget(1);
    host.enable(1);
    host.createIoPair(1, 1, 4);
    host.write(1, 1, 7, 1, 0);
    expect(tp.udmq(q.base, 8).filter((e) => e.phase === 1).length).toBe(2); // ESA 1 and ESA 3 only
    expect(status(tp.track(q.cdqid, 1))).toEqual(OK);
  });

  it('D34: a PF reset resets every VF and deletes every CDQ', () => {
    const { dev, host, tp } = tpSetup();
    const q = tp.createUdmq(1, 8);
    tp.suspend(2);
    dev.flr(0);
    expect(dev.inspect(2).lmState).toBe('running');
    host.forget(0);
    host.enable(0);
    expect(status(tp.track(q.cdqid, 1))).toEqual(cs(SC_HMLM.INVALID_CONTROLLER_DATA_QUEUE));
  });
});

describe('D34 during a Suspend drain', () => {
  it('D34, L5: an FLR of a VF whose Suspend drains completes that Suspend (Command Sequence Error) and the VF runs again', () => {
    const { dev, host, tp } = tpSetup({ ioCompletion: 'deferred' });
    host.createIoPair(1, 1, 4);
    host.post(1, 1, sqeFor.write(host.nextCid(), 1, 0n, 1, BigInt(host.alloc(4096))));
    expect(tp.suspend(1)).toBeNull();
    dev.flr(1);
    expect(host.reap(0, 0).map(status)).toEqual([{ sct: 0, sc: 0x0c, dnr: true }]);
    expect(dev.inspect(1).lmState).toBe('running');
  });
});
