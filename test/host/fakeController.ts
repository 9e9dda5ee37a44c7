// A register-level PF for RegisterHostDevice tests: CAP/CC/CSTS/AQA/ASQ/ACQ,
// the admin SQ tail and CQ head doorbells, phase-tagged CQEs, FLR. Written
// from the NVMe register text, independently of src/host/adminQueue.ts.
// `answer` decides each command: a status and DW0, 'drop' (never complete) or
// 'late' (complete only when the next doorbell rings).
import type { RawNvmeBus } from '../../src/host/registerDevice.ts';
import type { PciId } from '../../src/host/device.ts';
import { PAGE_SIZE } from '../../src/wire/page.ts';

const PAGE = BigInt(PAGE_SIZE);

export type Answer = { sc: number; dw0?: number } | 'drop' | 'late';

export interface FakeControllerOptions {
  /** CAP.MQES: maximum queue entries, zero-based */
  mqes?: number;
  dstrd?: number;
  /** CSTS.RDY follows CC.EN only after this many CSTS reads */
  readyDelay?: number;
  /** never become ready */
  neverReady?: boolean;
  answer?: (sqe: Uint8Array) => Answer;
  pciId?: PciId;
}

export class FakeController implements RawNvmeBus {
  readonly pages = new Map<bigint, Uint8Array>();
  readonly writes: { fn: number; offset: number; width: number; value: bigint }[] = [];
  readonly resets: number[] = [];
  /** SQEs fetched, in order */
  readonly fetched: Uint8Array[] = [];
  cc = 0n;
  aqa = 0n;
  asq = 0n;
  acq = 0n;
  private rdy = 0;
  private rdyTarget = 0;
  private readsUntilRdy = 0;
  private sqHead = 0;
  private cqTail = 0;
  private phase = 1;
  private late: Uint8Array[] = [];

  constructor(readonly o: FakeControllerOptions = {}) {}

  get entries(): { sq: number; cq: number } {
    return { sq: Number(this.aqa & 0xfffn) + 1, cq: Number((this.aqa >> 16n) & 0xfffn) + 1 };
  }

  pciId(): PciId {
    return this.o.pciId ?? { vendor: 0x8086, device: 0x4c4d };
  }

  regRead(fn: number, offset: number): bigint {
    if (fn !== 0) return 0n;
    switch (offset) {
      case 0x00:
        return BigInt(this.o.mqes ?? 63) | (1n << 16n) | (BigInt(this.o.dstrd ?? 0) << 32n);
      case 0x14:
        return this.cc;
      case 0x1c:
        if (this.readsUntilRdy > 0) this.readsUntilRdy--;
        else this.rdy = this.rdyTarget;
        return BigInt(this.rdy);
      default:
        return 0n;
    }
  }

  regWrite(fn: number, offset: number, width: 4 | 8, value: bigint): void {
    this.writes.push({ fn, offset, width, value });
    if (fn !== 0) return;
    const stride = 4 << (this.o.dstrd ?? 0);
    if (offset === 0x14) {
      const wasOn = (this.cc & 1n) === 1n;
      this.cc = value;
      const on = (value & 1n) === 1n;
      if (on && !wasOn) {
        this.sqHead = 0;
        this.cqTail = 0;
        this.phase = 1;
        this.late = [];
      }
      if (this.o.neverReady && on) return;
      this.readsUntilRdy = this.o.readyDelay ?? 0;
      this.rdyTarget = on ? 1 : 0;
    } else if (offset === 0x24) this.aqa = value;
    else if (offset === 0x28) this.asq = value;
    else if (offset === 0x30) this.acq = value;
    else if (offset === 0x1000) this.ring(Number(value));
    else if (offset !== 0x1000 + stride) throw new Error(`unexpected register write at 0x${offset.toString(16)}`);
  }

  /** SQ 0 tail doorbell: fetch and execute up to the new tail; post late completions first. */
  private ring(tail: number): void {
    for (const sqe of this.late.splice(0)) this.post(sqe, { sc: 0, dw0: 0xdead });
    while (this.sqHead !== tail) {
      const sqe = this.readSync(this.asq + BigInt(this.sqHead * 64), 64);
      this.sqHead = (this.sqHead + 1) % this.entries.sq;
      this.fetched.push(sqe);
      const a = this.o.answer?.(sqe) ?? { sc: 0 };
      if (a === 'drop') continue;
      if (a === 'late') this.late.push(sqe);
      else this.post(sqe, a);
    }
  }

  private post(sqe: Uint8Array, a: { sc: number; dw0?: number }): void {
    const cqe = new Uint8Array(16);
    const v = new DataView(cqe.buffer);
    v.setUint32(0, a.dw0 ?? 0, true);
    v.setUint16(8, this.sqHead, true);
    v.setUint16(12, sqe[2] | (sqe[3] << 8), true);
    v.setUint16(14, this.phase | (a.sc << 1) | (a.sc ? 0x8000 : 0), true);
    this.writeSync(this.acq + BigInt(this.cqTail * 16), cqe);
    this.cqTail = (this.cqTail + 1) % this.entries.cq;
    if (this.cqTail === 0) this.phase ^= 1;
  }

  flr(fn: number): void {
    this.resets.push(fn);
    if (fn === 0) {
      this.cc = 0n;
      this.rdy = this.rdyTarget = 0;
    }
  }

  memRead(addr: bigint, len: number): Uint8Array {
    return this.readSync(addr, len);
  }

  memWrite(addr: bigint, data: Uint8Array): void {
    this.writeSync(addr, data);
  }

  private readSync(addr: bigint, len: number): Uint8Array {
    const out = new Uint8Array(len);
    for (let i = 0; i < len; i++) {
      const a = addr + BigInt(i);
      out[i] = this.pages.get(a / PAGE)?.[Number(a % PAGE)] ?? 0;
    }
    return out;
  }

  private writeSync(addr: bigint, data: Uint8Array): void {
    for (let i = 0; i < data.length; i++) {
      const a = addr + BigInt(i);
      let p = this.pages.get(a / PAGE);
      if (!p) this.pages.set(a / PAGE, (p = new Uint8Array(Number(PAGE))));
      p[Number(a % PAGE)] = data[i];
    }
  }
}
