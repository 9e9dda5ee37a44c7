// Identify Namespace data structure (CNS 00h, 4096 bytes): the minimal fields
// a host needs to size a namespace and learn its LBA format.
import { assertLength, getUint, setUint, type Layout } from './layout.ts';

export const CNS_NAMESPACE = 0x00;
const IDENTIFY_NAMESPACE_SIZE = 4096;

export const IDENTIFY_NAMESPACE_LAYOUT: Layout = {
  name: 'Identify Namespace',
  size: IDENTIFY_NAMESPACE_SIZE,
  fields: [
    { name: 'nsze', offset: 0, width: 8, doc: 'bytes 7:0 namespace size in logical blocks' },
    { name: 'ncap', offset: 8, width: 8, doc: 'bytes 15:8 namespace capacity in logical blocks' },
    { name: 'nuse', offset: 16, width: 8, doc: 'bytes 23:16 namespace utilization in logical blocks' },
    { name: 'nlbaf', offset: 25, width: 1, doc: 'byte 25 number of LBA formats, zero-based' },
    { name: 'flbas', offset: 26, width: 1, doc: 'byte 26 formatted LBA size (format index in bits 3:0)' },
    { name: 'lbaf0Ms', offset: 128, width: 2, doc: 'bytes 129:128 LBA format 0 metadata size' },
    { name: 'lbaf0Lbads', offset: 130, width: 1, doc: 'byte 130 LBA format 0 data size as a power of two (9 = 512 bytes)' },
  ],
};

const field = (name: string) => IDENTIFY_NAMESPACE_LAYOUT.fields.find((f) => f.name === name)!;

interface IdentifyNamespace {
  nsze: bigint;
  ncap: bigint;
  nuse: bigint;
  nlbaf: number;
  flbas: number;
  lbaf0Ms: number;
  lbaf0Lbads: number;
}

export function encodeIdentifyNamespace(v: IdentifyNamespace): Uint8Array {
  const buf = new Uint8Array(IDENTIFY_NAMESPACE_SIZE);
  for (const f of IDENTIFY_NAMESPACE_LAYOUT.fields) setUint(buf, f, v[f.name as keyof IdentifyNamespace]);
  return buf;
}

export function decodeIdentifyNamespace(buf: Uint8Array): IdentifyNamespace {
  assertLength(IDENTIFY_NAMESPACE_LAYOUT, buf);
  const n = (name: string) => Number(getUint(buf, field(name)));
  return {
    nsze: getUint(buf, field('nsze')),
    ncap: getUint(buf, field('ncap')),
    nuse: getUint(buf, field('nuse')),
    nlbaf: n('nlbaf'),
    flbas: n('flbas'),
    lbaf0Ms: n('lbaf0Ms'),
    lbaf0Lbads: n('lbaf0Lbads'),
  };
}
