import { describe, expect, it } from 'vitest';
import { EmulatedDevice } from '../../src/emulator/device.ts';
import type { CommandTrace } from '../../src/emulator/controller.ts';
import { RamNamespace } from '../../src/emulator/namespace.ts';
import { setup, status } from './helpers.ts';
import { sqeFor } from '../../src/wire/adminCommands.ts';
import { encodeLmCommand } from '../../src/wire/lmCommands.ts';
import { LM } from '../../src/wire/opcodes.ts';

describe('device options', () => {
  it('bad options throw with what to use instead', () => {
    expect(() => new EmulatedDevice({ vfs: -1 })).toThrow(/from 0 to 255/);
    expect(() => new EmulatedDevice({ profile: 'lmx' as never })).toThrow(/use one of lm, no-lm, reserved, foreign/);
    expect(() => new EmulatedDevice({ maxIoQueuesPerVf: 65 })).toThrow(/from 1 to 64/);
    expect(() => new EmulatedDevice({ vfQueuePolicy: 'ignore' as never })).toThrow(/"reject" or "drop"/);
    expect(() => new EmulatedDevice({ ioCompletion: 'later' as never })).toThrow(/"immediate" or "deferred"/);
    expect(() => new EmulatedDevice({ mutant: 'x' as never })).toThrow(/unknown mutant/);
  });
  it('D15: two devices can share one namespace object', () => {
    const ns = new RamNamespace(1024);
    const a = new EmulatedDevice({ namespace: ns });
    const b = new EmulatedDevice({ namespace: ns });
    expect(a.namespace).toBe(b.namespace);
  });
});

describe('stateHash (I3)', () => {
  it('I3: a successful command that changes nothing moves only its queue pair: the exclusion variant is unchanged, the full hash is not', () => {
    const { dev, host } = setup({ vfs: 1 });
    const full = dev.stateHash();
    const excl = dev.stateHash({ fn: 0, sqid: 0 });
    expect(status(host.submit(0, 0, sqeFor.getNumberOfQueues(1)))).toEqual({ sct: 0, sc: 0, dnr: false });
    expect(dev.stateHash()).not.toBe(full);
    expect(dev.stateHash({ fn: 0, sqid: 0 })).toBe(excl);
    expect(dev.stateHash({ fn: 1, sqid: 0 })).not.toBe(excl);
  });
  it('I3: the hash sees LM state, queues, registers and the namespace', () => {
    const { dev, host } = setup({ vfs: 1 });
    const seen = new Set([dev.stateHash({ fn: 0, sqid: 0 })]);
    host.suspend(1);
    seen.add(dev.stateHash({ fn: 0, sqid: 0 }));
    host.resume(1);
    host.createIoPair(1, 1);
    seen.add(dev.stateHash({ fn: 0, sqid: 0 }));
    host.write(1, 1, 0, 1, 1);
    seen.add(dev.stateHash({ fn: 0, sqid: 0 }));
    dev.regWrite(1, 0x0c, 4, 1n);
    seen.add(dev.stateHash({ fn: 0, sqid: 0 }));
    expect(seen.size).toBe(5);
  });
});

describe('snapshot and restore (prefix-sharing runners)', () => {
  it('restore brings back controllers, memory and namespace, in place and as often as needed', () => {
    const { dev, host } = setup({ vfs: 2 });
    host.createIoPair(1, 1);
    const memory = dev.memory;
    const snap = dev.snapshot();
    const hash = dev.stateHash();
    const pages = dev.memory.pageNumbers();
    for (let round = 0; round < 2; round++) {
      host.write(1, 1, 0, 8, 0x42);
      host.suspend(2);
      dev.flr(1);
      expect(dev.stateHash()).not.toBe(hash);
      dev.restore(snap);
      expect(dev.stateHash()).toBe(hash);
      expect(dev.memory).toBe(memory);
      expect(dev.memory.pageNumbers()).toEqual(pages);
      expect(dev.namespace.nonzeroChunks()).toBe(0);
    }
  });
  it('a restored device keeps working through doorbells (queues come from the snapshot, no stale page references)', () => {
    const { dev, host } = setup({ vfs: 1 });
    host.createIoPair(1, 1);
    const snap = dev.snapshot();
    host.alloc(4096); // memory changes after the snapshot are undone by restore, pages included
    dev.restore(snap);
    expect(status(host.write(1, 1, 0, 8, 0x42))).toEqual({ sct: 0, sc: 0, dnr: false });
    expect(host.read(1, 1, 0, 8).data.every((b) => b === 0x42)).toBe(true);
  });
});

describe('trace', () => {
  it('reports every command with its outcome and, for rejections, the decision', () => {
    const { dev, host } = setup({ vfs: 1, vfQueuePolicy: 'drop' });
    const t: CommandTrace[] = [];
    dev.trace = (e) => t.push(e);
    host.lm({ opcode: LM.SAVE, vfIndex: 1, prp1: 0x1000n });
    host.lm({ opcode: LM.QUERY, vfIndex: 0 });
    host.submit(1, 0, encodeLmCommand({ opcode: LM.SUSPEND, cid: 5, vfIndex: 1 }));
    expect(t.map((e) => [e.fn, e.outcome, e.status?.sc, e.decision])).toEqual([
      [0, 'completed', 0x0c, 'D5'],
      [0, 'completed', 0x02, 'D4'],
      [1, 'dropped', undefined, 'D1'],
    ]);
  });
});
