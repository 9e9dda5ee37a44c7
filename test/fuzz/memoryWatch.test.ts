// The shadow memory: device writes inside the allowed ranges pass, any other
// changed byte is reported, host writes are not device writes, and a page
// the device made exist is reported too.
import { describe, expect, it } from 'vitest';
import { HostMemory } from '../../src/emulator/hostMemory.ts';
import { MemoryWatch } from '../../src/fuzz/memoryWatch.ts';

describe('MemoryWatch', () => {
  it('allowed device writes pass and the shadow catches up', () => {
    const w = new MemoryWatch(new HostMemory());
    w.map(0x1000, 0x2000);
    w.memory.write(0x1010, new Uint8Array([1, 2]));
    expect(w.check([0x1010, 0x1012])).toBeUndefined();
    expect(w.check([])).toBeUndefined();
  });
  it('a changed byte outside the ranges is reported with the run of stray bytes', () => {
    const w = new MemoryWatch(new HostMemory());
    w.map(0x1000, 0x2000);
    w.memory.write(0x2ffe, new Uint8Array([7, 7]));
    expect(w.check([0x1000, 0x2000])).toContain('0x2ffe..0x2fff (2 bytes)');
  });
  it('host writes through the watch are not device writes', () => {
    const w = new MemoryWatch(new HostMemory());
    w.write(0x5000, new Uint8Array([1, 2, 3]));
    expect(w.check([])).toBeUndefined();
    expect(w.entryBefore(0x5000)).toBe(0x030201);
  });
  it('a page the device made exist is reported', () => {
    const w = new MemoryWatch(new HostMemory());
    w.map(0x1000, 0x1000);
    w.memory.map(0x9000, 1);
    expect(w.check([])).toContain('made host memory pages exist');
  });
});
