// A target's saved-data format, as far as the pfAcceptance binding needs it
// (D7). The binding treats the migration image as opaque: it can make the
// defects that need no format (size, magic, last byte), but an unknown
// format version and a geometry beyond the VF's limits must be written where
// the device keeps them, with the checksum re-sealed so that only the named
// check fails. That knowledge is device-specific, so it comes per target as
// a descriptor; targets without one leave those two paths NotRealisable.
//
// The built-in emulator's descriptor is built from its published layout
// tables and constants (src/emulator/savedData.ts, options.ts); the CRC-32 is
// computed here, independently, so an emulator whose checksum disagrees with
// its own published format is caught, not re-sealed to match.
import { MAX_IO_QUEUES } from '../../src/emulator/options.ts';
import { SAVED_HEADER_LAYOUT, SAVED_VERSION } from '../../src/emulator/savedData.ts';
import { fieldByName, getUint, setUint } from '../../src/wire/layout.ts';

/** How to make the format-bound D7 defects in one target's migration image. All functions are pure (they return a copy). */
export interface SavedFormat {
  /** names the format in messages */
  name: string;
  /** a format version this target does not read */
  unknownVersion: number;
  /** the image with its format version field set to `version` (checksum not re-sealed) */
  setVersion(image: Uint8Array, version: number): Uint8Array;
  /** the image describing more I/O queues than any VF of this target allows, otherwise unchanged (checksum not re-sealed) */
  exceedGeometry(image: Uint8Array): Uint8Array;
  /** the image with its checksum recomputed over its current bytes */
  seal(image: Uint8Array): Uint8Array;
}

/** The two D7 defects a descriptor makes, named as the acceptance machine names them. */
export type FormatDefect = 'badVersion' | 'badGeometry';

/** The image with exactly one format-bound defect, checksum re-sealed so every earlier and later check passes. */
export function withFormatDefect(format: SavedFormat, defect: FormatDefect, image: Uint8Array): Uint8Array {
  const changed = defect === 'badVersion' ? format.setVersion(image, format.unknownVersion) : format.exceedGeometry(image);
  return format.seal(changed);
}

// ---- the built-in emulator's format ----

const VERSION = fieldByName(SAVED_HEADER_LAYOUT, 'version');
const CHECKSUM = fieldByName(SAVED_HEADER_LAYOUT, 'checksum');
const TOTAL_LENGTH = fieldByName(SAVED_HEADER_LAYOUT, 'totalLength');
/** Number of Queues granted (zero-based): the VF's I/O queue count in the image. */
const NSQA = fieldByName(SAVED_HEADER_LAYOUT, 'nsqa');
const NCQA = fieldByName(SAVED_HEADER_LAYOUT, 'ncqa');
/** The layout's checksum field covers every byte after itself ("CRC-32 of bytes 16 .. totalLength-1"). */
const CHECKSUM_FROM = CHECKSUM.offset + CHECKSUM.width;

function headerCopy(image: Uint8Array): Uint8Array {
  if (image.length < SAVED_HEADER_LAYOUT.size) {
    throw new Error(
      `the migration image is ${image.length} bytes, shorter than the emulator format's ${SAVED_HEADER_LAYOUT.size}-byte header: ` +
        'this target does not use the emulator\'s saved-data format, so give its suites no savedFormat (or its own)',
    );
  }
  return image.slice();
}

export const EMULATOR_SAVED_FORMAT: SavedFormat = {
  name: `nvme-lm emulator saved data, version ${SAVED_VERSION}`,
  unknownVersion: SAVED_VERSION + 1,
  setVersion(image, version) {
    const out = headerCopy(image);
    setUint(out, VERSION, version);
    return out;
  },
  // MAX_IO_QUEUES is the most any emulated VF allows (maxIoQueuesPerVf cannot exceed it):
  // granting MAX_IO_QUEUES + 1 SQs and CQs (zero-based MAX_IO_QUEUES) is beyond every VF's limit
  exceedGeometry(image) {
    const out = headerCopy(image);
    setUint(out, NSQA, MAX_IO_QUEUES);
    setUint(out, NCQA, MAX_IO_QUEUES);
    return out;
  },
  seal(image) {
    const out = headerCopy(image);
    const end = Number(getUint(out, TOTAL_LENGTH));
    if (end !== out.length) {
      throw new Error(`the migration image records ${end} bytes but is ${out.length}: seal the whole image a SAVE wrote, not a part of it`);
    }
    setUint(out, CHECKSUM, crc32(out.subarray(CHECKSUM_FROM, end)));
    return out;
  },
};

// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320, as zlib computes it), as the format names it.
const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
