// What `nvme-lm explain` prints, over the real docs/spec/ entries.
import { describe, expect, it } from 'vitest';
import { explain, formatIndex } from '../../src/docs/explain.ts';
import { readSpecEntries } from '../../src/docs/specFiles.ts';

const entries = readSpecEntries();

describe('explain', () => {
  it('D12 prints the title, rule, reason, source and where it is defined', () => {
    const r = explain(entries, 'D12');
    if (!r.ok) throw new Error(r.error);
    expect(r.text).toMatch(/^D12 \(decision\): SAVE drains before it captures\n\nRule:\n  Every command already fetched is completed/);
    expect(r.text).toMatch(/\nWhy:\n  A command in flight/);
    expect(r.text).toMatch(/\nSource:\n  RFC patch 5\/5/);
    expect(r.text).toMatch(/\nDefined in docs\/spec\/lm\.md#d12\n$/);
  });

  it('ids are found in any case: i9 is the invariant I9, l5 the liveness property L5', () => {
    const i9 = explain(entries, 'i9');
    const l5 = explain(entries, ' l5');
    expect(i9.ok && i9.text).toMatch(/^I9 \(invariant\): .*\n[\s\S]*Defined in docs\/spec\/tp4159\.md#i9\n$/);
    expect(l5.ok && l5.text).toMatch(/^L5 \(liveness property\): Suspend completes\n/);
  });

  it('rewraps each field for the terminal: no line past 78 columns, list items kept apart', () => {
    for (const e of entries) {
      const r = explain(entries, e.id);
      const lines = r.ok ? r.text.split('\n').slice(1) : [];
      expect(lines.filter((l) => l.length > 78), e.id).toEqual([]);
    }
    const d5 = explain(entries, 'D5');
    expect(d5.ok && d5.text).toMatch(/\n {2}- SUSPEND: running -> suspended;[^\n]*\n {2}- RESUME:/);
  });

  it('an unknown or malformed id is an error that lists the valid ranges', () => {
    // built at run time: an undefined id written out would fail the id test (idsInStep.test.ts)
    const next = `D${entries.filter((e) => e.id.startsWith('D')).length + 1}`;
    expect(explain(entries, next)).toEqual({ ok: false, error: `${next} is not defined; valid ids: D1-D34, I1-I15, L1-L7. Run \`nvme-lm explain\` to list them with their titles` });
    const r = explain(entries, 'X1');
    expect(!r.ok && r.error).toMatch(/^"X1" is not an id \(D<n>, I<n> or L<n>\); valid ids: D1-D34, I1-I15, L1-L7\./);
  });

  it('the index lists every id with its title, grouped by profile file', () => {
    const text = formatIndex(entries);
    expect(text).toMatch(/^docs\/spec\/lm\.md \(D1-D18, I1-I8, L1-L4\)\n {2}D1 {3}An LM opcode/);
    expect(text).toContain('\ndocs/spec/tp4159.md (D19-D34, I9-I15, L5-L7)\n');
    expect(text).toContain('\n  D12  SAVE drains before it captures\n');
    for (const e of entries) expect(text).toContain(`  ${e.id.padEnd(3)}  ${e.title}\n`);
  });
});
