// The known deviations of the QEMU build with host-managed live migration
// (nvme.tp4159, hmlms=on) that tp4159Acceptance:no-vendor:whole-only:pc0
// finds: one management command's fields, target and data checked against
// D19-D29. Each is written up under its id in docs/qemu-tp4159-deviations.md.
// A final state's check names itself first (`rejectedCntlid (...)`), so the
// entries match on it; every one applies to the target `qemu` only.
import type { Deviation } from './deviations.ts';

const ACC = ['tp4159Acceptance'];
const SUCCESS = /^Successful Completion/;
const base = { target: 'qemu', suites: ACC, event: '*' } as const;

export const QEMU_TP4159_ACCEPTANCE_DEVIATIONS: readonly Deviation[] = [
  {
    ...base,
    id: 'QEMU-TP4159-D19-VF-ADMIN-COMMANDS',
    what: /^rejectedVfQueue /,
    expected: /Invalid Command Opcode/,
    specification: 'D19: Migration Send/Receive, CDQ, Track Send and Track Receive on a VF\'s admin queue are Invalid Command Opcode, DNR, and change nothing',
    implementation: 'nvme_migr_send and nvme_migr_recv carry the command out on a VF (success), nvme_ctr_data_queue answers status 0 with DNR, Track Send Invalid Controller Data Queue, Track Receive Internal Error',
  },
  {
    ...base,
    id: 'QEMU-TP4159-D19-VF-CDQ-FEATURE',
    what: /^rejectedVfFeature /,
    observed: /^Invalid Controller Data Queue/,
    specification: 'D19: a VF has no Controller Data Queue feature (FID 21h): Get/Set Features 21h on its admin queue is Invalid Field in Command, DNR',
    implementation: 'nvme_get_feature_cdq and nvme_set_feature_cdq look the CDQID up on a VF as on the PF and answer Invalid Controller Data Queue (1/37h)',
  },
  {
    ...base,
    id: 'QEMU-TP4159-D20-CNTLID-NOT-CHECKED',
    what: /^(rejectedCntlid|rejectedCqs) /,
    expected: /Invalid Controller Identifier/,
    specification: 'D20 (and D28 for CDQ Create\'s CQS): a CNTLID naming the PF, an unknown controller or an offline VF is Invalid Controller Identifier (1/1Fh), DNR, no change',
    implementation: 'nvme_subsys_ctrl takes the PF and offline VFs (success); an unknown CNTLID gets Invalid Field, Controller Not Suspended or Invalid Controller Data Queue, by command',
  },
  {
    ...base,
    id: 'QEMU-TP4159-D26-SEQIND-INTERNAL-ERROR',
    what: /^rejectedSeqindUnsupported /,
    observed: /^Internal Error/,
    specification: 'D26: a controller that takes the state whole only answers SEQIND 0, 1 or 2 with Invalid Field in Command, DNR',
    implementation: 'nvme_migr_set_ctrl_state answers Internal Error (0/06h) for any SEQIND but 3',
  },
  {
    ...base,
    id: 'QEMU-TP4159-D29-INTERNAL-ERROR',
    what: /^(rejectedTrackMemory|rejectedTrackReceive) /,
    observed: /^Internal Error/,
    specification: 'D29: Track Send SEL 1 (track memory) and Track Receive, which this device does not offer (TRATTR.THMCS 0), are Invalid Field in Command, DNR',
    implementation: 'nvme_track_send_track_mem, and nvme_admin_cmd for Track Receive, answer Internal Error (0/06h)',
  },
  {
    ...base,
    id: 'QEMU-TP4159-D28-CDQ-SEL-RESERVED',
    what: /^rejectedSel \(QUEUE_PF_ADMIN OPC_CDQ /,
    observed: SUCCESS,
    specification: 'NVMe Base 2.1, Controller Data Queue: a reserved SEL value is Invalid Field in Command, DNR (D28)',
    implementation: 'nvme_ctr_data_queue answers a SEL other than 0 or 1 with status 0 and DNR: a success that did nothing',
  },
  {
    ...base,
    id: 'QEMU-TP4159-D31-HP-BEYOND-QUEUE',
    what: /^rejectedHead /,
    observed: SUCCESS,
    specification: 'D31 (NVMe Base 2.1, Set Features 21h): a head pointer at or past the queue\'s size is Invalid Field in Command, DNR',
    implementation: 'nvme_set_feature_cdq refuses only an HP greater than the number of entries, so HP equal to it (one past the last slot) is stored',
  },
  {
    ...base,
    id: 'QEMU-TP4159-D28-CDQSIZE-BELOW-TWO',
    what: /^rejectedCdqSize /,
    observed: SUCCESS,
    specification: 'D28: a UDMQ of fewer than two entries is Invalid Field in Command, DNR (a queue needs a slot left empty to tell full from empty, D31)',
    implementation: 'nvme_ctr_data_queue_add refuses only a queue smaller than one entry, and creates a one-entry queue',
  },
  {
    ...base,
    id: 'QEMU-TP4159-D21-MCUDMQ-ZERO',
    what: /^rejectedNotEnoughResources /,
    observed: SUCCESS,
    specification: 'D21 with D28: the PF reports MCUDMQ >= 1 and a Create past MCUDMQ UDMQs for one controller is Not Enough Resources (1/38h)',
    implementation: 'nvme_ctr_data_queue_add accepts a UDMQ for the VF while Identify Controller MCUDMQ (bytes 579:578) reads 0: the field is never set',
  },
  {
    ...base,
    id: 'QEMU-TP4159-D26-SET-STATE-ACTIVE',
    what: /^rejectedSetNotSuspended /,
    expected: /Controller Not Suspended/,
    observed: SUCCESS,
    specification: 'D26: Set Controller State of a VF that is not suspended is Controller Not Suspended (1/3Ah), DNR, no change',
    implementation: 'nvme_migr_set_ctrl_state checks only that the VF has no I/O queues, not that it is suspended',
  },
  {
    ...base,
    id: 'QEMU-TP4159-D24-NO-CSUP',
    what: /^executedSuspend .*CSUP/,
    expected: /^suspended$/,
    observed: /^active$/,
    specification: 'D24: Get Controller State\'s CQE DW0 bit 0 (CSUP) says whether the VF was suspended',
    implementation: 'nvme_mrc_get_ctrl_state sets CSATTR in the header but leaves CQE DW0 at 0, so a suspended VF reads as active',
  },
  {
    ...base,
    id: 'QEMU-TP4159-D26-STATE-DATA-NOT-CHECKED',
    what: /^rejectedStateData /,
    observed: SUCCESS,
    specification: 'D26: Set Controller State checks the data before changing anything (VER 0, QIDs in range and unique, QSIZE within CAP.MQES, heads and tails within the queue) else Invalid Field in Command, DNR, no change (I11)',
    implementation: 'nvme_mrc_set_ctrl_state_csvi1 loads a state with VER != 0, a duplicate or out-of-range QID, a QSIZE over MQES or a head or tail past the queue, and answers success',
  },
  {
    ...base,
    id: 'QEMU-TP4159-D26-SET-STATE-ABORTS',
    expected: /^the step to run$/,
    observed: /SIGABRT.*(nvme_init_sq|nvme_mrc_set_ctrl_state_csvi1): Assertion/,
    specification: 'D26: a Set Controller State whose data fails a check (a CQID not in the state, a length that disagrees with the header, data shorter than the header says, PC = 0 where only contiguous queues are taken) is Invalid Field in Command, DNR, no change',
    implementation: 'QEMU aborts on an assertion: nvme_init_sq (`n->cq[cqid]`) for an SQ whose CQ the state lacks, nvme_mrc_set_ctrl_state_csvi1 (`attrs & 0x1`) for the others',
  },
];
