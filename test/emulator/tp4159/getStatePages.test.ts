// D24 across pages: Get Controller State whose data crosses a page boundary
// lands exactly where PRP1 and PRP2 say, byte for byte the same state as in
// one page, and nothing outside the transfer is written. (The largest state,
// 64 I/O queue pairs and the vendor section, is 3,192 bytes: it spans at most
// two pages; yet a host sizes its buffer by NUMD, and a buffer of three or
// more pages has PRP2 as a PRP list pointer even when the state is shorter.)
import { describe, expect, it } from 'vitest';
import { status } from '../helpers.ts';
import { OK, tpSetup } from './tpHost.ts';
import { numdFor } from '../../../src/wire/tp4159/commandCodec.ts';
import { decodeControllerState, stateSize } from '../../../src/wire/tp4159/state.ts';
import { VENDOR_STATE_DWORDS } from '../../../src/wire/tp4159/vendorState.ts';
import { MAX_IO_QUEUES } from '../../../src/emulator/options.ts';

const PAGE = 4096;

describe('tp4159 Get Controller State across pages', () => {
  it('D24: the largest state (64 I/O queue pairs, vendor section) crossing into a PRP2 page that is not the next page is the same bytes as in one page, and writes nothing else', () => {
    const { host, tp, dev } = tpSetup({ vfs: 1 });
    for (let q = 1; q <= MAX_IO_QUEUES; q++) host.createIoPair(1, q, 2);
    expect(status(tp.suspend(1))).toEqual(OK);
    const len = stateSize(MAX_IO_QUEUES, MAX_IO_QUEUES, VENDOR_STATE_DWORDS);
    const get = (prp1: number, prp2: number) => tp.cmd({ kind: 'getState', csvi: 1, cntlid: 1, csuuidi: 1, csuidxp: 0, offset: 0n, uidx: 0, numd: numdFor(len), prp1: BigInt(prp1), prp2: BigInt(prp2) });

    const one = host.alloc(PAGE);
    expect(status(get(one, 0))).toEqual(OK);
    const flat = dev.memory.read(one, len);
    expect(decodeControllerState(flat).length).toBe(len);

    // PRP1 1,000 bytes before its page ends; PRP2 a page two pages further on, with a guard page between
    const area = host.alloc(4 * PAGE);
    dev.memory.write(area, new Uint8Array(4 * PAGE).fill(0xee));
    const first = PAGE - 1000;
    const second = area + 2 * PAGE;
    expect(status(get(area + first, second))).toEqual(OK);
    const got = new Uint8Array(len);
    got.set(dev.memory.read(area + first, 1000), 0);
    got.set(dev.memory.read(second, len - 1000), 1000);
    expect(Buffer.compare(got, flat)).toBe(0);
    // the guard page, the bytes before PRP1 and after the transfer are untouched
    expect(dev.memory.read(area + PAGE, PAGE).every((b) => b === 0xee)).toBe(true);
    expect(dev.memory.read(area, first).every((b) => b === 0xee)).toBe(true);
    expect(dev.memory.read(second + len - 1000, PAGE - (len - 1000)).every((b) => b === 0xee)).toBe(true);
  });

  it('D24: a Get from an offset that crosses pages moves min(what is left, NUMD) bytes of the same state', () => {
    const { host, tp, dev } = tpSetup({ vfs: 1 });
    for (let q = 1; q <= 20; q++) host.createIoPair(1, q, 2);
    tp.suspend(1);
    const whole = tp.state(1, 1);
    const area = host.alloc(2 * PAGE);
    dev.memory.write(area, new Uint8Array(2 * PAGE).fill(0xee));
    const at = 100;
    const c = tp.cmd({ kind: 'getState', csvi: 1, cntlid: 1, csuuidi: 1, csuidxp: 0, offset: BigInt(at), uidx: 0, numd: numdFor(PAGE + 40), prp1: BigInt(area + PAGE - 40), prp2: BigInt(area + PAGE) }); // a two-page buffer: PRP2 its second page
    expect(status(c)).toEqual(OK);
    expect(Buffer.compare(dev.memory.read(area + PAGE - 40, whole.length - at), whole.subarray(at))).toBe(0);
    expect(dev.memory.read(area + PAGE - 40 + whole.length - at, 8).every((b) => b === 0xee)).toBe(true);
  });

  it('D24: the PRPs describe the host\'s NUMD buffer: a short state crossing the first page of a 3-page buffer lands in the PRP list\'s first page, never in the list page itself', () => {
    const { host, tp, dev } = tpSetup({ vfs: 1 });
    tp.suspend(1);
    const whole = tp.state(1, 1); // 168 bytes: no I/O queues, the vendor section
    const area = host.alloc(5 * PAGE);
    dev.memory.write(area, new Uint8Array(5 * PAGE).fill(0xee));
    const list = area + 4 * PAGE;
    const data = [area + 2 * PAGE, area + 3 * PAGE]; // the buffer's second and third pages, not next to its first
    const entries = new DataView(new ArrayBuffer(16));
    data.forEach((p, i) => entries.setBigUint64(8 * i, BigInt(p), true));
    dev.memory.write(list, new Uint8Array(entries.buffer));
    const prp1 = area + PAGE - 100; // 100 bytes in the first page, the rest in data[0]
    const c = tp.cmd({ kind: 'getState', csvi: 1, cntlid: 1, csuuidi: 1, csuidxp: 0, offset: 0n, uidx: 0, numd: numdFor(2 * PAGE), prp1: BigInt(prp1), prp2: BigInt(list) });
    expect(status(c)).toEqual(OK);
    const got = new Uint8Array(whole.length);
    got.set(dev.memory.read(prp1, 100), 0);
    got.set(dev.memory.read(data[0], whole.length - 100), 100);
    expect(Buffer.compare(got, whole)).toBe(0);
    expect(dev.memory.read(list + 16, PAGE - 16).every((b) => b === 0xee)).toBe(true);
    expect(dev.memory.read(list, 16)).toEqual(new Uint8Array(entries.buffer));
  });
});
