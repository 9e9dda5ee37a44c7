// The data faults: what happens to the saved bytes on their way from the
// source to the destination. Each must make the destination refuse the LOAD
// (D7) or the resume stream refuse the write (D16), never load half of it.
import type { Profile } from '../emulator/profiles.ts';
import { SAVED_HEADER_LAYOUT, SAVED_VERSION } from '../emulator/savedData.ts';
import { fieldByName, setUint } from '../wire/layout.ts';
import { STATE_HEADER_LAYOUT } from '../wire/tp4159/state.ts';
import { RESUME_BUFFER_BYTES } from '../host/vfio/streams.ts';
import type { Rng } from './rng.ts';

export const DATA_FAULTS = ['truncated', 'oversized', 'overflow', 'bit-flip', 'wrong-version'] as const;
type DataFault = (typeof DATA_FAULTS)[number];

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** A damaged copy of `data`; the input is left alone. */
export function damage(data: Uint8Array, fault: DataFault, rng: Rng, profile: Profile = 'lm'): Uint8Array {
  switch (fault) {
    case 'truncated':
      return data.slice(0, Math.max(0, data.length - 20));
    case 'oversized':
      return concat(data, new Uint8Array(40).fill(0xa5));
    case 'overflow':
      return concat(data, new Uint8Array(RESUME_BUFFER_BYTES));
    case 'bit-flip': {
      // after the checksum field, so the checksum is what must catch it (D7)
      const out = data.slice();
      const bit = rng.between(16 * 8, out.length * 8 - 1);
      out[bit >> 3] ^= 1 << (bit & 7);
      return out;
    }
    case 'wrong-version': {
      const out = data.slice();
      // tp4159: the standard's state header, VER must be 0 (D26)
      if (profile === 'tp4159') setUint(out, fieldByName(STATE_HEADER_LAYOUT, 'ver'), 1);
      // lm: reads the emulator's saved-data layout: a host-side simulation tool may; the host driver never does.
      else setUint(out, fieldByName(SAVED_HEADER_LAYOUT, 'version'), SAVED_VERSION + 1);
      return out;
    }
  }
}
