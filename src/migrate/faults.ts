// The fault matrix: every fault, every migration arc where it can strike, and
// the outcome the specification requires there. A fault "at arc X" strikes
// just before the orchestrator asks for arc X (the VF is in X's from-state);
// the data faults act on the arc that consumes what they damage.
import type { Profile } from '../emulator/profiles.ts';
import type { VfioState } from '../host/vfio/states.ts';
import { SC, SCT_GENERIC, statusName } from '../wire/status.ts';

interface ArcInfo {
  id: ArcId;
  side: 'source' | 'destination';
  from: VfioState;
  to: VfioState;
  /** what the host driver sends on this arc */
  does: string;
}

export const ARC_IDS = ['src.suspend', 'src.save', 'dst.suspend', 'dst.resuming', 'dst.load', 'dst.resume', 'src.release'] as const;
export type ArcId = (typeof ARC_IDS)[number];

/** The migration's arcs in the order the orchestrator takes them. */
export const ARCS: readonly ArcInfo[] = [
  { id: 'src.suspend', side: 'source', from: 'RUNNING', to: 'STOP', does: 'SUSPEND' },
  { id: 'src.save', side: 'source', from: 'STOP', to: 'STOP_COPY', does: 'QUERY, SAVE' },
  { id: 'dst.suspend', side: 'destination', from: 'RUNNING', to: 'STOP', does: 'SUSPEND' },
  { id: 'dst.resuming', side: 'destination', from: 'STOP', to: 'RESUMING', does: 'opens the 256 KiB resume buffer' },
  { id: 'dst.load', side: 'destination', from: 'RESUMING', to: 'STOP', does: 'LOAD' },
  { id: 'dst.resume', side: 'destination', from: 'STOP', to: 'RUNNING', does: 'RESUME' },
  { id: 'src.release', side: 'source', from: 'STOP_COPY', to: 'STOP', does: 'closes the save stream' },
];

export function arcInfo(id: ArcId): ArcInfo {
  return ARCS.find((a) => a.id === id)!;
}

export const FAULT_NAMES = [
  'vf-flr-src',
  'vf-flr-dst',
  'pf-reset-src',
  'pf-reset-dst',
  'dma-save',
  'dma-load',
  'truncated',
  'oversized',
  'overflow',
  'bit-flip',
  'wrong-version',
  'small-dst-limit',
  'dst-fail',
  'hostile-guest',
] as const;
export type FaultName = (typeof FAULT_NAMES)[number];

export const FAULT_DOCS: Readonly<Record<FaultName, string>> = {
  'vf-flr-src': 'function-level reset of the migrating VF on the source',
  'vf-flr-dst': 'function-level reset of the migrating VF on the destination',
  'pf-reset-src': 'controller reset of the source PF (CC.EN 1 -> 0), which resets every VF (D18)',
  'pf-reset-dst': 'controller reset of the destination PF, which resets every VF (D18)',
  'dma-save': 'the SAVE buffer is not mapped for the device (unmapped PRP)',
  'dma-load': 'the LOAD buffer is not mapped for the device (unmapped PRP)',
  truncated: 'the saved data loses its last 20 bytes on the way',
  oversized: 'the saved data gains 40 bytes on the way',
  overflow: 'the saved data grows past the 256 KiB resume buffer on the way',
  'bit-flip': 'one bit of the saved data (after the checksum field) flips on the way',
  'wrong-version': 'the format version field of the saved data is changed on the way (reads the emulator\'s saved-data layout)',
  'small-dst-limit': 'the destination VF allows one I/O queue fewer than the guest uses',
  'dst-fail': 'the destination fails and the migration is called off',
  'hostile-guest': 'guests send the five LM opcodes on their own VF admin queues, aimed at the migrating VF',
};

const ALL: readonly ArcId[] = ARC_IDS;
const DESTINATION: readonly ArcId[] = ['dst.suspend', 'dst.resuming', 'dst.load', 'dst.resume', 'src.release'];

/** Where each fault can strike. */
export const FAULT_ARCS: Readonly<Record<FaultName, readonly ArcId[]>> = {
  'vf-flr-src': ALL,
  'vf-flr-dst': DESTINATION,
  'pf-reset-src': ALL,
  'pf-reset-dst': DESTINATION,
  'dma-save': ['src.save'],
  'dma-load': ['dst.load'],
  truncated: ['dst.load'],
  oversized: ['dst.load'],
  overflow: ['dst.load'],
  'bit-flip': ['dst.load'],
  'wrong-version': ['dst.load'],
  'small-dst-limit': ['dst.load'],
  'dst-fail': ['src.save', 'dst.suspend', 'dst.resuming', 'dst.load', 'dst.resume'],
  'hostile-guest': ALL,
};

/**
 * Faults that do not apply to a profile, and why. bit-flip on tp4159: the
 * standard's controller state carries no checksum and D26 lists no integrity
 * check, so a flipped bit that leaves a valid state loads; the host must
 * protect the stream itself (the vendor format's CRC does that for lm, D7).
 */
const NOT_FOR: Readonly<Partial<Record<Profile, Partial<Record<FaultName, string>>>>> = {
  tp4159: { 'bit-flip': 'the standard\'s controller state has no checksum (D26 lists no integrity check): a flipped bit that leaves a valid state loads, so the host must protect the stream itself' },
};

/** Why `fault` does not apply to a device of `profile`; undefined when it does. */
export function faultNotFor(fault: FaultName, profile: Profile): string | undefined {
  return NOT_FOR[profile]?.[fault];
}

export interface FaultSpec {
  fault: FaultName;
  arc: ArcId;
}

/** Where a step failed: an arc's NVMe command and its status, or a resume-stream write and its errno. */
interface StepFailure {
  at: ArcId | 'resume write';
  command?: string;
  /** NVMe status name (e.g. "Invalid Field in Command") or errno */
  status: string;
}

/** What a run shows; the expectation says the same things about what the spec requires. */
export interface Outcome {
  migrated: boolean;
  /** the migration was called off before the destination ran the guest */
  calledOff: boolean;
  /** after calling off, the host driver resumed the source VF (RESUME), and the guest carried on there (D6) */
  sourceResumed: boolean;
  failure?: StepFailure;
  /** the migrating guest found its controller reset (D13) */
  guestReset: boolean;
  /** the other VF's guest on the source found its controller reset (D18) */
  bystanderReset: boolean;
  /** a failed LOAD left the destination exactly as it was (D7, state hash) */
  dstUnchanged?: boolean;
  /** every LM opcode a guest sent on its own VF queue completed with Invalid Command Opcode and changed nothing (D1, I1) */
  hostileRejected?: boolean;
  /** after each injected reset the driver reported the VF RUNNING (D13, D18) */
  driverRunning?: boolean;
}

interface Expectation extends Outcome {
  rule: string;
}

const completes = { migrated: true, calledOff: false, sourceResumed: false, guestReset: false, bystanderReset: false };
const callsOff = { migrated: false, calledOff: true, sourceResumed: true, guestReset: false, bystanderReset: false };

const SOURCE_ALREADY_READ: readonly ArcId[] = ['dst.suspend', 'dst.resuming', 'dst.load', 'dst.resume', 'src.release'];

/** The outcome the specification requires for `fault` at `arc` on a device of `profile`; undefined when the fault cannot strike there. */
export function expectationFor(fault: FaultName, arc: ArcId, profile: Profile = 'lm'): Expectation | undefined {
  if (!FAULT_ARCS[fault].includes(arc) || faultNotFor(fault, profile)) return undefined;
  const dataTransferError = statusName(SCT_GENERIC, SC.DATA_TRANSFER_ERROR);
  const loadFails = (status: string, rule: string): Expectation => ({ ...callsOff, failure: { at: 'dst.load', command: 'LOAD', status }, dstUnchanged: true, rule });
  switch (fault) {
    case 'vf-flr-src':
    case 'pf-reset-src': {
      const pf = fault === 'pf-reset-src';
      const rule = pf ? 'D18' : 'D13';
      const bystanderReset = pf;
      // Before SUSPEND the guest just sees a reset and the migration moves the re-initialized VF.
      if (arc === 'src.suspend') return { ...completes, guestReset: true, bystanderReset, driverRunning: true, rule };
      // Suspended, not saved: the driver reports RUNNING, there is nothing to migrate; the guest sees the reset.
      if (arc === 'src.save') return { ...completes, migrated: false, calledOff: true, guestReset: true, bystanderReset, driverRunning: true, rule };
      // The saved data was already read: only the source's copy is dropped; the migration completes (D12, D13).
      if (SOURCE_ALREADY_READ.includes(arc)) return { ...completes, bystanderReset, driverRunning: true, rule: `${rule}, D12` };
      return undefined;
    }
    case 'vf-flr-dst':
    case 'pf-reset-dst': {
      const rule = fault === 'pf-reset-dst' ? 'D18' : 'D13';
      // Nothing was on the destination VF yet.
      if (arc === 'dst.suspend') return { ...completes, driverRunning: true, rule };
      // The guest already runs on the destination: it sees the reset.
      if (arc === 'src.release') return { ...completes, guestReset: true, driverRunning: true, rule };
      // The destination drops what it had: call off, the source resumes (D6).
      return { ...callsOff, driverRunning: true, rule: `${rule}, D6` };
    }
    case 'dma-save':
      // tp4159's QUERY already moves data (Identify CNS 20h, the state's header), so the first buffer of the arc is QUERY's
      return { ...callsOff, failure: { at: 'src.save', command: profile === 'tp4159' ? 'QUERY' : 'SAVE', status: dataTransferError }, rule: 'D16, D6' };
    case 'dma-load':
      return loadFails(dataTransferError, 'D7, D16, D6');
    case 'truncated':
    case 'oversized':
    case 'bit-flip':
    case 'wrong-version':
    case 'small-dst-limit':
      return loadFails(statusName(SCT_GENERIC, SC.INVALID_FIELD), 'D7, D6');
    case 'overflow':
      return { ...callsOff, failure: { at: 'resume write', status: 'ENOMEM' }, rule: 'D16, D6' };
    case 'dst-fail':
      return { ...callsOff, rule: 'D6' };
    case 'hostile-guest':
      return { ...completes, hostileRejected: true, rule: 'D1, I1' };
  }
}

/** Every (fault, arc) pair the matrix runs on a device of `profile`, fault by fault, arcs in migration order. */
export function matrixRows(profile: Profile = 'lm'): FaultSpec[] {
  return FAULT_NAMES.filter((fault) => !faultNotFor(fault, profile)).flatMap((fault) => ARC_IDS.filter((arc) => FAULT_ARCS[fault].includes(arc)).map((arc) => ({ fault, arc })));
}

/** Parse `name@arc`; the message lists what is valid. */
export function parseFault(text: string): FaultSpec {
  const at = text.indexOf('@');
  if (at < 0) throw new Error(`--fault "${text}" needs the form <name>@<arc>, e.g. bit-flip@dst.load`);
  const name = text.slice(0, at);
  const arc = text.slice(at + 1);
  if (!(FAULT_NAMES as readonly string[]).includes(name)) throw new Error(`unknown fault "${name}": use one of ${FAULT_NAMES.join(', ')}`);
  const fault = name as FaultName;
  if (!(ARC_IDS as readonly string[]).includes(arc)) throw new Error(`unknown arc "${arc}": use one of ${ARC_IDS.join(', ')}`);
  if (!FAULT_ARCS[fault].includes(arc as ArcId)) throw new Error(`fault ${fault} cannot strike at ${arc}; it can at ${FAULT_ARCS[fault].join(', ')}`);
  return { fault, arc: arc as ArcId };
}

/** One line in the words the fault table uses; the same words for what is expected and what was observed. */
export function describeOutcome(o: Outcome): string {
  const parts: string[] = [];
  if (o.failure) parts.push(`${o.failure.at}${o.failure.command ? ` ${o.failure.command}` : ''} fails: ${o.failure.status}`);
  if (o.dstUnchanged !== undefined) parts.push(o.dstUnchanged ? 'destination VF unchanged' : 'destination VF CHANGED');
  if (o.migrated) parts.push('migrated');
  else if (o.calledOff) parts.push(o.sourceResumed ? 'called off, source resumed' : 'called off, source not resumed');
  else parts.push('not migrated');
  if (o.guestReset) parts.push('guest sees reset');
  if (o.bystanderReset) parts.push('other VF sees reset');
  if (o.driverRunning !== undefined) parts.push(o.driverRunning ? 'driver reports RUNNING' : 'driver state NOT RUNNING after reset');
  if (o.hostileRejected !== undefined) parts.push(o.hostileRejected ? 'LM opcodes on VF queues rejected, nothing changed' : 'an LM opcode on a VF queue was NOT rejected or changed state');
  return parts.join('; ');
}

/** The differences between what the spec requires and what happened; empty when they agree. */
export function compareOutcome(expected: Expectation, observed: Outcome): string[] {
  const out: string[] = [];
  const keys = ['migrated', 'calledOff', 'sourceResumed', 'guestReset', 'bystanderReset'] as const;
  for (const k of keys) if (expected[k] !== observed[k]) out.push(`${k}: expected ${expected[k]}, observed ${observed[k]}`);
  const ef = expected.failure;
  const of = observed.failure;
  if (JSON.stringify(ef ?? null) !== JSON.stringify(of ?? null)) out.push(`failure: expected ${ef ? JSON.stringify(ef) : 'none'}, observed ${of ? JSON.stringify(of) : 'none'}`);
  for (const k of ['dstUnchanged', 'hostileRejected', 'driverRunning'] as const) {
    if (expected[k] !== undefined && expected[k] !== observed[k]) out.push(`${k}: expected ${expected[k]}, observed ${observed[k]}`);
  }
  return out;
}
