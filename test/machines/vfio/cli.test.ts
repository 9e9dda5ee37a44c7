import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { vfioLassosOutput, vfioTableOutput } from '../../../src/cli/actions/vfio.ts';
import { vfioNextState } from '../../../machines/vfio/nextState.ts';
import { VFIO_DISPLAY_ORDER, VFIO_FLAG_SETS, formatVfioFeatures } from '../../../machines/vfio/states.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['bin/nvme-lm.mjs', ...args], { cwd: root, encoding: 'utf8' });

const table = (features: string, kernel: 'fixed' | 'pre-fix' = 'fixed'): Record<string, Record<string, string>> =>
  JSON.parse(vfioTableOutput({ features, kernel, json: true, lassos: false }));

describe('nvme-lm vfio table', () => {
  it('I8: --json gives every (CURRENT, REQUESTED) in the fixed order with the fixed kernel answer, for all four feature sets', () => {
    for (const flags of VFIO_FLAG_SETS) {
      const t = table(formatVfioFeatures(flags));
      expect(Object.keys(t)).toEqual(VFIO_DISPLAY_ORDER);
      for (const cur of VFIO_DISPLAY_ORDER) {
        expect(Object.keys(t[cur])).toEqual(VFIO_DISPLAY_ORDER);
        for (const req of VFIO_DISPLAY_ORDER) expect(t[cur][req]).toBe(vfioNextState(cur, req, flags));
      }
    }
  });

  it('I8: known cells: with p2p STOP -> RUNNING steps to RUNNING_P2P; without it, to RUNNING; ERROR rows and columns are EINVAL', () => {
    expect(table('p2p').STOP.RUNNING).toBe('RUNNING_P2P');
    expect(table('').STOP.RUNNING).toBe('RUNNING');
    expect(Object.values(table('p2p,pre-copy').ERROR).every((c) => c === 'EINVAL')).toBe(true);
    expect(VFIO_DISPLAY_ORDER.every((s) => table('pre-copy')[s].ERROR === 'EINVAL')).toBe(true);
  });

  it('L1: --kernel pre-fix puts HANG exactly on the blocked cells and nowhere with the fixed kernel', () => {
    const hangs = (features: string, kernel: 'fixed' | 'pre-fix') =>
      Object.entries(table(features, kernel)).flatMap(([c, row]) =>
        Object.entries(row).filter(([, v]) => v === 'HANG').map(([r]) => `${c}->${r}`),
      );
    expect(hangs('p2p,pre-copy', 'pre-fix')).toEqual(['STOP_COPY->PRE_COPY', 'STOP_COPY->PRE_COPY_P2P']);
    expect(hangs('pre-copy', 'pre-fix')).toEqual(['STOP_COPY->PRE_COPY']);
    expect(hangs('p2p', 'pre-fix')).toEqual([]);
    expect(hangs('p2p,pre-copy', 'fixed')).toEqual([]);
    expect(table('p2p,pre-copy', 'fixed').STOP_COPY.PRE_COPY).toBe('EINVAL');
  });

  it('L1: the lassos come as JSON and as text, and --lassos needs --kernel pre-fix', () => {
    expect(JSON.parse(vfioLassosOutput({ features: 'pre-copy', json: true }))).toEqual([
      { current: 'STOP_COPY', requested: 'PRE_COPY', prefix: [], cycle: ['ERROR'] },
    ]);
    expect(vfioLassosOutput({ features: 'p2p', json: false })).toBe('no hanging calls in the pre-fix kernel for features p2p');
    const both = JSON.parse(vfioTableOutput({ features: 'p2p,pre-copy', kernel: 'pre-fix', json: true, lassos: true }));
    expect(both.lassos).toHaveLength(2);
    expect(both.table.STOP_COPY.PRE_COPY_P2P).toBe('HANG');
    expect(() => vfioTableOutput({ features: '', kernel: 'fixed', json: false, lassos: true })).toThrow(/add --kernel pre-fix/);
  });

  it('I8: the text grid has a header and one aligned row per state', () => {
    const lines = vfioTableOutput({ features: 'p2p', kernel: 'fixed', json: false, lassos: false }).split('\n');
    expect(lines[0]).toBe('vfio_mig_get_next_state, fixed kernel, features p2p');
    expect(lines).toHaveLength(2 + VFIO_DISPLAY_ORDER.length);
    expect(lines[2].split(/\s+/)).toEqual(['STOP', 'STOP', 'RUNNING_P2P', 'STOP_COPY', 'RESUMING', 'RUNNING_P2P', 'EINVAL', 'EINVAL', 'EINVAL']);
    const col = lines[1].indexOf('RUNNING ');
    expect(lines[3].slice(col, col + 7)).toBe('RUNNING');
  });

  it('I8: the real command prints the JSON table; a bad feature exits 2 with a one-line message naming the valid ones', () => {
    const ok = cli('vfio', 'table', '--features', 'p2p', '--json');
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual(table('p2p'));
    const bad = cli('vfio', 'table', '--features', 'p2p,bogus');
    expect(bad.status).toBe(2);
    const errLines = bad.stderr.split('\n').filter((l) => l.startsWith('nvme-lm:'));
    expect(errLines).toEqual([expect.stringMatching(/unknown VFIO migration feature "bogus"; valid features are stop-copy, p2p, pre-copy/)]);
    expect(cli('vfio', 'table', '--kernel', 'old').status).toBe(2);
  });
});
