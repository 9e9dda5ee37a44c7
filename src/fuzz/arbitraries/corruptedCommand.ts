// Valid commands (admin, NVM, LM) with exactly one field corrupted: the
// field is any field of the command's layout table or of the common SQE
// (NSID, CDW2/3, MPTR, reserved bits, the dwords), and the new value one of
// 0, 1, the field's maximum, the old value + 1, or a random value, always
// different from the valid one. PRP corruptions are made relative to the
// command's own buffer (an offset, the next page, an unmapped address).
import fc from 'fast-check';
import { ABORT_LAYOUT, CREATE_IO_CQ_LAYOUT, CREATE_IO_SQ_LAYOUT, DELETE_IO_QUEUE_LAYOUT, encodeCommand, FEATURES_LAYOUT, FLUSH_LAYOUT, IDENTIFY_LAYOUT, READ_WRITE_LAYOUT } from '../../wire/adminCommands.ts';
import { getUint, setUint, type Field, type Layout } from '../../wire/layout.ts';
import { lmLayout } from '../../wire/lmCommands.ts';
import { LM } from '../../wire/opcodes.ts';
import { SQE_LAYOUT } from '../../wire/sqe.ts';
import type { PrpSource, QueueTarget, SqeSpec, Step } from '../steps.ts';
import { queueTargetArb } from './target.ts';

interface Template {
  name: string;
  io: boolean;
  lm: boolean;
  layout: Layout;
  values: Record<string, number>;
  /** data pages the valid command needs (0: no data transfer) */
  pages: number;
}

const T = (name: string, layout: Layout, values: Record<string, number>, pages = 0, io = false, lm = false): Template => ({ name, io, lm, layout, values, pages });

/** Queue id 6 keeps the valid creates and deletes off the host's own queues (1..4). */
export const TEMPLATES: readonly Template[] = [
  T('Identify controller', IDENTIFY_LAYOUT, { opc: 0x06, cns: 1 }, 1),
  T('Identify namespace 1', IDENTIFY_LAYOUT, { opc: 0x06, cns: 0, nsid: 1 }, 1),
  T('Get Features (Number of Queues)', FEATURES_LAYOUT, { opc: 0x0a, fid: 7 }),
  T('Set Features (Number of Queues)', FEATURES_LAYOUT, { opc: 0x09, fid: 7, nsqr: 3, ncqr: 3 }),
  T('Abort', ABORT_LAYOUT, { opc: 0x08, sqid: 1, acid: 1 }),
  T('Create I/O CQ 6', CREATE_IO_CQ_LAYOUT, { opc: 0x05, qid: 6, qsize: 15, pc: 1 }, 1),
  T('Create I/O SQ 6 on CQ 6', CREATE_IO_SQ_LAYOUT, { opc: 0x01, qid: 6, qsize: 15, pc: 1, cqid: 6 }, 1),
  T('Delete I/O SQ 6', DELETE_IO_QUEUE_LAYOUT, { opc: 0x00, qid: 6 }),
  T('Delete I/O CQ 6', DELETE_IO_QUEUE_LAYOUT, { opc: 0x04, qid: 6 }),
  T('Write', READ_WRITE_LAYOUT, { opc: 0x01, nsid: 1, slba: 8, nlb: 7 }, 1, true),
  T('Read', READ_WRITE_LAYOUT, { opc: 0x02, nsid: 1, slba: 8, nlb: 7 }, 1, true),
  T('Flush', FLUSH_LAYOUT, { opc: 0x00, nsid: 1 }, 0, true),
  T('QUERY_DATA_SIZE', lmLayout(LM.QUERY), { opc: LM.QUERY, vfIndex: 1 }, 0, false, true),
  T('SUSPEND', lmLayout(LM.SUSPEND), { opc: LM.SUSPEND, vfIndex: 1 }, 0, false, true),
  T('RESUME', lmLayout(LM.RESUME), { opc: LM.RESUME, vfIndex: 1 }, 0, false, true),
  T('SAVE_DATA', lmLayout(LM.SAVE), { opc: LM.SAVE, vfIndex: 1 }, 1, false, true),
  T('LOAD_DATA', lmLayout(LM.LOAD), { opc: LM.LOAD, vfIndex: 1, size: 120 }, 1, false, true),
];

const EXTRA_NAMES = ['nsid', 'cdw0Reserved', 'cdw2', 'cdw3', 'mptr', 'cdw10', 'cdw11', 'cdw12', 'cdw13', 'cdw14', 'cdw15'];
const CDW10_HIGH: Field = { name: 'cdw10[31:16]', offset: 42, width: 2, doc: 'CDW10 31:16' };

/** Fields one may corrupt: the command's own, the common SQE fields, and CDW10 31:16 for the LM commands. */
export function corruptibleFields(t: Template): Field[] {
  const own = t.layout.fields.filter((f) => f.name !== 'cid');
  const extra = SQE_LAYOUT.fields.filter((f) => EXTRA_NAMES.includes(f.name) && !own.some((o) => o.name === f.name));
  return [...own, ...extra, ...(t.lm ? [CDW10_HIGH] : [])];
}

function fieldMax(f: Field): bigint {
  const bits = f.bits ? f.bits[0] - f.bits[1] + 1 : f.width * 8;
  return (1n << BigInt(bits)) - 1n;
}

const PRP1_DELTAS = [1, 2, 3, 4096, 2 ** 40];
const PRP2_MODES = ['zero', 'unaligned', 'unmapped'] as const;

export interface Corruption {
  template: number;
  field: number;
  kind: number;
  random: bigint;
}

/** Build the SQE of template `c.template` with field `c.field` set to the chosen wrong value. */
export function corrupt(c: Corruption): { spec: SqeSpec; io: boolean; lm: boolean } {
  const t = TEMPLATES[c.template % TEMPLATES.length];
  const fields = corruptibleFields(t);
  const f = fields[c.field % fields.length];
  const bytes = encodeCommand(t.layout, t.values);
  let prps: PrpSource = t.pages === 0 ? { kind: 'raw' } : { kind: 'buffer', pages: t.pages, offset: 0, fill: 0xa5, prp1Delta: 0, prp2: 'auto' };
  let note: string;
  if (prps.kind === 'buffer' && f.name === 'prp1') {
    const delta = PRP1_DELTAS[c.kind % PRP1_DELTAS.length];
    prps = { ...prps, prp1Delta: delta };
    note = `PRP1 moved by ${delta}`;
  } else if (prps.kind === 'buffer' && f.name === 'prp2') {
    const mode = PRP2_MODES[c.kind % PRP2_MODES.length];
    prps = { ...prps, pages: 2, prp2: mode };
    note = `PRP2 ${mode}`;
  } else {
    const max = fieldMax(f);
    const old = getUint(bytes, f);
    const choices = [0n, 1n, max, (old + 1n) & max, c.random % (max + 1n)];
    let value = choices[c.kind % choices.length];
    if (value === old) value = old ^ 1n;
    setUint(bytes, f, value);
    note = `${f.name} ${old} -> ${value}`;
  }
  return { spec: { bytes, prps, origin: 'corrupted', note: `${t.name}, ${note}` }, io: t.io, lm: t.lm };
}

export const corruptionArb: fc.Arbitrary<Corruption> = fc.record({
  template: fc.nat(TEMPLATES.length - 1),
  field: fc.nat(63),
  kind: fc.nat(4),
  random: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
});

/** A corrupted command on a queue where it makes sense: admin commands on admin queues (PF or VF), NVM on VF I/O queues, LM mostly on the PF. */
export const corruptedCommandArb: fc.Arbitrary<Step> = fc
  .tuple(corruptionArb, queueTargetArb({ pf: 3, vfAdmin: 2, vfIo: 0 }), fc.integer({ min: 1, max: 3 }), fc.nat(3))
  .map(([c, adminTarget, vf, slot]): Step => {
    const { spec, io } = corrupt(c);
    const target: QueueTarget = io ? { queue: 'vfIo', vf, slot } : adminTarget;
    return { kind: 'submit', target, sqe: spec };
  });
