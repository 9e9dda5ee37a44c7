// PCI bring-up of QEMU's NVMe PF (behind a PCIe root port on q35) and its
// SR-IOV VFs, with no firmware: everything a BIOS and the OS's PCI core
// would do, in the order qemu-nvme.md measured. Also the FLR sequences and
// the config-space restore a host performs after them.
import {
  CAP_ID_PCIE,
  EXT_CAP_ID_SRIOV,
  PCIE_DEVCAP,
  PCIE_DEVCAP_FLR,
  PCIE_DEVCTL,
  PCIE_DEVCTL_FLR,
  PciCfg,
  PciCommand,
  Sriov,
  SRIOV_CTRL_VF_MSE,
  SRIOV_CTRL_VFE,
  bdfText,
  type Bdf,
  type PciConfig,
} from './pci.ts';

/** The fixed topology of the command line in qemuArgs.ts. */
const ROOT_PORT: Bdf = { bus: 0, devfn: 1 << 3 }; // 00:01.0
const PF_BDF: Bdf = { bus: 1, devfn: 0 }; // 01:00.0

/** The root port's memory window; all BARs are placed inside it. */
const MMIO_WINDOW_BASE = 0xc000_0000n;
const MMIO_WINDOW_LIMIT = 0xc0ff_ffffn;
const PF_BAR0 = 0xc000_0000n;
/** VF k's BAR0 is VF_BAR0_BASE + (k - 1) * BAR0 size (the SR-IOV VF BAR is one array). */
const VF_BAR0_BASE = 0xc010_0000n;
export const NVME_BAR0_SIZE = 0x4000n;

const NVME_VENDOR_DEVICE = 0x0010_1b36; // device 0x0010, vendor 0x1b36 (Red Hat / QEMU)
const NVME_CLASS = 0x010802; // mass storage, NVM, NVMe

/** Command register value for an enabled endpoint: memory, bus master, INTx off (we poll). */
const ENDPOINT_COMMAND = PciCommand.MEMORY | PciCommand.BUS_MASTER | PciCommand.INTX_DISABLE;
const VF_COMMAND = PciCommand.MEMORY | PciCommand.BUS_MASTER;

export interface FunctionInfo {
  bdf: Bdf;
  bar0: bigint;
  /** Offset of the PCI Express capability (Device Control lives there). */
  pcieCap: number;
}

export interface Topology {
  pf: FunctionInfo;
  /** Offset of the PF's SR-IOV extended capability. */
  sriovCap: number;
  totalVfs: number;
  /** vfs[k - 1] is VF k. */
  vfs: FunctionInfo[];
}

/** Bus numbers, memory window and enables of the root port the PF sits behind. */
async function bringUpRootPort(cfg: PciConfig): Promise<void> {
  await cfg.write8(ROOT_PORT, PciCfg.PRIMARY_BUS, 0);
  await cfg.write8(ROOT_PORT, PciCfg.SECONDARY_BUS, 1);
  await cfg.write8(ROOT_PORT, PciCfg.SUBORDINATE_BUS, 1);
  // Memory window: base/limit registers hold address bits 31:20 in bits 15:4.
  await cfg.write16(ROOT_PORT, PciCfg.MEM_BASE, Number(MMIO_WINDOW_BASE >> 16n) & 0xfff0);
  await cfg.write16(ROOT_PORT, PciCfg.MEM_LIMIT, Number(MMIO_WINDOW_LIMIT >> 16n) & 0xfff0);
  // No prefetchable or I/O window (base above limit closes them).
  await cfg.write16(ROOT_PORT, PciCfg.PREF_MEM_BASE, 0xfff0);
  await cfg.write16(ROOT_PORT, PciCfg.PREF_MEM_LIMIT, 0x0000);
  await cfg.write8(ROOT_PORT, PciCfg.IO_BASE, 0xf0);
  await cfg.write8(ROOT_PORT, PciCfg.IO_LIMIT, 0x00);
  await cfg.write16(ROOT_PORT, PciCfg.COMMAND, PciCommand.MEMORY | PciCommand.BUS_MASTER);
}

async function checkIsQemuNvme(cfg: PciConfig): Promise<void> {
  const id = await cfg.read32(PF_BDF, PciCfg.VENDOR_ID);
  const cls = (await cfg.read32(PF_BDF, PciCfg.CLASS_REV)) >>> 8;
  if (id !== NVME_VENDOR_DEVICE || cls !== NVME_CLASS) {
    throw new Error(
      `expected QEMU's NVMe controller (1b36:0010, class 010802) at ${bdfText(PF_BDF)}, found ` +
        `${(id & 0xffff).toString(16)}:${(id >>> 16).toString(16)} class ${cls.toString(16)}: check the QEMU command line`,
    );
  }
}

async function requireFlr(cfg: PciConfig, bdf: Bdf): Promise<number> {
  const cap = await cfg.findCap(bdf, CAP_ID_PCIE);
  if (cap === null) throw new Error(`${bdfText(bdf)} has no PCI Express capability, so it cannot be reset by FLR`);
  const devcap = await cfg.read32(bdf, cap + PCIE_DEVCAP);
  if ((devcap & PCIE_DEVCAP_FLR) === 0) throw new Error(`${bdfText(bdf)} does not advertise FLR in Device Capabilities`);
  return cap;
}

/** PF BAR0 (64-bit) and command register: also the restore after a PF FLR. */
async function programPf(cfg: PciConfig): Promise<void> {
  await cfg.write32(PF_BDF, PciCfg.BAR0, Number(PF_BAR0 & 0xffff_ffffn));
  await cfg.write32(PF_BDF, PciCfg.BAR1, Number(PF_BAR0 >> 32n));
  await cfg.write16(PF_BDF, PciCfg.COMMAND, ENDPOINT_COMMAND);
}

/**
 * NumVFs, VF Enable + VF MSE, and each VF's command register. VF Enable is
 * cleared first: after a PF FLR QEMU 7.2 still reads it as 1 while the VFs
 * are gone, and only a 0->1 edge creates them.
 */
export async function enableVfs(cfg: PciConfig, sriovCap: number, count: number): Promise<void> {
  await cfg.write16(PF_BDF, sriovCap + Sriov.CONTROL, 0);
  await cfg.write16(PF_BDF, sriovCap + Sriov.NUM_VFS, count);
  if (count === 0) return;
  await cfg.write16(PF_BDF, sriovCap + Sriov.CONTROL, SRIOV_CTRL_VFE | SRIOV_CTRL_VF_MSE);
  const got = await cfg.read16(PF_BDF, sriovCap + Sriov.NUM_VFS);
  if (got !== count) throw new Error(`SR-IOV NumVFs reads ${got} after writing ${count}`);
  for (let k = 1; k <= count; k++) {
    // In QEMU 7.2 a VF's BAR0 answers only with the VF's own memory enable set too.
    await cfg.write16(vfBdf(k), PciCfg.COMMAND, VF_COMMAND);
  }
}

/** VF k's routing id: First VF Offset 1, VF Stride 1 (checked in bringUpPci). */
function vfBdf(k: number): Bdf {
  return { bus: PF_BDF.bus, devfn: PF_BDF.devfn + k };
}

/** Whole PCI bring-up from power-on (ECAM must already be enabled). */
export async function bringUpPci(cfg: PciConfig, vfs: number): Promise<Topology> {
  await bringUpRootPort(cfg);
  await checkIsQemuNvme(cfg);
  await programPf(cfg);
  const pfPcie = await requireFlr(cfg, PF_BDF);
  const sriovCap = await cfg.findExtCap(PF_BDF, EXT_CAP_ID_SRIOV);
  if (sriovCap === null) {
    throw new Error(`${bdfText(PF_BDF)} has no SR-IOV capability: start QEMU with nvme sriov_max_vfs=N`);
  }
  const totalVfs = await cfg.read16(PF_BDF, sriovCap + Sriov.TOTAL_VFS);
  if (vfs > totalVfs) throw new Error(`asked for ${vfs} VFs but the PF offers TotalVFs = ${totalVfs}`);
  const first = await cfg.read16(PF_BDF, sriovCap + Sriov.FIRST_VF_OFFSET);
  const stride = await cfg.read16(PF_BDF, sriovCap + Sriov.VF_STRIDE);
  if (first !== 1 || stride !== 1) {
    throw new Error(`unexpected SR-IOV routing (First VF Offset ${first}, VF Stride ${stride}); this target assumes 1 and 1`);
  }
  await cfg.write32(PF_BDF, sriovCap + Sriov.VF_BAR0, Number(VF_BAR0_BASE & 0xffff_ffffn));
  await cfg.write32(PF_BDF, sriovCap + Sriov.VF_BAR0 + 4, Number(VF_BAR0_BASE >> 32n));
  await enableVfs(cfg, sriovCap, vfs);

  const vfInfo: FunctionInfo[] = [];
  for (let k = 1; k <= vfs; k++) {
    const bdf = vfBdf(k);
    const cls = (await cfg.read32(bdf, PciCfg.CLASS_REV)) >>> 8;
    if (cls !== NVME_CLASS) throw new Error(`VF ${k} (${bdfText(bdf)}) reads class ${cls.toString(16)}, expected 010802`);
    vfInfo.push({ bdf, bar0: VF_BAR0_BASE + BigInt(k - 1) * NVME_BAR0_SIZE, pcieCap: await requireFlr(cfg, bdf) });
  }
  return { pf: { bdf: PF_BDF, bar0: PF_BAR0, pcieCap: pfPcie }, sriovCap, totalVfs, vfs: vfInfo };
}

/** Start an FLR through Device Control bit 15 and wait for the bit to clear. */
export async function functionLevelReset(cfg: PciConfig, f: FunctionInfo): Promise<void> {
  const devctl = await cfg.read16(f.bdf, f.pcieCap + PCIE_DEVCTL);
  await cfg.write16(f.bdf, f.pcieCap + PCIE_DEVCTL, devctl | PCIE_DEVCTL_FLR);
  // PCIe gives a function 100 ms to come back; QEMU resets synchronously.
  const deadline = Date.now() + 100;
  while (((await cfg.read16(f.bdf, f.pcieCap + PCIE_DEVCTL)) & PCIE_DEVCTL_FLR) !== 0) {
    if (Date.now() > deadline) throw new Error(`${bdfText(f.bdf)}: Initiate FLR did not clear within 100 ms`);
  }
}

/** After a VF FLR its command register reads 0: enable memory space and bus master again. */
export async function restoreVf(cfg: PciConfig, k: number): Promise<void> {
  await cfg.write16(vfBdf(k), PciCfg.COMMAND, VF_COMMAND);
}

/**
 * After a PF FLR: the PF's BAR0 and command register are cleared and the VFs
 * are gone (NumVFs 0), while the SR-IOV VF BAR0 keeps its value. Put it all
 * back as a host does.
 */
export async function restorePf(cfg: PciConfig, topo: Topology): Promise<void> {
  await programPf(cfg);
  await cfg.write32(PF_BDF, topo.sriovCap + Sriov.VF_BAR0, Number(VF_BAR0_BASE & 0xffff_ffffn));
  await cfg.write32(PF_BDF, topo.sriovCap + Sriov.VF_BAR0 + 4, Number(VF_BAR0_BASE >> 32n));
  await enableVfs(cfg, topo.sriovCap, topo.vfs.length);
}
