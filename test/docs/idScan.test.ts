// The id scanner and the drift check behind idsInStep.test.ts, on synthetic
// input: they find an undefined id, an unused one and a stale allow-list, so
// the real test can fail. This file's ids are synthetic on purpose; the id
// test leaves it out of its scan.
import { describe, expect, it } from 'vitest';
import { idDrift, specIdsIn } from '../../src/docs/idScan.ts';

describe('specIdsIn', () => {
  it('finds ids as the codebase writes them', () => {
    const text = `it('D19: Migration Send on a VF admin queue', ...); // (D7, I5) see D1-D18 and I1..I8\nreject(ST.SEQUENCE_ERROR, 'D5'); \`L4\` D12.`;
    expect(specIdsIn(text)).toEqual(['D19', 'D7', 'I5', 'D1', 'D18', 'I1', 'I8', 'D5', 'L4', 'D12']);
  });

  it('ignores what only looks like an id: hex, colours, bus names, identifiers, D0', () => {
    const text = 'opcode 0xD2 and 0xd5, fill="#D5E8D4" stroke="#L1", I2C bus, VID1, D5a, D1_x, $L2, L10b, D0, D012';
    expect(specIdsIn(text)).toEqual([]);
  });
});

describe('idDrift', () => {
  const defined = ['D1', 'D2', 'D3', 'I1', 'L1'];
  const clean = {
    defined,
    code: new Map([
      ['src/a.ts', ['D1', 'D2', 'I1']],
      ['test/a.test.ts', ['L1']],
    ]),
    docs: new Map([['README.md', ['D1', 'D3']]]),
    notYetUsed: ['D3'],
  };

  it('reports nothing when every used id is defined and every defined id is used or excused', () => {
    expect(idDrift(clean)).toEqual({ undefinedIds: [], unused: [], excusedButUsed: [], excusedButUndefined: [] });
  });

  it('an id used but not defined is reported with its files, from code and from docs', () => {
    const drift = idDrift({ ...clean, code: new Map([...clean.code, ['src/b.ts', ['D9']]]), docs: new Map([['docs/x.md', ['D9', 'L8']]]) });
    expect(drift.undefinedIds).toEqual([
      { id: 'D9', files: ['src/b.ts', 'docs/x.md'] },
      { id: 'L8', files: ['docs/x.md'] },
    ]);
  });

  it('a defined id that only docs mention is unused', () => {
    const drift = idDrift({ ...clean, code: new Map([['src/a.ts', ['D1', 'I1']], ['test/a.test.ts', ['L1']]]) });
    expect(drift.unused).toEqual(['D2']);
  });

  it('an excused id that code now uses, or that is not defined, makes the allow-list stale', () => {
    const drift = idDrift({ ...clean, code: new Map([...clean.code, ['src/tp.ts', ['D3']]]), notYetUsed: ['D3', 'D4'] });
    expect(drift.excusedButUsed).toEqual([{ id: 'D3', files: ['src/tp.ts'] }]);
    expect(drift.excusedButUndefined).toEqual(['D4']);
  });
});
