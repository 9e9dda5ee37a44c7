// NVMe virtualization management as QEMU 7.2 implements it: the secondary
// controller list (Identify CNS 0x15) and Virtualization Management (admin
// opcode 0x1C). A VF's controller only works once it holds VQ and VI
// resources and is online, and any PF reset takes that away (qemu-nvme.md).
import { decodeCqe } from '../../wire/cqe.ts';
import { sqeFor } from '../../wire/adminCommands.ts';
import { CNS_SECONDARY_CONTROLLER_LIST, decodeSecondaryControllerList, type SecondaryController } from '../../wire/tp4159/identify.ts';
import { describeStatus } from '../../wire/status.ts';
import { virtMgmtSqe, VirtAction, VirtResource } from '../../wire/virtMgmt.ts';

// the command's layout lives with the wire codecs; tests and callers know it from here too
export { virtMgmtSqe, VirtAction, VirtResource };

/** How provisioning reaches the PF's admin queue and a DMA buffer. */
export interface AdminChannel {
  submitAdmin(sqe: Uint8Array): Promise<Uint8Array | null>;
  readBuffer(len: number): Promise<Uint8Array>;
  bufferAddress: bigint;
}

let nextCid = 0xf000;
/** CIDs the target uses on the PF admin queue; tests use small ones. */
function cid(): number {
  nextCid = nextCid >= 0xffff ? 0xf000 : nextCid + 1;
  return nextCid;
}

async function mustSucceed(what: string, channel: AdminChannel, sqe: Uint8Array): Promise<void> {
  const cqe = await channel.submitAdmin(sqe);
  if (cqe === null) throw new Error(`${what}: the PF gave no completion (is the PF controller enabled and ready?)`);
  const c = decodeCqe(cqe);
  if (c.sct !== 0 || c.sc !== 0) throw new Error(`${what} failed: ${describeStatus({ sct: c.sct, sc: c.sc, dnr: c.dnr })}`);
}

async function readSecondaryList(channel: AdminChannel): Promise<SecondaryController[]> {
  await mustSucceed(
    'Identify Secondary Controller List',
    channel,
    sqeFor.identify(cid(), CNS_SECONDARY_CONTROLLER_LIST, channel.bufferAddress),
  );
  return decodeSecondaryControllerList(await channel.readBuffer(4096));
}

/**
 * Give VF 1..count their VQ and VI resources and bring them online. A VF that
 * is online is taken offline first, because QEMU only assigns resources to an
 * offline secondary controller.
 */
export async function provisionVfs(channel: AdminChannel, count: number, vqPerVf: number, viPerVf: number): Promise<void> {
  if (count === 0) return;
  const list = await readSecondaryList(channel);
  for (let k = 1; k <= count; k++) {
    const sc = list.find((e) => e.vfn === k);
    if (!sc) throw new Error(`the PF's secondary controller list has no entry for VF ${k}`);
    if (sc.online) {
      await mustSucceed(`VF ${k} offline`, channel, virtMgmtSqe(cid(), VirtAction.SECONDARY_OFFLINE, 0, sc.scid, 0));
    }
    await mustSucceed(`VF ${k} assign ${vqPerVf} VQ`, channel, virtMgmtSqe(cid(), VirtAction.SECONDARY_ASSIGN, VirtResource.VQ, sc.scid, vqPerVf));
    await mustSucceed(`VF ${k} assign ${viPerVf} VI`, channel, virtMgmtSqe(cid(), VirtAction.SECONDARY_ASSIGN, VirtResource.VI, sc.scid, viPerVf));
    await mustSucceed(`VF ${k} online`, channel, virtMgmtSqe(cid(), VirtAction.SECONDARY_ONLINE, 0, sc.scid, 0));
  }
}
