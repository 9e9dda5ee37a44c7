// The tp4159 acceptance machine: each decision's command ends in the final
// state with the status tp4159.md gives it, the checker proves I2, I3, I9,
// I11 and I13 on both option sets, and each invariant catches a copy of the
// machine seeded with the bug it exists for.
import { describe, expect, it } from 'vitest';
import type { AnyStateMachine } from 'xstate';
import type { MachineSpec } from '../../../machines/spec.ts';
import {
  DEFAULT_TP_ACCEPTANCE_OPTIONS,
  TP_ACCEPTANCE_OPTION_SETS,
  TP_FINALS,
  createTpAcceptance,
  tpAcceptanceConfig,
  tpAcceptanceSetup,
  tpAcceptanceSpec,
  tpReachedFinal,
  type TpAcceptanceConfig,
  type TpAcceptanceOptions,
} from '../../../machines/tp4159Acceptance.ts';
import { definitionEdges } from '../../../src/check/edges.ts';
import { check } from '../../../src/check/report.ts';
import { invariant, play } from './helpers.ts';

const m = createTpAcceptance();
function end(events: string[], machine: AnyStateMachine = m): string {
  const f = tpReachedFinal(play(machine, events));
  if (f === undefined) throw new Error(`${events.join(', ')} ends in no final state`);
  const s = f.meta.status;
  return `${f.name} ${s === undefined ? '-' : `${s.sct}/${s.sc.toString(16)}${s.dnr ? ' DNR' : ''}`} ${f.meta.decision}`;
}

const PF = ['QUEUE_PF_ADMIN'];
const SUSPEND = [...PF, 'OPC_MIGRATION_SEND', 'SEL_SUSPEND', 'STYPE_SUSPEND'];
const SET = (seqind: string) => [...PF, 'OPC_MIGRATION_SEND', 'SEL_SET_STATE', seqind, 'CNTLID_VF', 'VF_SUSPENDED', 'VF_NO_IO_QUEUES', 'CSVI_NVME_STATE', 'PARTS_IN_ORDER'];
const GET = [...PF, 'OPC_MIGRATION_RECEIVE', 'SEL_GET_STATE', 'CNTLID_VF'];
const TRACK = [...PF, 'OPC_TRACK_SEND', 'SEL_LOG_USER_DATA'];
const CREATE = [...PF, 'OPC_CDQ', 'SEL_CREATE', 'QT_UDMQ', 'CDQSIZE_OK', 'PC_CONTIGUOUS'];

describe('tp4159Acceptance: each decision', () => {
  for (const opc of ['OPC_TRACK_SEND', 'OPC_TRACK_RECEIVE', 'OPC_MIGRATION_SEND', 'OPC_MIGRATION_RECEIVE', 'OPC_CDQ']) {
    it(`D19: ${opc} on a VF admin queue is Invalid Command Opcode, DNR, and changes nothing`, () => {
      expect(end(['QUEUE_VF_ADMIN', opc])).toBe('rejectedVfQueue 0/1 DNR D19');
      expect(TP_FINALS.rejectedVfQueue.changes).toBe('none');
    });
  }

  it('D20: a CNTLID naming the PF itself, an unknown id or an offline VF is Invalid Controller Identifier (1/1Fh), DNR', () => {
    for (const c of ['CNTLID_PF', 'CNTLID_UNKNOWN', 'CNTLID_OFFLINE_VF']) expect(end([...SUSPEND, c])).toBe('rejectedCntlid 1/1f DNR D20');
    expect(end([...PF, 'OPC_MIGRATION_SEND', 'SEL_RESUME', 'CNTLID_PF'])).toBe('rejectedCntlid 1/1f DNR D20');
    expect(end([...GET.slice(0, -1), 'CNTLID_UNKNOWN'])).toBe('rejectedCntlid 1/1f DNR D20');
  });

  it('D22: Suspend suspends an active VF, is a no-op on a suspended one and for STYPE 0; another STYPE is Invalid Field', () => {
    expect(end([...SUSPEND, 'CNTLID_VF', 'VF_ACTIVE'])).toBe('executedSuspend 0/0 D22');
    expect(end([...SUSPEND, 'CNTLID_VF', 'VF_SUSPENDED'])).toBe('executedSuspendNoChange 0/0 D22');
    expect(end([...PF, 'OPC_MIGRATION_SEND', 'SEL_SUSPEND', 'STYPE_NOTICE', 'CNTLID_VF', 'VF_ACTIVE'])).toBe('executedSuspendNotice 0/0 D22');
    expect(end([...PF, 'OPC_MIGRATION_SEND', 'SEL_SUSPEND', 'STYPE_RESERVED'])).toBe('rejectedStype 0/2 DNR D22');
  });

  it('D23: Resume of an active VF is Controller Not Suspended (1/3Ah), DNR; of a suspended one, executed', () => {
    const resume = [...PF, 'OPC_MIGRATION_SEND', 'SEL_RESUME', 'CNTLID_VF'];
    expect(end([...resume, 'VF_ACTIVE'])).toBe('rejectedResumeActive 1/3a DNR D23');
    expect(end([...resume, 'VF_SUSPENDED'])).toBe('executedResume 0/0 D23');
  });

  it('D24: Get State in any state (DW0 CSUP); an unlisted CSVI or CSUUIDI, or an offset unaligned or past the end, is Invalid Field', () => {
    expect(end([...GET, 'VF_ACTIVE', 'CSVI_HEADER_ONLY', 'OFFSET_VALID'])).toBe('executedGetState 0/0 D24');
    expect(TP_FINALS.executedGetState.dw0).toBe('csup');
    expect(end([...GET, 'VF_SUSPENDED', 'CSVI_UNLISTED'])).toBe('rejectedGetCsvi 0/2 DNR D24');
    expect(end([...GET, 'VF_SUSPENDED', 'CSUUIDI_UNLISTED'])).toBe('rejectedGetCsuuidi 0/2 DNR D24');
    expect(end([...GET, 'VF_SUSPENDED', 'CSVI_NVME_STATE', 'OFFSET_UNALIGNED'])).toBe('rejectedGetOffset 0/2 DNR D24');
    expect(end([...GET, 'VF_SUSPENDED', 'CSVI_NVME_STATE', 'OFFSET_PAST_END'])).toBe('rejectedGetOffset 0/2 DNR D24');
    const noVendor = createTpAcceptance({ vendorState: false });
    expect(end([...GET, 'VF_SUSPENDED', 'CSUUIDI_VENDOR'], noVendor)).toBe('rejectedGetCsuuidi 0/2 DNR D24');
  });

  it('D26: Set State checks the VF suspended (1/3Ah), then no I/O queues, CSVI, the part sequence, then the data, all before any change', () => {
    const head = [...PF, 'OPC_MIGRATION_SEND', 'SEL_SET_STATE', 'SEQIND_WHOLE', 'CNTLID_VF'];
    expect(end([...head, 'VF_ACTIVE'])).toBe('rejectedSetNotSuspended 1/3a DNR D26');
    expect(end([...head, 'VF_SUSPENDED', 'VF_HAS_IO_QUEUES'])).toBe('rejectedSetHasQueues 0/2 DNR D26');
    expect(end([...head, 'VF_SUSPENDED', 'VF_NO_IO_QUEUES', 'CSVI_UNLISTED'])).toBe('rejectedSetCsvi 0/2 DNR D26');
    expect(end([...head, 'VF_SUSPENDED', 'VF_NO_IO_QUEUES', 'CSVI_NVME_STATE', 'PART_OUT_OF_ORDER'])).toBe('rejectedSetSequence 0/2 DNR D26');
    for (const d of ['DATA_VER_NONZERO', 'DATA_NVMECSS_ZERO', 'DATA_QID_OUT_OF_RANGE_OR_DUPLICATE', 'DATA_CQID_NOT_IN_STATE', 'DATA_HEAD_OR_TAIL_OVER_SIZE', 'DATA_VENDOR_SECTION_BAD']) {
      expect(end([...SET('SEQIND_WHOLE'), d])).toBe('rejectedStateData 0/2 DNR D26');
    }
    expect(end([...SET('SEQIND_WHOLE'), 'DATA_VALID'])).toBe('executedSetState 0/0 D26');
  });

  it('D26: a first or middle part is kept, the last applies; a controller taking only SEQIND 3 answers Invalid Field for the parts', () => {
    expect(end(SET('SEQIND_FIRST'))).toBe('executedSetPart 0/0 D26');
    expect(end(SET('SEQIND_MIDDLE'))).toBe('executedSetPart 0/0 D26');
    expect(end([...SET('SEQIND_LAST'), 'DATA_VALID'])).toBe('executedSetState 0/0 D26');
    const whole = createTpAcceptance({ seqind: 'whole-only' });
    expect(end([...PF, 'OPC_MIGRATION_SEND', 'SEL_SET_STATE', 'SEQIND_FIRST'], whole)).toBe('rejectedSeqindUnsupported 0/2 DNR D26');
  });

  it('D27: a transfer shorter than the header says is Invalid Field; up to a dword longer is accepted', () => {
    expect(end([...SET('SEQIND_WHOLE'), 'DATA_SHORTER_THAN_HEADER_SAYS'])).toBe('rejectedShortTransfer 0/2 DNR D27');
    expect(end([...SET('SEQIND_WHOLE'), 'DATA_LONGER_BY_A_DWORD'])).toBe('executedSetState 0/0 D26');
  });

  it('D28: Create checks QT, CDQSIZE, PC, CQS (1/1Fh) and MCUDMQ (1/38h); Delete of an unknown CDQID is 1/37h', () => {
    expect(end([...PF, 'OPC_CDQ', 'SEL_CREATE', 'QT_RESERVED'])).toBe('rejectedQt 0/2 DNR D28');
    expect(end([...PF, 'OPC_CDQ', 'SEL_CREATE', 'QT_UDMQ', 'CDQSIZE_BELOW_TWO_ENTRIES'])).toBe('rejectedCdqSize 0/2 DNR D28');
    expect(end([...PF, 'OPC_CDQ', 'SEL_CREATE', 'QT_UDMQ', 'CDQSIZE_OK', 'PC_PRP_LIST'])).toBe('rejectedPc 0/2 DNR D28');
    expect(end([...CREATE, 'CNTLID_PF'])).toBe('rejectedCqs 1/1f DNR D28');
    expect(end([...CREATE, 'CNTLID_VF', 'UDMQS_AT_LIMIT'])).toBe('rejectedNotEnoughResources 1/38 DNR D28');
    expect(end([...CREATE, 'CNTLID_VF', 'UDMQS_BELOW_LIMIT'])).toBe('executedCreateCdq 0/0 D28');
    expect(end([...PF, 'OPC_CDQ', 'SEL_DELETE', 'CDQID_UNKNOWN'])).toBe('rejectedCdqid 1/37 DNR D28');
  });

  it('D29: Track Send checks LACT, the CDQID (1/37h) and its controller not suspended (1/39h); memory tracking is Invalid Field, never Internal Error', () => {
    expect(end([...TRACK, 'LACT_RESERVED'])).toBe('rejectedLact 0/2 DNR D29');
    expect(end([...TRACK, 'LACT_START', 'CDQID_UNKNOWN'])).toBe('rejectedCdqid 1/37 DNR D28');
    expect(end([...TRACK, 'LACT_START', 'CDQID_KNOWN', 'VF_SUSPENDED'])).toBe('rejectedTrackSuspended 1/39 DNR D29');
    expect(end([...TRACK, 'LACT_STOP', 'CDQID_KNOWN', 'VF_ACTIVE'])).toBe('executedTrackSend 0/0 D29');
    expect(end([...PF, 'OPC_TRACK_SEND', 'SEL_TRACK_MEMORY'])).toBe('rejectedTrackMemory 0/2 DNR D29');
    expect(end([...PF, 'OPC_TRACK_RECEIVE'])).toBe('rejectedTrackReceive 0/2 DNR D29');
  });
});

describe('tp4159Acceptance: the checker', () => {
  const reports = TP_ACCEPTANCE_OPTION_SETS.map((o) => check(tpAcceptanceSpec(o)).report);

  it('I2, I3, I9, I11, I13 hold on both option sets, no deadlock, and every definition edge is reached by one of them', () => {
    for (const r of reports) {
      expect(r.invariants.filter((i) => !i.holds).map((i) => i.counterexample?.message)).toEqual([]);
      expect(r.deadlocks.count).toBe(0);
    }
    const all = definitionEdges(createTpAcceptance()).map((e) => e.id);
    const unreached = all.filter((e) => reports.every((r) => r.unreachable.includes(e)));
    expect(unreached).toEqual([]);
  });

  type States = Record<string, { on?: Record<string, unknown> } & Record<string, unknown>>;
  function broken(patch: (states: States) => States, o: TpAcceptanceOptions = DEFAULT_TP_ACCEPTANCE_OPTIONS): MachineSpec {
    const cfg = tpAcceptanceConfig(o) as unknown as { states: States };
    const machine = tpAcceptanceSetup.createMachine({ ...cfg, states: patch(cfg.states) } as unknown as TpAcceptanceConfig);
    return { ...tpAcceptanceSpec(o), id: 'tp4159Acceptance:seeded', machine };
  }
  const onOf = (s: States, stage: string) => s[stage].on as Record<string, unknown>;

  it('I9: a VF that executes Migration Send from its own admin queue (as the PF would) is caught', () => {
    const spec = broken((s) => ({ ...s, vfOpcode: { ...s.vfOpcode, on: { ...onOf(s, 'vfOpcode'), OPC_MIGRATION_SEND: { target: 'msSel', actions: 'record' } } } }));
    const r = invariant(spec, 'I9');
    expect(r.holds).toBe(false);
    expect(r.counterexample?.message).toMatch(/^I9 \(D19\): migrationSend on a VF admin queue (reached|must be Invalid Command Opcode)/);
  });

  it('I13: a PF that takes its own CNTLID as a target (and suspends itself) is caught', () => {
    const spec = broken((s) => ({ ...s, cntlid: { ...s.cntlid, on: { ...onOf(s, 'cntlid'), CNTLID_PF: { target: 'vfState', actions: 'record' } } } }));
    const r = invariant(spec, 'I13');
    expect(r.holds).toBe(false);
    expect(r.counterexample?.message).toMatch(/^I13 \(D20\): .* which is pf, not an online VF$/);
  });

  it('I11: a controller that applies the state on a first part is caught', () => {
    const spec = broken((s) => ({ ...s, setSequence: { ...s.setSequence, on: { ...onOf(s, 'setSequence'), PARTS_IN_ORDER: { target: 'executedSetState', actions: 'record' } } } }));
    const r = invariant(spec, 'I11');
    expect(r.holds).toBe(false);
    expect(r.counterexample?.message).toMatch(/^I11: executedSetState applied the state on a (first|middle) part/);
  });

  it('I2 and I3: a rejection with an unlisted status (Internal Error) that also declares a change is caught by both', () => {
    const bad = { ...TP_FINALS.rejectedTrackMemory, status: { name: 'INVALID_FIELD', sct: 0, sc: 0x06, dnr: true }, changes: 'logging' };
    const spec = broken((s) => ({ ...s, rejectedTrackMemory: { ...s.rejectedTrackMemory, meta: bad } }));
    expect(invariant(spec, 'I2').counterexample?.message).toBe('I2: rejectedTrackMemory completes with unlisted (SCT 0h, SC 06h, DNR), which tp4159.md does not list');
    expect(invariant(spec, 'I3').counterexample?.message).toBe('I3: rejectedTrackMemory rejects the command yet declares the change logging');
  });
});
