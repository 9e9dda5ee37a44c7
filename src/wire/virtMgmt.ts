// Virtualization Management (admin opcode 1Ch, NVMe Base 2.0 section 5.22)
// over the common SQE: the action a primary controller takes on one of its
// secondary controllers (offline, assign resources, online). The QEMU target
// provisions its VFs with it; the emulator's tp4159 PF takes a VF offline or
// online with it (D20: an offline VF is never a management target).
import { encodeUints, type Layout } from './layout.ts';
import { SQE_LAYOUT } from './sqe.ts';

export const OPC_VIRTUALIZATION_MANAGEMENT = 0x1c;

export const VirtAction = { SECONDARY_OFFLINE: 0x7, SECONDARY_ASSIGN: 0x8, SECONDARY_ONLINE: 0x9 } as const;
export const VirtResource = { VQ: 0, VI: 1 } as const;

export const VIRT_MGMT_LAYOUT: Layout = {
  name: 'Virtualization Management',
  size: 64,
  fields: [
    ...SQE_LAYOUT.fields.filter((f) => f.name === 'opc' || f.name === 'cid'),
    { name: 'act', offset: 40, width: 1, bits: [3, 0], doc: 'CDW10 3:0 action' },
    { name: 'rt', offset: 41, width: 1, bits: [2, 0], doc: 'CDW10 10:8 resource type (0 VQ, 1 VI)' },
    { name: 'cntlid', offset: 42, width: 2, doc: 'CDW10 31:16 controller identifier' },
    { name: 'nr', offset: 44, width: 2, doc: 'CDW11 15:0 number of controller resources' },
  ],
};

export function virtMgmtSqe(cid: number, act: number, rt: number, cntlid: number, nr: number): Uint8Array {
  return encodeUints(VIRT_MGMT_LAYOUT, { opc: OPC_VIRTUALIZATION_MANAGEMENT, cid, act, rt, cntlid, nr });
}
