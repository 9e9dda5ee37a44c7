// Identify Controller data structure (CNS 01h, 4096 bytes): the fields this
// project reads, with byte 3072 (first vendor-specific byte) as the RFC's
// live-migration capability.
import { assertLength, getAscii, getUint, setAscii, setUint, type Layout } from './layout.ts';

export const IDENTIFY_SIZE = 4096;
export const CNS_CONTROLLER = 0x01;

export const IDENTIFY_CONTROLLER_LAYOUT: Layout = {
  name: 'Identify Controller',
  size: IDENTIFY_SIZE,
  fields: [
    { name: 'vid', offset: 0, width: 2, doc: 'bytes 1:0 PCI vendor ID' },
    { name: 'ssvid', offset: 2, width: 2, doc: 'bytes 3:2 PCI subsystem vendor ID' },
    { name: 'sn', offset: 4, width: 20, kind: 'ascii', doc: 'bytes 23:4 serial number' },
    { name: 'mn', offset: 24, width: 40, kind: 'ascii', doc: 'bytes 63:24 model number' },
    { name: 'fr', offset: 64, width: 8, kind: 'ascii', doc: 'bytes 71:64 firmware revision' },
    { name: 'cntlid', offset: 78, width: 2, doc: 'bytes 79:78 controller ID' },
    { name: 'oacs', offset: 256, width: 2, doc: 'bytes 257:256 optional admin command support' },
    { name: 'oacsDbcs', offset: 256, width: 2, bits: [8, 8], doc: 'OACS bit 8 DBCS Doorbell Buffer Config (never with HMLMS, tp4159 section 1)' },
    { name: 'oacsHmlms', offset: 256, width: 2, bits: [11, 11], doc: 'OACS bit 11 HMLMS host managed live migration (tp4159, D21)' },
    { name: 'cmmrtd', offset: 570, width: 2, doc: 'bytes 571:570 CMMRTD (tp4159 tracking limits)' },
    { name: 'nmmrtd', offset: 572, width: 2, doc: 'bytes 573:572 NMMRTD' },
    { name: 'minmrtg', offset: 574, width: 1, doc: 'byte 574 MINMRTG' },
    { name: 'maxmrtg', offset: 575, width: 1, doc: 'byte 575 MAXMRTG' },
    { name: 'trattr', offset: 576, width: 1, doc: 'byte 576 TRATTR tracking attributes' },
    { name: 'trattrThmcs', offset: 576, width: 1, bits: [0, 0], doc: 'TRATTR bit 0 THMCS host-memory change tracking' },
    { name: 'trattrTudcs', offset: 576, width: 1, bits: [1, 1], doc: 'TRATTR bit 1 TUDCS user-data change tracking' },
    { name: 'trattrMrtll', offset: 576, width: 1, bits: [2, 2], doc: 'TRATTR bit 2 MRTLL' },
    { name: 'mcudmq', offset: 578, width: 2, doc: 'bytes 579:578 MCUDMQ user data migration queues per controller' },
    { name: 'mnsudmq', offset: 580, width: 2, doc: 'bytes 581:580 MNSUDMQ' },
    { name: 'mcmr', offset: 582, width: 2, doc: 'bytes 583:582 MCMR' },
    { name: 'nmcmr', offset: 584, width: 2, doc: 'bytes 585:584 NMCMR' },
    { name: 'mcdqpc', offset: 586, width: 2, doc: 'bytes 587:586 MCDQPC' },
    { name: 'vs', offset: 3072, width: 1024, kind: 'bytes', doc: 'bytes 4095:3072 vendor specific' },
    { name: 'lmCapability', offset: 3072, width: 1, doc: 'byte 3072 live migration: 0x00 no, 0x01 yes, others reserved (D2)' },
  ],
};

const field = (name: string) => IDENTIFY_CONTROLLER_LAYOUT.fields.find((f) => f.name === name)!;

export interface IdentifyController {
  vid: number;
  ssvid: number;
  sn: string;
  mn: string;
  fr: string;
  cntlid: number;
  oacs: number;
  lmCapability: number;
}

export const LM_CAPABILITY_OFFSET = 3072;
export const LM_SUPPORTED = 0x01;

export function encodeIdentifyController(v: IdentifyController): Uint8Array {
  const buf = new Uint8Array(IDENTIFY_SIZE);
  setUint(buf, field('vid'), v.vid);
  setUint(buf, field('ssvid'), v.ssvid);
  setAscii(buf, field('sn'), v.sn);
  setAscii(buf, field('mn'), v.mn);
  setAscii(buf, field('fr'), v.fr);
  setUint(buf, field('cntlid'), v.cntlid);
  setUint(buf, field('oacs'), v.oacs);
  setUint(buf, field('lmCapability'), v.lmCapability);
  return buf;
}

export function decodeIdentifyController(buf: Uint8Array): IdentifyController {
  assertLength(IDENTIFY_CONTROLLER_LAYOUT, buf);
  return {
    vid: Number(getUint(buf, field('vid'))),
    ssvid: Number(getUint(buf, field('ssvid'))),
    sn: getAscii(buf, field('sn')),
    mn: getAscii(buf, field('mn')),
    fr: getAscii(buf, field('fr')),
    cntlid: Number(getUint(buf, field('cntlid'))),
    oacs: Number(getUint(buf, field('oacs'))),
    lmCapability: Number(getUint(buf, field('lmCapability'))),
  };
}
