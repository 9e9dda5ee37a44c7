// The README tells a new user how to run the CLI: the two opening commands
// first, then how to reach `nvme-lm` after `npm ci`; and its explain example
// is what explain prints.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runExplain } from '../../src/cli/commands/explain.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const readme = readFileSync(join(root, 'README.md'), 'utf8');

describe('README: running the CLI', () => {
  it('opens with npm start and npm test, then says how to run nvme-lm (npx, npm link) before anything else', () => {
    const opening = /^# nvme-lm\n\n```sh\nnpm ci && npm start[^\n]*\nnpm ci && npm test[^\n]*\n```\n\n([\s\S]*?)\n\n/.exec(readme);
    expect(opening, 'README.md must open with the two commands `npm ci && npm start` and `npm ci && npm test`').not.toBeNull();
    const howToRun = opening![1];
    expect(howToRun).toMatch(/After `npm ci`/);
    expect(howToRun).toContain('`npx nvme-lm --help`');
    expect(howToRun).toContain('`npm link`');
  });

  it('the command it names exists: package.json bin nvme-lm is the launcher in bin/', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    expect(pkg.bin['nvme-lm']).toBe('bin/nvme-lm.mjs');
    expect(existsSync(join(root, pkg.bin['nvme-lm']))).toBe(true);
  });

  it('the `nvme-lm explain <id>` example is what the command prints', () => {
    const example = /```\n\$ nvme-lm explain (\S+)\n([\s\S]*?)```/.exec(readme);
    expect(example, 'README.md has no `$ nvme-lm explain <id>` example').not.toBeNull();
    expect(example![2]).toBe(runExplain(example![1]));
  });
});

describe('README: try this next', () => {
  const block = /## Try this next\n[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme);

  it('follows the opening sections, before "What `npm start` does", with three npx commands: migrate, verify the example adapter, verify QEMU', () => {
    expect(block, 'README.md has no "## Try this next" section with a sh block').not.toBeNull();
    expect(readme.indexOf('## Try this next')).toBeLessThan(readme.indexOf('## What `npm start` does'));
    const lines = block![1].trim().split('\n').map((l) => l.split(' #')[0].trim());
    expect(lines).toEqual(['npx nvme-lm migrate', 'npx nvme-lm verify --adapter examples/adapter.ts --suite pfAcceptance', 'npx nvme-lm verify --qemu --vfs 2']);
    expect(existsSync(join(root, 'examples/adapter.ts'))).toBe(true);
  });

  it('each of them parses: the command and its options exist', async () => {
    const { buildProgram } = await import('../../src/cli/program.ts');
    for (const line of block![1].trim().split('\n')) {
      const argv = line.split(' #')[0].trim().split(/\s+/).slice(2);
      const program = buildProgram();
      let parsed = false;
      for (const c of program.commands) c.action(() => void (parsed = true));
      await program.parseAsync(argv, { from: 'user' });
      expect(parsed, line).toBe(true);
    }
  });
});
