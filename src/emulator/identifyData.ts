// Identify data pages, built once per (profile, function) and shared: the
// controller only ever copies them out.
import { encodeIdentifyController } from '../wire/identify.ts';
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
