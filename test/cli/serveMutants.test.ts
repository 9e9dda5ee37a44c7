// `serve --mutant`: every broken variant is listed, with the bug it plants and
// the rules it breaks, in `serve --help` and in the README's table, both from
// the one table MUTANT_BUGS (src/emulator/options.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CONTROLLER_MUTANTS, LM_MUTANTS, MUTANT_BUGS, MUTANTS, TP4159_MUTANTS } from '../../src/emulator/options.ts';
import { mutantHelp } from '../../src/cli/commands/serve.ts';

const readme = readFileSync(join(fileURLToPath(new URL('../..', import.meta.url)), 'README.md'), 'utf8');

describe('serve --mutant: the broken variants and what each breaks', () => {
  it('serve --help lists every mutant under its profile with its bug and rules', () => {
    const lines = mutantHelp().split('\n');
    const tpHeading = lines.findIndex((l) => /tp4159/.test(l) && !l.startsWith('  '));
    expect(tpHeading).toBeGreaterThan(0);
    const controllerHeading = lines.findIndex((l) => /every profile's controller/.test(l));
    expect(controllerHeading).toBeGreaterThan(tpHeading);
    for (const m of MUTANTS) {
      const at = lines.findIndex((l) => l.trim().startsWith(`${m} `));
      expect(at, m).toBeGreaterThan(0);
      expect(lines[at], m).toMatch(new RegExp(`^  ${m} +${MUTANT_BUGS[m].bug.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(breaks ${MUTANT_BUGS[m].breaks}\\)$`));
      expect(at > tpHeading, m).toBe(!(LM_MUTANTS as readonly string[]).includes(m));
      expect(at > controllerHeading, m).toBe((CONTROLLER_MUTANTS as readonly string[]).includes(m));
    }
  });

  it("README's serve table has one row per mutant: its profile, the bug and the rules of MUTANT_BUGS", () => {
    const rows = [...readme.matchAll(/^\| `(\w+)` \| ([\w-]+) \| (.+) \| (.+) \|$/gm)].map((r) => ({ mutant: r[1], profile: r[2], bug: r[3], breaks: r[4] }));
    expect(rows.map((r) => r.mutant)).toEqual([...MUTANTS]);
    for (const r of rows) {
      const m = r.mutant as (typeof MUTANTS)[number];
      expect({ bug: r.bug, breaks: r.breaks }, m).toEqual(MUTANT_BUGS[m]);
      const profile = (LM_MUTANTS as readonly string[]).includes(m) ? /^(lm|no-lm)$/ : (TP4159_MUTANTS as readonly string[]).includes(m) ? /^tp4159$/ : /^any$/;
      expect(r.profile, m).toMatch(profile);
    }
  });
});
