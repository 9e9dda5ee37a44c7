// One scenario per tp4159 mutant (options.ts TP4159_MUTANTS): what the
// correct device gives, and that the mutant gives something else. Used by
// ../mutants.test.ts with the vendor profiles' scenarios.
import type { StorageMutant, Tp4159Mutant, Mutant } from '../../../src/emulator/options.ts';
import { status } from '../helpers.ts';
import { dsmRanges, sqeFor } from '../../../src/wire/adminCommands.ts';
import { decodeControllerState, encodeControllerState } from '../../../src/wire/tp4159/state.ts';
import { SC_HMLM } from '../../../src/wire/status.ts';
import { cs, invalidField, tpSetup } from './tpHost.ts';

interface Scenario {
  spec: string;
  run: (mutant: Mutant | undefined) => unknown;
  correct: unknown;
}

export const TP4159_SCENARIOS: Record<Tp4159Mutant | StorageMutant, Scenario> = {
  unloggedDeallocate: {
    spec: 'D30: a deallocate of two ranges on a logged VF posts two entries with DLBA set',
    run: (mutant) => {
      const { host, tp } = tpSetup({ mutant });
      const q = tp.createUdmq(1, 8);
      tp.track(q.cdqid, 1);
      host.createIoPair(1, 1, 4);
      const list = host.alloc(4096);
      host.dev.memory.write(list, dsmRanges([{ slba: 8, blocks: 2 }, { slba: 16, blocks: 3 }]));
      host.submit(1, 1, sqeFor.deallocate(host.nextCid(), 1, 2, BigInt(list)));
      return tp.udmq(q.base, 8).filter((e) => e.phase === 1 && e.dlba).map((e) => [Number(e.slba), e.nlb + 1]);
    },
    correct: [[8, 2], [16, 3]],
  },
  partialSetState: {
    spec: 'D26, I11: a Set State failing a check (an SQ naming no CQ) leaves the VF without queues',
    run: (mutant) => {
      const { dev, host, tp } = tpSetup({ mutant });
      host.createIoPair(1, 1, 4);
      tp.suspend(1);
      const s = decodeControllerState(tp.state(1)).state;
      s.nvme!.sqs[0].cqid = 9;
      tp.suspend(2);
      return [status(tp.setState(2, encodeControllerState(s))), dev.inspect(2).ioQueues];
    },
    correct: [invalidField, 0],
  },
  suspendBeforeDrain: {
    spec: 'D22, L5: Suspend completes only after the fetched Write has posted its completion',
    run: (mutant) => {
      const { dev, host, tp } = tpSetup({ mutant, ioCompletion: 'deferred' });
      host.createIoPair(1, 1, 4);
      host.post(1, 1, sqeFor.write(host.nextCid(), 1, 0n, 1, BigInt(host.alloc(4096))));
      const before = tp.suspend(1);
      dev.completeIo(1);
      return [before, dev.inspect(1).lmState];
    },
    correct: [null, 'suspended'],
  },
  stateDropsLatchedTail: {
    spec: 'D25, I12: a doorbell latched while suspended is in the state (SQ tail)',
    run: (mutant) => {
      const { host, tp } = tpSetup({ mutant });
      host.createIoPair(1, 1, 4);
      tp.suspend(1);
      host.post(1, 1, sqeFor.read(host.nextCid(), 1, 0n, 1, BigInt(host.alloc(4096)), 0n));
      const sq = decodeControllerState(tp.state(1)).state.nvme!.sqs[0];
      return [sq.head, sq.tail];
    },
    correct: [0, 1],
  },
  crossVfLog: {
    spec: "I13: VF 1's write is logged in VF 1's queue, never in VF 2's",
    run: (mutant) => {
      const { host, tp } = tpSetup({ mutant });
      const q1 = tp.createUdmq(1, 8);
      const q2 = tp.createUdmq(2, 8);
      tp.track(q1.cdqid, 1);
      tp.track(q2.cdqid, 1);
      host.createIoPair(1, 1, 4);
      host.write(1, 1, 5, 1, 0xaa);
      return [tp.udmq(q1.base, 8).filter((e) => e.phase === 1).length, tp.udmq(q2.base, 8).filter((e) => e.phase === 1).length];
    },
    correct: [2, 1],
  },
  trackWhileSuspended: {
    spec: 'D29: Track Send start on a suspended VF is Controller Suspended (1/39h)',
    run: (mutant) => {
      const { tp } = tpSetup({ mutant });
      const q = tp.createUdmq(1, 8);
      tp.suspend(1);
      return status(tp.track(q.cdqid, 1));
    },
    correct: cs(SC_HMLM.CONTROLLER_SUSPENDED),
  },
  cdqForPf: {
    spec: "D20, D28: a CDQ for the PF's own CNTLID is Invalid Controller Identifier",
    run: (mutant) => {
      const { tp } = tpSetup({ mutant });
      return status(tp.createUdmq(0, 8).cqe);
    },
    correct: cs(SC_HMLM.INVALID_CONTROLLER_IDENTIFIER),
  },
};


