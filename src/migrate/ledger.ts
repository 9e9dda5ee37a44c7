// The guest's own account of every I/O command it submitted: one record per
// command, counted once when it completes. A completion for a command that
// already completed, or for one never submitted, is a duplicate (D15, I2).
// Commands of a function that was reset are dropped by design (D13), and
// counted apart from the ones that were really lost.
import type { Cqe } from '../wire/cqe.ts';

/** write: stamped data; zeroes: Write Zeroes; deallocate: Dataset Management with AD (the storage-copy workload's changes, D30) */
export type IoKind = 'write' | 'read' | 'zeroes' | 'deallocate';
/** workload: the commands --io counts; verify: the read-back after the workload */
export type IoPhase = 'workload' | 'verify';
export interface BlockRange {
  slba: number;
  blocks: number;
}
type IoState = 'outstanding' | 'completed' | 'dropped';

export interface IoRecord {
  /** position in the ledger */
  seq: number;
  fn: number;
  qid: number;
  cid: number;
  kind: IoKind;
  phase: IoPhase;
  slba: number;
  blocks: number;
  /** the write's generation; 0 for reads, Write Zeroes and deallocate (the blocks then read as zeros) */
  generation: number;
  /** deallocate: the ranges it names (all inside slba..slba+blocks) */
  ranges?: readonly BlockRange[];
  /** guest-physical address of the 2-page data buffer, and where the data starts in it */
  buffer: number;
  offset: number;
  state: IoState;
  /** completions seen; more than 1 is a duplicate */
  completions: number;
  /** status of the first completion */
  status?: { sct: number; sc: number };
}

export interface IoCounters {
  submitted: number;
  completed: number;
  /** submitted, never completed, and not dropped by a reset */
  lost: number;
  /** completions beyond the first, plus completions of commands never submitted */
  duplicated: number;
  /** reads whose data was not what the last completed write stored, and I/O completed with an error status */
  dataErrors: number;
  /** outstanding when their function was reset (D13, D18): lost by design */
  droppedByReset: number;
}

export class Ledger {
  readonly records: IoRecord[] = [];
  /** completions that matched no submitted command */
  private strays = 0;
  private dataErrorCount = 0;
  /** why each data error happened (first few), for the report */
  readonly dataErrorNotes: string[] = [];

  open(r: Omit<IoRecord, 'seq' | 'state' | 'completions'>): IoRecord {
    const rec: IoRecord = { ...r, seq: this.records.length, state: 'outstanding', completions: 0 };
    this.records.push(rec);
    return rec;
  }

  /** Record a completion of `rec`; true when it is the first one. */
  complete(rec: IoRecord, cqe: Cqe): boolean {
    rec.completions++;
    if (rec.completions > 1) return false;
    rec.state = 'completed';
    rec.status = { sct: cqe.sct, sc: cqe.sc };
    return true;
  }

  drop(rec: IoRecord): void {
    if (rec.state === 'outstanding') rec.state = 'dropped';
  }

  stray(): void {
    this.strays++;
  }

  dataError(note: string): void {
    this.dataErrorCount++;
    if (this.dataErrorNotes.length < 8) this.dataErrorNotes.push(note);
  }

  /** Counters over the records of `phase` (all phases when omitted); strays and data errors count in every view. */
  counters(phase?: IoPhase): IoCounters {
    const c: IoCounters = { submitted: 0, completed: 0, lost: 0, duplicated: this.strays, dataErrors: this.dataErrorCount, droppedByReset: 0 };
    for (const r of this.records) {
      if (phase !== undefined && r.phase !== phase) continue;
      c.submitted++;
      if (r.completions > 1) c.duplicated += r.completions - 1;
      if (r.state === 'completed') c.completed++;
      else if (r.state === 'dropped') c.droppedByReset++;
      else c.lost++;
    }
    return c;
  }
}

/** The blocks a command changes: none for a read. */
export function changedBlocks(rec: Pick<IoRecord, 'kind' | 'slba' | 'blocks' | 'ranges'>): number[] {
  if (rec.kind === 'read') return [];
  const ranges = rec.kind === 'deallocate' ? (rec.ranges ?? []) : [{ slba: rec.slba, blocks: rec.blocks }];
  return ranges.flatMap((r) => Array.from({ length: r.blocks }, (_, i) => r.slba + i));
}
