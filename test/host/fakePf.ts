// A scripted PF for driver tests: a HostDevice whose admin queue answers
// Identify and the five LM commands with a small model of D4/D5, walks PRPs
// on its own (independently of src/host/prp.ts), and records every SQE that
// reached it. Faults can be injected per command.
import { PAGE_SIZE as PAGE } from '../../src/wire/page.ts';
import type { Cqe } from '../../src/wire/cqe.ts';
import { encodeIdentifyController, IDENTIFY_SIZE } from '../../src/wire/identify.ts';
import { SC, type Status } from '../../src/wire/status.ts';
import { PageAllocator } from '../../src/host/allocator.ts';
import type { HostDevice, PciId, ResetListener, ResetNotice } from '../../src/host/device.ts';

export type VfNvmeState = 'running' | 'suspended' | 'saved' | 'loaded';

export interface Received {
  opcode: number;
  cid: number;
  vfIndex: number;
  prp1: bigint;
  prp2: bigint;
  size: number;
}

/** What a fault hook may answer: a status to complete with, 'timeout' for no completion, or undefined to run the command normally. */
export type Fault = Status | 'timeout' | undefined;

export interface FakePfOptions {
  pciId?: PciId;
  lmByte?: number;
  vfs?: number;
  /** bytes QUERY reports (and SAVE writes) */
  stateBytes?: number;
  fault?: (cmd: Received, pf: FakePf) => Fault;
}

export class FakePf implements HostDevice {
  readonly received: Received[] = [];
  readonly pages = new Map<bigint, Uint8Array>();
  readonly allocator = new PageAllocator(0x1000_0000n, 64 * 1024 * 1024);
  readonly vf: VfNvmeState[];
  /** bytes each VF's last LOAD delivered */
  readonly loaded: (Uint8Array | undefined)[];
  /** how many bytes each SAVE DMA'd, in order */
  readonly saveLengths: number[] = [];
  stateBytes: number;
  pciIdValue: PciId;
  lmByte: number;
  fault: FakePfOptions['fault'];
  private listeners = new Set<ResetListener>();

  constructor(o: FakePfOptions = {}) {
    this.pciIdValue = o.pciId ?? { vendor: 0x8086, device: 0x4c4d };
    this.lmByte = o.lmByte ?? 0x01;
    this.stateBytes = o.stateBytes ?? 1000;
    this.fault = o.fault;
    this.vf = Array.from({ length: o.vfs ?? 4 }, () => 'running' as VfNvmeState);
    this.loaded = this.vf.map(() => undefined);
  }

  pciId(): PciId {
    return this.pciIdValue;
  }

  /** Opcodes the device received, in order. */
  opcodes(): number[] {
    return this.received.map((r) => r.opcode);
  }

  lmOpcodes(): number[] {
    return this.opcodes().filter((o) => o >= 0xc4 && o <= 0xd5);
  }

  async alloc(bytes: number): Promise<bigint> {
    const a = this.allocator.alloc(bytes);
    await this.write(a, new Uint8Array(Math.ceil(bytes / PAGE) * PAGE));
    return a;
  }

  free(addr: bigint): void {
    this.allocator.free(addr);
  }

  async read(addr: bigint, len: number): Promise<Uint8Array> {
    const out = new Uint8Array(len);
    for (let done = 0; done < len; ) {
      const a = addr + BigInt(done);
      const off = Number(a % BigInt(PAGE));
      const n = Math.min(len - done, PAGE - off);
      const page = this.pages.get(a / BigInt(PAGE));
      if (page) out.set(page.subarray(off, off + n), done);
      done += n;
    }
    return out;
  }

  async write(addr: bigint, data: Uint8Array): Promise<void> {
    for (let done = 0; done < data.length; ) {
      const a = addr + BigInt(done);
      const off = Number(a % BigInt(PAGE));
      const n = Math.min(data.length - done, PAGE - off);
      const key = a / BigInt(PAGE);
      let page = this.pages.get(key);
      if (!page) this.pages.set(key, (page = new Uint8Array(PAGE)));
      page.set(data.subarray(done, done + n), off);
      done += n;
    }
  }

  onReset(listener: ResetListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A reset: the VF(s) return to running (D13, D18) and the driver is told. */
  reset(notice: ResetNotice): void {
    if (notice.kind === 'pf') this.vf.fill('running');
    else this.vf[notice.vfId] = 'running';
    for (const l of [...this.listeners]) l(notice);
  }

  /** The bytes SAVE writes for a VF: deterministic, so two SAVEs give identical bytes (D6). */
  blob(vfIndex: number, length = this.stateBytes): Uint8Array {
    return Uint8Array.from({ length }, (_, i) => (i * 7 + vfIndex * 31 + (i >> 8)) & 0xff);
  }

  /** The PRP walk, written from the NVMe text: [address, length] per data segment. */
  async walk(prp1: bigint, prp2: bigint, length: number): Promise<[bigint, number][]> {
    const segs: [bigint, number][] = [];
    const first = Math.min(length, PAGE - Number(prp1 % BigInt(PAGE)));
    segs.push([prp1, first]);
    let left = length - first;
    if (left === 0) return segs;
    if (left <= PAGE) {
      segs.push([prp2, left]);
      return segs;
    }
    let list = prp2;
    let slot = 0;
    while (left > 0) {
      const entry = new DataView((await this.read(list + BigInt(slot * 8), 8)).buffer).getBigUint64(0, true);
      if (slot === 511 && left > PAGE) {
        list = entry;
        slot = 0;
        continue;
      }
      const n = Math.min(left, PAGE);
      segs.push([entry, n]);
      left -= n;
      slot++;
    }
    return segs;
  }

  async adminCommand(sqe: Uint8Array): Promise<Cqe | null> {
    const v = new DataView(sqe.buffer, sqe.byteOffset, 64);
    const cmd: Received = {
      opcode: sqe[0],
      cid: v.getUint16(2, true),
      vfIndex: v.getUint16(40, true),
      prp1: v.getBigUint64(24, true),
      prp2: v.getBigUint64(32, true),
      size: v.getUint32(44, true),
    };
    this.received.push(cmd);
    const injected = this.fault?.(cmd, this);
    if (injected === 'timeout') return null;
    if (injected) return this.cqe(cmd, injected, 0);
    return this.execute(cmd);
  }

  private cqe(cmd: Received, s: Status, dw0: number): Cqe {
    return { dw0, dw1: 0, sqhd: 0, sqid: 0, cid: cmd.cid, phase: 1, sc: s.sc, sct: s.sct, crd: 0, more: false, dnr: s.dnr };
  }

  private async execute(cmd: Received): Promise<Cqe> {
    const ok = (dw0 = 0) => this.cqe(cmd, { sct: 0, sc: 0, dnr: false }, dw0);
    const err = (sc: number) => this.cqe(cmd, { sct: 0, sc, dnr: true }, 0);
    if (cmd.opcode === 0x06) {
      const id = encodeIdentifyController({ vid: this.pciIdValue.vendor, ssvid: this.pciIdValue.vendor, sn: 'FAKE', mn: 'fake pf', fr: '1', cntlid: 0, oacs: 0, lmCapability: this.lmByte });
      for (const [a, n] of await this.walk(cmd.prp1, cmd.prp2, IDENTIFY_SIZE)) await this.write(a, id.subarray(0, n));
      return ok();
    }
    const lm = [0xc4, 0xc8, 0xcc, 0xd2, 0xd5];
    if (!lm.includes(cmd.opcode)) return err(SC.INVALID_OPCODE);
    if (cmd.vfIndex < 1 || cmd.vfIndex > this.vf.length) return err(SC.INVALID_FIELD);
    const i = cmd.vfIndex - 1;
    const st = this.vf[i];
    switch (cmd.opcode) {
      case 0xc4:
        return ok(this.stateBytes);
      case 0xc8:
        if (st === 'running') this.vf[i] = 'suspended';
        return ok();
      case 0xcc:
        this.vf[i] = 'running';
        return ok();
      case 0xd2: {
        if (st === 'running') return err(SC.SEQUENCE_ERROR);
        const data = this.blob(cmd.vfIndex);
        let at = 0;
        for (const [a, n] of await this.walk(cmd.prp1, cmd.prp2, data.length)) {
          await this.write(a, data.subarray(at, at + n));
          at += n;
        }
        this.saveLengths.push(at);
        this.vf[i] = 'saved';
        return ok();
      }
      default: {
        if (st === 'running') return err(SC.SEQUENCE_ERROR);
        if (cmd.size === 0) return err(SC.INVALID_FIELD);
        const parts: Uint8Array[] = [];
        for (const [a, n] of await this.walk(cmd.prp1, cmd.prp2, cmd.size)) parts.push(await this.read(a, n));
        const data = new Uint8Array(cmd.size);
        let at = 0;
        for (const p of parts) {
          data.set(p, at);
          at += p.length;
        }
        this.loaded[i] = data;
        this.vf[i] = 'loaded';
        return ok();
      }
    }
  }
}
