// The faults of `nvme-lm migrate --storage copy` (tp4159 section 4): each
// strikes during pre-copy (dst-refuses at the destination's Set State), and
// each has the outcome the spec requires and the one thing every row checks
// too: nothing lost, the destination's namespace equal to the source's at
// Suspend (I10).
import { PATIENCE } from '../host/userDataLog.ts';
import { LATE_BY } from './eventFaultDevice.ts';
import type { CopyOptions, StorageCopyReport } from './storageCopy.ts';

export const STORAGE_FAULT_NAMES = ['udmq-full', 'late-release', 'dsm-ranges', 'write-fail', 'event-lost', 'event-late', 'vf-flr', 'pf-reset', 'dst-refuses'] as const;
export type StorageFaultName = (typeof STORAGE_FAULT_NAMES)[number];

/** How a fault sets up the run: the queue's size, the host's release, the guest's deallocates and failing write, a reset, the events, the destination. */
export type StorageFaultSetup = Partial<Pick<CopyOptions, 'logEntries' | 'releaseLate' | 'dsmRanges' | 'failOneWrite' | 'reset' | 'refuseState' | 'eventFault'>>;

interface StorageFaultInfo {
  doc: string;
  rule: string;
  expected: string;
  setup: StorageFaultSetup;
  /** what the run shows for the fault's own outcome; the common checks are in storageFaultRow */
  observe: (r: StorageCopyReport) => { observed: string; ok: boolean };
}

const FULL_LOG_ENTRIES = 4;
const DSM_RANGES = 4;

export const STORAGE_FAULTS: Readonly<Record<StorageFaultName, StorageFaultInfo>> = {
  'udmq-full': {
    doc: `the user data migration queue has ${FULL_LOG_ENTRIES} slots: the guest's changes fill it`,
    rule: 'D31',
    expected: 'the log ends with ESA 7; the host copies the whole namespace again',
    setup: { logEntries: FULL_LOG_ENTRIES },
    observe: (r) => ({
      observed: r.logFilled ? `the log ended with ESA 7; the host copied all ${r.namespaceBlocks} blocks again` : 'the log never filled',
      ok: r.logFilled && r.rounds.at(-1)?.kind === 'full' && r.rounds.at(-1)?.blocks === r.namespaceBlocks,
    }),
  },
  'late-release': {
    doc: 'the host releases each drain\'s slots (Set Features 21h) only at the next drain',
    rule: 'D31, I14',
    expected: 'the controller writes no unreleased slot: every change is logged, or the log fills (ESA 7) and the host copies everything',
    setup: { releaseLate: true },
    observe: (r) => ({
      observed: r.logFilled ? 'the log filled (ESA 7); the host copied everything again' : `every change logged: ${r.changes.loggedData + r.changes.loggedDeallocated} range(s) in ${r.rounds.length - 1} round(s) after the bulk copy`,
      ok: true, // either way is the spec's; the common checks (every block equal) catch an overwritten slot
    }),
  },
  'dsm-ranges': {
    doc: `each deallocate names ${DSM_RANGES} ranges with gaps between them`,
    rule: 'D30',
    expected: `one DLBA entry per range: the deallocated ranges logged come in fours`,
    setup: { dsmRanges: DSM_RANGES },
    observe: (r) => ({
      observed: `${r.changes.deallocates} deallocate(s), ${r.changes.loggedDeallocated} deallocated range(s) logged`,
      ok: r.changes.deallocates > 0 && r.changes.loggedDeallocated > 0 && (r.logFilled || r.changes.loggedDeallocated % DSM_RANGES === 0),
    }),
  },
  'event-lost': {
    doc: 'the first One-Shot event (the log\'s tail reached its trigger) never reaches the host',
    rule: 'D33',
    expected: `the host polls the log after ${PATIENCE} steps without an event, finds the entries and posts another AER; the queue does not fill`,
    setup: { eventFault: 'lost' },
    observe: (r) => polledInstead(r, r.events.dropped, 'lost'),
  },
  'event-late': {
    doc: `the first One-Shot event reaches the host only after it looked for it ${LATE_BY} more times`,
    rule: 'D33',
    expected: `the host polls the log after ${PATIENCE} steps without an event and finds the entries; the late event costs a drain, nothing else`,
    setup: { eventFault: 'late' },
    observe: (r) => polledInstead(r, r.events.delayed, 'came late'),
  },
  'vf-flr': {
    doc: 'a function-level reset of the migrating VF halfway through the bulk copy',
    rule: 'D34, D13',
    expected: 'logging stops and the driver reports RUNNING; the host starts pre-copy again with a new log and copies the whole namespace again, then migrates',
    setup: { reset: 'vf' },
    observe: restarted,
  },
  'pf-reset': {
    doc: 'a controller reset of the source PF (CC.EN 1 -> 0) halfway through the bulk copy: every VF reset, every CDQ deleted',
    rule: 'D34, D18',
    expected: 'the queue is gone and the driver reports RUNNING; the host starts pre-copy again with a new log and copies the whole namespace again, then migrates',
    setup: { reset: 'pf' },
    observe: restarted,
  },
  'dst-refuses': {
    doc: 'the destination VF allows one I/O queue fewer than the guest uses, so Set Controller State fails',
    rule: 'D26, D6',
    expected: 'Set State fails with Invalid Field and leaves the destination VF as it was; the migration is called off and the source VF resumes, its guest carrying on there',
    setup: { refuseState: true },
    observe: (r) => ({
      observed: r.calledOff ? `called off: Set State failed with ${/completed with (.+?) \(SCT/.exec(r.calledOff.reason)?.[1] ?? r.calledOff.reason}; destination VF ${r.calledOff.destinationUnchanged ? 'unchanged' : 'CHANGED'}; source ${r.calledOff.sourceResumed ? 'resumed' : 'NOT resumed'}` : r.migrated ? 'migrated: the destination took the state' : 'not migrated and not called off',
      ok: !r.migrated && r.calledOff !== undefined && r.calledOff.sourceResumed && r.calledOff.destinationUnchanged && /Invalid Field/.test(r.calledOff.reason),
    }),
  },
  'write-fail': {
    doc: 'one guest write runs past the namespace\'s end',
    rule: 'D30',
    expected: 'the write completes once with LBA Out of Range and changes nothing',
    setup: { failOneWrite: true },
    observe: (r) => ({
      observed: r.failedWrites.length === 1 ? `the write at LBA ${r.failedWrites[0].slba} completed with SCT ${r.failedWrites[0].sct} SC 0x${r.failedWrites[0].sc.toString(16)}` : `${r.failedWrites.length} write(s) failed`,
      ok: r.failedWrites.length === 1 && r.failedWrites[0].sct === 0 && r.failedWrites[0].sc === 0x80,
    }),
  },
};

/** D34: a reset ended the log; the host started pre-copy again with a full copy and migrated. */
function restarted(r: StorageCopyReport): { observed: string; ok: boolean } {
  const bulks = r.rounds.filter((c) => c.kind === 'bulk');
  return {
    observed: `${r.restarts} restart(s): pre-copy began again with a new log and copied all ${bulks.at(-1)?.blocks ?? 0} blocks again${r.migrated ? '; migrated' : '; NOT migrated'}; ${r.counters.droppedByReset} I/O dropped by the reset (D13)`,
    ok: r.restarts === 1 && bulks.length === 2 && bulks[1].blocks === r.namespaceBlocks && r.migrated,
  };
}

/** D33: the host polled after PATIENCE steps without the event and found its entries before the queue filled. */
function polledInstead(r: StorageCopyReport, injected: number, how: string): { observed: string; ok: boolean } {
  const e = r.events;
  return {
    observed: `${injected} event(s) ${how}; the host polled ${e.polls} time(s), ${e.missed} found the trigger passed with no event; ${e.events} drain(s) on events${r.logFilled ? '; the log FILLED (ESA 7)' : '; the log never filled'}`,
    ok: e.eventDriven && injected === 1 && e.missed >= 1 && !r.logFilled,
  };
}

export function parseStorageFault(text: string): StorageFaultName {
  const name = text.trim().replace(/@pre-copy$/, '');
  if (!(STORAGE_FAULT_NAMES as readonly string[]).includes(name)) throw new Error(`--storage copy knows no fault "${text}": use one of ${STORAGE_FAULT_NAMES.join(', ')} (each strikes during pre-copy; dst-refuses at the destination's Set State)`);
  return name as StorageFaultName;
}

export interface StorageFaultRow {
  fault: StorageFaultName;
  rule: string;
  expected: string;
  observed: string;
  ok: boolean;
}

/** A run's row: the fault's own outcome, and nothing lost (I10, D15). */
export function storageFaultRow(fault: StorageFaultName, r: StorageCopyReport): StorageFaultRow {
  const f = STORAGE_FAULTS[fault];
  const own = f.observe(r);
  const lostNothing = `${r.lost} lost, ${r.duplicated} duplicated, ${r.blocksDiffering} block(s) differing`;
  return { fault, rule: f.rule, expected: `${f.expected}; nothing lost`, observed: `${own.observed}; ${lostNothing}`, ok: own.ok && r.ok };
}

const cell = (s: string) => s.replace(/\|/g, '\\|');

/** The README's table of the storage-copy faults. */
export function storageFaultTable(rows: readonly StorageFaultRow[]): string {
  const out = ['| fault | what it does | expected (rule) | observed | checks |', '|---|---|---|---|---|'];
  for (const r of rows) out.push(`| \`${r.fault}\` | ${cell(STORAGE_FAULTS[r.fault].doc)} | ${cell(r.expected)} (${r.rule}) | ${cell(r.observed)} | ${r.ok ? 'held' : '**failed**'} |`);
  return out.join('\n');
}
