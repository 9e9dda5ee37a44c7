// Bad input to the tp4159 profile: every management command with random
// fields, and Set Controller State with broken blobs. Each gets a status,
// never an exception, and a rejected command changes nothing (I9, I11).
// On failure fast-check prints the seed and the shrunk case.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { status } from '../helpers.ts';
import { OK, tpSetup } from './tpHost.ts';
import { sqeFor } from '../../../src/wire/adminCommands.ts';
import { ADMIN, ASYNC_EVENT_REQUEST, FEATURE_CONTROLLER_DATA_QUEUE, HMLM } from '../../../src/wire/opcodes.ts';
import { decodeControllerState, encodeControllerState } from '../../../src/wire/tp4159/state.ts';

/** Each run builds its own device and host (a host's rings cannot be rolled back with the device). */
const RUNS = 50;

/** A device with a UDMQ, a suspended VF 1 with a wrapped I/O pair, a running VF 2; its saved state. */
function world() {
  const env = tpSetup({ vfs: 2 }, 4);
  const { host, tp } = env;
  tp.createUdmq(1, 8);
  host.createIoPair(1, 1, 4);
  host.createIoPair(1, 2, 2, 1);
  for (let i = 0; i < 5; i++) host.write(1, 1, i, 1, i);
  tp.suspend(1);
  host.post(1, 1, sqeFor.read(77, 1, 0n, 1, BigInt(host.alloc(4096)), 0n));
  const saved = tp.state(1, 1);
  return { ...env, saved };
}

const opcodeArb = fc.constantFrom(HMLM.TRACK_SEND, HMLM.TRACK_RECEIVE, HMLM.MIGRATION_SEND, HMLM.MIGRATION_RECEIVE, HMLM.CONTROLLER_DATA_QUEUE, ADMIN.SET_FEATURES, ADMIN.GET_FEATURES);
const dwordArb = fc.oneof(fc.constantFrom(0, 1, 2, 3, 0xffff, 0xffffffff), fc.integer({ min: 0, max: 0xffffffff }));

describe('tp4159 bad input', () => {
  it('D19-D33: every management command with random fields gets a status, never an exception; a rejection changes nothing', () => {
    fc.assert(
      fc.property(opcodeArb, fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 0xffff }), fc.array(dwordArb, { minLength: 5, maxLength: 5 }), fc.constantFrom('none', 'buffer', 'unaligned', 'unmapped'), (opc, sel, mos, dws, where) => {
        const w = world();
        const buf = w.host.alloc(8192);
        const sqe = new Uint8Array(64);
        const v = new DataView(sqe.buffer);
        sqe[0] = opc;
        const prp1 = { none: 0n, buffer: BigInt(buf), unaligned: BigInt(buf + 2), unmapped: 0xdead_0000n }[where];
        v.setBigUint64(24, prp1, true);
        v.setBigUint64(32, BigInt(buf + 4096), true);
        const feature = opc === ADMIN.SET_FEATURES || opc === ADMIN.GET_FEATURES;
        v.setUint32(40, feature ? FEATURE_CONTROLLER_DATA_QUEUE | (mos << 16) : sel | (mos << 16), true);
        dws.forEach((d, i) => v.setUint32(44 + 4 * i, d, true));
        const before = w.dev.stateHash({ fn: 0, sqid: 0 });
        const c = w.host.submit(0, 0, sqe);
        expect(c).not.toBeNull();
        if (status(c)!.sc !== 0 || status(c)!.sct !== 0) expect(w.dev.stateHash({ fn: 0, sqid: 0 })).toBe(before);
      }),
      { numRuns: RUNS },
    );
  });

  it('D26, D27, I11: Set State with a truncated, oversized or edited blob gets a status; a rejection leaves the VF exactly as it was', () => {
    const edits = fc.oneof(
      fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('append' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant('field' as const), which: fc.constantFrom('dupQid', 'noCq', 'pc0', 'bigQsize', 'headPastSize', 'qid0'), csuuidi: fc.constantFrom(0, 1, 2) }),
    );
    fc.assert(
      fc.property(edits, fc.integer({ min: 0, max: 3 }), (edit, seqind) => {
        const w = world();
        w.tp.suspend(2);
        let blob: Uint8Array;
        let csuuidi = 1;
        if (edit.kind === 'truncate') blob = w.saved.slice(0, edit.at % w.saved.length);
        else if (edit.kind === 'append') blob = new Uint8Array([...w.saved, ...edit.bytes]);
        else if (edit.kind === 'flip') {
          blob = w.saved.slice();
          blob[edit.at % blob.length] = edit.value;
        } else {
          const s = decodeControllerState(w.saved).state;
          const n = s.nvme!;
          if (edit.which === 'dupQid') n.sqs[1].qid = n.sqs[0].qid;
          if (edit.which === 'noCq') n.sqs[0].cqid = 60;
          if (edit.which === 'pc0') n.cqs[0].pc = false;
          if (edit.which === 'bigQsize') n.sqs[0].qsize = 0xffff;
          if (edit.which === 'headPastSize') n.cqs[0].head = n.cqs[0].qsize + 1;
          if (edit.which === 'qid0') n.cqs[0].qid = 0;
          blob = encodeControllerState(s);
          csuuidi = edit.csuuidi;
        }
        if (blob.length === 0) blob = new Uint8Array(4);
        const before = w.dev.functionHash(2);
        const c = w.tp.setState(2, blob, { seqind, csuuidi });
        expect(c).not.toBeNull();
        if (status(c)!.sc !== 0) expect(w.dev.functionHash(2)).toBe(before);
        if (edit.kind === 'field' && seqind === 3) expect(status(c)).not.toEqual(OK);
      }),
      { numRuns: RUNS },
    );
  });
});
