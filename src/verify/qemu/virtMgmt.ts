// NVMe virtualization management as QEMU 7.2 implements it: the secondary
// controller list (Identify CNS 0x15) and Virtualization Management (admin
// opcode 0x1C). A VF's controller only works once it holds VQ and VI
// resources and is online, and any PF reset takes that away (qemu-nvme.md).
import { decodeCqe } from '../../wire/cqe.ts';
import { sqeFor } from '../../wire/adminCommands.ts';
import { getUint, type Layout } from '../../wire/layout.ts';
import { describeStatus } from '../../wire/status.ts';
import { virtMgmtSqe, VirtAction, VirtResource } from '../../wire/virtMgmt.ts';

// the command's layout lives with the wire codecs; tests and callers know it from here too
export { virtMgmtSqe, VirtAction, VirtResource };

const CNS_SECONDARY_CONTROLLER_LIST = 0x15;
/** Secondary Controller List: byte 0 the entry count, then 32-byte entries from byte 32. */
const SECONDARY_LIST_COUNT_OFFSET = 0;
const SECONDARY_ENTRY_BASE = 32;
const SECONDARY_ENTRY_LAYOUT: Layout = {
  name: 'Secondary Controller Entry',
  size: 32,
  fields: [
    { name: 'scid', offset: 0, width: 2, doc: 'bytes 1:0 secondary controller identifier' },
    { name: 'pcid', offset: 2, width: 2, doc: 'bytes 3:2 primary controller identifier' },
    { name: 'scs', offset: 4, width: 1, bits: [0, 0], doc: 'byte 4 bit 0: online' },
    { name: 'vfn', offset: 8, width: 2, doc: 'bytes 9:8 virtual function number (1-based)' },
    { name: 'nvq', offset: 10, width: 2, doc: 'bytes 11:10 number of VQ flexible resources assigned' },
    { name: 'nvi', offset: 12, width: 2, doc: 'bytes 13:12 number of VI flexible resources assigned' },
  ],
};

interface SecondaryController {
  scid: number;
  online: boolean;
  vfn: number;
  nvq: number;
  nvi: number;
}

export function decodeSecondaryList(data: Uint8Array): SecondaryController[] {
  const count = data[SECONDARY_LIST_COUNT_OFFSET];
  const out: SecondaryController[] = [];
  for (let i = 0; i < count; i++) {
    const at = SECONDARY_ENTRY_BASE + i * SECONDARY_ENTRY_LAYOUT.size;
    const entry = data.subarray(at, at + SECONDARY_ENTRY_LAYOUT.size);
    const field = (name: string): number => Number(getUint(entry, SECONDARY_ENTRY_LAYOUT.fields.find((f) => f.name === name)!));
    out.push({ scid: field('scid'), online: field('scs') === 1, vfn: field('vfn'), nvq: field('nvq'), nvi: field('nvi') });
  }
  return out;
}

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
  return decodeSecondaryList(await channel.readBuffer(4096));
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
