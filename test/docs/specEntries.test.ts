// The docs/spec/ parser: the entry format of docs/spec/README.md, its errors,
// and the real files (every id of both profiles defined once, in its file).
import { describe, expect, it } from 'vitest';
import { compareIds, idRanges, mergeSpecEntries, normalizeId, parseSpecEntries, SpecFormatError } from '../../src/docs/specEntries.ts';
import { readSpecEntries } from '../../src/docs/specFiles.ts';

const entry = (id: string, title = 'A title.', body = '**Rule:** the rule.\n\n**Why:** the reason.\n\n**Source:** NVMe Base 2.1.') => `### ${id}\n**${title}**\n\n${body}\n`;

describe('parseSpecEntries', () => {
  it('reads id, title, rule, reason, source, file, anchor and line; facts under level-2 headings are no entry', () => {
    const md = `# Title\n\n## Facts\nD12 is cited here.\n\n## Decisions\n\n${entry('D12', 'SAVE drains.', '**Rule:** first line\nsecond line\n- a list item\n\n**Why:** because.\n\n**Source:** RFC.')}\n## Invariants\n\n${entry('I3')}`;
    const [d12, i3, ...rest] = parseSpecEntries(md, 'docs/spec/x.md');
    expect(rest).toEqual([]);
    expect(d12).toEqual({ id: 'D12', title: 'SAVE drains', rule: 'first line\nsecond line\n- a list item', why: 'because.', source: 'RFC.', file: 'docs/spec/x.md', anchor: 'd12', line: 8 });
    expect(i3).toMatchObject({ id: 'I3', title: 'A title', rule: 'the rule.', why: 'the reason.', source: 'NVMe Base 2.1.' });
  });

  it('a heading inside a fenced code block is text, not an entry', () => {
    expect(parseSpecEntries('## Format\n```\n### D12\n**Title.**\n```\n', 'f.md')).toEqual([]);
  });

  it('a malformed entry is an error naming the file and line, never a silently missing id', () => {
    const bad = (md: string): string => {
      try {
        parseSpecEntries(md, 'docs/spec/x.md');
      } catch (e) {
        expect(e).toBeInstanceOf(SpecFormatError);
        return (e as Error).message;
      }
      throw new Error('parsed without error');
    };
    expect(bad('### D12 SAVE drains\n')).toMatch(/^docs\/spec\/x\.md:1: the heading of D12 must be the id alone/);
    expect(bad('### d12\n')).toMatch(/write the id as D12, not d12/);
    expect(bad('### D12\nno bold title\n')).toMatch(/x\.md:2: D12 needs a bold title line/);
    expect(bad(entry('D12', 'T.', '**Rule:** r.\n**Source:** s.'))).toMatch(/expected \*\*Why:\*\*, found \*\*Source:\*\*/);
    expect(bad(entry('D12', 'T.', '**Rule:** r.\n**Why:** w.'))).toMatch(/D12 has no \*\*Source:\*\*/);
    expect(bad(entry('D12', 'T.', 'stray text\n**Rule:** r.'))).toMatch(/text before \*\*Rule:\*\*/);
    expect(bad(entry('D12', 'T.', '**Rule:** r.\n**Why:** w.\n**Source:** s.\n**Rule:** again'))).toMatch(/expected no more fields/);
  });
});

describe('ids', () => {
  it('normalizeId accepts any case and spacing, nothing that is not an id', () => {
    expect(['D12', 'i9', ' l5 '].map(normalizeId)).toEqual(['D12', 'I9', 'L5']);
    expect(['D0', 'D012', 'X1', 'D', 'D1a', ''].map(normalizeId)).toEqual([undefined, undefined, undefined, undefined, undefined, undefined]);
  });

  it('sort D, I, L then by number; ranges break at gaps and kinds', () => {
    expect(['L1', 'D10', 'I2', 'D2'].sort(compareIds)).toEqual(['D2', 'D10', 'I2', 'L1']);
    expect(idRanges(['D1', 'D2', 'D3', 'D5', 'I1', 'L2', 'L3'])).toBe('D1-D3, D5, I1, L2-L3');
  });

  it('an id defined in two files is an error naming both', () => {
    const a = parseSpecEntries(entry('D7'), 'a.md');
    const b = parseSpecEntries(`\n${entry('D7')}`, 'b.md');
    expect(() => mergeSpecEntries([a, b])).toThrow('b.md:2: D7 is already defined at a.md:1');
  });
});

describe('docs/spec/', () => {
  const range = (kind: string, from: number, to: number): string[] => Array.from({ length: to - from + 1 }, (_, i) => `${kind}${from + i}`);
  const entries = readSpecEntries();
  const idsOf = (file: string): string[] => entries.filter((e) => e.file === file).map((e) => e.id);

  it('lm.md defines D1-D18, I1-I8, L1-L4 (the lm profile)', () => {
    expect(idsOf('docs/spec/lm.md')).toEqual([...range('D', 1, 18), ...range('I', 1, 8), ...range('L', 1, 4)]);
  });

  it('tp4159.md defines D19-D34, I9-I15, L5-L7 (the tp4159 profile)', () => {
    expect(idsOf('docs/spec/tp4159.md')).toEqual([...range('D', 19, 34), ...range('I', 9, 15), ...range('L', 5, 7)]);
  });

  it('no other file defines ids, and every entry has text in each field', () => {
    expect(entries).toHaveLength(18 + 8 + 4 + 16 + 7 + 3);
    for (const e of entries) expect([e.title, e.rule, e.why, e.source].every((t) => t.length > 2), e.id).toBe(true);
  });
});
