// Emulator benchmarks, on an EmulatedDevice directly through BenchHost (SQE
// into host memory, SQ tail doorbell, CQE read, CQ head doorbell), each
// against copying the bytes the command moves, timed side by side.
import { EmulatedDevice } from '../src/emulator/device.ts';
import { LBA_SIZE } from '../src/emulator/namespace.ts';
import { MAX_IO_QUEUES } from '../src/emulator/options.ts';
import { sqeFor } from '../src/wire/adminCommands.ts';
import { LM } from '../src/wire/opcodes.ts';
import { PAGE_SIZE } from '../src/wire/page.ts';
import { check, result, sideBySide, type BenchResult, type Rounds } from './harness.ts';
import { BenchHost } from './host.ts';

export interface EmulatorConfig extends Rounds {
  /** admin commands per timed round */
  adminCommands: number;
  /** 4 KiB reads per timed round */
  ioCommands: number;
  /** SAVE+LOAD pairs per timed round */
  saveLoads: number;
}

const IO_BYTES = 4096;

export function emulatorBenches(c: EmulatorConfig): BenchResult[] {
  return [adminCommands(c), ioReads(c), saveLoad(c)];
}

function perSecond(count: number, ms: number): number {
  return count / (ms / 1000);
}

/** PF admin queue: QUERY, SUSPEND, RESUME of VF 1, over and over. */
function adminCommands(c: EmulatorConfig): BenchResult {
  const dev = new EmulatedDevice({ vfs: 1 });
  const host = new BenchHost(dev);
  host.enable(0, 64);
  host.enable(1, 64);
  const pf = host.pair(0, 0);
  const cmds = [BenchHost.lmSqe(LM.QUERY, 1), BenchHost.lmSqe(LM.SUSPEND, 1), BenchHost.lmSqe(LM.RESUME, 1)];
  const n = Math.ceil(c.adminCommands / 3) * 3;
  const ours = (): void => {
    for (let i = 0; i < n; i += 3) {
      host.commandOn(pf, cmds[0]);
      host.commandOn(pf, cmds[1]);
      host.commandOn(pf, cmds[2]);
    }
  };
  // baseline: the bytes a command moves through host memory, 64 in and 16 out, with Buffer.copy
  const sqe = Buffer.alloc(64, 1);
  const sqRing = Buffer.alloc(64 * 64);
  const cqRing = Buffer.alloc(16 * 64, 2);
  const cqe = Buffer.alloc(16);
  const copies = (): void => {
    for (let i = 0; i < n; i++) {
      const slot = i & 63;
      sqe.copy(sqRing, slot * 64);
      cqRing.copy(cqe, 0, slot * 16, slot * 16 + 16);
    }
  };
  const [oursMs, copyMs] = sideBySide([ours, copies], c);
  check(dev.inspect(1).lmState === 'running', 'VF 1 should be running after SUSPEND/RESUME pairs');
  return result({
    name: 'emulator.admin_cmds_per_s',
    value: perSecond(n, oursMs),
    unit: 'cmds/s',
    better: 'higher',
    baseline: { name: 'Buffer.copy of 64 + 16 bytes per command', value: perSecond(n, copyMs) },
    target: 'value >= 1,000,000 cmds/s',
    meets: (v) => v >= 1_000_000,
    note: `PF admin queue (64 entries), queue depth 1, QUERY / SUSPEND / RESUME of VF 1 in turn, ${n} commands a round, every completion checked`,
  });
}

/** 4 KiB reads (8 LBAs) on VF 1's I/O queue 1, over 64 distinct written extents and 16 host buffers. */
function ioReads(c: EmulatorConfig): BenchResult {
  const dev = new EmulatedDevice({ vfs: 1 });
  const host = new BenchHost(dev);
  host.enable(0);
  host.enable(1);
  host.createIoPair(1, 1, 64);
  const q = host.pair(1, 1);
  const blocks = IO_BYTES / LBA_SIZE;
  const buffers = Array.from({ length: 16 }, () => host.alloc(IO_BYTES));
  const extents = 64;
  // real data to read back: each extent written once, through the same queue
  for (let e = 0; e < extents; e++) {
    dev.memory.write(buffers[0], new Uint8Array(IO_BYTES).fill(e + 1));
    host.commandOn(q, sqeFor.write(0, 1, BigInt(e * blocks), blocks, BigInt(buffers[0])));
  }
  const reads = Array.from({ length: extents }, (_, e) => sqeFor.read(0, 1, BigInt(e * blocks), blocks, BigInt(buffers[e & 15])));
  const n = c.ioCommands;
  const ours = (): void => {
    for (let i = 0; i < n; i++) host.commandOn(q, reads[i & 63]);
  };
  const source = Buffer.alloc(IO_BYTES * extents, 3);
  const dest = Buffer.alloc(IO_BYTES * 16);
  const copies = (): void => {
    for (let i = 0; i < n; i++) source.copy(dest, (i & 15) * IO_BYTES, (i & 63) * IO_BYTES, ((i & 63) + 1) * IO_BYTES);
  };
  const [oursMs, copyMs] = sideBySide([ours, copies], c);
  const last = (n - 1) & 63;
  check(dev.memory.read(buffers[last & 15], IO_BYTES).every((b) => b === last + 1), 'the last read did not bring back the data written to its extent');
  return result({
    name: 'emulator.io_cmds_per_s',
    value: perSecond(n, oursMs),
    unit: 'cmds/s',
    better: 'higher',
    baseline: { name: 'Buffer.copy of 4 KiB', value: perSecond(n, copyMs) },
    note: `NVM Read of 8 x 512-byte LBAs (PRP1 only) on VF 1's I/O queue 1 (64 entries), queue depth 1, ${n} a round, data checked after`,
  });
}

/** SAVE then LOAD of VF 1 holding all 64 I/O queue pairs: the largest migration data. */
function saveLoad(c: EmulatorConfig): BenchResult {
  const dev = new EmulatedDevice({ vfs: 1 });
  const host = new BenchHost(dev);
  host.enable(0);
  host.enable(1);
  for (let qid = 1; qid <= MAX_IO_QUEUES; qid++) host.createIoPair(1, qid, 16);
  const pf = host.pair(0, 0);
  host.commandOn(pf, BenchHost.lmSqe(LM.SUSPEND, 1));
  const size = host.commandOn(pf, BenchHost.lmSqe(LM.QUERY, 1));
  const buffer = host.alloc(size + PAGE_SIZE);
  const save = BenchHost.lmSqe(LM.SAVE, 1, BigInt(buffer), BigInt(buffer + PAGE_SIZE));
  const load = BenchHost.lmSqe(LM.LOAD, 1, BigInt(buffer), BigInt(buffer + PAGE_SIZE), size);
  const n = c.saveLoads;
  host.commandOn(pf, save);
  const before = dev.memory.read(buffer, size);
  const ours = (): void => {
    for (let i = 0; i < n; i++) {
      host.commandOn(pf, save);
      host.commandOn(pf, load);
    }
  };
  // baseline: the same bytes moved the same two ways, out to a buffer and back
  const state = Buffer.alloc(size, 5);
  const out = Buffer.alloc(size);
  const copies = (): void => {
    for (let i = 0; i < n; i++) {
      state.copy(out);
      out.copy(state);
    }
  };
  const [oursMs, copyMs] = sideBySide([ours, copies], c);
  check(dev.inspect(1).lmState === 'loaded' && dev.inspect(1).ioQueues === MAX_IO_QUEUES, 'VF 1 should be loaded with its 64 queue pairs');
  // LOAD restored exactly what SAVE took: a SAVE now writes the same bytes as the first one
  host.commandOn(pf, save);
  const after = dev.memory.read(buffer, size);
  check(after.every((b, i) => b === before[i]), 'SAVE after the SAVE/LOAD rounds differs from the first SAVE');
  const bytes = 2 * size * n;
  return result({
    name: 'emulator.save_load.bytes_per_s',
    value: perSecond(bytes, oursMs),
    unit: 'bytes/s',
    better: 'higher',
    baseline: { name: `Buffer.copy of the same ${size} bytes out and back`, value: perSecond(bytes, copyMs) },
    target: 'ratio >= 0.5',
    meets: (_v, ratio) => ratio >= 0.5,
    note: `SAVE then LOAD of VF 1 with ${MAX_IO_QUEUES} I/O queue pairs (${size} bytes each way, the largest migration data), ${n} pairs a round; each is a full admin command`,
    details: { bytes: size },
  });
}
