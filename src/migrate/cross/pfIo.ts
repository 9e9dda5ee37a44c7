// The host's own I/O queue pair on a PF behind an Adapter (QEMU, the
// emulator): how a host that does not share storage copies a VF's data
// (tp4159 section 6). It creates one I/O CQ and SQ through the host driver's
// admin channel (so the adapter's tracker learns them), reads and writes the
// namespace the PF shares with its VFs in chunks through a PRP-list buffer,
// and reads the namespace's size from Identify Namespace.
import type { Adapter } from '../../target/adapter.ts';
import type { NvmeLmHost } from '../../host/driver.ts';
import { DmaBuffer } from '../../host/prp.ts';
import { sqeFor } from '../../wire/adminCommands.ts';
import { decodeCqe } from '../../wire/cqe.ts';
import { IDENTIFY_SIZE } from '../../wire/identify.ts';

const NSID = 1;
const QID = 1;
const ENTRIES = 16;
/** Bytes one Read or Write moves: 64 pages, within any MDTS from 5 up (QEMU's is 7). */
export const CHUNK_BYTES = 256 * 1024;

export class PfIo {
  private cid = 0;

  private constructor(
    private readonly target: Adapter,
    private readonly buffer: DmaBuffer,
    /** bytes per logical block (LBADS) */
    readonly blockBytes: number,
    /** the namespace's size in blocks (NSZE) */
    readonly blocks: number,
  ) {}

  /** The PF's namespace 1 and an I/O queue pair on it, made through `host`'s admin channel. */
  static async open(target: Adapter, host: NvmeLmHost): Promise<PfIo> {
    const device = host.channel.device;
    const { nsze, lbads } = await identifyNamespace(host);
    const cq = await DmaBuffer.allocate(device, ENTRIES * 16);
    const sq = await DmaBuffer.allocate(device, ENTRIES * 64);
    await host.channel.submit(sqeFor.createIoCq(0, QID, ENTRIES, cq.base));
    await host.channel.submit(sqeFor.createIoSq(0, QID, ENTRIES, sq.base, QID));
    return new PfIo(target, await DmaBuffer.allocate(device, CHUNK_BYTES), 1 << lbads, nsze);
  }

  /** Blocks one command moves. */
  get chunkBlocks(): number {
    return CHUNK_BYTES / this.blockBytes;
  }

  /** Read `blocks` blocks from `slba` (at most a chunk). */
  async read(slba: number, blocks: number): Promise<Uint8Array> {
    await this.io('read', slba, blocks);
    return this.buffer.read(0, blocks * this.blockBytes);
  }

  /** Write `data` (whole blocks, at most a chunk) at `slba`. */
  async write(slba: number, data: Uint8Array): Promise<void> {
    await this.buffer.write(0, data);
    await this.io('write', slba, data.length / this.blockBytes);
  }

  private async io(kind: 'read' | 'write', slba: number, blocks: number): Promise<void> {
    if (blocks < 1 || blocks * this.blockBytes > CHUNK_BYTES) throw new RangeError(`one ${kind} moves 1 to ${this.chunkBlocks} blocks, got ${blocks}`);
    const p = await this.buffer.prps(blocks * this.blockBytes);
    this.cid = (this.cid % 0xfff0) + 1;
    const sqe = sqeFor[kind](this.cid, NSID, BigInt(slba), blocks, p.prp1, p.prp2);
    const bytes = await this.target.submit(0, QID, sqe);
    if (bytes === null) throw new Error(`the PF's ${kind} of ${blocks} block(s) at LBA ${slba} never completed: the host's copy cannot go on`);
    const cqe = decodeCqe(bytes);
    if (cqe.sct !== 0 || cqe.sc !== 0) throw new Error(`the PF's ${kind} of ${blocks} block(s) at LBA ${slba} failed: SCT ${cqe.sct} SC 0x${cqe.sc.toString(16)}`);
  }
}

/** Identify Namespace (CNS 00h) of namespace 1: NSZE (bytes 7:0) and the LBA data size of the format in use (FLBAS 3:0, LBAF n bits 23:16). */
async function identifyNamespace(host: NvmeLmHost): Promise<{ nsze: number; lbads: number }> {
  const page = await DmaBuffer.allocate(host.channel.device, IDENTIFY_SIZE);
  try {
    const sqe = sqeFor.identify(0, 0, page.base);
    new DataView(sqe.buffer, sqe.byteOffset).setUint32(4, NSID, true); // NSID
    await host.channel.submit(sqe);
    const bytes = await page.read(0, IDENTIFY_SIZE);
    const id = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const format = id.getUint8(26) & 0xf;
    return { nsze: Number(id.getBigUint64(0, true)), lbads: (id.getUint32(128 + 4 * format, true) >>> 16) & 0xff };
  } finally {
    page.free();
  }
}
