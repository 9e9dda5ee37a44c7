// `nvme-lm --version` prints the version in package.json.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.ts';
import { runProgram } from './runProgram.ts';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

describe('nvme-lm --version', () => {
  it('prints the package.json version and ends as commander.version (main exits 0 for it)', async () => {
    for (const flag of ['--version', '-V']) {
      const { stdout, error } = await runProgram(buildProgram(), [flag]);
      expect(stdout).toBe(`${pkg.version}\n`);
      expect(error?.code).toBe('commander.version');
    }
    expect(pkg.version).toMatch(/^\d+\.\d+\.\d+/);
  });

});
