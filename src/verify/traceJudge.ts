// The specification's side of `verify --trace`: the composed `system`
// machine, fed the events a recorded session means (reset, PF enable and
// disable, FLR, LM commands on the PF or a VF admin queue, guest I/O on a VF),
// predicting each command's answer and reporting the first it does not allow.
// traceCheck.ts reads the file and finds the commands; this file judges them.
import type { AnyMachineSnapshot } from 'xstate';
import { machineInitial, machineStep } from '../check/machineStep.ts';
import { createSystem, systemLast, type SystemEvent, type SystemMachine } from '../../machines/system.ts';
import type { Cqe } from '../wire/cqe.ts';
import { decodeLmCommand } from '../wire/lmCommands.ts';
import { describeStatus, SC, SCT_GENERIC } from '../wire/status.ts';
import { toHex } from '../wire/hex.ts';
import type { Profile, VfQueuePolicy } from '../target/adapter.ts';
import type { ObservedCommand } from './traceQueues.ts';

/** The statuses the system machine predicts, by its names; 'none' is no completion. */
const STATUS: Record<string, { sct: number; sc: number } | 'none'> = {
  SUCCESS: { sct: SCT_GENERIC, sc: SC.SUCCESS },
  INVALID_OPCODE: { sct: SCT_GENERIC, sc: SC.INVALID_OPCODE },
  INVALID_FIELD: { sct: SCT_GENERIC, sc: SC.INVALID_FIELD },
  SEQUENCE_ERROR: { sct: SCT_GENERIC, sc: SC.SEQUENCE_ERROR },
  none: 'none',
};

const LM_EVENTS: Record<number, SystemEvent['type'][]> = {
  0xc4: ['LM_QUERY'],
  0xc8: ['LM_SUSPEND'],
  0xcc: ['LM_RESUME'],
  0xd2: ['LM_SAVE'],
  0xd5: ['LM_LOAD', 'LM_LOAD_IO', 'LM_LOAD_CORRUPT'],
};

/** SAVE and LOAD move data: D7 lets the device refuse them for their PRPs or data, which the system machine does not model. */
const TRANSFERS = new Set([0xd2, 0xd5]);

function predicted(status: string): string {
  const s = STATUS[status];
  if (s === undefined) return status;
  return s === 'none' ? 'no completion' : describeStatus({ ...s, dnr: s.sc !== 0 });
}

export interface Observed {
  /** a STATUS name, 'none', or `sctXscY` for a status the machine has no name for */
  key: string;
  text: string;
}

export function observedOf(c: Cqe | null): Observed {
  if (c === null) return { key: 'none', text: 'no completion' };
  const key = Object.entries(STATUS).find(([, v]) => v !== 'none' && v.sct === c.sct && v.sc === c.sc)?.[0] ?? `sct${c.sct}sc${c.sc}`;
  return { key, text: describeStatus(c) };
}

export interface Judgement {
  expected: string;
  observed: string;
  /** the command the answer belongs to, when it came through the queues */
  command?: ObservedCommand;
}

interface ResetFacts {
  vfs: number;
  profile: Profile;
  strict?: boolean;
  vfQueuePolicy?: VfQueuePolicy;
}

export class TraceJudge {
  private machine: SystemMachine | undefined;
  private snap: AnyMachineSnapshot | undefined;
  private vfs = 0;
  private lmProfile = true;
  private strict = false;
  private pfEnabled = false;
  /** the machine events applied since the last reset (what the checker understood) */
  readonly applied: string[] = [];
  checked = 0;
  /** commands the machine has no word for, by reason */
  readonly unjudged = new Map<string, number>();

  reset(r: ResetFacts): void {
    this.vfs = r.vfs;
    this.lmProfile = r.profile === 'lm' || r.profile === 'reserved';
    this.strict = r.strict === true;
    this.pfEnabled = false;
    if (r.vfs < 1 || r.vfs > 8) {
      this.machine = undefined;
      this.snap = undefined;
      return;
    }
    this.machine = createSystem(r.vfs, { vfQueuePolicy: r.vfQueuePolicy ?? 'reject' });
    this.snap = machineInitial(this.machine);
    this.applied.length = 0; // a report names the events since the last reset: all that the machine's state depends on
    this.applied.push(`reset(vfs=${r.vfs},${r.profile})`);
  }

  get active(): boolean {
    return this.machine !== undefined;
  }

  private unjudge(reason: string): undefined {
    this.unjudged.set(reason, (this.unjudged.get(reason) ?? 0) + 1);
    return undefined;
  }

  /** Apply the first candidate event whose prediction matches what was observed; else the judgement against it. */
  apply(candidates: SystemEvent[], obs: Observed, allowUnmodelled = false): Judgement | undefined {
    const { machine, snap } = this;
    if (!machine || !snap) return { expected: 'a reset first', observed: 'a command before any reset' };
    let firstPrediction: string | undefined;
    for (const ev of candidates) {
      const next: AnyMachineSnapshot = machineStep(machine, snap, ev);
      if (next === snap || systemLast(next) === systemLast(snap)) continue; // not enabled in the specification
      const want = systemLast(next).status;
      firstPrediction ??= `${predicted(want)} (${systemLast(next).decision})`;
      if (want === obs.key) {
        this.snap = next;
        this.applied.push(ev.type + ('vf' in ev ? `(vf=${ev.vf})` : ''));
        this.checked++;
        return undefined;
      }
      if (allowUnmodelled && want === 'SUCCESS' && STATUS[obs.key] === undefined) {
        return this.unjudge(`${ev.type} answered ${obs.text}: a data check (D7) the system machine does not model`);
      }
    }
    return { expected: firstPrediction ?? `no step: the specification has no transition for ${candidates.map((c) => c.type).join(' / ')} in state ${JSON.stringify(snap.value)}`, observed: obs.text };
  }

  /** CC.EN of the PF changed (D18: disabling it resets every VF). */
  pfEnable(en: boolean): Judgement | undefined {
    if (!this.machine) return undefined;
    let r: Judgement | undefined;
    if (en && !this.pfEnabled) r = this.apply([{ type: 'PF_ENABLE' }], { key: 'none', text: 'CC.EN 0->1' });
    else if (!en && this.pfEnabled) r = this.apply([{ type: 'PF_DISABLE' }], { key: 'none', text: 'CC.EN 1->0' });
    this.pfEnabled = en;
    return r;
  }

  flr(fn: number): Judgement | undefined {
    if (!this.machine) return undefined;
    if (fn !== 0) return this.apply([{ type: 'FLR', vf: fn }], { key: 'none', text: `FLR of VF ${fn}` });
    const r = this.pfEnabled ? this.apply([{ type: 'PF_FLR' }], { key: 'none', text: 'PF FLR' }) : undefined;
    this.pfEnabled = false;
    return r;
  }

  /** Whether the specification has a step for `ev` in the current state. */
  private enabled(ev: SystemEvent): boolean {
    const { machine, snap } = this;
    return machine !== undefined && snap !== undefined && systemLast(machineStep(machine, snap, ev)) !== systemLast(snap);
  }

  /**
   * Guest I/O on a VF I/O queue: in flight from its doorbell until its
   * completion is seen. `untracked`: I/O the machine's guest never sends (a
   * second one in flight, or to a saved or loaded VF, as a host probing
   * whether the VF runs does); the machine cannot follow it.
   */
  ioSubmitted(vf: number): Judgement | 'untracked' | undefined {
    if (!this.machine) return undefined;
    if (!this.enabled({ type: 'SUBMIT_IO', vf })) {
      this.unjudge('I/O the system machine\'s guest does not send (a second one in flight, or to a saved or loaded VF)');
      return 'untracked';
    }
    return this.apply([{ type: 'SUBMIT_IO', vf }], { key: 'none', text: 'I/O submitted' });
  }

  ioCompleted(vf: number, text: string): Judgement | undefined {
    return this.machine ? this.apply([{ type: 'IO_COMPLETE', vf }], { key: 'none', text }) : undefined;
  }

  /**
   * Would an LM opcode on VF `vf`'s own admin queue be fetched now? Not while
   * the VF is stopped: its admin queue is latched (D11) until RESUME.
   */
  vfFetches(vf: number): boolean {
    return !this.machine || this.enabled({ type: 'VF_LM', vf });
  }

  /**
   * One admin command (queue 0 of function `fn`) and its answer. Returns
   * `latched` when an LM opcode on a stopped VF's own queue got no completion
   * (D11): it runs, and is judged, when its completion comes.
   */
  adminCommand(fn: number, sqe: Uint8Array, obs: Observed, loadCarriesIo?: boolean): Judgement | 'latched' | undefined {
    const lm = decodeLmCommand(sqe);
    if (!lm) return undefined; // not an LM command: the system machine says nothing about it
    if (!this.lmProfile) {
      if (obs.key !== 'INVALID_OPCODE') return { expected: `${predicted('INVALID_OPCODE')} (D17: the profile has no LM commands)`, observed: obs.text };
      this.checked++;
      return undefined;
    }
    if (fn > 0) {
      if (this.machine && !this.vfFetches(fn)) {
        // the VF is not running: its admin queue is not fetched (D11), so no completion yet
        if (obs.key !== 'none') return { expected: 'no completion: the VF is not running, so its admin queue is latched (D11); when it runs, Invalid Command Opcode (D1)', observed: obs.text };
        this.checked++;
        return 'latched';
      }
      return this.apply([{ type: 'VF_LM', vf: fn }], obs);
    }
    const vf = Number(lm.fields.vfIndex);
    const invalidField = (decision: string): Judgement | undefined => {
      if (obs.key !== 'INVALID_FIELD') return { expected: `${predicted('INVALID_FIELD')} (${decision})`, observed: obs.text };
      this.checked++;
      return undefined;
    };
    if (lm.fields.fuse !== 0n || lm.fields.psdt !== 0n) return invalidField('D9');
    if (vf === 0 || vf > this.vfs) return invalidField('D4');
    if (this.strict && lm.reservedNonzero.length > 0) return invalidField('D10'); // NSID is among the reserved bytes
    const opcode = lm.layout.opcode.opcode;
    // a LOAD's image carries I/O or not (when the trace saw it saved): the status alone cannot tell LM_LOAD from LM_LOAD_IO
    const types = LM_EVENTS[opcode].filter((t) => loadCarriesIo === undefined || t !== (loadCarriesIo ? 'LM_LOAD' : 'LM_LOAD_IO'));
    return this.apply(types.map((type) => ({ type, vf }) as SystemEvent), obs, TRANSFERS.has(opcode));
  }
}

/** How a command is named in a report. */
export function describeCommand(c: ObservedCommand): string {
  return `function ${c.fn} SQ ${c.qid} CID ${c.cid}, opcode 0x${c.sqe[0].toString(16).padStart(2, '0')}, SQE ${toHex(c.sqe)} (submitted at line ${c.line})`;
}
