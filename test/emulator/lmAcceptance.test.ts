import { describe, expect, it } from 'vitest';
import { EmulatedDevice } from '../../src/emulator/device.ts';
import type { Profile } from '../../src/emulator/profiles.ts';
import type { LmState } from '../../src/emulator/controller.ts';
import { Host, setup, status } from './helpers.ts';
import { sqeFor } from '../../src/wire/adminCommands.ts';
import { encodeLmCommand, LM_LAYOUTS } from '../../src/wire/lmCommands.ts';
import { LM, LM_OPCODES } from '../../src/wire/opcodes.ts';
import { SC } from '../../src/wire/status.ts';

const ok = { sct: 0, sc: 0, dnr: false };
const rejected = (sc: number) => ({ sct: 0, sc, dnr: true });
const FIVE = LM_OPCODES.map((o) => o.opcode);

/** Put VF `vf` into an LM state through the PF admin queue; `data` is migration data to LOAD. */
function toState(host: Host, vf: number, state: LmState, data: Uint8Array): void {
  if (state === 'running') return;
  // saving: a write fetched and held in flight (deferred) when SAVE arrives, so the SAVE waits for it (D12)
  if (state === 'saving') host.post(vf, 1, sqeFor.write(host.nextCid(), 1, 0n, 8, BigInt(host.alloc(4096))));
  expect(status(host.suspend(vf))).toEqual(ok);
  if (state === 'saving') expect(host.save(vf).held).toBe(true);
  if (state === 'saved') expect(status(host.save(vf).cqe)).toEqual(ok);
  if (state === 'loaded') expect(status(host.load(vf, data))).toEqual(ok);
  expect(host.dev.inspect(vf).lmState).toBe(state);
}

/** Valid migration data from VF 2 (suspended, saved, resumed again). */
function dataFromVf2(host: Host): Uint8Array {
  host.suspend(2);
  const { data } = host.save(2);
  host.resume(2);
  return data;
}

/** A full LM SQE for `opcode` with valid PRPs (a fresh buffer holding `data`) and LOAD size. */
function lmSqe(host: Host, opcode: number, vf: number, size = 0, data?: Uint8Array): Uint8Array {
  const buf = host.alloc(3 * 4096);
  if (data) host.dev.memory.write(buf, data);
  const withData = opcode === LM.SAVE || opcode === LM.LOAD;
  return encodeLmCommand({
    opcode,
    cid: host.nextCid(),
    vfIndex: vf,
    ...(withData ? { prp1: BigInt(buf), prp2: BigInt(buf + 4096) } : {}),
    ...(opcode === LM.LOAD ? { size } : {}),
  });
}

/** Submit on the PF admin queue and check I3: a rejection changes no state (the used queue pair aside). */
function submitPf(dev: EmulatedDevice, host: Host, sqe: Uint8Array): ReturnType<typeof status> {
  const before = dev.stateHash({ fn: 0, sqid: 0 });
  const c = status(host.submit(0, 0, sqe));
  if (c && (c.sc !== 0 || c.sct !== 0)) expect(dev.stateHash({ fn: 0, sqid: 0 }), 'I3: a rejected command changed state').toBe(before);
  return c;
}

describe('D1: LM opcodes on a VF admin queue', () => {
  it('D1: each of the five on a VF admin queue is rejected with Invalid Command Opcode (DNR) and nothing changes (I1)', () => {
    const { dev, host } = setup({ vfs: 2 });
    host.createIoPair(1, 1);
    for (const vf of [1, 2]) {
      for (const opcode of FIVE) {
        const before = dev.stateHash({ fn: vf, sqid: 0 });
        const c = host.submit(vf, 0, encodeLmCommand({ opcode, cid: host.nextCid(), vfIndex: vf }));
        expect(status(c)).toEqual(rejected(SC.INVALID_OPCODE));
        expect(dev.stateHash({ fn: vf, sqid: 0 })).toBe(before);
        expect(dev.inspect(vf).lmState).toBe('running');
      }
    }
  });
  it('D1: vfQueuePolicy "drop" gives no completion at all; the entry is consumed (SQ head advances) and nothing else changes', () => {
    const { dev, host } = setup({ vfs: 1, vfQueuePolicy: 'drop' });
    for (const opcode of FIVE) {
      const before = dev.stateHash({ fn: 1, sqid: 0 });
      expect(host.submit(1, 0, encodeLmCommand({ opcode, cid: host.nextCid(), vfIndex: 1 }))).toBeNull();
      expect(dev.stateHash({ fn: 1, sqid: 0 })).toBe(before);
      expect(dev.inspect(1).pendingEntries).toEqual({});
    }
    const next = host.submit(1, 0, sqeFor.getNumberOfQueues(host.nextCid()))!;
    expect(status(next)).toEqual(ok);
    expect(next.sqhd).toBe(6);
    expect(host.stray).toEqual([]);
  });
});

describe('D2: Identify Controller byte 3072', () => {
  const cases: Array<[Profile, number]> = [['lm', 0x01], ['no-lm', 0x00], ['reserved', 0x02], ['foreign', 0x00]];
  for (const [profile, byte] of cases) {
    it(`D2: profile ${profile}: the PF reports 0x${byte.toString(16).padStart(2, '0')}, every VF reports 0x00`, () => {
      const { dev, host } = setup({ vfs: 2, profile });
      for (const fn of [0, 1, 2]) {
        const buf = host.alloc(4096);
        expect(status(host.submit(fn, 0, sqeFor.identify(host.nextCid(), 1, BigInt(buf))))).toEqual(ok);
        expect(dev.memory.read(buf + 3072, 1)[0]).toBe(fn === 0 ? byte : 0);
      }
    });
  }
});

describe('D4: VF index', () => {
  it('D4: 0, one above the enabled VFs, and 0xFFFF give Invalid Field (DNR); 1 and the last VF are accepted', () => {
    const { dev, host } = setup({ vfs: 3 });
    for (const opcode of FIVE) {
      for (const vf of [0, 4, 0xffff]) expect(submitPf(dev, host, lmSqe(host, opcode, vf, 120))).toEqual(rejected(SC.INVALID_FIELD));
    }
    for (const vf of [1, 3]) expect(submitPf(dev, host, lmSqe(host, LM.QUERY, vf))).toEqual(ok);
  });
  it('D4: bits 31:16 of CDW10 are reserved: ignored by default, so they do not change the VF index', () => {
    const { dev, host } = setup({ vfs: 1 });
    const sqe = lmSqe(host, LM.SUSPEND, 1);
    sqe[42] = 0x01;
    expect(submitPf(dev, host, sqe)).toEqual(ok);
    expect(dev.inspect(1).lmState).toBe('suspended');
  });
});

describe('D5: the state table (5 commands x 5 states)', () => {
  const states: LmState[] = ['running', 'suspended', 'saving', 'saved', 'loaded'];
  // saving: a SAVE held while the VF's fetched I/O drains (D12); only QUERY and SUSPEND are answered (saveDrain.ts).
  const expected: Record<string, Record<LmState, LmState | 'sequence'>> = {
    SUSPEND: { running: 'suspended', suspended: 'suspended', saving: 'saving', saved: 'saved', loaded: 'loaded' },
    RESUME: { running: 'running', suspended: 'running', saving: 'sequence', saved: 'running', loaded: 'running' },
    QUERY_DATA_SIZE: { running: 'running', suspended: 'suspended', saving: 'saving', saved: 'saved', loaded: 'loaded' },
    SAVE_DATA: { running: 'sequence', suspended: 'saved', saving: 'sequence', saved: 'saved', loaded: 'saved' },
    LOAD_DATA: { running: 'sequence', suspended: 'loaded', saving: 'sequence', saved: 'loaded', loaded: 'loaded' },
  };
  for (const op of LM_OPCODES) {
    for (const from of states) {
      const want = expected[op.name][from];
      it(`D5: ${op.name} in ${from} -> ${want === 'sequence' ? 'Command Sequence Error, no change' : `success, ${want}`}`, () => {
        const { dev, host } = setup({ vfs: 2, ioCompletion: 'deferred' });
        host.createIoPair(1, 1);
        const data = dataFromVf2(host);
        toState(host, 1, from, data);
        const c = submitPf(dev, host, lmSqe(host, op.opcode, 1, data.length, data));
        if (want === 'sequence') {
          expect(c).toEqual(rejected(SC.SEQUENCE_ERROR));
          expect(dev.inspect(1).lmState).toBe(from);
        } else {
          expect(c).toEqual(ok);
          expect(dev.inspect(1).lmState).toBe(want);
        }
      });
    }
  }
  it('D5: QUERY in every state returns the exact byte count a SAVE writes (D8)', () => {
    const { host } = setup({ vfs: 1 });
    host.createIoPair(1, 1);
    host.createIoPair(1, 2);
    expect(host.query(1)!.dw0).toBe(80 + 2 * 40);
    host.suspend(1);
    const size = host.query(1)!.dw0;
    const { data } = host.save(1);
    expect(host.query(1)!.dw0).toBe(size);
    expect(data.length).toBe(size);
    expect(data[8] | (data[9] << 8)).toBe(size);
  });
});

describe('D9: FUSE and PSDT', () => {
  it('D9: FUSE != 0 and PSDT != 00b give Invalid Field in Command for each of the five, nothing changes', () => {
    const { dev, host } = setup({ vfs: 1 });
    host.suspend(1);
    for (const opcode of FIVE) {
      for (const byte1 of [0x01, 0x02, 0x03, 0x40, 0x80, 0xc0]) {
        const sqe = lmSqe(host, opcode, 1, 120);
        sqe[1] = byte1;
        expect(submitPf(dev, host, sqe)).toEqual(rejected(SC.INVALID_FIELD));
      }
    }
    expect(dev.inspect(1).lmState).toBe('suspended');
  });
});

describe('D10: reserved fields', () => {
  for (const layout of LM_LAYOUTS) {
    const bytes = layout.reserved.flatMap((r) => Array.from({ length: r.last - r.first + 1 }, (_, i) => r.first + i));
    it(`D10: ${layout.name}: every reserved byte (and NSID) rejected with Invalid Field under strict, ignored by default`, () => {
      for (const strict of [true, false]) {
        const { dev, host } = setup({ vfs: 2, strict });
        host.suspend(1);
        const data = dataFromVf2(host);
        for (const b of bytes) {
          const sqe = lmSqe(host, layout.opcode.opcode, 1, data.length, data);
          sqe[b] |= b === 1 ? 0x04 : 0x10; // byte 1: a CDW0 13:10 bit, never FUSE or PSDT
          const c = submitPf(dev, host, sqe);
          expect(c, `byte ${b} strict=${strict}`).toEqual(strict ? rejected(SC.INVALID_FIELD) : ok);
        }
      }
    });
  }
});

describe('D17: profiles', () => {
  it('D17: no-lm: the five are unknown opcodes on the PF and on every VF (even with drop), nothing changes; PCI 8086:0953', () => {
    const { dev, host } = setup({ vfs: 1, profile: 'no-lm', vfQueuePolicy: 'drop' });
    expect(dev.pciId(0)).toEqual({ vendor: 0x8086, device: 0x0953 });
    for (const opcode of FIVE) {
      expect(submitPf(dev, host, lmSqe(host, opcode, 1, 120))).toEqual(rejected(SC.INVALID_OPCODE));
      expect(status(host.submit(1, 0, lmSqe(host, opcode, 1, 120)))).toEqual(rejected(SC.INVALID_OPCODE));
    }
  });
  it('D17: reserved (byte 0x02) executes the five as lm does; PCI 8086:4c4d', () => {
    const { dev, host } = setup({ vfs: 1, profile: 'reserved' });
    expect(dev.pciId(0)).toEqual({ vendor: 0x8086, device: 0x4c4d });
    expect(status(host.suspend(1))).toEqual(ok);
    expect(status(host.save(1).cqe)).toEqual(ok);
    expect(dev.inspect(1).lmState).toBe('saved');
  });
  it('D17: foreign: 0xC4 erases the namespace and succeeds; the other four are unknown; VFs know none; PCI 144d:4c4d', () => {
    const { dev, host } = setup({ vfs: 1, profile: 'foreign' });
    expect(dev.pciId(0)).toEqual({ vendor: 0x144d, device: 0x4c4d });
    host.createIoPair(1, 1);
    host.write(1, 1, 0, 8, 0x77);
    expect(dev.namespace.nonzeroChunks()).toBe(1);
    for (const opcode of [LM.SUSPEND, LM.RESUME, LM.SAVE, LM.LOAD]) expect(submitPf(dev, host, lmSqe(host, opcode, 1, 120))).toEqual(rejected(SC.INVALID_OPCODE));
    for (const opcode of FIVE) expect(status(host.submit(1, 0, lmSqe(host, opcode, 1)))).toEqual(rejected(SC.INVALID_OPCODE));
    expect(dev.namespace.nonzeroChunks()).toBe(1);
    expect(status(host.query(1))).toEqual(ok);
    expect(dev.namespace.nonzeroChunks()).toBe(0);
    expect(host.read(1, 1, 0, 8).data.every((b) => b === 0)).toBe(true);
  });
  it('D17: lm: PCI 8086:4c4d (the allowlisted ID); VFs report the VF device ID 4c4e', () => {
    const dev = new EmulatedDevice({ vfs: 2 });
    expect(dev.pciId(0)).toEqual({ vendor: 0x8086, device: 0x4c4d });
    expect(dev.pciId(2)).toEqual({ vendor: 0x8086, device: 0x4c4e });
  });
});

describe('PRPs of SAVE and LOAD (NVMe PRP rules)', () => {
  it('SAVE: unmapped PRP1 is a Data Transfer Error; PRP1 not dword aligned or a second page with an offset is PRP Offset Invalid; VF unchanged', () => {
    const { dev, host } = setup({ vfs: 1 });
    host.suspend(1);
    const buf = host.alloc(2 * 4096);
    const save = (prp1: number, prp2: number) => encodeLmCommand({ opcode: LM.SAVE, cid: host.nextCid(), vfIndex: 1, prp1: BigInt(prp1), prp2: BigInt(prp2) });
    expect(submitPf(dev, host, save(0x7000_0000, 0))).toEqual(rejected(SC.DATA_TRANSFER_ERROR));
    expect(submitPf(dev, host, save(buf + 2, 0))).toEqual(rejected(SC.PRP_OFFSET_INVALID));
    expect(submitPf(dev, host, save(buf + 4092, buf + 4096 + 8))).toEqual(rejected(SC.PRP_OFFSET_INVALID));
    expect(submitPf(dev, host, save(buf + 4092, 0x7000_0000))).toEqual(rejected(SC.DATA_TRANSFER_ERROR));
    expect(dev.inspect(1).lmState).toBe('suspended');
    expect(submitPf(dev, host, save(buf + 4092, buf + 4096))).toEqual(ok);
  });
  it('LOAD: a PRP list entry with an offset is PRP Offset Invalid; an unmapped list is a Data Transfer Error', () => {
    const { dev, host } = setup({ vfs: 1 });
    host.suspend(1);
    const pages = host.alloc(4 * 4096);
    const list = new Uint8Array(16);
    new DataView(list.buffer).setBigUint64(0, BigInt(pages + 4096 + 0x10), true);
    new DataView(list.buffer).setBigUint64(8, BigInt(pages + 2 * 4096), true);
    dev.memory.write(pages + 3 * 4096, list);
    const load = (prp2: number) => encodeLmCommand({ opcode: LM.LOAD, cid: host.nextCid(), vfIndex: 1, prp1: BigInt(pages), prp2: BigInt(prp2), size: 3 * 4096 });
    expect(submitPf(dev, host, load(pages + 3 * 4096))).toEqual(rejected(SC.PRP_OFFSET_INVALID));
    expect(submitPf(dev, host, load(0x7000_0000))).toEqual(rejected(SC.DATA_TRANSFER_ERROR));
    expect(dev.inspect(1).lmState).toBe('suspended');
  });
});
