// Migration images for LOAD: a mutation of a real SAVE that D7 obliges the
// device to refuse. Each mutation breaks exactly one check D7 lists (size,
// recorded length, magic, version, checksum, geometry); those that edit
// checksummed bytes recompute the CRC, so the check they aim at is the one
// that must fail. The byte positions come from the emulator's saved-data
// layout tables (the format this device writes).
import { SAVED_HEADER_LAYOUT, SAVED_MAGIC, SAVED_QUEUE_LAYOUT, SAVED_VERSION, encodeSavedState } from '../emulator/savedData.ts';
import { crc32 } from '../emulator/crc32.ts';
import { fieldByName } from '../wire/layout.ts';
import type { ImageMutation } from './steps.ts';

const H = (name: string): number => fieldByName(SAVED_HEADER_LAYOUT, name).offset;
const R = (name: string): number => fieldByName(SAVED_QUEUE_LAYOUT, name).offset;
const HEADER = SAVED_HEADER_LAYOUT.size;
const RECORD = SAVED_QUEUE_LAYOUT.size;
const CHECKSUMMED_FROM = H('queueCount');
/** Reserved header bytes D7 does not ask the device to check: a flip there proves nothing. */
const RESERVED6 = H('reserved6');

/** A well-formed image of a disabled VF with no queues, for when no SAVE has been taken yet. */
export function emptyImage(): Uint8Array {
  return encodeSavedState({
    cc: 0,
    csts: 0,
    aqa: 0,
    intms: 0,
    asq: 0,
    acq: 0,
    nsqa: 0,
    ncqa: 0,
    admin: { sqHead: 0, sqTail: 0, cqHead: 0, cqTail: 0, cqPhase: 0 },
    queues: [],
  });
}

function reseal(b: Uint8Array): void {
  new DataView(b.buffer, b.byteOffset).setUint32(H('checksum'), crc32(b, CHECKSUMMED_FROM, b.length), true);
}

/** The bytes to place in the buffer and the LOAD size (CDW11) to send. */
export function mutateImage(base: Uint8Array, m: ImageMutation): { data: Uint8Array; size: number } {
  const b = base.slice();
  const v = new DataView(b.buffer);
  const records = Math.max(0, Math.floor((b.length - HEADER) / RECORD));
  switch (m.kind) {
    case 'flip': {
      // Any byte but the two reserved ones: magic, version, length, checksum, or a checksummed byte.
      let at = m.at % (b.length - 2);
      if (at >= RESERVED6) at += 2;
      b[at] ^= m.xor === 0 ? 1 : m.xor & 0xff;
      return { data: b, size: b.length };
    }
    case 'size': {
      const size = Math.max(0, b.length + (m.delta === 0 ? 1 : m.delta));
      return { data: b, size: size === b.length ? size + 1 : size };
    }
    case 'magic':
      v.setUint32(H('magic'), m.value === SAVED_MAGIC ? m.value ^ 1 : m.value, true);
      return { data: b, size: b.length };
    case 'version':
      v.setUint16(H('version'), m.value === SAVED_VERSION ? m.value + 1 : m.value, true);
      return { data: b, size: b.length };
    case 'queueSize':
    case 'qid':
      if (records > 0) {
        const r = HEADER + (m.record % records) * RECORD;
        if (m.kind === 'qid') v.setUint16(r + R('qid'), m.value >= 1 && m.value <= 64 ? 64 + m.value : m.value, true);
        else v.setUint16(r + R(m.sq ? 'sqSize' : 'cqSize'), m.value >= 2 && m.value <= 1024 ? 1024 + m.value : m.value, true);
        // The queue a record describes may be absent (flags); mark both present so the size or id is read.
        b[r + R('flags')] |= 3;
        reseal(b);
        return { data: b, size: b.length };
      }
      return mutateImage(base, { kind: 'queueCount', add: 1 });
    case 'queueCount':
      v.setUint16(H('queueCount'), v.getUint16(H('queueCount'), true) + Math.max(1, m.add), true);
      reseal(b);
      return { data: b, size: b.length };
    case 'garbage': {
      const g = m.bytes.slice();
      if (g.length > 0 && g[0] === (SAVED_MAGIC & 0xff)) g[0] ^= 1;
      return { data: g, size: g.length };
    }
  }
}
