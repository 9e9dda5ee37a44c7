// One Identify command from the host driver: a page of DMA memory, the
// command, the 4096 bytes read back, the page freed whatever happens. The
// guards of both profiles (probe.ts, probeHmlm.ts) and the tp4159 arcs read
// Identify data through it.
import { sqeFor } from '../wire/adminCommands.ts';
import { IDENTIFY_SIZE } from '../wire/identify.ts';
import type { Cqe } from '../wire/cqe.ts';
import type { HostDevice } from './device.ts';
import { DmaBuffer } from './prp.ts';

/** Identify CNS `cns` (CNTID `cntid`) through `submit`; throws what `submit` throws. */
export async function identifyPage(device: HostDevice, submit: (sqe: Uint8Array) => Promise<Cqe>, cns: number, cntid = 0): Promise<Uint8Array> {
  const buffer = await DmaBuffer.allocate(device, IDENTIFY_SIZE);
  try {
    const { prp1 } = await buffer.prps(IDENTIFY_SIZE);
    await submit(sqeFor.identify(0, cns, prp1, cntid));
    return await buffer.read(0, IDENTIFY_SIZE);
  } finally {
    buffer.free();
  }
}
