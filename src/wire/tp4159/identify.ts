// What Identify says about host-managed live migration (tp4159 section 1,
// D21): CNS 20h Supported Controller State Formats, and the Identify
// Controller rows OACS.HMLMS, OACS.DBCS and bytes 570-587 (those rows live in
// the one Identify Controller table, identify.ts).
import { IDENTIFY_CONTROLLER_LAYOUT, IDENTIFY_SIZE } from '../identify.ts';
import { decodeUints, fieldByName, getUint, setUint, WireError, type Layout } from '../layout.ts';

export const CNS_SUPPORTED_STATE_FORMATS = 0x20;
/** The one NVMe-defined controller state format (CSVI 1 names it when listed first). */
export const STATE_FORMAT_VERSION_0 = 0x0000;

export const STATE_FORMATS_HEADER_LAYOUT: Layout = {
  name: 'Supported Controller State Formats header (CNS 20h)',
  size: 2,
  fields: [
    { name: 'nv', offset: 0, width: 1, doc: 'NV number of NVMe-defined versions (2 bytes each, from byte 2)' },
    { name: 'nuuid', offset: 1, width: 1, doc: 'NUUID number of vendor UUIDs (16 bytes each, after the versions)' },
  ],
};

interface SupportedStateFormats {
  versions: number[];
  /** vendor formats, as UUID text */
  uuids: string[];
}

function uuidToBytes(uuid: string): Uint8Array {
  const hex = uuid.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new WireError(`"${uuid}" is not a UUID (32 hex digits, dashes allowed)`);
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

function uuidFromBytes(b: Uint8Array): string {
  const h = Buffer.from(b).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** Byte offset of UUID `j` when `nv` versions precede it. */
const uuidAt = (nv: number, j: number): number => 2 + 2 * nv + 16 * j;

export function encodeSupportedStateFormats(f: SupportedStateFormats): Uint8Array {
  if (uuidAt(f.versions.length, f.uuids.length) > IDENTIFY_SIZE) throw new WireError('supported state formats do not fit the 4096-byte Identify data');
  const buf = new Uint8Array(IDENTIFY_SIZE);
  setUint(buf, fieldByName(STATE_FORMATS_HEADER_LAYOUT, 'nv'), f.versions.length);
  setUint(buf, fieldByName(STATE_FORMATS_HEADER_LAYOUT, 'nuuid'), f.uuids.length);
  f.versions.forEach((v, i) => setUint(buf, { name: `version${i}`, offset: 2 + 2 * i, width: 2, doc: '' }, v));
  f.uuids.forEach((u, j) => buf.set(uuidToBytes(u), uuidAt(f.versions.length, j)));
  return buf;
}

export function decodeSupportedStateFormats(buf: Uint8Array): SupportedStateFormats {
  if (buf.length !== IDENTIFY_SIZE) throw new WireError(`CNS 20h data must be exactly ${IDENTIFY_SIZE} bytes, got ${buf.length}`);
  const h = decodeUints(STATE_FORMATS_HEADER_LAYOUT, buf.subarray(0, 2));
  const nv = Number(h.nv);
  const nuuid = Number(h.nuuid);
  if (uuidAt(nv, nuuid) > IDENTIFY_SIZE) throw new WireError(`CNS 20h announces ${nv} versions and ${nuuid} UUIDs, more than 4096 bytes hold`);
  const versions = Array.from({ length: nv }, (_, i) => buf[2 + 2 * i] | (buf[3 + 2 * i] << 8));
  const uuids = Array.from({ length: nuuid }, (_, j) => uuidFromBytes(buf.subarray(uuidAt(nv, j), uuidAt(nv, j) + 16)));
  return { versions, uuids };
}

/** The Identify Controller rows of the standard profile (D21). */
export interface MigrationIdentify {
  hmlms: boolean;
  dbcs: boolean;
  cmmrtd: number;
  nmmrtd: number;
  minmrtg: number;
  maxmrtg: number;
  thmcs: boolean;
  tudcs: boolean;
  mrtll: boolean;
  mcudmq: number;
  mnsudmq: number;
  mcmr: number;
  nmcmr: number;
  mcdqpc: number;
}

const FLAG_ROWS: Record<string, string> = { hmlms: 'oacsHmlms', dbcs: 'oacsDbcs', thmcs: 'trattrThmcs', tudcs: 'trattrTudcs', mrtll: 'trattrMrtll' };
const NUMBER_ROWS = ['cmmrtd', 'nmmrtd', 'minmrtg', 'maxmrtg', 'mcudmq', 'mnsudmq', 'mcmr', 'nmcmr', 'mcdqpc'] as const;

/** Write the rows into an existing Identify Controller buffer (other bytes untouched). DBCS with HMLMS is refused (tp4159 section 1). */
export function writeMigrationIdentify(buf: Uint8Array, m: MigrationIdentify): void {
  if (buf.length !== IDENTIFY_SIZE) throw new WireError(`Identify Controller data must be exactly ${IDENTIFY_SIZE} bytes, got ${buf.length}`);
  if (m.hmlms && m.dbcs) throw new WireError('OACS.DBCS must not be offered with OACS.HMLMS: shadow doorbells would hide tails from a suspended controller\'s state');
  for (const [key, row] of Object.entries(FLAG_ROWS)) setUint(buf, fieldByName(IDENTIFY_CONTROLLER_LAYOUT, row), m[key as keyof MigrationIdentify] ? 1 : 0);
  for (const key of NUMBER_ROWS) setUint(buf, fieldByName(IDENTIFY_CONTROLLER_LAYOUT, key), m[key]);
}

export function readMigrationIdentify(buf: Uint8Array): MigrationIdentify {
  if (buf.length !== IDENTIFY_SIZE) throw new WireError(`Identify Controller data must be exactly ${IDENTIFY_SIZE} bytes, got ${buf.length}`);
  const get = (row: string): number => Number(getUint(buf, fieldByName(IDENTIFY_CONTROLLER_LAYOUT, row)));
  const out: Record<string, number | boolean> = {};
  for (const [key, row] of Object.entries(FLAG_ROWS)) out[key] = get(row) === 1;
  for (const key of NUMBER_ROWS) out[key] = get(key);
  return out as unknown as MigrationIdentify;
}


/** Identify CNS 15h: the Secondary Controller List (the CNTLID of VF k, tp4159 section 1). */
export const CNS_SECONDARY_CONTROLLER_LIST = 0x15;

export const SECONDARY_CONTROLLER_ENTRY_LAYOUT: Layout = {
  name: 'Secondary Controller Entry (CNS 15h, from byte 32)',
  size: 32,
  fields: [
    { name: 'scid', offset: 0, width: 2, doc: 'SCID secondary controller identifier (its CNTLID)' },
    { name: 'pcid', offset: 2, width: 2, doc: 'PCID primary controller identifier' },
    { name: 'scs', offset: 4, width: 1, bits: [0, 0], doc: 'SCS bit 0: the secondary controller is online' },
    { name: 'vfn', offset: 8, width: 2, doc: 'VFN virtual function number' },
    { name: 'nvq', offset: 10, width: 2, doc: 'NVQ flexible queue resources assigned (bytes 11:10)' },
    { name: 'nvi', offset: 12, width: 2, doc: 'NVI flexible interrupt resources assigned (bytes 13:12)' },
  ],
};

export interface SecondaryController {
  scid: number;
  pcid: number;
  online: boolean;
  vfn: number;
  nvq: number;
  nvi: number;
}

/** Byte 0 the number of entries (at most 127), then one 32-byte entry each from byte 32. */
export function encodeSecondaryControllerList(list: readonly SecondaryController[]): Uint8Array {
  if (list.length > 127) throw new WireError(`the Secondary Controller List holds at most 127 entries, got ${list.length}`);
  const buf = new Uint8Array(IDENTIFY_SIZE);
  buf[0] = list.length;
  list.forEach((e, i) => {
    const at = 32 + 32 * i;
    for (const f of SECONDARY_CONTROLLER_ENTRY_LAYOUT.fields) {
      const v = f.name === 'scs' ? (e.online ? 1 : 0) : e[f.name as Exclude<keyof SecondaryController, 'online'>];
      setUint(buf, { ...f, offset: at + f.offset }, v);
    }
  });
  return buf;
}

export function decodeSecondaryControllerList(buf: Uint8Array): SecondaryController[] {
  if (buf.length !== IDENTIFY_SIZE) throw new WireError(`CNS 15h data must be exactly ${IDENTIFY_SIZE} bytes, got ${buf.length}`);
  return Array.from({ length: Math.min(buf[0], 127) }, (_, i) => {
    const v = decodeUints(SECONDARY_CONTROLLER_ENTRY_LAYOUT, buf.subarray(32 + 32 * i, 64 + 32 * i));
    return { scid: Number(v.scid), pcid: Number(v.pcid), online: v.scs === 1n, vfn: Number(v.vfn), nvq: Number(v.nvq), nvi: Number(v.nvi) };
  });
}
