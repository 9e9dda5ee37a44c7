// The known deviations of the QEMU build with TP4159 (nvme.tp4159, hmlms),
// matched against failures recorded from a verify run on that build
// (fixtures/qemuTp4159Failures.json: tp4159Udmq, tp4159System:2 and
// tp4159Acceptance:no-vendor:whole-only:pc0), so this runs without the build: each
// entry matches its own recorded failures and nothing else, the failures
// that are no deviation (a PF reset's effect on the QEMU target) stay
// failures, and every entry is written up in docs/qemu-tp4159-deviations.md.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEVIATIONS, matchDeviation, type DeviationProbe } from '../../models/engine/deviations.ts';
import { QEMU_TP4159_DEVIATIONS } from '../../models/engine/qemuTp4159Deviations.ts';

interface Recorded {
  /** the deviation id it is, or null: a real failure */
  deviation: string | null;
  failure: DeviationProbe & { path: string; step: number };
}

const recorded = JSON.parse(readFileSync(new URL('./fixtures/qemuTp4159Failures.json', import.meta.url), 'utf8')) as Recorded[];
const written = readFileSync(new URL('../../docs/qemu-tp4159-deviations.md', import.meta.url), 'utf8');
const ids = [...new Set(QEMU_TP4159_DEVIATIONS.map((d) => d.id))];

/** Every entry of the list that matches `f` on target `target`, by id. */
function matching(target: string, f: DeviationProbe): string[] {
  return [...new Set(DEVIATIONS.filter((d) => matchDeviation(target, f, [d]) !== undefined).map((d) => d.id))];
}

describe('known deviations of QEMU with TP4159', () => {
  it('each recorded failure matches its own deviation and no other (D19, D20, D21, D24, D26, D28, D29, D31, D32, D33, D34)', () => {
    for (const r of recorded.filter((x) => x.deviation !== null)) {
      expect(matching('qemu', r.failure), `${r.failure.suite}: ${r.failure.path}`).toEqual([r.deviation]);
      expect(matchDeviation('qemu', r.failure)?.id).toBe(r.deviation);
    }
  });

  it('every registered deviation has a recorded failure it matches (none is dead)', () => {
    expect(new Set(recorded.map((r) => r.deviation).filter((d) => d !== null))).toEqual(new Set(ids));
  });

  it('failures that are no deviation of QEMU stay failures', () => {
    const real = recorded.filter((r) => r.deviation === null);
    expect(real.length).toBeGreaterThan(0);
    for (const r of real) expect(matching('qemu', r.failure), r.failure.path).toEqual([]);
  });

  it('they match only the target qemu on the tp4159 suites: not another target, not a no-lm suite', () => {
    for (const r of recorded.filter((x) => x.deviation !== null)) {
      expect(matching('exec "nvme-lm serve --profile tp4159"', r.failure)).toEqual([]);
      expect(matching('qemu', { ...r.failure, suite: 'vfLifecycle:no-lm:immediate' })).toEqual([]);
    }
  });

  it('D34: a One-Shot event at Suspend with DUDMQ is the reset-keeps-logging deviation only after a VF reset ended the log', () => {
    const atSuspend = recorded.find((r) => r.failure.event === 'SUSPEND_DUDMQ');
    if (!atSuspend) throw new Error('no recorded One-Shot event at SUSPEND_DUDMQ');
    expect(matching('qemu', atSuspend.failure)).toEqual(['QEMU-TP4159-D34-RESET-KEEPS-LOGGING']);
    const noReset = { ...atSuspend.failure, what: atSuspend.failure.what?.replace(/; logging ended by .*$/, '') };
    expect(matching('qemu', noReset)).toEqual([]);
    const byTrackStop = { ...atSuspend.failure, what: atSuspend.failure.what?.replace('a VF reset (D34)', 'Track Send stop (D29)') };
    expect(matching('qemu', byTrackStop)).toEqual([]);
  });

  it('D31: a range in the queue-full entry is a deviation; a range in a sequence entry (D29) is not', () => {
    const full = recorded.find((r) => r.deviation === 'QEMU-TP4159-D31-FULL-ENTRY-RANGE');
    if (!full) throw new Error('no recorded queue-full entry with a range');
    expect(full.failure.what).toMatch(/LBACIR of the queue-full entry \(D31\)/);
    const sequence = { ...full.failure, what: full.failure.what?.replace('the queue-full entry (D31)', 'a sequence entry (D29)') };
    expect(matching('qemu', sequence)).toEqual([]);
  });

  it('a deviation is known only once written up: each id has its section in docs/qemu-tp4159-deviations.md with its rule', () => {
    for (const d of QEMU_TP4159_DEVIATIONS) {
      expect(written, d.id).toContain(`## ${d.id}`);
      const section = written.slice(written.indexOf(`## ${d.id}`)).split('\n## ')[0];
      const decision = /D\d\d/.exec(d.id)?.[0] as string;
      expect(section, d.id).toContain(`**Rule:** ${decision}`);
      expect(section, d.id).toMatch(/\*\*QEMU:\*\* `nvme_\w+`/);
      expect(section, d.id).toContain('**Consequence:**');
    }
  });
});
