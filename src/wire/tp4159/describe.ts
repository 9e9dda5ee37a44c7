// A controller-state blob or UDMQ memory as sections of named rows, for
// printing field by field (`nvme-lm decode --state`, `--udmq`). Rows come
// from the layout tables; a malformed blob is a WireError naming the problem.
import { toHex } from '../hex.ts';
import { fieldRows, type Layout } from '../layout.ts';
import { decodeControllerState, IO_CQ_STATE_LAYOUT, IO_SQ_STATE_LAYOUT, NVME_STATE_HEADER_LAYOUT, NVME_STATE_HEADER_SIZE, QUEUE_STATE_SIZE, STATE_HEADER_LAYOUT, STATE_HEADER_SIZE } from './state.ts';
import { decodeUdmqEntries, UDMQ_ENTRY_LAYOUT, UDMQ_ENTRY_SIZE } from './udmq.ts';
import { decodeVendorState, NVME_LM_STATE_UUID, VENDOR_STATE_LAYOUT, VENDOR_STATE_SIZE } from './vendorState.ts';

interface Section {
  title: string;
  rows: Array<{ name: string; value: string; doc: string }>;
}
export interface Described {
  kind: 'state' | 'udmq';
  sections: Section[];
  notes: string[];
}

function section(title: string, layout: Layout, bytes: Uint8Array): Section {
  return { title, rows: fieldRows(layout, bytes) };
}

const rawSection = (title: string, bytes: Uint8Array): Section => ({ title, rows: [{ name: 'bytes', value: toHex(bytes), doc: `${bytes.length} bytes` }] });

/** A controller-state blob (Migration Receive data), field by field (tp4159 section 3). */
export function describeState(bytes: Uint8Array): Described {
  const { state, length, trailing } = decodeControllerState(bytes);
  const sections = [section('Controller state header', STATE_HEADER_LAYOUT, bytes.subarray(0, STATE_HEADER_SIZE))];
  let at = STATE_HEADER_SIZE;
  const next = (title: string, layout: Layout, size: number): void => {
    sections.push(section(title, layout, bytes.subarray(at, at + size)));
    at += size;
  };
  if (state.nvme) {
    next('NVMe controller state', NVME_STATE_HEADER_LAYOUT, NVME_STATE_HEADER_SIZE);
    state.nvme.sqs.forEach((_, i) => next(`I/O SQ entry ${i}`, IO_SQ_STATE_LAYOUT, QUEUE_STATE_SIZE));
    state.nvme.cqs.forEach((_, i) => next(`I/O CQ entry ${i}`, IO_CQ_STATE_LAYOUT, QUEUE_STATE_SIZE));
  }
  const notes: string[] = [];
  if (state.vendor.length === VENDOR_STATE_SIZE) {
    try {
      decodeVendorState(state.vendor);
      sections.push(section(`Vendor section, read as the nvme-lm admin queue state (UUID ${NVME_LM_STATE_UUID})`, VENDOR_STATE_LAYOUT, state.vendor));
    } catch (e) {
      notes.push(`the vendor section has the nvme-lm size but is not a valid nvme-lm section: ${(e as Error).message}`);
      sections.push(rawSection('Vendor section', state.vendor));
    }
  } else if (state.vendor.length > 0) {
    notes.push(`VSS ${state.vendor.length / 4} dwords is not the nvme-lm section's ${VENDOR_STATE_SIZE / 4}: shown raw`);
    sections.push(rawSection('Vendor section', state.vendor));
  }
  if (trailing > 0) notes.push(`${trailing} bytes past the ${length} the header announces, ignored (D27)`);
  return { kind: 'state', sections, notes };
}

/** UDMQ entries field by field; entries never written (all zero) are counted, not shown. */
export function describeUdmq(bytes: Uint8Array): Described {
  decodeUdmqEntries(bytes);
  const sections: Section[] = [];
  let unwritten = 0;
  for (let i = 0; i < bytes.length / UDMQ_ENTRY_SIZE; i++) {
    const entry = bytes.subarray(i * UDMQ_ENTRY_SIZE, (i + 1) * UDMQ_ENTRY_SIZE);
    if (entry.every((b) => b === 0)) unwritten++;
    else sections.push(section(`UDMQ entry ${i}`, UDMQ_ENTRY_LAYOUT, entry));
  }
  return { kind: 'udmq', sections, notes: unwritten > 0 ? [`${unwritten} all-zero (never written) entries not shown`] : [] };
}

