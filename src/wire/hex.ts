// Hex text <-> bytes, with errors that name the problem (used by the CLI and
// the JSON-lines protocol: lower case, no separators).
import { WireError } from './layout.ts';

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/**
 * Parse hex text. Accepts an optional 0x prefix and, for pasted dumps,
 * whitespace between bytes. `what` names the value in error messages.
 */
export function fromHex(text: string, what = 'hex input', expectedBytes?: number): Uint8Array {
  if (typeof text !== 'string') throw new WireError(`${what}: expected a hex string`);
  const clean = text.trim().replace(/^0x/i, '').replace(/[\s:]/g, '');
  if (clean.length === 0) throw new WireError(`${what} is empty`);
  const bad = clean.search(/[^0-9a-fA-F]/);
  if (bad >= 0) throw new WireError(`${what}: "${clean[bad]}" at position ${bad} is not a hex digit`);
  if (clean.length % 2 !== 0) throw new WireError(`${what}: odd number of hex digits (${clean.length}); each byte needs two`);
  const bytes = new Uint8Array(Buffer.from(clean, 'hex'));
  if (expectedBytes !== undefined && bytes.length !== expectedBytes) {
    throw new WireError(`${what} must be ${expectedBytes} bytes (${expectedBytes * 2} hex digits), got ${bytes.length}`);
  }
  return bytes;
}

/**
 * The bytes of hex text a schema has already checked (hex digits, an even
 * number of them, no prefix or separators): no second pass over it, which
 * on the protocol's page-sized memory data is most of the cost.
 */
export function checkedHexBytes(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'hex'));
}

/** `0x`-prefixed lower-case hex of an unsigned integer. */
export function hexNumber(value: bigint | number): string {
  return `0x${BigInt(value).toString(16)}`;
}

/** Parse a number given as decimal or 0x-hex text. */
export function parseNumber(text: string, what: string): bigint {
  const t = text.trim();
  if (!/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(t)) throw new WireError(`${what}: "${text}" is not a number (decimal or 0x-hex)`);
  return BigInt(t);
}
