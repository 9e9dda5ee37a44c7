import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { STATE_DOC_BEGIN, STATE_DOC_END, stateDocBlock } from '../../src/wire/tp4159/stateDoc.ts';
import { stateBlobSizes } from '../../src/wire/tp4159/sizes.ts';

const doc = readFileSync(new URL('../../docs/tp4159-state.md', import.meta.url), 'utf8');

describe('docs/tp4159-state.md', () => {
  it('D25: carries the byte tables generated from the layout tables (rule 4)', () => {
    const start = doc.indexOf(STATE_DOC_BEGIN);
    const end = doc.indexOf(STATE_DOC_END);
    expect(start, 'docs/tp4159-state.md has no generated block').toBeGreaterThanOrEqual(0);
    expect(doc.slice(start, end + STATE_DOC_END.length), 'regenerate the block with stateDocBlock() from src/wire/tp4159/stateDoc.ts').toBe(stateDocBlock());
  });
  it('states the blob sizes the code computes for 1, 16 and 64 queue pairs', () => {
    const sizes = stateBlobSizes([1, 16, 64]);
    expect(doc).toContain(`${sizes.map((s) => s.format0).join(', ').replace(/, (\d+)$/, ' and $1')} bytes in format 0000h`);
    expect(doc).toContain(`${sizes.map((s) => s.withVendor).join(', ').replace(/, (\d+)$/, ' and $1')} bytes with the nvme-lm vendor section`);
  });
});
