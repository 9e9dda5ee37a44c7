// D19 in the Commands Supported and Effects log (Get Log Page, LID 05h): the
// PF lists the management commands, a VF marks all five unsupported, and the
// log agrees with what each function answers. Read in bytes, as a host does.
import { describe, expect, it } from 'vitest';
import { status } from '../helpers.ts';
import { cs, invalidField, invalidOpcode, OK, tpSetup, type TpHost } from './tpHost.ts';
import { encodeUints } from '../../../src/wire/layout.ts';
import { acsOffset, COMMAND_EFFECTS_LAYOUT, GET_LOG_PAGE, GET_LOG_PAGE_LAYOUT, iocsOffset } from '../../../src/wire/effectsLog.ts';
import { HMLM, NVM } from '../../../src/wire/opcodes.ts';
import { decodeUints } from '../../../src/wire/layout.ts';
import { SC_INVALID_LOG_PAGE } from '../../../src/wire/status.ts';

const PAGE = 4096;
const FIVE = [HMLM.TRACK_SEND, HMLM.TRACK_RECEIVE, HMLM.MIGRATION_SEND, HMLM.MIGRATION_RECEIVE, HMLM.CONTROLLER_DATA_QUEUE];

function getLog(tp: TpHost, fn: number, o: { lid?: number; numd?: number; lpo?: number } = {}): { cqe: ReturnType<TpHost['cmd']>; log: Uint8Array } {
  const buf = tp.host.alloc(2 * PAGE);
  tp.dev.memory.write(buf, new Uint8Array(2 * PAGE).fill(0xee));
  const numd = o.numd ?? PAGE / 4 - 1;
  const sqe = encodeUints(GET_LOG_PAGE_LAYOUT, { opc: GET_LOG_PAGE, cid: tp.host.nextCid(), lid: o.lid ?? 5, numdl: numd & 0xffff, numdu: numd >>> 16, lpo: o.lpo ?? 0, prp1: buf + 8, prp2: buf + PAGE });
  return { cqe: tp.host.submit(fn, 0, sqe), log: tp.dev.memory.read(buf + 8, PAGE) };
}

const csupp = (log: Uint8Array, at: number): boolean => decodeUints(COMMAND_EFFECTS_LAYOUT, log.subarray(at, at + 4)).csupp === 1n;

describe('tp4159 Commands Supported and Effects log', () => {
  it('D19: the PF lists the five management commands as supported, a VF marks all five unsupported', () => {
    const { tp } = tpSetup({ vfs: 2 });
    const pf = getLog(tp, 0);
    const vf = getLog(tp, 2);
    expect(status(pf.cqe)).toEqual(OK);
    expect(status(vf.cqe)).toEqual(OK);
    for (const opc of FIVE) {
      expect(csupp(pf.log, acsOffset(opc)), `PF opcode ${opc.toString(16)}h`).toBe(true);
      expect(csupp(vf.log, acsOffset(opc)), `VF opcode ${opc.toString(16)}h`).toBe(false);
    }
    // the rest is the same on both, and a Write changes logical block content
    for (const log of [pf.log, vf.log]) {
      expect(csupp(log, acsOffset(GET_LOG_PAGE))).toBe(true);
      expect(decodeUints(COMMAND_EFFECTS_LAYOUT, log.subarray(iocsOffset(NVM.WRITE), iocsOffset(NVM.WRITE) + 4)).lbcc).toBe(1n);
      expect(csupp(log, iocsOffset(NVM.READ))).toBe(true);
    }
  });

  it('D19: what a VF log marks unsupported is what its admin queue refuses with Invalid Command Opcode', () => {
    const { tp } = tpSetup({ vfs: 1 });
    const log = getLog(tp, 1).log;
    for (const opc of FIVE) {
      expect(csupp(log, acsOffset(opc))).toBe(false);
      const sqe = new Uint8Array(64);
      sqe[0] = opc;
      sqe[2] = tp.host.nextCid();
      expect(status(tp.host.submit(1, 0, sqe))).toEqual(invalidOpcode);
    }
  });

  it('Get Log Page: a partial read from an offset moves min(NUMD, what is left); another LID is Invalid Log Page; an unaligned offset Invalid Field', () => {
    const { tp } = tpSetup({ vfs: 1 });
    const whole = getLog(tp, 0).log;
    const part = getLog(tp, 0, { lpo: acsOffset(HMLM.MIGRATION_SEND), numd: 1 });
    expect(status(part.cqe)).toEqual(OK);
    expect(part.log.subarray(0, 8)).toEqual(whole.subarray(acsOffset(HMLM.MIGRATION_SEND), acsOffset(HMLM.MIGRATION_SEND) + 8));
    expect(part.log[8]).toBe(0xee); // nothing past NUMD
    const tail = getLog(tp, 0, { lpo: PAGE - 8, numd: 100 });
    expect(status(tail.cqe)).toEqual(OK);
    expect(tail.log[8]).toBe(0xee); // nothing past the log's end
    expect(status(getLog(tp, 0, { lid: 2 }).cqe)).toEqual(cs(SC_INVALID_LOG_PAGE));
    expect(status(getLog(tp, 0, { lpo: 2 }).cqe)).toEqual(invalidField);
    expect(status(getLog(tp, 0, { lpo: PAGE }).cqe)).toEqual(invalidField);
  });

  it('D24\'s PRP rule for Get Log Page: a NUMD buffer of three pages has PRP2 as a PRP list, and the 4 KiB log crossing its first page lands in the list\'s first page', () => {
    const { tp, dev, host } = tpSetup({ vfs: 1 });
    const whole = getLog(tp, 0).log;
    const area = host.alloc(4 * PAGE);
    dev.memory.write(area, new Uint8Array(4 * PAGE).fill(0xee));
    const list = area + 3 * PAGE;
    const entries = new DataView(new ArrayBuffer(16));
    entries.setBigUint64(0, BigInt(area + 2 * PAGE), true);
    entries.setBigUint64(8, BigInt(area + PAGE), true);
    dev.memory.write(list, new Uint8Array(entries.buffer));
    const numd = (3 * PAGE) / 4 - 1;
    const sqe = encodeUints(GET_LOG_PAGE_LAYOUT, { opc: GET_LOG_PAGE, cid: tp.host.nextCid(), lid: 5, numdl: numd & 0xffff, numdu: numd >>> 16, lpo: 0, prp1: area + 8, prp2: list });
    expect(status(tp.host.submit(0, 0, sqe))).toEqual(OK);
    const got = new Uint8Array(PAGE);
    got.set(dev.memory.read(area + 8, PAGE - 8), 0);
    got.set(dev.memory.read(area + 2 * PAGE, 8), PAGE - 8);
    expect(Buffer.compare(got, whole)).toBe(0);
    expect(dev.memory.read(list + 16, 64).every((b) => b === 0xee)).toBe(true);
    expect(dev.memory.read(area + PAGE, PAGE).every((b) => b === 0xee)).toBe(true);
  });
});
