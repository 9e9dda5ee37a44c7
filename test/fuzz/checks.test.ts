// Each check of the runner fails when its rule is broken: a device action
// that writes stray host memory, changes another VF, throws, or posts a
// completion nobody is waiting for is reported under the rule's id.
import { describe, expect, it } from 'vitest';
import { Runner, FuzzFailure } from '../../src/fuzz/runner.ts';
import { runSequence } from '../../src/fuzz/sequence.ts';
import { createQueues } from '../../src/fuzz/guestSteps.ts';
import { encodeCqe } from '../../src/wire/cqe.ts';
import type { FuzzDevice, Step } from '../../src/fuzz/steps.ts';

const DEVICE: FuzzDevice = { vfs: 2, profile: 'lm', strict: false, vfQueuePolicy: 'reject', ioCompletion: 'immediate', maxIoQueuesPerVf: 64 };

function broughtUp(d: Partial<FuzzDevice> = {}): Runner {
  const r = new Runner({ ...DEVICE, ...d });
  r.enable(0);
  for (let vf = 1; vf <= r.cfg.vfs; vf++) {
    r.enable(vf);
    createQueues(r, vf, 16);
  }
  return r;
}

function failureOf(body: () => void): FuzzFailure {
  try {
    body();
  } catch (e) {
    if (e instanceof FuzzFailure) return e;
    throw e;
  }
  throw new Error('no failure');
}

describe('runner checks fail when their rule is broken', () => {
  it('memory: a device write outside every PRP buffer and CQ slot is reported with its address', () => {
    const r = broughtUp();
    const page = r.host.take(1)[0];
    const f = failureOf(() => r.act('stray write', [1], () => r.dev.memory.write(page + 100, new Uint8Array([1, 2, 3]))));
    expect(f.rule).toBe('memory');
    expect(f.message).toContain(`0x${(page + 100).toString(16)}..0x${(page + 102).toString(16)} (3 bytes)`);
  });

  it('memory: host writes between actions are not device writes', () => {
    const r = broughtUp();
    const page = r.host.take(1)[0];
    r.host.watch.write(page, new Uint8Array([9, 9, 9]));
    expect(() => r.act('nothing', [1], () => undefined)).not.toThrow();
  });

  it('I4: an action aimed at VF1 that changes VF2 is reported (D14)', () => {
    const r = broughtUp();
    const f = failureOf(() => r.act('reset the wrong VF', [1], () => r.dev.flr(2)));
    expect(f.rule).toBe('I4');
    expect(f.message).toContain('VF2 changed');
  });

  it('exception: an exception out of the emulator is a failure', () => {
    const r = broughtUp();
    const f = failureOf(() => r.act('bad register', [1], () => r.dev.regWrite(1, 0x2, 4, 0n)));
    expect(f.rule).toBe('exception');
    expect(f.message).toContain('register offset 0x2');
  });

  it('I2: a completion that no outstanding command owns is reported (a duplicate or a wrong CID)', () => {
    const r = broughtUp();
    const cq = r.host.queues(1)!.cqs.get(1)!;
    const fake = encodeCqe({ sqid: 1, cid: 0x777, phase: 1 });
    const f = failureOf(() => r.act('fake completion', [1], () => r.dev.memory.write(cq.base, fake)));
    expect(f.rule).toBe('I2');
    expect(f.message).toContain('CID 0x777');
  });
});

describe('sequences the fuzzer runs (hand-written)', () => {
  it('D11, D12, D15: I/O posted while suspended waits, a SAVE drains deferred I/O, a real migration loads and resumes, nothing is lost', () => {
    const steps: Step[] = [
      { kind: 'io', vf: 1, slot: 0, op: 'write', slba: 3, blocks: 12, fill: 0x5a },
      { kind: 'lm', op: 'suspend', vf: 1 },
      { kind: 'io', vf: 1, slot: 0, op: 'read', slba: 3, blocks: 4, fill: 0 },
      { kind: 'migrate', vf: 2, image: { kind: 'real' }, offset: 4000, saveTwice: true, resume: true },
      { kind: 'lm', op: 'save', vf: 1 },
      { kind: 'load', vf: 1, image: { kind: 'mutated', mutation: { kind: 'flip', at: 77, xor: 3 } }, offset: 8 },
      { kind: 'lm', op: 'resume', vf: 1 },
      { kind: 'completeIo', vf: 1, n: 1 },
      { kind: 'reset', what: 'flr', fn: 0, recover: true },
    ];
    const r = runSequence({ ...DEVICE, ioCompletion: 'deferred' }, steps, true);
    expect(r.failure).toBeUndefined();
    expect(r.stats.realLoads).toBe(1);
    expect(r.stats.refusedImages).toBe(1);
    expect(r.stats.latched).toBeGreaterThanOrEqual(2);
    // D12: the SAVE of step 4 drains the write fetched before SUSPEND (at once, or it waits for completeIo): both complete.
    expect(r.transcript.some((l) => l.includes('VF1 I/O q1 cid 0x5 -> Successful'))).toBe(true);
    expect(r.transcript.some((l) => l.includes('PF admin cid 0xe -> Successful'))).toBe(true);
  });

  it('D1 with vfQueuePolicy drop: an LM opcode on a VF admin queue gets no completion and the run still passes', () => {
    const sqe = new Uint8Array(64);
    sqe[0] = 0xc8;
    sqe[40] = 1;
    const steps: Step[] = [{ kind: 'submit', target: { queue: 'vfAdmin', vf: 1 }, sqe: { bytes: sqe, prps: { kind: 'raw' }, origin: 'lm', note: 'SUSPEND on the VF' } }];
    const r = runSequence({ ...DEVICE, vfQueuePolicy: 'drop' }, steps);
    expect(r.failure).toBeUndefined();
    expect(r.stats.dropped).toBe(1);
  });
});
