// What the CLI shows of the checker's L1 work: `vfio table --kernel pre-fix`
// and `vfio lassos` (per-call exploration). `check`'s L1 entry (the fixed
// driver walk over all four flag sets) is in test/verify/check.test.ts.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { VFIO_FLAG_SETS, formatVfioFeatures } from '../../../machines/vfio/states.ts';
import { vfioLassosOutput, vfioTableOutput } from '../../../src/cli/actions/vfio.ts';
import { checkVfioCalls, checkedTable } from '../../../src/check/vfioWalk.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['bin/nvme-lm.mjs', ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
const plain = (s: string): string => s.replace(/\x1b\[[0-9;]*m/g, '');

describe('nvme-lm vfio, from the checker', () => {
  it('L1: `vfio table --kernel pre-fix --json` is the table of the checked calls, HANG where the checker found a lasso', () => {
    for (const flags of VFIO_FLAG_SETS) {
      const features = formatVfioFeatures(flags);
      const shown = JSON.parse(vfioTableOutput({ features, kernel: 'pre-fix', json: true, lassos: false }));
      expect(shown).toEqual(checkedTable(checkVfioCalls(flags, 'pre-fix')));
    }
  });

  it('L1: `vfio lassos` prints each hanging call with the lasso the checker found (START, the lookup, then STEP forever)', () => {
    const text = plain(vfioLassosOutput({ features: 'p2p,pre-copy', json: false }));
    expect(text).toMatch(/^pre-fix kernel, features p2p,pre-copy: 2 call\(s\) never return \(model checker: 64 calls, \d+ states, \d+ ms\)/);
    for (const requested of ['PRE_COPY', 'PRE_COPY_P2P']) {
      expect(text).toContain(`STOP_COPY -> ${requested}: loop values ERROR, ERROR, ... (prefix: none; cycle: ERROR forever)`);
      expect(text).toMatch(new RegExp(`1\\. START\\(current=STOP_COPY, requested=${requested}\\)\\s+-> walking`));
    }
    expect(text.match(/then repeats forever:/g)).toHaveLength(2);
    expect(text).toMatch(/3\. STEP\s+-> walking\s+\{"arcs":0,"current":"STOP_COPY","next":"ERROR","requested":"PRE_COPY"/);
  });

  it('L1: the real `nvme-lm vfio lassos --features pre-copy` exits 0 and prints the one lasso', () => {
    const r = cli('vfio', 'lassos', '--features', 'pre-copy');
    expect(r.status).toBe(0);
    const out = plain(r.stdout);
    expect(out).toMatch(/features pre-copy: 1 call\(s\) never return/);
    expect(out).toContain('START(current=STOP_COPY, requested=PRE_COPY)');
    expect(out).toContain('then repeats forever:');
  });
});
