// This project's vendor-specific controller-state section (D25): what format
// 0000h leaves out and a destination needs for the guest's admin queue to go
// on where it stopped. A device that lists NVME_LM_STATE_UUID in Identify CNS
// 20h accepts it after the NVMe state when CSUUIDI names that UUID; VSS is
// then VENDOR_STATE_DWORDS. Little-endian, 64 bytes. The table is printed in
// docs/tp4159-state.md (pinned by a test).
import { decodeUints, encodeUints, WireError, type Layout } from '../layout.ts';

/**
 * The UUID naming this section: a random (version 4) UUID chosen for this
 * project, "nvme-lm admin queue state, version 1". Written into CNS 20h in
 * the byte order of its text (RFC 4122 network order).
 */
export const NVME_LM_STATE_UUID = '28a39215-81d5-4e29-863e-a1d341a3417c';
const VENDOR_STATE_VERSION = 1;
/** Guest Asynchronous Event Requests the section can carry (AERL + 1). */
export const VENDOR_STATE_MAX_AERS = 4;

export const VENDOR_STATE_LAYOUT: Layout = {
  name: 'nvme-lm vendor state (admin queue)',
  size: 64,
  fields: [
    { name: 'ver', offset: 0, width: 2, doc: 'section version, 1' },
    { name: 'aerCount', offset: 2, width: 1, doc: 'guest Asynchronous Event Requests outstanding, 0..4 (their CIDs follow at 48)' },
    { name: 'acqS0pt', offset: 3, width: 1, doc: 'admin CQ: phase tag of the entry in slot 0, 0 or 1 (as S0PT of an I/O CQ, I15)' },
    { name: 'cc', offset: 4, width: 4, doc: 'register CC' },
    { name: 'csts', offset: 8, width: 4, doc: 'register CSTS (RDY, SHST as the guest last saw them)' },
    { name: 'aqa', offset: 12, width: 4, doc: 'register AQA (admin queue sizes, 0-based)' },
    { name: 'asq', offset: 16, width: 8, doc: 'register ASQ admin SQ base address' },
    { name: 'acq', offset: 24, width: 8, doc: 'register ACQ admin CQ base address' },
    { name: 'intms', offset: 32, width: 4, doc: 'interrupt mask (INTMS/INTMC)' },
    { name: 'asqHead', offset: 36, width: 2, doc: 'admin SQ head: next entry the controller fetches' },
    { name: 'asqTail', offset: 38, width: 2, doc: 'admin SQ tail: last tail doorbell value (latched while suspended, D22)' },
    { name: 'acqHead', offset: 40, width: 2, doc: 'admin CQ head: last head doorbell value' },
    { name: 'acqTail', offset: 42, width: 2, doc: 'admin CQ tail: next slot the controller writes' },
    { name: 'nsqa', offset: 44, width: 2, doc: 'Number of Queues feature: I/O SQs allocated, 0-based' },
    { name: 'ncqa', offset: 46, width: 2, doc: 'Number of Queues feature: I/O CQs allocated, 0-based' },
    { name: 'aerCid0', offset: 48, width: 2, doc: 'CID of outstanding Asynchronous Event Request 0' },
    { name: 'aerCid1', offset: 50, width: 2, doc: 'CID of outstanding Asynchronous Event Request 1' },
    { name: 'aerCid2', offset: 52, width: 2, doc: 'CID of outstanding Asynchronous Event Request 2' },
    { name: 'aerCid3', offset: 54, width: 2, doc: 'CID of outstanding Asynchronous Event Request 3' },
    { name: 'rsvd56', offset: 56, width: 8, doc: 'reserved, 0' },
  ],
};

export const VENDOR_STATE_SIZE = VENDOR_STATE_LAYOUT.size;
export const VENDOR_STATE_DWORDS = VENDOR_STATE_SIZE / 4;

export interface AdminQueueState {
  cc: number;
  csts: number;
  aqa: number;
  asq: bigint;
  acq: bigint;
  intms: number;
  asqHead: number;
  asqTail: number;
  acqHead: number;
  acqTail: number;
  /** phase tag of admin CQ slot 0; cqPhaseFromS0pt gives the current phase */
  acqS0pt: number;
  nsqa: number;
  ncqa: number;
  /** CIDs of the guest's Asynchronous Event Requests the source held outstanding (D22's drain cannot complete them) */
  aerCids: number[];
}

const AER_FIELDS = ['aerCid0', 'aerCid1', 'aerCid2', 'aerCid3'];

export function encodeVendorState(s: AdminQueueState): Uint8Array {
  if (s.aerCids.length > VENDOR_STATE_MAX_AERS) throw new WireError(`the vendor section carries at most ${VENDOR_STATE_MAX_AERS} outstanding AERs, got ${s.aerCids.length}`);
  if (s.acqS0pt > 1) throw new WireError(`acqS0pt is a phase tag (0 or 1), got ${s.acqS0pt}`);
  const { aerCids, ...rest } = s;
  const cids = Object.fromEntries(aerCids.map((cid, i) => [AER_FIELDS[i], cid]));
  return encodeUints(VENDOR_STATE_LAYOUT, { ...rest, ...cids, ver: VENDOR_STATE_VERSION, aerCount: aerCids.length });
}

/** Decode and check the section (D26: "the section's own checks"); every failure names the field. */
export function decodeVendorState(b: Uint8Array): AdminQueueState {
  if (b.length !== VENDOR_STATE_SIZE) throw new WireError(`the nvme-lm vendor section is ${VENDOR_STATE_SIZE} bytes (VSS ${VENDOR_STATE_DWORDS}), got ${b.length}`);
  const v = decodeUints(VENDOR_STATE_LAYOUT, b);
  if (v.ver !== BigInt(VENDOR_STATE_VERSION)) throw new WireError(`nvme-lm vendor section version ${v.ver} is not ${VENDOR_STATE_VERSION}`);
  if (v.aerCount > BigInt(VENDOR_STATE_MAX_AERS)) throw new WireError(`nvme-lm vendor section aerCount ${v.aerCount} is more than ${VENDOR_STATE_MAX_AERS}`);
  if (v.acqS0pt > 1n) throw new WireError(`nvme-lm vendor section acqS0pt ${v.acqS0pt} is not a phase tag (0 or 1)`);
  if (v.rsvd56 !== 0n) throw new WireError('nvme-lm vendor section: reserved bytes 63:56 are not 0');
  const unused = AER_FIELDS.slice(Number(v.aerCount)).find((k) => v[k] !== 0n);
  if (unused) throw new WireError(`nvme-lm vendor section: ${unused} is not 0 though aerCount is ${v.aerCount}`);
  const n = (k: string): number => Number(v[k]);
  return {
    cc: n('cc'),
    csts: n('csts'),
    aqa: n('aqa'),
    asq: v.asq,
    acq: v.acq,
    intms: n('intms'),
    asqHead: n('asqHead'),
    asqTail: n('asqTail'),
    acqHead: n('acqHead'),
    acqTail: n('acqTail'),
    acqS0pt: n('acqS0pt'),
    nsqa: n('nsqa'),
    ncqa: n('ncqa'),
    aerCids: AER_FIELDS.slice(0, n('aerCount')).map(n),
  };
}
