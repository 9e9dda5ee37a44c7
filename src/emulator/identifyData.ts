// Identify data pages, built once per (profile, function) and shared: the
// controller only ever copies them out.
import { CNS_CONTROLLER, encodeIdentifyController } from '../wire/identify.ts';
import {
  CNS_SECONDARY_CONTROLLER_LIST,
  CNS_SUPPORTED_STATE_FORMATS,
  encodeSecondaryControllerList,
  encodeSupportedStateFormats,
  STATE_FORMAT_VERSION_0,
  writeMigrationIdentify,
} from '../wire/tp4159/identify.ts';
import { NVME_LM_STATE_UUID } from '../wire/tp4159/vendorState.ts';
import { MCUDMQ } from './hmlmAccept.ts';
import { encodeIdentifyNamespace } from '../wire/identifyNamespace.ts';
import type { ProfileInfo } from './profiles.ts';
import { LBA_SIZE } from './namespace.ts';

export const MODEL_NUMBER = 'nvme-lm emulated NVMe controller';
export const FIRMWARE_REVISION = '1.0';

const controllerPages = new Map<string, Uint8Array>();

/**
 * Identify Controller (CNS 01h). CNTLID is the function number. Byte 3072 is
 * the profile's capability byte on the PF and 0x00 on every VF (D2): the
 * hypervisor asks the PF, never the VF it hands to a guest.
 */
export function identifyControllerPage(p: ProfileInfo, fn: number): Uint8Array {
  const key = `${p.name}:${fn}`;
  let page = controllerPages.get(key);
  if (!page) {
    page = encodeIdentifyController({
      vid: p.vendor,
      ssvid: p.vendor,
      sn: `NVMELM${fn.toString().padStart(4, '0')}`,
      mn: MODEL_NUMBER,
      fr: FIRMWARE_REVISION,
      cntlid: fn,
      oacs: 0,
      lmCapability: fn === 0 ? p.capabilityByte : 0x00,
    });
    controllerPages.set(key, page);
  }
  return page;
}

const namespacePages = new Map<number, Uint8Array>();

/** Identify Namespace (CNS 00h) for namespace 1: one LBA format, 512-byte blocks, fully allocated. */
export function identifyNamespacePage(lbaCount: number): Uint8Array {
  let page = namespacePages.get(lbaCount);
  if (!page) {
    const n = BigInt(lbaCount);
    page = encodeIdentifyNamespace({ nsze: n, ncap: n, nuse: n, nlbaf: 0, flbas: 0, lbaf0Ms: 0, lbaf0Lbads: Math.log2(LBA_SIZE) });
    namespacePages.set(lbaCount, page);
  }
  return page;
}

/**
 * The standard profile's Identify pages (D21): the PF's Identify Controller
 * with OACS.HMLMS and the tracking rows (a VF's stays without, D19), CNS 20h
 * (format 0000h and, unless the device was asked not to, the project's vendor UUID, D25) and CNS 15h (VF k is
 * CNTLID k, online unless Virtualization Management took it offline). Undefined for a CNS the profile does not add.
 */
export interface HmlmDeviceView {
  vfs: number;
  /** a VF's secondary controller is online (Virtualization Management) */
  online(vf: number): boolean;
  /** CNS 20h lists the project's vendor state UUID (D25) */
  vendorState: boolean;
}

export function hmlmIdentifyPage(p: ProfileInfo, fn: number, cns: number, device: HmlmDeviceView): Uint8Array | undefined {
  const { vfs, online } = device;
  if (cns === CNS_CONTROLLER) {
    if (fn !== 0) return identifyControllerPage(p, fn);
    const page = identifyControllerPage(p, fn).slice();
    writeMigrationIdentify(page, {
      hmlms: true,
      dbcs: false,
      cmmrtd: 0,
      nmmrtd: 0,
      minmrtg: 0,
      maxmrtg: 0,
      thmcs: false,
      tudcs: true,
      mrtll: false,
      mcudmq: MCUDMQ,
      mnsudmq: 1,
      mcmr: 0,
      nmcmr: 0,
      mcdqpc: 0,
    });
    return page;
  }
  if (cns === CNS_SUPPORTED_STATE_FORMATS) {
    return encodeSupportedStateFormats(fn === 0 ? { versions: [STATE_FORMAT_VERSION_0], uuids: device.vendorState ? [NVME_LM_STATE_UUID] : [] } : { versions: [], uuids: [] });
  }
  if (cns === CNS_SECONDARY_CONTROLLER_LIST) {
    const list = fn === 0 ? Array.from({ length: Math.min(vfs, 127) }, (_, i) => ({ scid: i + 1, pcid: 0, online: online(i + 1), vfn: i + 1, nvq: 0, nvi: 0 })) : [];
    return encodeSecondaryControllerList(list);
  }
  return undefined;
}
