// The one renderer of verify failures as text: each difference field by
// field, the command (function, queue, CID, SQE bytes), the completion bytes
// and the decision expected; identical differences printed once, with the
// path that fails soonest in full and a count of the others (failureGroups.ts says what
// "identical" means). `--json` carries every failure and every group.
import { differenceText, type FailureGroup } from './failureGroups.ts';
import type { VerifyFailure } from './run.ts';

export interface FailureTextStyle {
  bad(s: string): string;
  warn(s: string): string;
}

const PLAIN: FailureTextStyle = { bad: (s) => s, warn: (s) => s };

/** How to play the failure's path again, with every request and answer printed. */
export function replayHint(f: VerifyFailure): string | undefined {
  if (f.pathId === undefined) return undefined;
  const at = f.pathId.lastIndexOf('#');
  return `--replay ${f.pathId.slice(0, at)} ${f.pathId.slice(at + 1)}`;
}

/** One failure in full: its heading, the step, each differing field, the bytes and the replay option. */
export function formatFailure(f: VerifyFailure, style: FailureTextStyle = PLAIN): string[] {
  const id = f.pathId !== undefined ? ` [${f.pathId}]` : '';
  const out = [f.deviation ? style.warn(`KNOWN DEVIATION ${f.deviation.id} in ${f.suite}: ${f.path}${id}`) : style.bad(`FAIL ${f.suite}: ${f.path}${id}`)];
  out.push(`  step ${f.step} ${f.event}${f.decision ? ` (expected behaviour: ${f.decision})` : ''}`);
  if (f.what !== undefined) out.push(`  checked: ${f.what}`);
  for (const d of f.differences ?? []) out.push(`  ${differenceText([d])}`);
  out.push(`  expected ${f.expected}`, `  observed ${f.observed}`);
  if (f.command) {
    const c = f.command;
    out.push(`  command: function ${c.fn} (${c.fn === 0 ? 'PF' : `VF ${c.fn}`}), SQ ${c.qid}, CID ${c.cid}`, `  SQE ${c.sqe}`);
  }
  if (f.cqe) out.push(`  CQE ${f.cqe}`);
  if (f.fault) out.push(f.fault.stderr.length ? `  last lines of the target's stderr:` : `  the target wrote nothing on stderr`, ...f.fault.stderr.map((l) => `    ${l}`));
  if (f.deviation) out.push(`  specification: ${f.deviation.specification}`, `  implementation: ${f.deviation.implementation}`);
  const replay = replayHint(f);
  if (replay) out.push(`  replay: nvme-lm verify <same target> ${replay}`);
  return out;
}

/**
 * Every group: a heading with its size and difference, the path that fails
 * soonest in full, and how many other paths show the same difference.
 */
export function formatFailureGroups(failures: readonly VerifyFailure[], groups: readonly FailureGroup[], style: FailureTextStyle = PLAIN): string[] {
  if (groups.length === 0) return [];
  const real = groups.filter((g) => g.deviation === undefined);
  const n = real.reduce((k, g) => k + g.count, 0);
  const out: string[] = [];
  if (real.length > 0) out.push(style.bad(`${n} failing path${n === 1 ? '' : 's'}, ${real.length} difference${real.length === 1 ? '' : 's'}:`));
  for (const g of groups) {
    const paint = g.deviation ? style.warn : style.bad;
    out.push('', paint(`${g.count} path${g.count === 1 ? '' : 's'}${g.deviation ? ` (known deviation ${g.deviation})` : ''}: ${g.difference} on ${g.event} (${g.machine})`));
    out.push(...formatFailure(failures[g.first], style).map((l) => `  ${l}`));
    if (g.count > 1) out.push(`  and ${g.count - 1} other path${g.count === 2 ? '' : 's'} with the same difference: ${g.paths.slice(1, 6).join(', ')}${g.count > 6 ? ', ...' : ''} (--json lists them all)`);
  }
  return out;
}
