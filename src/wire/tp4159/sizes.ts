// State-blob sizes a host sizes its buffers with (and reports): format 0000h
// alone, and with this project's vendor section (D25).
import { stateSize } from './state.ts';
import { VENDOR_STATE_DWORDS } from './vendorState.ts';

interface StateBlobSize {
  /** I/O queue pairs (one SQ and one CQ each) */
  pairs: number;
  /** bytes of header + NVMe state */
  format0: number;
  /** bytes with the nvme-lm vendor section */
  withVendor: number;
}

function stateBlobSize(pairs: number): StateBlobSize {
  return { pairs, format0: stateSize(pairs, pairs, 0), withVendor: stateSize(pairs, pairs, VENDOR_STATE_DWORDS) };
}

export function stateBlobSizes(pairs: readonly number[]): StateBlobSize[] {
  return pairs.map(stateBlobSize);
}
