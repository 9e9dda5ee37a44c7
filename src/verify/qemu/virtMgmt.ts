// NVMe virtualization management as QEMU 7.2 implements it: the secondary
// controller list (Identify CNS 0x15) and Virtualization Management (admin
// opcode 0x1C). A VF's controller only works once it holds VQ and VI
// resources and is online, and any PF reset takes that away (qemu-nvme.md).
import { decodeCqe } from '../../wire/cqe.ts';
import { sqeFor } from '../../wire/adminCommands.ts';
import { CNS_SECONDARY_CONTROLLER_LIST, decodeSecondaryControllerList, type SecondaryController } from '../../wire/tp4159/identify.ts';
import { CNS_CONTROLLER } from '../../wire/identify.ts';
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

/** Largest padding a rewind may take (a few milliseconds of qtest round trips). */
const MAX_REWIND_COMMANDS = 4096;

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/**
 * The target's `sent` commands on a freshly enabled admin queue of
 * `sqEntries`/`cqEntries` entries: when their completions took more than one
 * pass of the CQ, the tester's driver cannot tell how many passes (a phase
 * tag only tells odd from even), so pad them with Identify Controller
 * commands (they change nothing) to a whole number of SQ passes and of two
 * CQ passes: both rings then stand where fresh ones start (SQ tail 0, CQ head
 * 0, phase 1), and the caller clears their memory as the enable did. Fewer
 * commands than either ring holds are left as they are: the tester skips
 * them (QueueTracker.skipForeignCompletions). Returns whether it rewound.
 */
export async function rewindAdminQueue(channel: AdminChannel, sent: number, sqEntries: number, cqEntries: number): Promise<boolean> {
  if (sent < cqEntries && sent < sqEntries) return false;
  const lap = (sqEntries * 2 * cqEntries) / gcd(sqEntries, 2 * cqEntries);
  const pad = (lap - (sent % lap)) % lap;
  if (pad > MAX_REWIND_COMMANDS) {
    throw new Error(
      `the target's ${sent} commands wrapped the PF admin queue (${sqEntries} SQ, ${cqEntries} CQ entries) and bringing it back to its start ` +
        `would take ${pad} more: give the admin SQ and CQ the same number of entries, or more than ${sent}`,
    );
  }
  for (let i = 0; i < pad; i++) await mustSucceed('Identify Controller (rewinding the PF admin queue)', channel, sqeFor.identify(cid(), CNS_CONTROLLER, channel.bufferAddress));
  return true;
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
 * offline secondary controller. Returns how many admin commands it sent.
 */
export async function provisionVfs(channel: AdminChannel, count: number, vqPerVf: number, viPerVf: number): Promise<number> {
  if (count === 0) return 0;
  let sent = 1;
  const list = await readSecondaryList(channel);
  for (let k = 1; k <= count; k++) {
    const sc = list.find((e) => e.vfn === k);
    if (!sc) throw new Error(`the PF's secondary controller list has no entry for VF ${k}`);
    if (sc.online) {
      sent++;
      await mustSucceed(`VF ${k} offline`, channel, virtMgmtSqe(cid(), VirtAction.SECONDARY_OFFLINE, 0, sc.scid, 0));
    }
    await mustSucceed(`VF ${k} assign ${vqPerVf} VQ`, channel, virtMgmtSqe(cid(), VirtAction.SECONDARY_ASSIGN, VirtResource.VQ, sc.scid, vqPerVf));
    await mustSucceed(`VF ${k} assign ${viPerVf} VI`, channel, virtMgmtSqe(cid(), VirtAction.SECONDARY_ASSIGN, VirtResource.VI, sc.scid, viPerVf));
    await mustSucceed(`VF ${k} online`, channel, virtMgmtSqe(cid(), VirtAction.SECONDARY_ONLINE, 0, sc.scid, 0));
    sent += 3;
  }
  return sent;
}
