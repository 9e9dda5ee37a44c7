// The five LM opcodes with every field a hypervisor could get wrong: any VF
// index 0..65535 (D4), CDW10 31:16 set (reserved), FUSE and PSDT (D9),
// reserved bytes and CDW0 bits 13:10 and NSID (D10), LOAD sizes, and PRPs to
// a host buffer or raw. Mostly on the PF admin queue; also on VF admin queues
// (D1) and VF I/O queues, where they are not commands at all.
import fc from 'fast-check';
import { encodeLmCommand, lmLayout } from '../../wire/lmCommands.ts';
import { LM_OPCODES } from '../../wire/opcodes.ts';
import { MAX_FUZZ_VFS, type SqeSpec, type Step } from '../steps.ts';
import { prpSourceArb } from './prpSource.ts';
import { queueTargetArb } from './target.ts';

const rarely = <T>(usual: T, other: fc.Arbitrary<T>): fc.Arbitrary<T> => fc.oneof({ weight: 5, arbitrary: fc.constant(usual) }, { weight: 1, arbitrary: other });

/** Byte offsets of an LM command's reserved ranges, CDW0 and NSID aside (drawn on their own). */
export function reservedBytes(opcode: number): number[] {
  const out: number[] = [];
  for (const r of lmLayout(opcode).reserved) for (let b = r.first; b <= r.last; b++) if (b > 7) out.push(b);
  return out;
}

export const lmSqeArb: fc.Arbitrary<SqeSpec> = fc
  .record({
    opcode: fc.constantFrom(...LM_OPCODES.map((o) => o.opcode)),
    vfIndex: fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 0, max: MAX_FUZZ_VFS + 1 }) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffff }) }),
    cdw10High: rarely(0, fc.integer({ min: 1, max: 0xffff })),
    fuse: rarely(0, fc.integer({ min: 1, max: 3 })),
    psdt: rarely(0, fc.integer({ min: 1, max: 3 })),
    cdw0Reserved: rarely(0, fc.integer({ min: 1, max: 15 })),
    nsid: rarely(0, fc.integer({ min: 1, max: 0xffff_ffff })),
    reserved: fc.array(fc.record({ at: fc.nat(63), value: fc.integer({ min: 1, max: 255 }) }), { maxLength: 2 }),
    size: fc.oneof(fc.constant(120), fc.constant(0), fc.integer({ min: 0, max: 0xffff_ffff })),
    prps: prpSourceArb(1, 3),
  })
  .map((c): SqeSpec => {
    const bytes = encodeLmCommand({ opcode: c.opcode, vfIndex: c.vfIndex, fuse: c.fuse, psdt: c.psdt, ...(c.opcode === 0xd5 ? { size: c.size } : {}) });
    bytes[1] |= c.cdw0Reserved << 2;
    bytes[42] = c.cdw10High & 0xff;
    bytes[43] = c.cdw10High >> 8;
    new DataView(bytes.buffer).setUint32(4, c.nsid, true);
    const spots = reservedBytes(c.opcode).filter((b) => b !== 42 && b !== 43);
    for (const r of c.reserved) bytes[spots[r.at % spots.length]] = r.value;
    const odd = [c.fuse && 'FUSE', c.psdt && 'PSDT', c.cdw0Reserved && 'CDW0 13:10', c.nsid && 'NSID', c.cdw10High && 'CDW10 31:16', c.reserved.length && 'reserved bytes'].filter(Boolean);
    return { bytes, prps: c.prps, origin: 'lm', note: odd.length ? `set: ${odd.join(', ')}` : 'well-formed fields' };
  });

export const lmCommandArb: fc.Arbitrary<Step> = fc
  .tuple(lmSqeArb, queueTargetArb({ pf: 6, vfAdmin: 2, vfIo: 1 }))
  .map(([sqe, target]): Step => ({ kind: 'submit', target, sqe }));
