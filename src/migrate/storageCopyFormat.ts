// What `nvme-lm migrate --storage copy` prints: the report as JSON, or as
// lines of text a person reads.
import type { StorageCopyReport } from './storageCopy.ts';

/** What `--storage copy --json` prints. */
export function storageCopyJson(r: StorageCopyReport) {
  const { counters: _counters, ...rest } = r;
  return rest;
}

export function formatStorageCopy(r: StorageCopyReport, o: { vf: number; queues: number; io: number; seed: number }, writeRate: number): string {
  const MiB = (b: number) => `${(b / (1 << 20)).toFixed(2)} MiB`;
  const lines = [`nvme-lm migrate --storage copy: VF ${o.vf}, ${o.queues} I/O queue pair(s), ${o.io} I/O (${writeRate}% change data), seed ${o.seed}, profile tp4159`];
  const row = (label: string, text: string) => lines.push(`  ${label.padEnd(18)}${text}`);
  row('migrated', r.migrated ? 'yes' : r.calledOff ? `no: called off (${r.calledOff.reason}); ${r.calledOff.sourceResumed ? 'the source VF resumed' : 'the source VF did NOT resume'}` : 'no');
  row('downtime', `${r.downtimeUs} µs from Suspend on the source to Resume ${r.calledOff ? 'on the source again' : 'on the destination'}`);
  r.rounds.forEach((c, i) => row(i === 0 ? 'copy rounds' : '', `${c.kind.padEnd(6)} ${String(c.ranges).padStart(5)} range(s) ${String(c.blocks).padStart(8)} blocks ${MiB(c.bytes).padStart(11)}`));
  row('blocks copied', `${r.blocksCopied} of a ${r.namespaceBlocks}-block namespace (${(r.blocksCopied / r.namespaceBlocks).toFixed(3)}x)${r.logFilled ? '; the log filled (ESA 7, D31): everything copied again' : ''}`);
  if (r.restarts > 0) row('restarts', `${r.restarts}: a reset ended the log (D34); pre-copy started again with a new log and a full copy`);
  const e = r.events;
  row('log events', e.eventDriven ? `${e.events} drain(s) on a One-Shot event (${e.stale} found nothing new), ${e.polls} poll(s) after no event came, ${e.missed} of them found an event missing (D33)` : 'none: the PF holds no AER, the host polled the log');
  const ch = r.changes;
  row('guest changes', `${ch.writes} writes, ${ch.zeroes} Write Zeroes, ${ch.deallocates} deallocates; the log reported ${ch.loggedData} data and ${ch.loggedDeallocated} deallocated range(s) (D30)`);
  row('saved state', `${r.savedBytes} bytes`);
  row('I/O', `${r.ioSubmitted} submitted, ${r.ioCompleted} completed, ${r.lost} lost, ${r.duplicated} duplicated, ${r.dataErrors} data errors`);
  row('other VFs', r.idleChanged.length ? `CHANGED: ${r.idleChanged.join(', ')} (D14)` : 'unchanged on both devices (D14)');
  row('namespaces', r.blocksDiffering === 0 ? `equal at Suspend: every one of ${r.namespaceBlocks} blocks compared (I10)` : `${r.blocksDiffering} block(s) DIFFER at Suspend (I10)`);
  if (r.fault) row('fault', `${r.fault.fault}: expected ${r.fault.expected} (${r.fault.rule}); observed ${r.fault.observed}${r.fault.ok ? '' : ' — FAILED'}`);
  lines.push(r.ok && (r.fault?.ok ?? true) ? 'result: every check held' : 'result: FAILED, see above');
  return lines.join('\n');
}
