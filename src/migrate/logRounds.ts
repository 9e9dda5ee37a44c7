// The host's copy schedule after the bulk copy (tp4159 section 6), one for
// every storage copy (two emulated devices, or two targets behind Adapters):
// what the log reported is copied round after round until a round finds at
// most the target of dirty blocks; after Suspend the last ranges are copied,
// or everything again once the log filled (ESA 7, D31: later changes went
// unlogged). It keeps what the drains took: the ranges waiting for a round,
// the counts by kind (D30), and whether the log filled.
import type { Drained, LoggedRange, UserDataLog } from '../host/userDataLog.ts';
import type { CopyRound } from './namespaceCopy.ts';

/** What the schedule needs from its run. */
export interface CopyPort {
  /** copy `ranges` from the source's namespace to the destination's, and record the round */
  copy(kind: CopyRound['kind'], ranges: readonly LoggedRange[]): Promise<CopyRound>;
  /** the guest runs a little between rounds */
  guestRuns(): Promise<void>;
  /** a reset ended the log (D34): the rounds stop */
  wasReset(): boolean;
  namespaceBlocks: number;
}

export interface RoundLimits {
  maxRounds: number;
  dirtyTarget: number;
}

/** Test knobs, a broken host (to show the checks can fail). */
export interface HostBreakage {
  /** it releases an entry before copying its range: each drain's last range is never copied */
  releaseBeforeCopy?: boolean;
  /** it leaves out the ranges logged up to Suspend */
  skipFinalCopy?: boolean;
}

export class LogRounds {
  /** ranges drained and not yet copied (the bulk copy's, for the first round) */
  private readonly pending: LoggedRange[] = [];
  logFilled = false;
  loggedData = 0;
  loggedDeallocated = 0;

  constructor(private readonly broken: HostBreakage = {}) {}

  get loggedRanges(): number {
    return this.loggedData + this.loggedDeallocated;
  }

  /** A drain during the bulk copy: its ranges wait for the first round. */
  keep(d: Drained): void {
    this.pending.push(...this.take(d));
  }

  /** A reset ended the log: a new one starts, and the full copy after it covers what waited. */
  restart(): void {
    this.pending.length = 0;
    this.logFilled = false;
  }

  /** Rounds from the log until one finds at most the target of dirty blocks; none once the log filled (nothing is logged any more, D31). False when a reset ended the log. */
  async rounds(log: UserDataLog, port: CopyPort, limits: RoundLimits): Promise<boolean> {
    for (let round = 0; round < limits.maxRounds && !this.logFilled; round++) {
      // a round's end is where the host reads the whole log: the dirty set decides whether to go on
      const ranges = [...this.pending.splice(0), ...this.take(await log.drain())];
      if (this.logFilled) return true;
      if ((await port.copy('log', ranges)).blocks <= limits.dirtyTarget) return true;
      await port.guestRuns();
      if (port.wasReset()) return false;
    }
    return true;
  }

  /** After Suspend (the driver drained the log to ESA 3, D32): the last ranges, or everything again once the log filled. */
  async final(log: UserDataLog, port: CopyPort): Promise<void> {
    const ranges = [...this.pending.splice(0), ...this.take(await log.drain())];
    if (this.logFilled) await port.copy('full', [{ slba: 0n, blocks: port.namespaceBlocks, deallocated: false }]);
    else await port.copy('final', this.broken.skipFinalCopy ? [] : ranges);
  }

  /** A drain's ranges, counted by kind (D30); a full log noted. */
  private take(d: Drained): LoggedRange[] {
    if (d.end === 'full') this.logFilled = true;
    for (const r of d.ranges) r.deallocated ? this.loggedDeallocated++ : this.loggedData++;
    return this.broken.releaseBeforeCopy ? d.ranges.slice(0, -1) : d.ranges;
  }
}
