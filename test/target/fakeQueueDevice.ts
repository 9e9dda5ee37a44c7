import type { RawDeviceOps } from '../../src/target/queueTracker.ts';

// A tiny NVMe-like device, just enough queue behaviour to check the tracker:
// admin queue latched at CC.EN 0->1, Create/Delete I/O CQ/SQ, completions with
// phase tags, doorbells at 0x1000 with a configurable DSTRD, optional delay.
// Opcode 0xFF is dropped (no completion); opcode 0xFE fails with SC 0x02.

interface FakeSq {
  base: number;
  size: number;
  head: number;
  cqid: number;
}
interface FakeCq {
  base: number;
  size: number;
  tail: number;
  phase: number;
  hostHead: number;
}
interface FakeFn {
  cc: number;
  aqa: number;
  asq: number;
  acq: number;
  sqs: Map<number, FakeSq>;
  cqs: Map<number, FakeCq>;
}

export class FakeDevice implements RawDeviceOps {
  readonly mem = new Uint8Array(1 << 20);
  readonly fns = new Map<number, FakeFn>();
  readonly doorbells: Array<{ fn: number; offset: number; value: number }> = [];

  constructor(
    readonly dstrd = 0,
    readonly delayMs = 0,
  ) {}

  fn(f: number): FakeFn {
    let s = this.fns.get(f);
    if (!s) {
      s = { cc: 0, aqa: 0, asq: 0, acq: 0, sqs: new Map(), cqs: new Map() };
      this.fns.set(f, s);
    }
    return s;
  }

  /** What a PF reset does to a VF: CC.EN cleared behind the host's back. */
  selfDisable(f: number): void {
    const s = this.fn(f);
    s.cc = 0;
    s.sqs.clear();
    s.cqs.clear();
  }

  async regRead(f: number, offset: number, width: 4 | 8): Promise<bigint> {
    const s = this.fn(f);
    if (offset === 0 && width === 8) return BigInt(this.dstrd) << 32n;
    if (offset === 0x14) {
      return BigInt(s.cc);
    }
    return 0n;
  }

  async regWrite(f: number, offset: number, width: 4 | 8, value: bigint): Promise<void> {
    this.writeDword(f, offset, Number(value & 0xffffffffn));
    if (width === 8) this.writeDword(f, offset + 4, Number(value >> 32n));
  }

  private writeDword(f: number, offset: number, v: number): void {
    const s = this.fn(f);
    if (offset === 0x14) {
      if ((v & 1) === 1 && (s.cc & 1) === 0) {
        s.sqs.clear();
        s.cqs.clear();
        s.cqs.set(0, { base: s.acq, size: ((s.aqa >>> 16) & 0xfff) + 1, tail: 0, phase: 1, hostHead: 0 });
        s.sqs.set(0, { base: s.asq, size: (s.aqa & 0xfff) + 1, head: 0, cqid: 0 });
      } else if ((v & 1) === 0 && (s.cc & 1) === 1) {
        s.sqs.clear();
        s.cqs.clear();
      }
      s.cc = v;
    } else if (offset === 0x24) s.aqa = v;
    else if (offset === 0x28) s.asq = v;
    else if (offset === 0x30) s.acq = v;
    else if (offset >= 0x1000) {
      this.doorbells.push({ fn: f, offset, value: v });
      const index = (offset - 0x1000) / (4 << this.dstrd);
      const qid = index >> 1;
      if (index % 2 === 1) {
        const cq = s.cqs.get(qid);
        if (cq) cq.hostHead = v;
        return;
      }
      const run = (): void => this.process(f, qid, v);
      if (this.delayMs > 0) setTimeout(run, this.delayMs);
      else run();
    }
  }

  private process(f: number, qid: number, tail: number): void {
    const s = this.fn(f);
    const sq = s.sqs.get(qid);
    if (!sq) return;
    while (sq.head !== tail) {
      const at = sq.base + sq.head * 64;
      const sqe = this.mem.subarray(at, at + 64);
      sq.head = (sq.head + 1) % sq.size;
      const dv = new DataView(sqe.buffer, sqe.byteOffset, 64);
      const opc = sqe[0];
      const cid = dv.getUint16(2, true);
      const prp1 = Number(dv.getBigUint64(24, true));
      const cdw10 = dv.getUint32(40, true);
      const cdw11 = dv.getUint32(44, true);
      let sc = 0;
      if (opc === 0xff) continue;
      if (opc === 0xfe) sc = 0x02;
      else if (qid === 0 && opc === 0x05) {
        s.cqs.set(cdw10 & 0xffff, { base: prp1, size: (cdw10 >>> 16) + 1, tail: 0, phase: 1, hostHead: 0 });
      } else if (qid === 0 && opc === 0x01) {
        if (!s.cqs.has(cdw11 >>> 16)) sc = 0x02;
        else s.sqs.set(cdw10 & 0xffff, { base: prp1, size: (cdw10 >>> 16) + 1, head: 0, cqid: cdw11 >>> 16 });
      } else if (qid === 0 && opc === 0x00) s.sqs.delete(cdw10 & 0xffff);
      else if (qid === 0 && opc === 0x04) s.cqs.delete(cdw10 & 0xffff);
      this.post(s.cqs.get(sq.cqid), sq.head, qid, cid, sc);
    }
  }

  private post(cq: FakeCq | undefined, sqhd: number, sqid: number, cid: number, sc: number): void {
    if (!cq) return;
    const at = cq.base + cq.tail * 16;
    const dv = new DataView(this.mem.buffer, at, 16);
    dv.setUint32(0, 0xc0ffee, true);
    dv.setUint16(8, sqhd, true);
    dv.setUint16(10, sqid, true);
    dv.setUint16(12, cid, true);
    dv.setUint16(14, cq.phase | (sc << 1), true);
    cq.tail = (cq.tail + 1) % cq.size;
    if (cq.tail === 0) cq.phase ^= 1;
  }

  async memWrite(addr: bigint, data: Uint8Array): Promise<void> {
    this.mem.set(data, Number(addr));
  }
  async memRead(addr: bigint, len: number): Promise<Uint8Array> {
    return this.mem.slice(Number(addr), Number(addr) + len);
  }
}

export function sqe(opc: number, cid: number, fields: { prp1?: number; cdw10?: number; cdw11?: number } = {}): Uint8Array {
  const b = new Uint8Array(64);
  const dv = new DataView(b.buffer);
  dv.setUint8(0, opc);
  dv.setUint16(2, cid, true);
  dv.setBigUint64(24, BigInt(fields.prp1 ?? 0), true);
  dv.setUint32(40, fields.cdw10 ?? 0, true);
  dv.setUint32(44, fields.cdw11 ?? 0, true);
  return b;
}

export const cqeCid = (c: Uint8Array): number => c[12] | (c[13] << 8);
export const cqeSqid = (c: Uint8Array): number => c[10] | (c[11] << 8);
export const cqeSc = (c: Uint8Array): number => ((c[14] | (c[15] << 8)) >> 1) & 0xff;
