// Get Log Page (admin 02h) and the one log the emulator serves with it, the
// Commands Supported and Effects log (LID 05h, NVMe Base 2.1 5.1.12.1.6):
// 4096 bytes, one 4-byte entry per admin opcode (ACS, bytes 1023:0) and per
// I/O opcode (IOCS, bytes 2047:1024), the rest reserved. Served by the tp4159
// profile, where D19 has a VF's log mark the management commands unsupported.
import type { Field, Layout } from './layout.ts';
import { SQE_LAYOUT, SQE_SIZE } from './sqe.ts';

/** Get Log Page (admin 02h): kept out of ADMIN, as the vendor profiles do not serve it. */
export const GET_LOG_PAGE = 0x02;
export const LID_COMMANDS_SUPPORTED_AND_EFFECTS = 0x05;

const head: readonly Field[] = SQE_LAYOUT.fields.filter((f) => ['opc', 'fuse', 'psdt', 'cid', 'nsid', 'prp1', 'prp2'].includes(f.name));

export const GET_LOG_PAGE_LAYOUT: Layout = {
  name: 'Get Log Page',
  size: SQE_SIZE,
  fields: [
    ...head,
    { name: 'lid', offset: 40, width: 4, bits: [7, 0], doc: 'CDW10 7:0 LID log page identifier' },
    { name: 'lsp', offset: 40, width: 4, bits: [14, 8], doc: 'CDW10 14:8 LSP log specific parameter' },
    { name: 'rae', offset: 40, width: 4, bits: [15, 15], doc: 'CDW10 15 RAE retain asynchronous event' },
    { name: 'numdl', offset: 40, width: 4, bits: [31, 16], doc: 'CDW10 31:16 NUMDL dwords to return, 0-based, low 16 bits' },
    { name: 'numdu', offset: 44, width: 4, bits: [15, 0], doc: 'CDW11 15:0 NUMDU dwords to return, high 16 bits' },
    { name: 'lsi', offset: 44, width: 4, bits: [31, 16], doc: 'CDW11 31:16 LSI log specific identifier' },
    { name: 'lpo', offset: 48, width: 8, doc: 'CDW13:12 LPOL/LPOU byte offset into the log (dword aligned)' },
    { name: 'uidx', offset: 56, width: 4, bits: [6, 0], doc: 'CDW14 6:0 UUID index' },
  ],
};

/** One entry of the log (a dword per opcode). */
export const COMMAND_EFFECTS_LAYOUT: Layout = {
  name: 'Commands Supported and Effects entry',
  size: 4,
  fields: [
    { name: 'csupp', offset: 0, width: 4, bits: [0, 0], doc: 'CSUPP command supported' },
    { name: 'lbcc', offset: 0, width: 4, bits: [1, 1], doc: 'LBCC logical block content change' },
    { name: 'ncc', offset: 0, width: 4, bits: [2, 2], doc: 'NCC namespace capability change' },
    { name: 'nic', offset: 0, width: 4, bits: [3, 3], doc: 'NIC namespace inventory change' },
    { name: 'ccc', offset: 0, width: 4, bits: [4, 4], doc: 'CCC controller capability change' },
    { name: 'rsvd', offset: 0, width: 4, bits: [15, 5], doc: 'reserved' },
    { name: 'cse', offset: 0, width: 4, bits: [18, 16], doc: 'CSE command submission and execution' },
    { name: 'rsvd2', offset: 0, width: 4, bits: [31, 19], doc: 'reserved' },
  ],
};

export const EFFECTS_LOG_SIZE = 4096;
/** Byte offset of the entry of admin opcode `opc` (ACS) and I/O opcode `opc` (IOCS). */
export const acsOffset = (opc: number): number => 4 * opc;
export const iocsOffset = (opc: number): number => 1024 + 4 * opc;
