// Byte layouts as tables (architecture rule 4): every codec, the docs and the
// golden vectors derive from these rows. Little-endian throughout (NVMe).

type FieldKind = 'uint' | 'ascii' | 'bytes';

export interface Field {
  name: string;
  /** byte offset from the start of the structure */
  offset: number;
  /** width in bytes: 1, 2, 4 or 8 for uint; any length for ascii/bytes */
  width: number;
  /** for uint fields that occupy part of their bytes: inclusive bit range [hi, lo] within the little-endian value */
  bits?: readonly [number, number];
  kind?: FieldKind;
  doc: string;
}

export interface Layout {
  name: string;
  size: number;
  fields: readonly Field[];
}

export class WireError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WireError';
  }
}

/** Up to 6 bytes as a Number (exact below 2^53): the common widths need no BigInt per byte. */
function readSmallLE(buf: Uint8Array, offset: number, width: number): number {
  let v = 0;
  for (let i = width - 1; i >= 0; i--) v = v * 256 + buf[offset + i];
  return v;
}

function readUintLE(buf: Uint8Array, offset: number, width: number): bigint {
  if (width <= 6) return BigInt(readSmallLE(buf, offset, width));
  let v = 0n;
  for (let i = width - 1; i >= 0; i--) v = (v << 8n) | BigInt(buf[offset + i]);
  return v;
}

function writeUintLE(buf: Uint8Array, offset: number, width: number, value: bigint): void {
  let v = value;
  for (let i = 0; i < width; i++) {
    buf[offset + i] = Number(v & 0xffn);
    v >>= 8n;
  }
}

interface FieldMask {
  shift: bigint;
  mask: bigint;
  /** the same as Numbers: bits lo..hi are floor(v / 2^lo) mod 2^(hi-lo+1) */
  lo: number;
  span: number;
}

/** Made once per field: every codec call reads the same table rows. */
const masks = new WeakMap<Field, FieldMask>();

function fieldMask(f: Field): FieldMask {
  let m = masks.get(f);
  if (m === undefined) {
    const [hi, lo] = f.bits ?? [f.width * 8 - 1, 0];
    m = { shift: BigInt(lo), mask: (1n << BigInt(hi - lo + 1)) - 1n, lo: 2 ** lo, span: 2 ** (hi - lo + 1) };
    masks.set(f, m);
  }
  return m;
}

const byName = new WeakMap<Layout, Map<string, Field>>();

export function fieldByName(layout: Layout, name: string): Field {
  let fields = byName.get(layout);
  if (fields === undefined) {
    // the first row of a name, as find() gave; made once per layout (encodeUints looks up every field it writes)
    fields = new Map();
    for (const x of layout.fields) if (!fields.has(x.name)) fields.set(x.name, x);
    byName.set(layout, fields);
  }
  const f = fields.get(name);
  if (!f) throw new WireError(`${layout.name} has no field "${name}"; fields: ${layout.fields.map((x) => x.name).join(', ')}`);
  return f;
}

/** Read an unsigned field. */
export function getUint(buf: Uint8Array, f: Field): bigint {
  if (f.width <= 6) return BigInt(getSmallUint(buf, f));
  const m = fieldMask(f);
  return (readUintLE(buf, f.offset, f.width) >> m.shift) & m.mask;
}

/**
 * Read an unsigned field of at most 6 bytes as a Number (exact): the decoders
 * of the entries every step reads (CQE, SQE) make no BigInt per field.
 */
export function getSmallUint(buf: Uint8Array, f: Field): number {
  if (f.width > 6) throw new WireError(`field ${f.name} is ${f.width} bytes wide: read it with getUint (a bigint)`);
  const m = fieldMask(f);
  return Math.floor(readSmallLE(buf, f.offset, f.width) / m.lo) % m.span;
}

/** A layout's fields by name, for a decoder that reads each by its row. */
export function fieldsByName<K extends string>(layout: Layout, names: readonly K[]): Record<K, Field> {
  return Object.fromEntries(names.map((n) => [n, fieldByName(layout, n)])) as Record<K, Field>;
}

/** Write an unsigned field, leaving the other bits of its bytes alone. Throws if the value does not fit. */
export function setUint(buf: Uint8Array, f: Field, value: bigint | number): void {
  if (f.width <= 6 && Number.isSafeInteger(value)) {
    setSmallUint(buf, f, value as number);
    return;
  }
  const v = BigInt(value);
  const { shift, mask } = fieldMask(f);
  if (v < 0n || v > mask) {
    throw new WireError(`field ${f.name}: value ${v} does not fit in ${f.bits ? `bits ${f.bits[0]}:${f.bits[1]}` : `${f.width} bytes`}`);
  }
  if (f.width <= 6) {
    setSmallUint(buf, f, Number(v));
    return;
  }
  const old = readUintLE(buf, f.offset, f.width);
  writeUintLE(buf, f.offset, f.width, (old & ~(mask << shift)) | (v << shift));
}

/** setUint of a whole Number into a field of at most 6 bytes, with no BigInt (most fields every encoder writes). */
function setSmallUint(buf: Uint8Array, f: Field, v: number): void {
  const { lo, span } = fieldMask(f);
  if (v < 0 || v >= span) throw new WireError(`field ${f.name}: value ${v} does not fit in ${f.bits ? `bits ${f.bits[0]}:${f.bits[1]}` : `${f.width} bytes`}`);
  const old = readSmallLE(buf, f.offset, f.width);
  // the bits below the field, the field, and the bits above it
  let next = (old % lo) + v * lo + (old - (old % (lo * span)));
  for (let i = 0; i < f.width; i++, next = Math.floor(next / 256)) buf[f.offset + i] = next % 256;
}

export function getAscii(buf: Uint8Array, f: Field): string {
  return Buffer.from(buf.subarray(f.offset, f.offset + f.width)).toString('latin1').replace(/[ \0]+$/, '');
}

/** ASCII fields are space padded (NVMe convention). */
export function setAscii(buf: Uint8Array, f: Field, text: string): void {
  if (text.length > f.width) throw new WireError(`field ${f.name}: "${text}" is longer than ${f.width} characters`);
  const padded = text.padEnd(f.width, ' ');
  for (let i = 0; i < f.width; i++) buf[f.offset + i] = padded.charCodeAt(i) & 0xff;
}

/** Decode every uint field of a layout into a name -> value record. */
export function decodeUints(layout: Layout, buf: Uint8Array): Record<string, bigint> {
  assertLength(layout, buf);
  const out: Record<string, bigint> = {};
  for (const f of uintFields(layout)) out[f.name] = getUint(buf, f);
  return out;
}

const uintLists = new WeakMap<Layout, readonly Field[]>();

/** A layout's uint fields, listed once per layout (every SQE and CQE decode reads them). */
function uintFields(layout: Layout): readonly Field[] {
  let list = uintLists.get(layout);
  if (list === undefined) {
    list = layout.fields.filter((f) => (f.kind ?? 'uint') === 'uint');
    uintLists.set(layout, list);
  }
  return list;
}

/** Encode uint fields by name; unknown names throw. */
export function encodeUints(layout: Layout, values: Record<string, bigint | number | undefined>, into?: Uint8Array): Uint8Array {
  const buf = into ?? new Uint8Array(layout.size);
  assertLength(layout, buf);
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined) continue;
    setUint(buf, fieldByName(layout, name), value);
  }
  return buf;
}

export function assertLength(layout: Layout, buf: Uint8Array): void {
  if (!(buf instanceof Uint8Array)) throw new WireError(`${layout.name}: expected bytes, got ${typeof buf}`);
  if (buf.length !== layout.size) {
    throw new WireError(`${layout.name} must be exactly ${layout.size} bytes, got ${buf.length}`);
  }
}

/** One row per field with its value, for printing a structure field by field (uint fields; bytes shown as hex). */
export function fieldRows(layout: Layout, buf: Uint8Array): Array<{ name: string; value: string; doc: string }> {
  assertLength(layout, buf);
  return layout.fields.map((f) => ({
    name: f.name,
    value: (f.kind ?? 'uint') === 'uint' ? `0x${getUint(buf, f).toString(16)}` : f.kind === 'ascii' ? JSON.stringify(getAscii(buf, f)) : Buffer.from(buf.subarray(f.offset, f.offset + f.width)).toString('hex'),
    doc: f.doc,
  }));
}
