// PCI configuration access on QEMU's q35 machine with no firmware: the
// PCIEXBAR enable through the legacy 0xcf8/0xcfc mechanism, then ECAM (MMIO)
// for everything else, and capability-list walks.
import type { Qtest } from './qtest.ts';

/** Where ECAM is placed (q35 PCIEXBAR, 256 MiB window, buses 0-255). */
const ECAM_BASE = 0xb000_0000n;
const PCIEXBAR_OFFSET = 0x60; // host bridge 00:00.0
const PCIEXBAR_ENABLE = 0x1;

/** Standard config header offsets. */
export const PciCfg = {
  VENDOR_ID: 0x00, // 16
  DEVICE_ID: 0x02, // 16
  COMMAND: 0x04, // 16
  STATUS: 0x06, // 16
  CLASS_REV: 0x08, // 32: class 31:8
  BAR0: 0x10, // 32
  BAR1: 0x14, // 32 (upper half of a 64-bit BAR0)
  PRIMARY_BUS: 0x18, // 8
  SECONDARY_BUS: 0x19, // 8
  SUBORDINATE_BUS: 0x1a, // 8
  IO_BASE: 0x1c, // 8
  IO_LIMIT: 0x1d, // 8
  MEM_BASE: 0x20, // 16: address 31:20 in bits 15:4
  MEM_LIMIT: 0x22, // 16
  PREF_MEM_BASE: 0x24, // 16
  PREF_MEM_LIMIT: 0x26, // 16
  CAP_PTR: 0x34, // 8
} as const;

export const PciCommand = {
  MEMORY: 1 << 1,
  BUS_MASTER: 1 << 2,
  INTX_DISABLE: 1 << 10,
} as const;

/** Capability ids. */
export const CAP_ID_PCIE = 0x10; // standard list
export const EXT_CAP_ID_SRIOV = 0x0010; // extended list

/** PCI Express capability: Device Control sits at +0x08; bit 15 starts an FLR. */
export const PCIE_DEVCTL = 0x08;
export const PCIE_DEVCTL_FLR = 1 << 15;
export const PCIE_DEVCAP = 0x04;
export const PCIE_DEVCAP_FLR = 1 << 28;

/** SR-IOV extended capability layout (offsets from the capability header). */
export const Sriov = {
  CONTROL: 0x08, // 16: bit 0 VF Enable, bit 3 VF Memory Space Enable
  TOTAL_VFS: 0x0e, // 16
  NUM_VFS: 0x10, // 16
  FIRST_VF_OFFSET: 0x14, // 16
  VF_STRIDE: 0x16, // 16
  VF_BAR0: 0x24, // 32 (64-bit BAR: +0x28 is the upper half)
} as const;
export const SRIOV_CTRL_VFE = 1 << 0;
export const SRIOV_CTRL_VF_MSE = 1 << 3;

/** A function's routing id: bus and devfn (device << 3 | function; with ARI just the function number). */
export interface Bdf {
  bus: number;
  devfn: number;
}

export function bdfText(b: Bdf): string {
  const dev = b.devfn >> 3;
  const fn = b.devfn & 7;
  return `${b.bus.toString(16).padStart(2, '0')}:${dev.toString(16).padStart(2, '0')}.${fn}`;
}

export class PciConfig {
  constructor(private readonly qt: Qtest) {}

  /** Turn ECAM on; until then only 256 bytes per function are reachable. */
  async enableEcam(): Promise<void> {
    const address = 0x8000_0000 | PCIEXBAR_OFFSET; // bus 0, dev 0, fn 0
    await this.qt.outl(0xcf8, address);
    await this.qt.outl(0xcfc, Number(ECAM_BASE) | PCIEXBAR_ENABLE);
    await this.qt.outl(0xcf8, address + 4);
    await this.qt.outl(0xcfc, 0);
    const check = await this.read32({ bus: 0, devfn: 0 }, 0);
    if (check === 0xffffffff || check === 0) {
      throw new Error('PCIEXBAR write did not enable ECAM: is this QEMU started with -machine q35?');
    }
  }

  address(b: Bdf, offset: number): bigint {
    return ECAM_BASE + (BigInt(b.bus) << 20n) + (BigInt(b.devfn) << 12n) + BigInt(offset);
  }

  read32(b: Bdf, offset: number): Promise<number> {
    return this.qt.readl(this.address(b, offset));
  }
  write32(b: Bdf, offset: number, value: number): Promise<void> {
    return this.qt.writel(this.address(b, offset), value);
  }
  read16(b: Bdf, offset: number): Promise<number> {
    return this.qt.readw(this.address(b, offset));
  }
  write16(b: Bdf, offset: number, value: number): Promise<void> {
    return this.qt.writew(this.address(b, offset), value);
  }
  async read8(b: Bdf, offset: number): Promise<number> {
    const word = await this.read32(b, offset & ~3);
    return (word >>> ((offset & 3) * 8)) & 0xff;
  }
  async write8(b: Bdf, offset: number, value: number): Promise<void> {
    await this.qt.request(`writeb 0x${this.address(b, offset).toString(16)} 0x${(value & 0xff).toString(16)}`);
  }

  /** Offset of a capability in the standard list (from 0x34), or null. */
  async findCap(b: Bdf, id: number): Promise<number | null> {
    let ptr = (await this.read8(b, PciCfg.CAP_PTR)) & 0xfc;
    for (let hops = 0; ptr !== 0 && hops < 48; hops++) {
      const header = await this.read16(b, ptr);
      if ((header & 0xff) === id) return ptr;
      ptr = (header >> 8) & 0xfc;
    }
    return null;
  }

  /** Offset of an extended capability (list from 0x100), or null. */
  async findExtCap(b: Bdf, id: number): Promise<number | null> {
    let ptr = 0x100;
    for (let hops = 0; ptr !== 0 && hops < 960; hops++) {
      const header = await this.read32(b, ptr);
      if (header === 0 || header === 0xffffffff) return null;
      if ((header & 0xffff) === id) return ptr;
      ptr = (header >>> 20) & 0xffc;
    }
    return null;
  }
}
