// `nvme-lm verify --trace` / `--record` exit codes, through the real CLI.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'nvme-lm-cli-trace-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const nvmeLm = (args: string[]) => spawnSync(process.execPath, ['bin/nvme-lm.mjs', 'verify', ...args], { encoding: 'utf8' });

describe('nvme-lm verify --trace / --record', () => {
  it('exit 2: an empty trace checks nothing; --record into a missing directory fails before the target runs', () => {
    const empty = join(dir, 'empty.jsonl');
    writeFileSync(empty, '');
    const r = nvmeLm(['--trace', empty]);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stdout).toMatch(/trace NOT CHECKED: the trace holds no request; record a session with `nvme-lm verify --record FILE`/);

    const marker = join(dir, 'ran');
    const rec = nvmeLm(['--exec', `${JSON.stringify(process.execPath)} -e "require('fs').writeFileSync(${JSON.stringify(marker)}, '')"`, '--record', join(dir, 'missing', 'x.jsonl')]);
    expect(rec.status).toBe(2);
    expect(rec.stderr).toMatch(/--record: cannot write the trace .*ENOENT/);
    expect(existsSync(marker)).toBe(false);
  }, 60_000);
});
