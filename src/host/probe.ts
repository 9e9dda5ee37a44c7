// The capability guard (D2, D3), fixing the RFC driver's two defects: it
// checked no PCI ID, and it took ANY nonzero Identify byte 3072 as
// "supported". Here a PF may receive 0xC4-0xD5 only if its PCI vendor/device
// ID is on the allowlist AND byte 3072 is exactly 0x01.
import { CNS_CONTROLLER, decodeIdentifyController, LM_CAPABILITY_OFFSET, LM_SUPPORTED, type IdentifyController } from '../wire/identify.ts';
import type { AdminChannel, LmPermit } from './channel.ts';
import { formatPciId, type PciId } from './device.ts';
import { HostError, NvmeCommandError } from './errors.ts';
import { identifyPage } from './identify.ts';

/** The emulator's `lm` profile device (spec D3). */
export const DEFAULT_ALLOWLIST: readonly PciId[] = [{ vendor: 0x8086, device: 0x4c4d }];

export interface ProbeOptions {
  allowlist?: readonly PciId[];
}

type RefusalReason =
  /** PCI ID not on the allowlist: the opcodes may mean something else there (D3) */
  | 'not-allowlisted'
  /** byte 3072 = 0x00: live migration not supported */
  | 'lm-byte-zero'
  /** byte 3072 in 0x02-0xFF: reserved, meaning unknown (D2; the RFC driver wrongly accepts these) */
  | 'lm-byte-reserved'
  /** Identify Controller failed or timed out */
  | 'identify-failed';

export type ProbeResult =
  | { supported: true; pciId: PciId; identify: IdentifyController; permit: LmPermit }
  | { supported: false; pciId: PciId; reason: RefusalReason; lmByte?: number; message: string };

function onAllowlist(id: PciId, allowlist: readonly PciId[]): boolean {
  return allowlist.some((a) => a.vendor === id.vendor && a.device === id.device);
}

/**
 * Decide whether live migration may be used on this PF. Sends at most one
 * command (Identify Controller, only to an allowlisted device) and never an
 * LM opcode. On success the channel is permitted to send LM opcodes.
 */
export async function probe(channel: AdminChannel, options: ProbeOptions = {}): Promise<ProbeResult> {
  const allowlist = options.allowlist ?? DEFAULT_ALLOWLIST;
  channel.revokeLm();
  const pciId = await channel.device.pciId();
  const id = formatPciId(pciId);
  if (!onAllowlist(pciId, allowlist)) {
    return {
      supported: false,
      pciId,
      reason: 'not-allowlisted',
      message:
        `PF ${id} is not on the live-migration allowlist (${allowlist.map(formatPciId).join(', ') || 'empty'}); ` +
        `opcodes 0xC4-0xD5 are vendor specific and may do something else on it (D3). ` +
        `Add the ID to the allowlist only if its vendor documents these commands.`,
    };
  }
  let identify: IdentifyController;
  try {
    identify = decodeIdentifyController(await identifyPage(channel.device, (sqe) => channel.submit(sqe), CNS_CONTROLLER));
  } catch (e) {
    if (!(e instanceof NvmeCommandError || e instanceof HostError)) throw e;
    return {
      supported: false,
      pciId,
      reason: 'identify-failed',
      message: `Identify Controller on PF ${id} failed: ${e.message}. Live migration stays off; check the PF is enabled and retry.`,
    };
  }
  const lmByte = identify.lmCapability;
  if (lmByte === 0x00) {
    return {
      supported: false,
      pciId,
      reason: 'lm-byte-zero',
      lmByte,
      message: `PF ${id} reports Identify Controller byte ${LM_CAPABILITY_OFFSET} = 0x00: live migration not supported (D2).`,
    };
  }
  if (lmByte !== LM_SUPPORTED) {
    return {
      supported: false,
      pciId,
      reason: 'lm-byte-reserved',
      lmByte,
      message:
        `PF ${id} reports Identify Controller byte ${LM_CAPABILITY_OFFSET} = 0x${lmByte.toString(16).padStart(2, '0')}, a reserved value; ` +
        `only 0x01 means live migration is supported (D2). (The RFC's driver would accept any nonzero value; this driver does not.)`,
    };
  }
  const permit: LmPermit = { pciId, lmByte: 0x01 };
  channel.permitLm(permit);
  return { supported: true, pciId, identify, permit };
}
