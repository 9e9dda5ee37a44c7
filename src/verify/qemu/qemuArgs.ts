// The QEMU command line for the target: q35 with no firmware running (-S keeps
// the CPU stopped; Debian ships no qtest accelerator, so tcg), an NVMe PF with
// SR-IOV behind a PCIe root port, and one namespace shared by PF and VFs.
// With `hmlms` the PF also offers host-managed live migration (TP4159): a
// property only QEMU builds with TP4159 know (qemuFeatures.ts asks first).

/** The most VFs a reset may ask for (QEMU's sriov_max_vfs on our command line). */
export const MAX_VFS = 8;
/** Flexible resources per VF: an admin queue + 4 I/O queue pairs, and one interrupt. */
export const VQ_PER_VF = 5;
export const VI_PER_VF = 1;
/** Guest RAM; the top QEMU_RESERVED_BYTES belong to the target (see memoryMap.ts). */
export const GUEST_MEMORY_MIB = 512;
/** Namespace size: a sparse raw image, 512-byte blocks. */
export const NAMESPACE_BYTES = 64 * 1024 * 1024;

export interface QemuArgsOptions {
  /** add `hmlms=on` to the PF (the tp4159 profile) */
  hmlms?: boolean;
}

export function qemuArgs(imagePath: string, options: QemuArgsOptions = {}): string[] {
  return [
    '-machine', 'q35',
    '-accel', 'tcg',
    '-S',
    '-display', 'none',
    '-nodefaults',
    '-m', `${GUEST_MEMORY_MIB}M`,
    '-device', 'pcie-root-port,id=rp0,chassis=1,slot=1',
    '-device', 'nvme-subsys,id=subsys0,nqn=nvme-lm-qemu',
    '-device',
    `nvme,id=nvme0,serial=NVMELM0001,subsys=subsys0,bus=rp0,${options.hmlms === true ? 'hmlms=on,' : ''}sriov_max_vfs=${MAX_VFS},` +
      `sriov_vq_flexible=${MAX_VFS * VQ_PER_VF},sriov_vi_flexible=${MAX_VFS * VI_PER_VF}`,
    '-drive', `file=${imagePath},if=none,id=d0,format=raw`,
    '-device', 'nvme-ns,drive=d0,bus=nvme0,nsid=1',
  ];
}
