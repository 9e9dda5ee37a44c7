// The tp4159 guard (D21): the driver sends the standard's management commands
// only to a PF that reports OACS.HMLMS = 1 and lists, in Identify CNS 20h, a
// state format it can read (version 0000h). No PCI ID allowlist: the opcodes
// are the standard's, not a vendor's. It also learns what the arcs need: each
// VF's CNTLID (Secondary Controller List, D20) and whether the PF lists this
// project's vendor section (D25).
import { CNS_CONTROLLER, decodeIdentifyController, type IdentifyController } from '../wire/identify.ts';
import { WireError } from '../wire/layout.ts';
import { chooseStateFormat, type StateFormat } from '../wire/tp4159/hostCommands.ts';
import { CNS_SECONDARY_CONTROLLER_LIST, CNS_SUPPORTED_STATE_FORMATS, decodeSecondaryControllerList, decodeSupportedStateFormats, readMigrationIdentify } from '../wire/tp4159/identify.ts';
import type { AdminChannel, HmlmPermit } from './channel.ts';
import { formatPciId, type PciId } from './device.ts';
import { HostError, NvmeCommandError } from './errors.ts';
import { identifyPage } from './identify.ts';

type HmlmRefusalReason =
  /** OACS.HMLMS = 0: the PF is no migration management controller */
  | 'no-hmlms'
  /** CNS 20h lists no version this driver reads */
  | 'no-readable-format'
  /** an Identify failed or timed out */
  | 'identify-failed';

export interface HmlmOffer {
  format: StateFormat;
  /** CNTLID of each VF, by VF number (1-based, the kernel's VF id + 1) */
  cntlid: ReadonlyMap<number, number>;
}

export type HmlmProbeResult =
  | { supported: true; pciId: PciId; identify: IdentifyController; permit: HmlmPermit; offer: HmlmOffer }
  | { supported: false; pciId: PciId; reason: HmlmRefusalReason; message: string };

/** Decide whether the tp4159 commands may be sent to this PF; sends Identify only (CNS 01h, 20h, 15h), never a management opcode. */
export async function probeHmlm(channel: AdminChannel): Promise<HmlmProbeResult> {
  channel.revokeLm();
  const pciId = await channel.device.pciId();
  const id = formatPciId(pciId);
  const submit = (sqe: Uint8Array) => channel.submit(sqe);
  const refuse = (reason: HmlmRefusalReason, message: string): HmlmProbeResult => ({ supported: false, pciId, reason, message });
  try {
    const page = await identifyPage(channel.device, submit, CNS_CONTROLLER);
    if (!readMigrationIdentify(page).hmlms) {
      return refuse('no-hmlms', `PF ${id} reports OACS bit 11 HMLMS = 0: it is no migration management controller, so no tp4159 command is sent to it (D21). Use a PF that reports HMLMS = 1, or the profile its vendor documents.`);
    }
    const formats = decodeSupportedStateFormats(await identifyPage(channel.device, submit, CNS_SUPPORTED_STATE_FORMATS));
    const format = chooseStateFormat(formats);
    if (!format) {
      const listed = formats.versions.length ? formats.versions.map((v) => `${v.toString(16).padStart(4, '0')}h`).join(', ') : 'none';
      return refuse('no-readable-format', `PF ${id} lists controller state versions ${listed} in Identify CNS 20h; this driver reads version 0000h only, so it does not migrate from or to this PF (D21).`);
    }
    const list = decodeSecondaryControllerList(await identifyPage(channel.device, submit, CNS_SECONDARY_CONTROLLER_LIST));
    const permit: HmlmPermit = { pciId, hmlms: true, csvi: format.csvi };
    channel.permitHmlm(permit);
    return { supported: true, pciId, identify: decodeIdentifyController(page), permit, offer: { format, cntlid: new Map(list.map((c) => [c.vfn, c.scid])) } };
  } catch (e) {
    if (!(e instanceof NvmeCommandError || e instanceof HostError || e instanceof WireError)) throw e;
    return refuse('identify-failed', `Identify on PF ${id} failed or gave data that does not decode: ${e.message}. The tp4159 commands stay off; check the PF is enabled and retry.`);
  }
}
