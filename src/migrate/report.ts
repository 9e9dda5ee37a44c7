// What a migration run proved: the counters, the checks (D1, D6, D7, D13-D15,
// D18, I7), each fault's required and observed outcome, and the two ways to
// print it (a human summary, and the CLI's JSON).
import type { CommandLogEntry } from '../host/channel.ts';
import { adminOpcodeName } from '../wire/opcodes.ts';
import { isSuccess, statusName } from '../wire/status.ts';
import { compareOutcome, describeOutcome, expectationFor, type FaultSpec, type Outcome } from './faults.ts';
import type { Guest } from './guest.ts';
import type { IoCounters } from './ledger.ts';
import type { MigrateOptions } from './options.ts';
import type { Side } from './side.ts';

/** Facts the orchestrator gathers on the way. */
export interface RunFacts {
  options: MigrateOptions;
  k: number;
  inFlightAtSuspend: number;
  latchedAtSuspend: number;
  /** fetched I/O still in flight when SAVE was sent, and whether the device held SAVE's completion until it drained (D12) */
  inFlightAtSave: number;
  saveHeld: boolean;
  savedBytes: number;
  downtimeUs: number;
  guestMemoryCopied: number;
  /** part of the downtime spent copying guest memory (a real hypervisor pre-copies most of it while the guest runs) */
  memoryCopyUs: number;
  /** idle VFs whose state changed (D14 says none may) */
  idleChanged: string[];
  refused?: { reason: string; message: string };
  /** tp4159: the CNTLID of the migrating VF on each side (the PF's Secondary Controller List, D20) */
  cntlid?: { source: number; destination: number };
  calledOffReason?: string;
  failureMessage?: string;
  resumeError?: string;
}

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface FaultReport {
  fault: string;
  arc: string;
  /** false when the migration was called off before this fault's arc */
  injected: boolean;
  rule: string;
  expected: string;
  observed: string;
  droppedByReset: number;
  ok: boolean;
  /** where the observed outcome differs from the required one (checked when the run has this one fault) */
  mismatches: string[];
}

export interface MigrationReport {
  migrated: boolean;
  ioSubmitted: number;
  ioCompleted: number;
  lost: number;
  duplicated: number;
  dataErrors: number;
  savedBytes: number;
  downtimeUs: number;
  faults: FaultReport[];
  /** every check held */
  ok: boolean;
  checks: Check[];
  outcome: Outcome;
  droppedByReset: number;
  inFlightAtSuspend: number;
  latchedAtSuspend: number;
  inFlightAtSave: number;
  saveHeld: boolean;
  guestMemoryCopied: number;
  memoryCopyUs: number;
  refused?: { reason: string; message: string; pfCommands: string[] };
  calledOffReason?: string;
  failureMessage?: string;
  bystander?: { fn: number; counters: IoCounters };
  /** the LM (and probe) commands each host driver sent, in order */
  lmCommands: { source: string[]; destination: string[] };
  options: Omit<MigrateOptions, 'knobs'>;
}

/** Exactly what `nvme-lm migrate --json` prints. */
type MigrateJson = Pick<MigrationReport, 'migrated' | 'ioSubmitted' | 'ioCompleted' | 'lost' | 'duplicated' | 'dataErrors' | 'savedBytes' | 'downtimeUs'> & {
  faults: { fault: string; arc: string; injected: boolean; expected: string; observed: string; droppedByReset: number; ok: boolean }[];
};

interface ReportInput {
  facts: RunFacts;
  outcome: Outcome;
  faults: { spec: FaultSpec; fired: boolean }[];
  guest: Guest;
  bystander: Guest | undefined;
  src: Side;
  dst: Side;
  lmLogs: { source: readonly CommandLogEntry[]; destination: readonly CommandLogEntry[] };
}

function formatLogEntry(e: CommandLogEntry): string {
  const vf = e.vfIndex !== undefined ? ` VF ${e.vfIndex}` : e.cntlid !== undefined ? ` CNTLID ${e.cntlid}` : '';
  const out = e.outcome === undefined ? '' : e.outcome === 'timeout' ? ' -> timeout' : isSuccess(e.outcome.status) ? '' : ` -> ${statusName(e.outcome.status.sct, e.outcome.status.sc)}`;
  return `${e.name}${vf}${out}`;
}

function countersText(c: IoCounters): string {
  return `${c.submitted} submitted, ${c.completed} completed, ${c.lost} lost, ${c.duplicated} duplicated, ${c.dataErrors} data errors, ${c.droppedByReset} dropped by reset`;
}

export function buildReport(input: ReportInput): MigrationReport {
  const { facts, outcome, guest, bystander, src, dst } = input;
  const o = facts.options;
  const all = guest.ledger.counters();
  const work = guest.ledger.counters('workload');
  const duplicated = all.duplicated + guest.adminStrays;
  const checks: Check[] = [];
  const check = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });

  check('D15: every I/O of the migrating guest completed exactly once', all.lost === 0 && duplicated === 0, countersText({ ...all, duplicated }));
  check('D15: every completed write reads back', all.dataErrors === 0, guest.ledger.dataErrorNotes.join('; ') || 'every read matched the last completed write');
  check('workload: every --io command was submitted', work.submitted === o.io, `${work.submitted} of ${o.io}`);
  let bystanderReport: MigrationReport['bystander'];
  if (bystander) {
    const b = bystander.ledger.counters();
    const bw = bystander.ledger.counters('workload');
    const bd = b.duplicated + bystander.adminStrays;
    bystanderReport = { fn: bystander.fn, counters: { ...b, duplicated: bd } };
    check(`D14: the other VF (VF ${bystander.fn}) ran its own workload undisturbed`, b.lost === 0 && bd === 0 && b.dataErrors === 0 && bw.submitted === o.io, `${countersText({ ...b, duplicated: bd })}${bystander.ledger.dataErrorNotes.length ? `: ${bystander.ledger.dataErrorNotes.join('; ')}` : ''}`);
  }
  check('D14: VFs no guest uses are unchanged on both devices', facts.idleChanged.length === 0, facts.idleChanged.length ? `changed: ${facts.idleChanged.join(', ')}` : 'function hashes equal before and after');
  if (facts.refused) {
    const executed = [...src.lmOpcodesExecuted(), ...dst.lmOpcodesExecuted(), ...src.managementOpcodesExecuted(), ...dst.managementOpcodesExecuted()];
    const what = o.profile === 'tp4159' ? ['I7, D21: no migration opcode reached the refused PF', 'the PF command log holds no opcode in 0xC4-0xD5 and no tp4159 management opcode'] : ['I7: no LM opcode reached the refused PF', 'the PF command log holds no opcode in 0xC4-0xD5'];
    check(what[0], executed.length === 0, executed.length ? `reached: ${executed.map((x) => `0x${x.toString(16)}`).join(', ')}` : what[1]);
  } else if (facts.cntlid) {
    const own = facts.cntlid;
    const named = [...input.lmLogs.source.filter((e) => e.cntlid !== undefined && e.cntlid !== own.source), ...input.lmLogs.destination.filter((e) => e.cntlid !== undefined && e.cntlid !== own.destination)];
    const any = [...input.lmLogs.source, ...input.lmLogs.destination].some((e) => e.cntlid !== undefined);
    check(`D14, D20: every management command names the CNTLID of VF ${facts.k} only`, any && named.length === 0, named.length ? named.map(formatLogEntry).join(', ') : any ? `CNTLID ${own.source} on the source, ${own.destination} on the destination, so no other VF can be touched` : 'no management command was sent');
    if (o.faults.length === 0) check('the migration completed', outcome.migrated, facts.calledOffReason ?? 'the guest finished its workload on the destination');
  } else {
    const named = [...input.lmLogs.source, ...input.lmLogs.destination].filter((e) => e.vfIndex !== undefined && e.vfIndex !== facts.k);
    check(`D14: every LM command names VF index ${facts.k} only`, named.length === 0, named.length ? named.map(formatLogEntry).join(', ') : 'so no other VF can be touched');
    if (o.faults.length === 0) check('the migration completed', outcome.migrated, facts.calledOffReason ?? 'the guest finished its workload on the destination');
  }
  if (outcome.dstUnchanged !== undefined) check('D7: a refused LOAD changed nothing on the destination', outcome.dstUnchanged, 'state hash before and after the failed arc');
  if (outcome.hostileRejected !== undefined) check('D1, I1: LM opcodes on VF admin queues are rejected and change nothing', outcome.hostileRejected, 'Invalid Command Opcode (DNR) for each, state hash unchanged');
  const invariantsOk = checks.every((c) => c.ok);

  const single = input.faults.length === 1;
  const faults: FaultReport[] = input.faults.map(({ spec, fired }) => {
    const exp = expectationFor(spec.fault, spec.arc, o.profile)!;
    const mismatches = fired && single ? compareOutcome(exp, outcome) : [];
    const dropped = all.droppedByReset + (bystanderReport?.counters.droppedByReset ?? 0);
    const observed = fired ? `${describeOutcome(outcome)}${dropped ? `; ${dropped} I/O dropped by reset` : ''}` : `not reached: the migration was called off before ${spec.arc}`;
    return { fault: spec.fault, arc: spec.arc, injected: fired, rule: exp.rule, expected: describeOutcome(exp), observed, droppedByReset: dropped, ok: invariantsOk && mismatches.length === 0, mismatches };
  });
  if (single) check('the fault\'s outcome is the one the spec requires', faults[0].mismatches.length === 0, faults[0].mismatches.join('; ') || faults[0].expected);

  const { knobs: _knobs, ...options } = o;
  return {
    migrated: outcome.migrated,
    ioSubmitted: work.submitted,
    ioCompleted: work.completed,
    lost: all.lost,
    duplicated,
    dataErrors: all.dataErrors,
    savedBytes: facts.savedBytes,
    downtimeUs: facts.downtimeUs,
    faults,
    ok: checks.every((c) => c.ok),
    checks,
    outcome,
    droppedByReset: all.droppedByReset,
    inFlightAtSuspend: facts.inFlightAtSuspend,
    latchedAtSuspend: facts.latchedAtSuspend,
    inFlightAtSave: facts.inFlightAtSave,
    saveHeld: facts.saveHeld,
    guestMemoryCopied: facts.guestMemoryCopied,
    memoryCopyUs: facts.memoryCopyUs,
    refused: facts.refused && { ...facts.refused, pfCommands: src.pfLog.map((t) => `${adminOpcodeName(t.opcode)} (0x${t.opcode.toString(16).padStart(2, '0')})`) },
    calledOffReason: facts.calledOffReason,
    failureMessage: facts.failureMessage,
    bystander: bystanderReport,
    lmCommands: { source: input.lmLogs.source.map(formatLogEntry), destination: input.lmLogs.destination.map(formatLogEntry) },
    options,
  };
}

export function migrateJson(r: MigrationReport): MigrateJson {
  return {
    migrated: r.migrated,
    ioSubmitted: r.ioSubmitted,
    ioCompleted: r.ioCompleted,
    lost: r.lost,
    duplicated: r.duplicated,
    dataErrors: r.dataErrors,
    savedBytes: r.savedBytes,
    downtimeUs: r.downtimeUs,
    faults: r.faults.map((f) => ({ fault: f.fault, arc: f.arc, injected: f.injected, expected: f.expected, observed: f.observed, droppedByReset: f.droppedByReset, ok: f.ok })),
  };
}

/** Why the driver refused, and the proof: the PF's command log holds no LM opcode. */
export function formatRefusal(r: MigrationReport): string {
  if (!r.refused) return '';
  const log = r.refused.pfCommands.length ? r.refused.pfCommands.join(', ') : '(empty: the probe stopped at the PCI ID and sent nothing)';
  return [
    `not migrated: ${r.refused.message}`,
    `source PF command log (every command that reached it): ${log}`,
    r.options.profile === 'tp4159' ? 'LM opcodes 0xC4-0xD5 and tp4159 management opcodes sent: none (D21, I7)' : 'LM opcodes 0xC4-0xD5 sent: none (D3, I7)',
  ].join('\n');
}

export function formatSummary(r: MigrationReport): string {
  const o = r.options;
  const lines: string[] = [];
  const row = (label: string, text: string) => lines.push(`  ${label.padEnd(18)}${text}`);
  lines.push(`nvme-lm migrate: VF ${o.vf} of ${o.vfs}, ${o.queues} I/O queue pair(s), ${o.io} I/O, seed ${o.seed}, profile ${o.profile}`);
  if (r.refused) {
    lines.push(...formatRefusal(r).split('\n').map((l) => `  ${l}`));
  } else {
    const how = r.migrated ? 'yes' : r.outcome.calledOff ? `no: called off (${r.calledOffReason})` : 'no';
    row('migrated', how);
    if (r.failureMessage) row('failure', r.failureMessage);
    row('downtime', `${r.downtimeUs} µs from SUSPEND on the source to RESUME on ${r.migrated ? 'the destination' : 'the source'}, ${r.memoryCopyUs} µs of it copying guest memory`);
    row('saved data', `${r.savedBytes} bytes through the VFIO stream; ${(r.guestMemoryCopied / 1024).toFixed(0)} KiB of guest memory copied`);
    row('at SUSPEND', `${r.inFlightAtSuspend} command(s) in flight, ${r.latchedAtSuspend} SQ entr${r.latchedAtSuspend === 1 ? 'y' : 'ies'} latched after it (D11)`);
    if (r.inFlightAtSave > 0) row('at SAVE', `${r.inFlightAtSave} command(s) still in flight; SAVE ${r.saveHeld ? 'completed only after they did' : 'completed at once'} (D12 drain)`);
    row('source driver', r.lmCommands.source.join(', ') || '-');
    row('destination', r.lmCommands.destination.join(', ') || '-');
  }
  row('I/O', `${r.ioSubmitted} submitted, ${r.ioCompleted} completed, ${r.lost} lost, ${r.duplicated} duplicated, ${r.dataErrors} data errors, ${r.droppedByReset} dropped by reset`);
  if (r.bystander) row(`other VF (VF ${r.bystander.fn})`, countersText(r.bystander.counters));
  for (const f of r.faults) {
    lines.push(`  fault ${f.fault}@${f.arc}${f.injected ? '' : ' (not reached)'}`);
    lines.push(`    required  ${f.expected} (${f.rule})`);
    lines.push(`    observed  ${f.observed}`);
  }
  lines.push('  checks');
  for (const c of r.checks) lines.push(`    ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
  lines.push(r.ok && !r.refused ? 'result: every check held' : r.refused ? 'result: not migrated (the host driver refused the device)' : 'result: FAILED, see the checks above');
  return lines.join('\n');
}
