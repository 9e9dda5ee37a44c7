// The arbitraries make what they claim: corrupted commands differ from their
// valid template in exactly one field; LM commands reach every VF index and
// the fields D4, D9 and D10 are about; every step kind and target is drawn.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { corrupt, corruptibleFields, corruptionArb, TEMPLATES } from '../../src/fuzz/arbitraries/corruptedCommand.ts';
import { lmSqeArb, reservedBytes } from '../../src/fuzz/arbitraries/lmCommand.ts';
import { randomSqeArb } from '../../src/fuzz/arbitraries/randomSqe.ts';
import { stepArb } from '../../src/fuzz/arbitraries/sequence.ts';
import { deviceOptionsArb } from '../../src/fuzz/arbitraries/deviceOptions.ts';
import { encodeCommand } from '../../src/wire/adminCommands.ts';
import { LM_OPCODES } from '../../src/wire/opcodes.ts';

describe('fuzz arbitraries', () => {
  it('a corrupted command differs from its valid template only inside the one field named', () => {
    fc.assert(
      fc.property(corruptionArb, (c) => {
        const t = TEMPLATES[c.template % TEMPLATES.length];
        const f = corruptibleFields(t)[c.field % corruptibleFields(t).length];
        const { spec } = corrupt(c);
        const valid = encodeCommand(t.layout, t.values);
        const changed = [...spec.bytes.keys()].filter((i) => spec.bytes[i] !== valid[i]);
        if (f.name === 'prp1' || f.name === 'prp2') {
          // PRP corruptions are made relative to the host buffer when the command has one.
          expect(changed.every((i) => i >= f.offset && i < f.offset + f.width)).toBe(true);
        } else {
          expect(changed.length).toBeGreaterThan(0);
          expect(changed.every((i) => i >= f.offset && i < f.offset + f.width)).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('every template field can be the one corrupted (each is drawn)', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(corruptionArb, (c) => {
        const t = TEMPLATES[c.template % TEMPLATES.length];
        const fs = corruptibleFields(t);
        seen.add(`${t.name}.${fs[c.field % fs.length].name}`);
      }),
      { numRuns: 20_000, seed: 1 },
    );
    const all = TEMPLATES.flatMap((t) => corruptibleFields(t).map((f) => `${t.name}.${f.name}`));
    expect(all.filter((x) => !seen.has(x))).toEqual([]);
  });

  it('D4, D9, D10: LM commands cover every opcode, VF indexes 0 to 65535, and set FUSE, PSDT, NSID, CDW10 31:16 and reserved bytes', () => {
    const samples = fc.sample(lmSqeArb, { numRuns: 4000, seed: 3 });
    const vf = samples.map((s) => s.bytes[40] | (s.bytes[41] << 8));
    expect(new Set(samples.map((s) => s.bytes[0]))).toEqual(new Set(LM_OPCODES.map((o) => o.opcode)));
    expect(vf).toContain(0);
    expect(Math.max(...vf)).toBeGreaterThan(60_000);
    expect(samples.some((s) => (s.bytes[1] & 3) !== 0)).toBe(true);
    expect(samples.some((s) => s.bytes[1] >> 6 !== 0)).toBe(true);
    expect(samples.some((s) => (s.bytes[1] & 0x3c) !== 0)).toBe(true);
    expect(samples.some((s) => s.bytes[4] | s.bytes[5] | s.bytes[6] | s.bytes[7])).toBe(true);
    expect(samples.some((s) => s.bytes[42] | s.bytes[43])).toBe(true);
    expect(samples.some((s) => reservedBytes(s.bytes[0]).some((b) => b > 43 && s.bytes[b] !== 0 && !(s.bytes[0] === 0xd5 && b >= 44 && b <= 47)))).toBe(true);
  });

  it('random SQEs are 64 bytes, and every step kind, target queue and device option is drawn', () => {
    for (const s of fc.sample(randomSqeArb, 200)) expect(s.bytes.length).toBe(64);
    const steps = fc.sample(stepArb, { numRuns: 3000, seed: 5 });
    expect(new Set(steps.map((s) => s.kind))).toEqual(new Set(['submit', 'enable', 'createQueues', 'deleteQueues', 'io', 'completeIo', 'lm', 'load', 'migrate', 'reset']));
    const targets = new Set(steps.flatMap((s) => (s.kind === 'submit' ? [s.target.queue] : [])));
    expect(targets).toEqual(new Set(['pfAdmin', 'vfAdmin', 'vfIo']));
    const origins = new Set(steps.flatMap((s) => (s.kind === 'submit' ? [s.sqe.origin] : [])));
    expect(origins).toEqual(new Set(['random', 'corrupted', 'lm']));
    const opts = fc.sample(deviceOptionsArb(), { numRuns: 500, seed: 5 });
    expect(new Set(opts.map((o) => o.profile))).toEqual(new Set(['lm', 'reserved', 'no-lm', 'foreign']));
    expect(new Set(opts.map((o) => `${o.strict}/${o.vfQueuePolicy}/${o.ioCompletion}`)).size).toBe(8);
  });
});
