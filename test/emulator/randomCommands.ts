// Random command sequences over the PF admin queue, the VF admin queues and
// the VF I/O queues, through memory and doorbells (shared by
// properties.test.ts and mutants.test.ts). Properties checked:
//   I2: every submitted command gets exactly one CQE, carrying its own CID
//       and SQ id (commands latched or in flight get theirs later, and all
//       of them by the end); LM opcodes complete with a status from the
//       spec's table.
//   I1: an LM opcode on a VF admin queue changes no state.
//   I3: a command rejected in its own step leaves stateHash unchanged
//       (its queue pair's pointers aside: its completion moves them).
import { expect } from 'vitest';
import fc from 'fast-check';
import { EmulatedDevice } from '../../src/emulator/device.ts';
import type { Profile } from '../../src/emulator/profiles.ts';
import type { Mutant } from '../../src/emulator/options.ts';
import { Host } from './helpers.ts';
import { encodeLmCommand } from '../../src/wire/lmCommands.ts';
import { LM, LM_OPCODES } from '../../src/wire/opcodes.ts';
import { encodeCommand, READ_WRITE_LAYOUT, sqeFor } from '../../src/wire/adminCommands.ts';
import { encodeSqe } from '../../src/wire/sqe.ts';

const VFS = 2;
const SPEC_STATUS_CODES = [0x00, 0x01, 0x02, 0x03, 0x04, 0x06, 0x08, 0x0c, 0x13, 0x15];

export type Cmd =
  | { kind: 'pfLm'; opcode: number; vf: number; fuse: number; psdt: number; reservedByte: number | null; load: 'own' | 'corrupt' | 'zero' }
  | { kind: 'pfOther'; which: 'identify' | 'features' | 'unknown' | 'abort' }
  | { kind: 'vfAdmin'; vf: number; which: 'lm' | 'identify' | 'features' | 'unknown' | 'badCreate' | 'badDelete'; opcode: number }
  | { kind: 'io'; vf: number; which: 'write' | 'read' | 'flush' | 'unknown' | 'badNs' | 'outOfRange'; slba: number; fill: number }
  | { kind: 'completeIo'; vf: number; n: number };

const lmOpcode = fc.constantFrom(...LM_OPCODES.map((o) => o.opcode));
const vfIndex = fc.constantFrom(0, 1, 2, VFS + 1, 0xffff, 1, 2);
export const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('pfLm' as const),
      opcode: lmOpcode,
      vf: vfIndex,
      fuse: fc.constantFrom(0, 0, 0, 0, 1),
      psdt: fc.constantFrom(0, 0, 0, 0, 2),
      reservedByte: fc.option(fc.constantFrom(4, 12, 20, 42, 50, 60), { freq: 5 }),
      load: fc.constantFrom('own' as const, 'corrupt' as const, 'zero' as const),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('pfOther' as const), which: fc.constantFrom('identify' as const, 'features' as const, 'unknown' as const, 'abort' as const) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('vfAdmin' as const),
      vf: fc.integer({ min: 1, max: VFS }),
      which: fc.constantFrom('lm' as const, 'identify' as const, 'features' as const, 'unknown' as const, 'badCreate' as const, 'badDelete' as const),
      opcode: lmOpcode,
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('io' as const),
      vf: fc.integer({ min: 1, max: VFS }),
      which: fc.constantFrom('write' as const, 'read' as const, 'flush' as const, 'unknown' as const, 'badNs' as const, 'outOfRange' as const),
      slba: fc.integer({ min: 0, max: 64 }),
      fill: fc.integer({ min: 1, max: 255 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('completeIo' as const), vf: fc.integer({ min: 1, max: VFS }), n: fc.integer({ min: 1, max: 3 }) }) },
);

export interface Config {
  profile: Profile;
  strict: boolean;
  ioCompletion: 'immediate' | 'deferred';
}

export const configArb: fc.Arbitrary<Config> = fc.record({
  profile: fc.constantFrom<Profile>('lm', 'lm', 'reserved', 'no-lm', 'foreign'),
  strict: fc.boolean(),
  ioCompletion: fc.constantFrom('immediate' as const, 'deferred' as const),
});

export class Run {
  readonly dev: EmulatedDevice;
  readonly host: Host;
  /** outstanding commands by "fn:sqid:cid" */
  readonly outstanding = new Map<string, { lm: boolean }>();
  /** per queue, commands posted and not completed (a host never overfills an SQ) */
  readonly perQueue = new Map<string, number>();
  /** the VF's latest SAVE, while nothing happened on that VF since (LOADing it restores the same state) */
  readonly cleanSave = new Map<number, Uint8Array>();
  readonly log: string[] = [];
  private cid = 0;

  /** counts, to show the sequences reach the interesting cases */
  readonly stats = { rejected: 0, latchedOrInFlight: 0, lmSuccess: 0 };

  constructor(cfg: Config & { mutant?: Mutant }) {
    this.dev = new EmulatedDevice({ vfs: VFS, ...cfg });
    this.host = new Host(this.dev);
    this.host.enable(0);
    for (let vf = 1; vf <= VFS; vf++) {
      this.host.enable(vf);
      this.host.createIoPair(vf, 1, 16);
    }
  }

  private nextCid(): number {
    this.cid = (this.cid % 0xfff0) + 1;
    return this.cid;
  }

  private sqeFor(c: Cmd, cid: number): { fn: number; qid: number; sqe: Uint8Array; lm: boolean } {
    const h = this.host;
    switch (c.kind) {
      case 'pfLm': {
        const buf = h.alloc(2 * 4096);
        let size = 0;
        if (c.opcode === LM.LOAD) {
          const own = this.cleanSave.get(c.vf);
          const data = c.load === 'own' && own ? own : new Uint8Array(120).fill(0xa5);
          this.dev.memory.write(buf, data);
          size = c.load === 'zero' ? 0 : data.length;
        }
        const prps = c.opcode === LM.SAVE || c.opcode === LM.LOAD ? { prp1: BigInt(buf), prp2: BigInt(buf + 4096) } : {};
        const sqe = encodeLmCommand({ opcode: c.opcode, cid, vfIndex: c.vf, fuse: c.fuse, psdt: c.psdt, ...prps, ...(c.opcode === LM.LOAD ? { size } : {}) });
        if (c.reservedByte !== null) sqe[c.reservedByte] = 0x40;
        return { fn: 0, qid: 0, sqe, lm: true };
      }
      case 'pfOther':
        return { fn: 0, qid: 0, sqe: this.adminOther(c.which, cid), lm: false };
      case 'vfAdmin': {
        let sqe: Uint8Array;
        if (c.which === 'lm') sqe = encodeLmCommand({ opcode: c.opcode, cid, vfIndex: c.vf });
        else if (c.which === 'badCreate') sqe = sqeFor.createIoCq(cid, 0, 16, BigInt(h.alloc(4096)));
        else if (c.which === 'badDelete') sqe = sqeFor.deleteIoSq(cid, 5);
        else sqe = this.adminOther(c.which, cid);
        return { fn: c.vf, qid: 0, sqe, lm: c.which === 'lm' };
      }
      case 'io': {
        const buf = BigInt(h.alloc(4096));
        if (c.which !== 'read') this.dev.memory.write(Number(buf), new Uint8Array(4096).fill(c.fill));
        const sqe =
          c.which === 'write' ? sqeFor.write(cid, 1, BigInt(c.slba), 8, buf)
          : c.which === 'read' ? sqeFor.read(cid, 1, BigInt(c.slba), 8, buf)
          : c.which === 'flush' ? sqeFor.flush(cid, 1)
          : c.which === 'badNs' ? sqeFor.write(cid, 7, 0n, 1, buf)
          : c.which === 'outOfRange' ? encodeCommand(READ_WRITE_LAYOUT, { opc: 1, cid, nsid: 1, slba: BigInt(this.dev.namespace.lbaCount), nlb: 0, prp1: buf })
          : encodeSqe({ opc: 0x55, cid });
        return { fn: c.vf, qid: 1, sqe, lm: false };
      }
      default:
        throw new Error('completeIo has no SQE');
    }
  }

  private adminOther(which: 'identify' | 'features' | 'unknown' | 'abort', cid: number): Uint8Array {
    if (which === 'identify') return sqeFor.identify(cid, 1, BigInt(this.host.alloc(4096)));
    if (which === 'features') return sqeFor.getNumberOfQueues(cid);
    if (which === 'abort') return sqeFor.abort(cid, 1, 1);
    return encodeSqe({ opc: 0x3f, cid });
  }

  step(c: Cmd): void {
    this.log.push(JSON.stringify(c));
    if (c.kind === 'completeIo') {
      this.dev.completeIo(c.vf, c.n);
      this.cleanSave.delete(c.vf);
      this.settle();
      return;
    }
    const cid = this.nextCid();
    const { fn, qid, sqe, lm } = this.sqeFor(c, cid);
    const q = `${fn}:${qid}`;
    if ((this.perQueue.get(q) ?? 0) >= 15) return; // a full SQ: a host waits instead
    if (fn !== 0) this.cleanSave.delete(fn);
    const before = this.dev.stateHash({ fn, sqid: qid });
    this.outstanding.set(`${fn}:${qid}:${cid}`, { lm });
    this.perQueue.set(q, (this.perQueue.get(q) ?? 0) + 1);
    this.host.post(fn, qid, sqe);
    const after = this.dev.stateHash({ fn, sqid: qid });
    const done = this.settle();
    const own = done.find((d) => d.fn === fn && d.sqid === qid && d.cid === cid);
    if (!own) this.stats.latchedOrInFlight++;
    else if (own.sc !== 0 || own.sct !== 0) this.stats.rejected++;
    else if (lm) this.stats.lmSuccess++;
    if (c.kind === 'vfAdmin' && c.which === 'lm') {
      expect(after, `I1: LM opcode 0x${c.opcode.toString(16)} on VF ${c.vf}'s admin queue changed state`).toBe(before);
    }
    if (own && (own.sc !== 0 || own.sct !== 0)) {
      expect(after, `I3: rejected ${JSON.stringify(c)} (SC 0x${own.sc.toString(16)}) changed state`).toBe(before);
    }
    if (own && c.kind === 'pfLm' && own.sc === 0 && own.sct === 0 && c.vf >= 1 && c.vf <= VFS) {
      if (c.opcode === LM.SAVE) {
        const prp1 = Number(new DataView(sqe.buffer).getBigUint64(24, true));
        this.cleanSave.set(c.vf, this.dev.memory.read(prp1, this.dev.inspect(c.vf).migrationDataSize));
      } else if (c.opcode !== LM.QUERY) {
        this.cleanSave.delete(c.vf);
      }
    }
  }

  /** Reap every CQ; check each CQE against the outstanding set (I2). */
  settle(): Array<{ fn: number; sqid: number; cid: number; sc: number; sct: number }> {
    const done = this.host.reapAll();
    for (const d of done) {
      const key = `${d.fn}:${d.sqid}:${d.cid}`;
      const o = this.outstanding.get(key);
      expect(o, `I2: CQE ${key} matches no outstanding command (duplicate or wrong CID/SQ id)`).toBeDefined();
      if (o!.lm) expect(d.sct === 0 && SPEC_STATUS_CODES.includes(d.sc), `I2: LM status SCT ${d.sct} SC 0x${d.sc.toString(16)} not in the spec table`).toBe(true);
      this.outstanding.delete(key);
      const q = `${d.fn}:${d.sqid}`;
      this.perQueue.set(q, this.perQueue.get(q)! - 1);
    }
    return done;
  }

  /** Let everything finish: end every SAVE's drain (D12), resume every VF, complete all I/O; then nothing may remain outstanding (I2). */
  finish(): void {
    for (let vf = 1; vf <= VFS; vf++) this.dev.completeIo(vf);
    this.settle();
    for (let vf = 1; vf <= VFS; vf++) {
      if (this.dev.inspect(vf).lmState === 'running') continue;
      const cid = this.nextCid();
      this.outstanding.set(`0:0:${cid}`, { lm: true });
      this.perQueue.set('0:0', (this.perQueue.get('0:0') ?? 0) + 1);
      this.host.post(0, 0, encodeLmCommand({ opcode: LM.RESUME, cid, vfIndex: vf }));
      this.settle();
    }
    // Completions free CQ slots, which lets held-back entries be fetched: repeat until quiet.
    for (let i = 0; i < 8; i++) {
      for (let vf = 1; vf <= VFS; vf++) this.dev.completeIo(vf);
      this.settle();
    }
    expect([...this.outstanding.keys()], 'I2: commands that never got a completion').toEqual([]);
  }
}

