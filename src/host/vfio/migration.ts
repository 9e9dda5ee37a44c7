// One VF's VFIO migration state, driven arc by arc (the RFC's variant
// driver, with its defects fixed). setState() walks toward the requested
// state with nextState() and runs each arc's steps (arcs.ts) as the profile's
// NVMe commands (arcCommands.ts: lm, or tp4159) through the guarded admin
// channel. A failed command fails the arc and the state
// stays where the last good arc left it (D16); a VF or PF reset puts the
// state at RUNNING and disables the streams (D13, D18).
import type { AsyncEvents } from '../asyncEvents.ts';
import type { AdminChannel } from '../channel.ts';
import { DriverBugError, HostError } from '../errors.ts';
import { DmaBuffer } from '../prp.ts';
import type { UserDataLog } from '../userDataLog.ts';
import { LM_ARC_COMMANDS, type ArcCommands, type ArcIo } from './arcCommands.ts';
import { arcPlan, type ArcCommand, type ArcPlan } from './arcs.ts';
import { nextState } from './nextState.ts';
import { assertFlags, describeFlags, isVfioState, MIG_STOP_COPY, VFIO_STATES, type VfioState } from './states.ts';
import { RESUME_BUFFER_BYTES, ResumeStream, SaveStream } from './streams.ts';

/** An arc failed; `state` is where the VF is now (unchanged by this arc, or RUNNING after a reset). */
export class VfioArcError extends HostError {
  constructor(
    readonly vfId: number,
    readonly from: VfioState,
    readonly to: VfioState,
    /** the command that failed, if one did */
    readonly command: ArcCommand | undefined,
    override readonly cause: Error,
    readonly state: VfioState,
    /** what the rollback RESUME did, when the arc had already suspended the VF */
    readonly rollback?: 'resumed' | 'failed',
  ) {
    const at = command ? ` at ${command}` : '';
    const back = rollback === 'resumed' ? ' The arc had suspended the VF; it was resumed again.' : rollback === 'failed' ? ' The arc had suspended the VF and resuming it failed too; reset the VF (FLR).' : '';
    super(
      cause instanceof HostError ? cause.errno : 'EIO',
      `VFIO arc ${from} -> ${to} of VF ${vfId} (VF index ${vfId + 1}) failed${at}: ${cause.message}.${back} ` +
        `The VF is in ${state}; retry the request, or reset the VF (FLR) to return it to RUNNING.`,
    );
    this.name = 'VfioArcError';
  }
}

/** vfio_mig_get_next_state answered -EINVAL. */
export class VfioStateError extends HostError {
  constructor(
    readonly from: VfioState,
    readonly requested: VfioState,
    readonly reason: 'unsupported-current' | 'unsupported-requested' | 'blocked' | 'not-a-state',
    flags: number,
  ) {
    const why = {
      'unsupported-current': `the device is in ${from}, which its flags (${describeFlags(flags)}) do not include`,
      'unsupported-requested': `${requested} is ${requested === 'ERROR' ? 'not a state one can ask for' : `not available with flags ${describeFlags(flags)}`}`,
      blocked: `the kernel blocks ${from} -> ${requested}; go through STOP and RUNNING first`,
      'not-a-state': `"${requested}" is not a VFIO state (${VFIO_STATES.join(', ')})`,
    }[reason];
    super('EINVAL', `cannot move from ${from} to ${requested}: ${why}`);
    this.name = 'VfioStateError';
  }
}

export interface SetStateResult {
  state: VfioState;
  /** the arcs taken, in order */
  arcs: { from: VfioState; to: VfioState }[];
  /** the data fd the final arc opened, if it opened one */
  stream?: SaveStream | ResumeStream;
}

/** A VF runs in RUNNING and PRE_COPY and is suspended in every other state (arcs.ts). */
function vfRuns(s: VfioState): boolean {
  return s === 'RUNNING' || s === 'PRE_COPY';
}

/** The walk never needs more arcs than there are states (L1); more would be a bug. */
const MAX_ARCS = VFIO_STATES.length;

export class VfioMigration {
  private current: VfioState = 'RUNNING';
  private save: SaveStream | undefined;
  private resume: ResumeStream | undefined;
  /** the log of a pre-copy stream a VF reset ended, whose queue the controller still holds */
  private staleLog: UserDataLog | undefined;
  /** bumped on every reset so an arc in flight notices it was overtaken */
  private generation = 0;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly channel: AdminChannel,
    /** the kernel's 0-based VF id */
    readonly vfId: number,
    readonly flags: number = MIG_STOP_COPY,
    /** what each step of an arc sends: the profile (default the vendor profile lm) */
    readonly commands: ArcCommands = LM_ARC_COMMANDS,
    /** the PF's asynchronous events, which a pre-copy log waits on (D33); without, it polls */
    private readonly events?: AsyncEvents,
  ) {
    assertFlags(flags);
    if (!Number.isInteger(vfId) || vfId < 0 || vfId > 0xfffe) throw new RangeError(`VF id ${vfId} must be an integer 0..65534 (the NVMe VF index is id + 1)`);
  }

  get state(): VfioState {
    return this.current;
  }

  /** The 1-based VF index the LM commands carry. */
  get vfIndex(): number {
    return this.vfId + 1;
  }

  /** The open save or pre-copy stream, if any. */
  get saveStream(): SaveStream | undefined {
    return this.save;
  }

  get resumeStream(): ResumeStream | undefined {
    return this.resume;
  }

  /** Walk to `requested`, one arc at a time. Calls are serialized, like the kernel's state mutex. */
  setState(requested: VfioState): Promise<SetStateResult> {
    const run = this.queue.then(() => this.walk(requested));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * D13/D18: the VF was reset; the VF runs again in its power-on state and
   * every stream ends. A pre-copy stream's log ends with it (D34 stopped its
   * logging): after a PF reset its queue is gone (D34) and only its memory is
   * freed; after a VF reset the controller still holds the queue, so it is
   * deleted before the next log starts.
   */
  handleReset(pfReset = false): void {
    const log = this.save?.dirtyLog;
    if (log && !log.isDeleted) {
      if (pfReset) log.forget();
      else this.staleLog = log;
    }
    this.generation++;
    this.save?.disable();
    this.save = undefined;
    this.resume?.disable();
    this.resume = undefined;
    this.current = 'RUNNING';
  }

  private async walk(requested: VfioState): Promise<SetStateResult> {
    if (typeof requested !== 'string' || !isVfioState(requested)) throw new VfioStateError(this.current, requested, 'not-a-state', this.flags);
    const arcs: { from: VfioState; to: VfioState }[] = [];
    let opened: SaveStream | ResumeStream | undefined;
    while (this.current !== requested) {
      if (arcs.length >= MAX_ARCS) throw new DriverBugError(`walk ${arcs.map((a) => a.from).join(' -> ')} exceeded ${MAX_ARCS} arcs (L1)`);
      const answer = nextState(this.current, requested, this.flags);
      if (!answer.ok) throw new VfioStateError(this.current, requested, answer.reason, this.flags);
      const plan = arcPlan(this.current, answer.next);
      if (!plan) throw new DriverBugError(`no NVMe mapping for arc ${this.current} -> ${answer.next}`);
      opened = await this.runArc(plan);
      arcs.push({ from: plan.from, to: plan.to });
      this.current = plan.to;
    }
    return { state: this.current, arcs, stream: opened };
  }

  /** Run one arc's commands, then its stream effect. Nothing changes unless every command succeeded. */
  private async runArc(plan: ArcPlan): Promise<SaveStream | ResumeStream | undefined> {
    const gen = this.generation;
    let queried = 0;
    let saved: DmaBuffer | undefined;
    let resumeBuffer: DmaBuffer | undefined;
    let suspended = false;
    let command: ArcCommand | undefined;
    const io = this.io(gen);
    const vf = this.vfIndex;
    try {
      for (command of plan.commands) {
        switch (command) {
          case 'SUSPEND':
            await this.commands.suspend(io, vf);
            suspended = true;
            break;
          case 'RESUME':
            await this.commands.resume(io, vf);
            break;
          case 'QUERY':
            queried = await this.commands.query(io, vf);
            break;
          case 'SAVE':
            if (queried === 0) throw new HostError('EIO', 'QUERY_DATA_SIZE reported 0 bytes, which cannot hold any migration data; the device is faulty');
            saved = await DmaBuffer.allocate(this.channel.device, queried);
            await this.commands.save(io, vf, saved, queried);
            break;
          case 'LOAD': {
            const rs = this.resume;
            if (!rs) throw new DriverBugError('LOAD without a resume stream');
            await this.commands.load(io, vf, rs.dmaBuffer, rs.bytesWritten);
            break;
          }
        }
      }
      command = undefined;
      const log = await this.runLog(plan, io);
      this.checkNotReset(gen);
      if (plan.stream === 'open-resume') resumeBuffer = await DmaBuffer.allocate(this.channel.device, RESUME_BUFFER_BYTES);
      this.checkNotReset(gen);
      return this.applyStream(plan, queried, saved, resumeBuffer, log);
    } catch (e) {
      saved?.free();
      resumeBuffer?.free();
      if (e instanceof DriverBugError) throw e;
      const cause = e instanceof Error ? e : new Error(String(e));
      const rollback = suspended && gen === this.generation ? await this.undoSuspend() : undefined;
      throw new VfioArcError(this.vfId, plan.from, plan.to, command, cause, this.current, rollback);
    }
  }

  /**
   * Section 6, where the profile logs user data: the pre-copy stream opens
   * with a new log; on the way into STOP_COPY (the VF now suspended) the log
   * is drained to its ESA 3 entry, so it is complete before the state is
   * taken (D32); a stream that closes ends its log and deletes the queue.
   */
  private async runLog(plan: ArcPlan, io: ArcIo): Promise<UserDataLog | undefined> {
    const log = this.save?.dirtyLog;
    if (plan.stream === 'open-precopy') {
      // D29: logging starts only on a running VF (a suspended one answers Controller Suspended); a pre-copy entered suspended has no log
      if (!this.commands.startLog || !vfRuns(plan.from)) return undefined;
      const stale = this.staleLog;
      this.staleLog = undefined;
      if (stale) await stale.deleteVia(io); // D34: a VF reset stopped its logging but left its queue (MCUDMQ counts it, D28)
      return this.commands.startLog(io, this.vfIndex);
    }
    if (plan.stream === 'save' && log) await log.settle();
    if (plan.stream === 'close-save' && log && !log.isDeleted) await log.close();
    return undefined;
  }

  private applyStream(plan: ArcPlan, queried: number, saved: DmaBuffer | undefined, resumeBuffer: DmaBuffer | undefined, log: UserDataLog | undefined): SaveStream | ResumeStream | undefined {
    switch (plan.stream) {
      case 'open-precopy':
        this.save = new SaveStream('pre-copy', queried);
        this.save.dirtyLog = log;
        return this.save;
      case 'save': {
        if (!saved) throw new DriverBugError('SAVE arc without a buffer');
        if (this.save) {
          this.save.attach(saved, queried); // the pre-copy data fd carries on into STOP_COPY, as in the uAPI
          return undefined;
        }
        this.save = new SaveStream('stop-copy', queried);
        this.save.attach(saved, queried);
        return this.save;
      }
      case 'close-save':
        this.save?.disable();
        this.save = undefined;
        return undefined;
      case 'open-resume':
        if (!resumeBuffer) throw new DriverBugError('RESUMING arc without a buffer');
        this.resume = new ResumeStream(resumeBuffer);
        return this.resume;
      case 'close-resume':
        this.resume?.disable();
        this.resume = undefined;
        return undefined;
      default:
        return undefined;
    }
  }

  /** The channel as a step sees it: every command checks the VF was not reset before and after it (D13). */
  private io(gen: number): ArcIo {
    return {
      device: this.channel.device,
      ...(this.events ? { events: this.events } : {}),
      submit: async (sqe) => {
        this.checkNotReset(gen);
        const cqe = await this.channel.submit(sqe);
        this.checkNotReset(gen);
        return cqe;
      },
    };
  }

  private checkNotReset(gen: number): void {
    if (gen !== this.generation) throw new HostError('EIO', 'the VF was reset while the arc ran, so the VF is back in RUNNING (D13)');
  }

  /** An arc that suspended the VF and then failed resumes it, so the VF matches the unchanged VFIO state. */
  private async undoSuspend(): Promise<'resumed' | 'failed'> {
    try {
      await this.commands.resume({ device: this.channel.device, submit: (sqe) => this.channel.submit(sqe) }, this.vfIndex);
      return 'resumed';
    } catch {
      return 'failed';
    }
  }
}
