// Device profiles (D17): what the PF reports in Identify byte 3072, its PCI
// IDs, and what it does with the five opcodes 0xC4-0xD5.
//
//   profile   byte 3072  PCI (PF)     VF device  the five opcodes
//   lm        0x01       8086:4c4d    4c4e       live migration (D1-D12)
//   no-lm     0x00       8086:0953    0954       unknown opcodes, PF and VFs
//   reserved  0x02       8086:4c4d    4c4e       executed as lm (the host must still refuse, D2)
//   foreign   0x00       144d:4c4d    4c4e       0xC4 erases the namespace; the others unknown
//   tp4159    0x00       8086:4c4d    4c4e       unknown; the standard's commands 3Dh-45h instead (D19-D34)
// The list of profiles is the target contract's (src/target/adapter.ts).
import { LM } from '../wire/opcodes.ts';
import { PROFILES, type Profile } from '../target/adapter.ts';

export { PROFILES, type Profile };

export interface ProfileInfo {
  name: Profile;
  /** Identify Controller byte 3072 on the PF (every VF reports 0x00, D2) */
  capabilityByte: number;
  vendor: number;
  device: number;
  /** the VF Device ID the PF's SR-IOV capability advertises */
  vfDevice: number;
  /** true when the PF executes the five LM commands */
  lmCommands: boolean;
  /** true when 0xC4 is another vendor's namespace erase (D3, D17) */
  foreignErase: boolean;
  /** true when the PF is a migration management controller of the standard (OACS.HMLMS, D21) */
  hmlm: boolean;
}

export const PROFILE_INFO: Readonly<Record<Profile, ProfileInfo>> = {
  lm: { name: 'lm', capabilityByte: 0x01, vendor: 0x8086, device: 0x4c4d, vfDevice: 0x4c4e, lmCommands: true, foreignErase: false, hmlm: false },
  'no-lm': { name: 'no-lm', capabilityByte: 0x00, vendor: 0x8086, device: 0x0953, vfDevice: 0x0954, lmCommands: false, foreignErase: false, hmlm: false },
  reserved: { name: 'reserved', capabilityByte: 0x02, vendor: 0x8086, device: 0x4c4d, vfDevice: 0x4c4e, lmCommands: true, foreignErase: false, hmlm: false },
  tp4159: { name: 'tp4159', capabilityByte: 0x00, vendor: 0x8086, device: 0x4c4d, vfDevice: 0x4c4e, lmCommands: false, foreignErase: false, hmlm: true },
  foreign: { name: 'foreign', capabilityByte: 0x00, vendor: 0x144d, device: 0x4c4d, vfDevice: 0x4c4e, lmCommands: false, foreignErase: true, hmlm: false },
};

/** What the PF admin queue does with an opcode in 0xC4-0xD5 under a profile. */
export type LmOpcodeMeaning = 'lm' | 'foreignErase' | 'unknown';

export function pfOpcodeMeaning(p: ProfileInfo, opcode: number): LmOpcodeMeaning {
  if (p.lmCommands) return 'lm';
  if (p.foreignErase && opcode === LM.QUERY) return 'foreignErase';
  return 'unknown';
}
