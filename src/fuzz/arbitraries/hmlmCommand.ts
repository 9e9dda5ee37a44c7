// The standard profile's (tp4159) admin commands with every field drawn:
// each row of the command's layout table (src/wire/tp4159/commands.ts) gets
// a value that is usually plausible (a VF's CNTLID, 0, 1, a small count) and
// often out of range (the PF's CNTLID 0, no controller, the field's maximum,
// an unaligned offset, random), reserved rows mostly zero. Also the opcodes
// with SELs no layout defines, Identify CNS 20h, Get Log Page 05h (D19) and
// One-Shot AERs. Sent mostly
// to the PF admin queue; also to VF admin queues, where D19 says Invalid
// Command Opcode.
import fc from 'fast-check';
import { getUint, setUint, type Field } from '../../wire/layout.ts';
import { ADMIN, ASYNC_EVENT_REQUEST, HMLM } from '../../wire/opcodes.ts';
import { isReservedField, TP4159_LAYOUTS } from '../../wire/tp4159/commands.ts';
import { GET_LOG_PAGE } from '../../wire/effectsLog.ts';
import { MAX_FUZZ_VFS, type PrpSource, type SqeSpec, type Step } from '../steps.ts';
import { prpSourceArb } from './prpSource.ts';
import { queueTargetArb } from './target.ts';

/** Rows the layout fixes (they say which command it is) or the host sets (CID, PRPs from the buffer). */
const FIXED = new Set(['opc', 'cid', 'sel', 'fid']);

function maxOf(f: Field): bigint {
  const bits = f.bits ? f.bits[0] - f.bits[1] + 1 : f.width * 8;
  return (1n << BigInt(bits)) - 1n;
}

/** Values that pass the early checks of a field, so the later ones are reached (and a few that just miss). */
const PLAUSIBLE: Record<string, readonly bigint[]> = {
  cdqsize: [16n, 16n, 24n, 32n, 64n, 1024n, 8n, 15n, 1025n, 0n],
  numd: [11n, 11n, 13n, 255n, 1023n, 0n, 1n, 2047n, 0xffffn, 3n],
  offset: [0n, 0n, 0n, 48n, 4n, 56n, 2n, 80n, 4096n, 1n],
  hp: [0n, 0n, 1n, 2n, 3n, 7n, 15n, 16n, 127n, 128n],
  tpt: [0n, 1n, 1n, 2n, 3n, 7n, 15n, 16n, 127n, 128n],
  qt: [0n, 0n, 0n, 0n, 0n, 0n, 0n, 1n, 2n, 0xffn],
  pc: [1n, 1n, 1n, 1n, 1n, 1n, 1n, 0n, 0n, 0n],
  stype: [1n, 1n, 1n, 1n, 0n, 0n, 2n, 3n, 0xffn, 1n],
  lact: [1n, 1n, 1n, 0n, 0n, 0n, 2n, 3n, 0xfn, 1n],
  csvi: [1n, 1n, 1n, 1n, 0n, 0n, 2n, 3n, 0xffn, 1n],
  csuuidi: [0n, 0n, 0n, 1n, 1n, 1n, 2n, 3n, 0xffn, 0n],
  seqind: [3n, 3n, 3n, 1n, 1n, 0n, 0n, 2n, 2n, 3n],
  // the PF (0), each VF, no controller (MAX_FUZZ_VFS + 1, FFFFh)
  cntlid: [1n, 1n, 2n, 3n, 0n, 0n, BigInt(MAX_FUZZ_VFS + 1), 0xffffn, 2n, 1n],
  cqs: [1n, 1n, 2n, 3n, 0n, 0n, BigInt(MAX_FUZZ_VFS + 1), 0xffffn, 2n, 1n],
  cdw2: [0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 1n],
  cdw3: [0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 1n],
  mptr: [0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 1n],
};

/** How one row's value is chosen (an index into the choices below, and a random value). */
interface Pick {
  kind: number;
  random: bigint;
}

const pickArb: fc.Arbitrary<Pick> = fc.record({ kind: fc.nat(15), random: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }) });

/** Plausible values first (kinds 0-9), then the edges (0, max, random). */
function valueFor(f: Field, p: Pick): bigint {
  const max = maxOf(f);
  if (isReservedField(f) || f.name === 'nsid' || f.name === 'fuse' || f.name === 'psdt') return p.kind === 15 ? (p.random % max) + 1n : 0n;
  const plausible = PLAUSIBLE[f.name] ?? [0n, 1n, 1n, 2n, 3n, BigInt(MAX_FUZZ_VFS + 1), 0xffffn, 4n, 7n, 63n];
  const edges = [0n, max, p.random % (max + 1n), max - 1n, 2n, 1n];
  const v = p.kind < plausible.length ? plausible[p.kind] : edges[p.kind - plausible.length];
  return v > max ? v & max : v;
}

interface Drawn {
  layout: number;
  picks: Pick[];
  prps: PrpSource;
  odd: number;
}

/** Extra commands: an undefined SEL of a management opcode, Identify CNS 20h, an AER. */
function oddCommand(odd: number, random: bigint): { bytes: Uint8Array; note: string } {
  const b = new Uint8Array(64);
  const which = odd % 5;
  if (which === 4) {
    // D19's effects log: LID 05h or another, any NUMD and offset
    const v = new DataView(b.buffer);
    b[0] = GET_LOG_PAGE;
    v.setUint32(40, Number(random & 0xffff_ffffn) & 0xffff_0000 | (random % 3n === 0n ? Number((random >> 32n) & 0xffn) : 5), true);
    v.setUint32(44, random % 7n === 0n ? Number((random >> 40n) & 0xffffn) : 0, true);
    v.setUint32(48, random % 2n === 0n ? 0 : Number((random >> 20n) & 0x1fffn), true);
    return { bytes: b, note: `Get Log Page LID ${b[40]}` };
  }
  if (which === 0) {
    const opc = [HMLM.MIGRATION_SEND, HMLM.MIGRATION_RECEIVE, HMLM.CONTROLLER_DATA_QUEUE, HMLM.TRACK_SEND][Number(random % 4n)];
    b[0] = opc;
    b[40] = 3 + Number((random >> 8n) % 253n);
    return { bytes: b, note: `opcode 0x${opc.toString(16)} with undefined SEL ${b[40]}` };
  }
  if (which === 1 || which === 2) {
    b[0] = ADMIN.IDENTIFY;
    b[40] = which === 1 ? 0x20 : 0x15;
    return { bytes: b, note: `Identify CNS ${b[40].toString(16)}h` };
  }
  b[0] = ASYNC_EVENT_REQUEST;
  return { bytes: b, note: 'Asynchronous Event Request (One-Shot events, D33)' };
}

const drawnArb: fc.Arbitrary<Drawn> = fc.record({
  layout: fc.nat(TP4159_LAYOUTS.length + 1),
  picks: fc.array(pickArb, { minLength: 24, maxLength: 24 }),
  prps: prpSourceArb(1, 4),
  odd: fc.nat(),
});

export function buildHmlmSqe(d: Drawn): SqeSpec {
  if (d.layout >= TP4159_LAYOUTS.length) {
    const { bytes, note } = oddCommand(d.odd, d.picks[0].random);
    return { bytes, prps: d.prps, origin: 'lm', note };
  }
  const layout = TP4159_LAYOUTS[d.layout];
  const bytes = new Uint8Array(64);
  for (const [k, v] of Object.entries(layout.fixed)) setUint(bytes, layout.fields.find((f) => f.name === k)!, v);
  const notes: string[] = [];
  layout.fields.forEach((f, i) => {
    if (FIXED.has(f.name) || ((f.name === 'prp1' || f.name === 'prp2') && d.prps.kind === 'buffer')) return;
    const v = valueFor(f, d.picks[i % d.picks.length]);
    if (v === 0n) return;
    setUint(bytes, f, v);
    if (getUint(bytes, f) !== 0n) notes.push(`${f.name} ${v}`);
  });
  return { bytes, prps: d.prps, origin: 'lm', note: `${layout.name}: ${notes.join(', ') || 'all zero'}` };
}

export const hmlmSqeArb: fc.Arbitrary<SqeSpec> = drawnArb.map(buildHmlmSqe);

export const hmlmCommandArb: fc.Arbitrary<Step> = fc
  .tuple(hmlmSqeArb, queueTargetArb({ pf: 8, vfAdmin: 1, vfIo: 0 }))
  .map(([sqe, target]): Step => ({ kind: 'submit', target, sqe }));
