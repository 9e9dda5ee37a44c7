// The known deviations of the QEMU build with host-managed live migration
// (the public SamsungDS/qemu branch nvme.tp4159, device property hmlms=on),
// each written up in docs/qemu-tp4159-deviations.md under its id. They match
// the target `qemu` on the tp4159 suites only: those suites run only on a
// QEMU whose nvme device has hmlms (reset refuses any other QEMU, and the
// suites are then unsupported), so QEMU 7.2's no-lm results never meet them.
import type { Deviation } from './deviations.ts';
import { QEMU_TP4159_ACCEPTANCE_DEVIATIONS } from './qemuTp4159AcceptanceDeviations.ts';

const UDMQ = 'tp4159Udmq';
const SYSTEM = 'tp4159System';
const SUCCESS = /^Successful Completion/;
/** A step that left the UDMQ other than the machine has it: a slot's phase tag, or a slot the step should not have touched. */
const RING = /phase tags of the UDMQ's slots|UDMQ slot \d+ \(I13/;

const D28: Omit<Deviation, 'suites' | 'event'> = {
  id: 'QEMU-TP4159-D28-SECOND-UDMQ',
  target: 'qemu',
  expected: /Not Enough Resources/,
  observed: /^Invalid Field in Command/,
  specification: 'D28: a Create past MCUDMQ UDMQs for one controller is Not Enough Resources (1/38h); NVMe Base 2.1, Controller Data Queue',
  implementation: 'nvme_ctr_data_queue_add answers Invalid Field (0/02h) when the controller already has a UDMQ',
};

const D31_LOGS_ON: Omit<Deviation, 'event'> = {
  id: 'QEMU-TP4159-D31-LOGS-AFTER-FULL',
  target: 'qemu',
  suites: [UDMQ],
  what: /phase tags of the UDMQ's slots/,
  specification: 'D31: the ESA 7 (queue full) entry ends the log; logging stops until Track Send starts it again; NVMe Base 2.1, ESA 7',
  implementation: 'nvme_cdq_enqueue_mqudf0 marks the entry ESA 7 but leaves logging on: once the host releases slots, writes are logged and Resume posts ESA 1 again',
};

/** Track Send stop writing ESA 2 into a log the machine has ended: the cause is named by the binding. */
const STOP_AFTER = (cause: string): RegExp => new RegExp(`phase tags of the UDMQ's slots .*; logging ended by ${cause}`);
const EVENTS = /Asynchronous Event Request completions, One-Shot \(D33\)/;

export const QEMU_TP4159_DEVIATIONS: readonly Deviation[] = [
  { ...D28, suites: [UDMQ, SYSTEM], event: 'CREATE_CDQ' },
  {
    id: 'QEMU-TP4159-D32-ESA3-NOT-LOGGING',
    target: 'qemu',
    suites: [UDMQ, SYSTEM],
    event: 'SUSPEND',
    what: RING,
    specification: 'D32 with D29: Suspend closes a log that is on with ESA 3; with logging off (never started, stopped, or ended) nothing is posted; NVMe Base 2.1, ESA 3',
    implementation: 'nvme_suspend_now posts an ESA 3 entry whenever the controller has a UDMQ, whether logging is on or not',
  },
  {
    id: 'QEMU-TP4159-D34-RESET-KEEPS-LOGGING',
    target: 'qemu',
    suites: [UDMQ, SYSTEM],
    event: 'TRACK_START',
    what: /phase tag/,
    specification: 'D34: a VF\'s FLR or CC.EN 1->0 stops logging (as D13), so the next Track Send start posts ESA 1; D29: starting while on posts nothing',
    implementation: 'nvme_ctrl_reset of a VF leaves its logging on (only the PF\'s nvme_ctrl_reset_cdqs_rm clears it), so Track Send start after the reset is "already on" and posts no ESA 1',
  },
  {
    id: 'QEMU-TP4159-D34-RESET-KEEPS-LOGGING',
    target: 'qemu',
    suites: [UDMQ],
    event: 'TRACK_STOP',
    what: STOP_AFTER('a VF reset'),
    specification: 'D34: a VF\'s FLR or CC.EN 1->0 stops logging, so a later Track Send stop posts nothing (D29: stopping while off)',
    implementation: 'nvme_ctrl_reset of a VF leaves its logging on, so Track Send stop after the reset posts ESA 2',
  },
  {
    id: 'QEMU-TP4159-D34-RESET-KEEPS-LOGGING',
    target: 'qemu',
    suites: [UDMQ],
    event: 'SUSPEND_DUDMQ',
    what: new RegExp(`${EVENTS.source}.*; logging ended by a VF reset`),
    expected: /^none$/,
    observed: /^DW0 0x(4|104) /,
    specification: 'D34: a VF\'s FLR or CC.EN 1->0 stops logging, so a later Suspend posts no ESA 3 entry (D32 closes only a log that is on) and raises no One-Shot event (D33)',
    implementation: 'nvme_ctrl_reset of a VF leaves its logging on, so Suspend posts ESA 3; the entry reaches the tail-pointer trigger or fills the queue and completes an outstanding AER with a One-Shot event',
  },
  { ...D31_LOGS_ON, event: 'RESUME' },
  { ...D31_LOGS_ON, event: 'WRITE' },
  { ...D31_LOGS_ON, event: 'TRACK_STOP', what: STOP_AFTER('a full queue') },
  {
    id: 'QEMU-TP4159-D33-ONE-SHOT-MASKED',
    target: 'qemu',
    suites: [UDMQ],
    event: '*',
    what: new RegExp(`${EVENTS.source}, after an earlier One-Shot event was reported`),
    observed: /^none$/,
    specification: 'D33: a One-Shot event has no log page, so it is never masked: each occurrence completes the next outstanding AER (L7); NVMe Base 2.1, event type 4h',
    implementation: 'nvme_process_aers sets aer_mask for every event type it reports, One-Shot included; only nvme_clear_events (Get Log Page of SMART, Error, Notice) and a controller reset clear it, so no later One-Shot event completes an AER',
  },
  {
    id: 'QEMU-TP4159-D33-FULL-WITHOUT-ETPT',
    target: 'qemu',
    suites: [UDMQ],
    event: '*',
    what: new RegExp(`${EVENTS.source}.*, after the queue filled with ETPT 0`),
    observed: /DW0 0x104 /,
    specification: 'D33: with ETPT set the controller raises the tail-pointer event and the queue-full event (One-Shot info 1); with ETPT 0 it raises neither',
    implementation: 'nvme_cdq_enqueue_mqudf0 raises the queue-full event whenever the queue fills, whether ETPT is set or not',
  },
  {
    id: 'QEMU-TP4159-D31-START-ON-FULL',
    target: 'qemu',
    suites: [UDMQ],
    event: 'TRACK_START',
    expected: /Controller Data Queue Full/,
    observed: SUCCESS,
    specification: 'D31: Track Send start needs two free slots (ESA 1 and room for the entry that ends the log), else Controller Data Queue Full (1/3Bh); nothing is written past a full queue',
    implementation: 'nvme_track_send_log_udata enqueues ESA 1 without looking at the free slots; nvme_cdq_enqueue_mqudf0 writes into the one slot a full queue keeps empty, so the tail meets the head',
  },
  {
    id: 'QEMU-TP4159-D31-FULL-ENTRY-RANGE',
    target: 'qemu',
    suites: [UDMQ],
    event: 'WRITE',
    what: /LBACIR of the queue-full entry/,
    observed: /^0$/,
    specification: 'D31: the ESA 7 entry ends the log and carries no range (LBACIR 2); a range there is harmless (the host falls back to a full copy), reported as a deviation',
    implementation: 'nvme_cdq_enqueue_mqudf0 turns the Write\'s own range entry (LBACIR 0) into the ESA 7 entry',
  },
  {
    id: 'QEMU-TP4159-D19-VF-MIGRATION-SEND',
    target: 'qemu',
    suites: [SYSTEM],
    event: 'VF_MANAGEMENT',
    expected: /Invalid Command Opcode/,
    observed: SUCCESS,
    specification: 'D19: Migration Send on a VF\'s admin queue is Invalid Command Opcode, DNR, and changes nothing, whatever CNTLID it names',
    implementation: 'nvme_migr_send checks only the hmlms property, which every VF shares with its PF: a VF\'s Suspend suspends the controller it names',
  },
  {
    id: 'QEMU-TP4159-D20-PF-SUSPENDS-ITSELF',
    target: 'qemu',
    suites: [SYSTEM],
    event: 'PF_NAMES_ITSELF',
    expected: /Invalid Controller Identifier/,
    observed: SUCCESS,
    specification: 'D20: a CNTLID naming the PF itself is Invalid Controller Identifier (1/1Fh), DNR; a management controller never suspends itself',
    implementation: 'nvme_migr_suspend takes any controller of the subsystem nvme_subsys_ctrl finds, the PF\'s own CNTLID 0 included',
  },
  {
    id: 'QEMU-TP4159-D26-SET-STATE-ACTIVE',
    target: 'qemu',
    suites: [SYSTEM],
    event: 'SET_STATE',
    expected: /Controller Not Suspended/,
    observed: SUCCESS,
    specification: 'D26: Set Controller State of a VF that is not suspended is Controller Not Suspended (1/3Ah), DNR, no change',
    implementation: 'nvme_migr_set_ctrl_state checks only that the VF has no I/O queues, not that it is suspended',
  },
  {
    id: 'QEMU-TP4159-D24-NO-CSUP',
    target: 'qemu',
    suites: [SYSTEM],
    event: 'GET_STATE',
    what: /CSUP \(D24\)/,
    observed: /^DW0 0x00000000/,
    specification: 'D24: Get Controller State\'s CQE DW0 bit 0 (CSUP) says whether the VF was suspended',
    implementation: 'nvme_mrc_get_ctrl_state sets CSATTR in the header but leaves CQE DW0 at 0',
  },
  ...QEMU_TP4159_ACCEPTANCE_DEVIATIONS,
];
