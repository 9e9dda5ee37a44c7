// Little-endian reads of SQE fields the fuzzer needs by offset (CDW10 15:0, PRPs).
export const u16 = (b: Uint8Array, at: number): number => b[at] | (b[at + 1] << 8);

/** A 64-bit field as a number (exact below 2^53; larger values are never mapped memory anyway). */
export const u64 = (b: Uint8Array, at: number): number => {
  const v = new DataView(b.buffer, b.byteOffset);
  return v.getUint32(at + 4, true) * 0x1_0000_0000 + v.getUint32(at, true);
};
