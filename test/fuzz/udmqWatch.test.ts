// The fuzzer's UDMQ reader (src/fuzz/udmqWatch.ts) fails on what it is about:
// an entry of another VF's blocks (I13), and an entry in a slot the host has
// not released (D31, I14); and it reads a legal log without complaint.
import { describe, expect, it } from 'vitest';
import { HostMemory } from '../../src/emulator/hostMemory.ts';
import { MemoryWatch } from '../../src/fuzz/memoryWatch.ts';
import { UdmqWatch, type UdmqCursor } from '../../src/fuzz/udmqWatch.ts';
import { encodeUdmqEntry, UDMQ_ESA, UDMQ_LBACIR } from '../../src/wire/tp4159/udmq.ts';
import { FuzzFailure } from '../../src/fuzz/failure.ts';

const BASE = 0x10_0000;

function world(entries: { slba: bigint; esa: number; lbacir: number }[]): { watch: MemoryWatch; q: UdmqCursor } {
  const mem = new HostMemory();
  mem.map(BASE, 4096);
  entries.forEach((e, i) => mem.write(BASE + 32 * i, encodeUdmqEntry({ nsid: 1, nlb: 1, slba: e.slba, phase: 1, esa: e.esa, dlba: false, lbacir: e.lbacir })));
  return { watch: new MemoryWatch(mem), q: { cntlid: 1, base: BASE, entries: 4, next: 0, phase: 1, hp: 0 } };
}

const write = (slba: number): Uint8Array => {
  const sqe = new Uint8Array(64);
  sqe[0] = 0x01;
  new DataView(sqe.buffer).setBigUint64(40, BigInt(slba), true);
  sqe[48] = 1; // NLB 1, 0-based
  return sqe;
};

function failure(f: () => void): string | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof FuzzFailure) return e.rule;
    throw e;
  }
  return undefined;
}

describe('the fuzzer reads UDMQs', () => {
  const first = { slba: 0n, esa: UDMQ_ESA.FIRST, lbacir: UDMQ_LBACIR.NO_RANGE };
  it('I13: a range entry of blocks the queue\'s VF never wrote fails; one it wrote passes', () => {
    const { watch, q } = world([first, { slba: 8n, esa: 0, lbacir: UDMQ_LBACIR.RANGE_VALID }]);
    const w = new UdmqWatch();
    w.noteIo(2, write(8)); // VF 2 wrote it, not VF 1
    expect(failure(() => w.read(watch, { ...q }, 1, 'test'))).toBe('I13');
    w.noteIo(1, write(8));
    const mine = { ...q };
    expect(failure(() => w.read(watch, mine, 1, 'test'))).toBeUndefined();
    expect(mine.next).toBe(2);
  });

  it('D31/I14: with the head at 0, an entry in the fourth slot of a 4-entry queue (not released) fails; after the host released two it passes', () => {
    for (const hp of [0, 2]) {
      const w = new UdmqWatch();
      const { watch, q } = world([first, first, first]);
      expect(failure(() => w.read(watch, q, 1, 'test'))).toBeUndefined();
      q.hp = hp;
      watch.write(BASE + 96, encodeUdmqEntry({ nsid: 1, nlb: 0, slba: 0n, phase: 1, esa: UDMQ_ESA.LAST_FULL, dlba: false, lbacir: UDMQ_LBACIR.NO_RANGE }));
      expect(failure(() => w.read(watch, q, 1, 'test'))).toBe(hp === 0 ? 'I14' : undefined);
    }
  });
});
