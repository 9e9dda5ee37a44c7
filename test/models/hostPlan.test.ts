// The bindings' one host memory plan: every range any binding uses (the
// function blocks, migration buffers, bulk I/O queues, the acceptance
// buffers, the host driver's region) fits QEMU's usable RAM, nothing
// overlaps, the unmapped address is never inside the plan, and the PRPs of a
// migration transfer follow NVMe's rules.
import { describe, expect, it } from 'vitest';
import {
  ACCEPTANCE_PLAN,
  BLOCK,
  BUFFER_BYTES,
  bulkQueuePair,
  DRIVER_REGION,
  MAX_BULK_QUEUES,
  DATA_SLOTS,
  MAX_FUNCTION,
  MAX_PLANNED_QUEUES,
  MIGRATION_OFFSET,
  PLAN_BASE,
  PLAN_END,
  UNMAPPED,
  functionPlan,
  migrationBuffers,
  prpListBytes,
  prpsFor,
  udmqRing,
} from '../../models/host/hostPlan.ts';
import { PAGE_SIZE as PAGE } from '../../src/wire/page.ts';
import { checkTesterRange } from '../../src/verify/qemu/memoryMap.ts';

/** Every [start, length) range the plan hands out. */
function ranges(): Array<[bigint, number, string]> {
  const out: Array<[bigint, number, string]> = [];
  for (let fn = 0; fn <= MAX_FUNCTION; fn++) {
    const p = functionPlan(fn);
    out.push([p.asq, PAGE, `fn ${fn} asq`], [p.acq, PAGE, `fn ${fn} acq`], [p.scratch, PAGE, `fn ${fn} scratch`], [p.readBuffer, PAGE, `fn ${fn} read`]);
    for (let s = 0; s < DATA_SLOTS; s++) out.push([p.data(s), BLOCK, `fn ${fn} data ${s}`]);
    for (let q = 1; q <= MAX_PLANNED_QUEUES; q++) out.push([p.ioSq(q), PAGE, `fn ${fn} sq ${q}`], [p.ioCq(q), PAGE, `fn ${fn} cq ${q}`]);
    if (fn > 0) {
      const { save, load } = migrationBuffers(fn);
      for (const [name, b] of [['save', save], ['load', load]] as const) {
        out.push([b.list, PAGE, `vf ${fn} ${name} list`], [b.start, b.capacity, `vf ${fn} ${name} data`]);
      }
    }
    for (let q = 1; q <= MAX_BULK_QUEUES; q++) {
      const { sq, cq } = bulkQueuePair(fn, q);
      out.push([sq, PAGE, `fn ${fn} bulk sq ${q}`], [cq, PAGE, `fn ${fn} bulk cq ${q}`]);
    }
  }
  const a = ACCEPTANCE_PLAN;
  out.push([a.image, BUFFER_BYTES, 'acceptance image'], [a.imageList, PAGE, 'acceptance image list'], [a.measure, BUFFER_BYTES, 'acceptance measure']);
  out.push([a.measureList, PAGE, 'acceptance measure list'], [a.data, 2 * PAGE, 'acceptance pattern and read-back']);
  for (let vf = 1; vf <= MAX_FUNCTION; vf++) out.push([udmqRing(vf), PAGE, `vf ${vf} udmq`]);
  out.push([DRIVER_REGION.base, DRIVER_REGION.bytes, 'host driver region']);
  return out;
}

describe('host memory plan', () => {
  it('every range lies in [PLAN_BASE, PLAN_END), usable on QEMU (below its reserved top 64 KiB, clear of the ROM hole)', () => {
    for (const [a, n, what] of ranges()) {
      expect(a >= PLAN_BASE && a + BigInt(n) <= PLAN_END, what).toBe(true);
      expect(() => checkTesterRange(a, n), what).not.toThrow();
    }
    expect(UNMAPPED >= PLAN_END).toBe(true);
  });

  it('no two ranges overlap', () => {
    const sorted = ranges().sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
    for (let i = 1; i < sorted.length; i++) {
      const [a, n, what] = sorted[i - 1];
      expect(a + BigInt(n) <= sorted[i][0], `${what} overlaps ${sorted[i][2]}`).toBe(true);
    }
  });

  it('D7: migration PRPs: PRP1 carries the offset, PRP2 is the next page up to two pages, a list beyond; 256 KiB fits', () => {
    const { save } = migrationBuffers(1);
    const first = PAGE - MIGRATION_OFFSET;
    expect(prpsFor(save, first)).toEqual({ prp1: save.start, prp2: 0n, listEntries: [] });
    expect(prpsFor(save, first + PAGE)).toEqual({ prp1: save.start, prp2: save.start + BigInt(first), listEntries: [] });
    const big = prpsFor(save, 256 * 1024);
    expect(big.prp2).toBe(save.list);
    expect(big.listEntries.every((e) => e % BigInt(PAGE) === 0n)).toBe(true);
    expect(first + big.listEntries.length * PAGE).toBeGreaterThanOrEqual(256 * 1024);
    expect(() => prpsFor(save, save.capacity + 1)).toThrow(/does not fit/);
    expect(prpListBytes([0x1000n, 0x2000n])).toEqual(Uint8Array.from([0, 0x10, 0, 0, 0, 0, 0, 0, 0, 0x20, 0, 0, 0, 0, 0, 0]));
  });

  it('functions and queues outside the plan are refused with what to use', () => {
    expect(() => functionPlan(MAX_FUNCTION + 1)).toThrow(/use 0 \(the PF\) to 8/);
    expect(() => functionPlan(1).ioSq(MAX_PLANNED_QUEUES + 1)).toThrow(/use 1 to 8/);
    expect(() => migrationBuffers(0)).toThrow(/belong to a VF/);
    expect(() => bulkQueuePair(1, MAX_BULK_QUEUES + 1)).toThrow(/use 1 to 127/);
  });
});
