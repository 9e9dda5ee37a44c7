// Host side of the tp4159 emulator tests: the standard's management commands
// in bytes on the PF admin queue (src/wire/tp4159), over the emulator tests'
// Host (../helpers.ts). Nothing here reaches into the emulator.
import { Host, setup, type Completion } from '../helpers.ts';
import type { DeviceOptions } from '../../../src/emulator/options.ts';
import type { EmulatedDevice } from '../../../src/emulator/device.ts';
import { encodeTp4159, numdFor, type Tp4159Command } from '../../../src/wire/tp4159/commandCodec.ts';
import { decodeUdmqEntries, type UdmqEntry } from '../../../src/wire/tp4159/udmq.ts';
import { decodeControllerState } from '../../../src/wire/tp4159/state.ts';

const PAGE = 4096;
/** Distributes over the union so each kind keeps its own fields. */
type NoCid<T> = T extends unknown ? Omit<T, 'cid'> : never;
export type Cmd = NoCid<Tp4159Command>;

export class TpHost {
  constructor(readonly host: Host) {}

  get dev(): EmulatedDevice {
    return this.host.dev;
  }

  /** A management command on the PF admin queue (or `fn`'s, for D19). */
  cmd(c: Cmd, fn = 0): Completion | null {
    return this.host.submit(fn, 0, encodeTp4159({ ...c, cid: this.host.nextCid() } as Tp4159Command));
  }

  suspend(vf: number, stype = 1, dudmq = false): Completion | null {
    return this.cmd({ kind: 'suspend', cntlid: vf, stype, dudmq });
  }
  resume(vf: number): Completion | null {
    return this.cmd({ kind: 'resume', cntlid: vf });
  }

  /** Get Controller State into a fresh two-page buffer; returns the completion and the bytes moved. */
  getState(vf: number, o: { csvi?: number; csuuidi?: number; offset?: bigint; numd?: number } = {}): { cqe: Completion | null; data: Uint8Array } {
    const buf = this.host.alloc(2 * PAGE);
    const cqe = this.cmd({ kind: 'getState', csvi: o.csvi ?? 1, cntlid: vf, csuuidi: o.csuuidi ?? 0, csuidxp: 0, offset: o.offset ?? 0n, uidx: 0, numd: o.numd ?? numdFor(2 * PAGE), prp1: BigInt(buf), prp2: BigInt(buf + PAGE) });
    const bytes = this.dev.memory.read(buf, 2 * PAGE);
    if (!cqe || cqe.sct !== 0 || cqe.sc !== 0) return { cqe, data: new Uint8Array(0) };
    const whole = o.offset === undefined && o.numd === undefined;
    return { cqe, data: whole ? bytes.slice(0, decodeControllerState(bytes).length) : bytes };
  }

  /** The whole state (header first for its size, as a host does, then all of it). */
  state(vf: number, csuuidi = 0): Uint8Array {
    const r = this.getState(vf, { csuuidi });
    if (!r.cqe || r.cqe.sc !== 0) throw new Error(`Get Controller State of VF ${vf} failed: ${JSON.stringify(r.cqe)}`);
    return r.data;
  }

  /** Set Controller State from a fresh buffer (SEQIND 3 by default; NUMD 0-based for `data`). */
  setState(vf: number, data: Uint8Array, o: { seqind?: number; csvi?: number; csuuidi?: number; offset?: bigint; numd?: number } = {}): Completion | null {
    const buf = this.host.alloc(2 * PAGE);
    this.dev.memory.write(buf, data);
    const numd = o.numd ?? numdFor(Math.max(4, Math.ceil(data.length / 4) * 4));
    return this.cmd({ kind: 'setState', seqind: o.seqind ?? 3, cntlid: vf, csvi: o.csvi ?? 1, csuuidi: o.csuuidi ?? 0, offset: o.offset ?? 0n, uidx: 0, numd, prp1: BigInt(buf), prp2: BigInt(buf + PAGE) });
  }

  /** Create a UDMQ of `entries` 32-byte entries for VF `cntlid`; returns the completion and where it lives. */
  createUdmq(cntlid: number, entries: number, o: { qt?: number; pc?: boolean } = {}): { cqe: Completion | null; base: number; cdqid: number } {
    const base = this.host.alloc(entries * 32);
    const cqe = this.cmd({ kind: 'cdqCreate', qt: o.qt ?? 0, pc: o.pc ?? true, cqs: cntlid, cdqsize: entries * 8, prp1: BigInt(base) });
    return { cqe, base, cdqid: cqe ? cqe.dw0 & 0xffff : 0 };
  }

  track(cdqid: number, lact: number): Completion | null {
    return this.cmd({ kind: 'trackSend', lact, cdqid });
  }

  setHead(cdqid: number, hp: number, tpt = 0, etpt = false): Completion | null {
    return this.cmd({ kind: 'setCdqFeature', sv: false, cdqid, etpt, hp, tpt, uidx: 0 });
  }

  /** The queue's entries as they are in host memory. */
  udmq(base: number, entries: number): UdmqEntry[] {
    return decodeUdmqEntries(this.dev.memory.read(base, entries * 32));
  }
}

/** A tp4159 device with the PF and every VF enabled (small admin queues: wraps happen). */
export function tpSetup(o: DeviceOptions = {}, adminEntries = 32): { dev: EmulatedDevice; host: Host; tp: TpHost } {
  const { dev, host } = setup({ vfs: 2, ...o, profile: 'tp4159' }, false);
  for (let fn = 1; fn <= dev.vfs; fn++) host.enable(fn, adminEntries);
  return { dev, host, tp: new TpHost(host) };
}

export const OK = { sct: 0, sc: 0, dnr: false };
export const invalidField = { sct: 0, sc: 0x02, dnr: true };
export const invalidOpcode = { sct: 0, sc: 0x01, dnr: true };
export const cs = (sc: number): { sct: number; sc: number; dnr: boolean } => ({ sct: 1, sc, dnr: true });
