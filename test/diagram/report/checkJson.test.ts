// The check JSON schema: what it accepts, and errors that name the field.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCheckJson, parseCheckJsonText, readCheckJsonFile } from '../../../src/diagram/report/checkJson.ts';
import { checkResultSchema, type CheckResult } from '../../../src/check/checkJson.ts';
import { checkSpec } from '../../../src/check/report.ts';
import { doorbellToy, vfToy } from '../../check/toys.ts';
import { buildFixture } from './fixture.ts';

const valid = (): Record<string, unknown> => ({
  machines: [{ id: 'vf', states: 3, transitions: { reachable: 4, covered: 2 }, unreachable: [], coveredEdges: ['vf.a|GO|0'], reachableEdges: ['vf.a|GO|0'] }],
  invariants: [{ id: 'I1', holds: true, machine: 'vf' }],
  liveness: [{ id: 'L2', holds: true, ms: 3 }],
  tests: { passed: 1, failed: 0, failures: [] },
});

/** The message of the Error `f` throws (fails the test when it does not throw). */
function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected an error, got none');
}

describe('check JSON schema', () => {
  it('accepts real checker output (counterexample traces, lassos) and keeps fields it does not use', () => {
    const { check } = buildFixture([vfToy({ saveWhileRunning: true }), doorbellToy({ resumeForgets: true })]);
    const parsed = parseCheckJson(check, 'fixture');
    expect(parsed.invariants.find((i) => i.id === 'I5')?.counterexample?.trace?.steps.map((s) => s.event.type)).toEqual(['ENABLE', 'SAVE']);
    expect(parsed.liveness[0].lasso?.cycle.length).toBeGreaterThan(0);
    // loose objects: the checker's other fields (checked, pendingStates, ...) pass through
    expect(parsed.invariants[0]).toHaveProperty('checked');
    expect(parsed.liveness[0]).toHaveProperty('pendingStates');
  });

  it('accepts a failing check as the check job writes it (one schema): a failing path names its suite and machine, a lasso its machine', () => {
    const spec = doorbellToy({ resumeForgets: true });
    const broken = checkSpec(spec).liveness.find((l) => !l.holds);
    if (!broken?.lasso) throw new Error('the seeded doorbell bug must break a liveness property with a lasso');
    const failing: CheckResult = {
      machines: [],
      invariants: [],
      liveness: [{ id: broken.id, description: broken.description, holds: false, machines: [spec.id], ms: 1, lasso: { machine: spec.id, ...broken.lasso } }],
      tests: {
        passed: 0,
        failed: 1,
        notRealisable: 0,
        steps: 1,
        naiveSteps: 1,
        failures: [{ suite: `${spec.id}:lm`, machine: spec.id, path: 'RING', step: 1, event: 'RING', expected: 'a completion', observed: 'none' }],
      },
      suites: [],
      ok: false,
      ms: 2,
    };
    const json: unknown = JSON.parse(JSON.stringify(failing));
    expect(checkResultSchema.safeParse(json).success).toBe(true);
    const parsed = parseCheckJson(json, 'check.json');
    expect(parsed.liveness[0].lasso?.cycle.length).toBeGreaterThan(0);
    expect(parsed.tests?.failures[0].machine).toBe(spec.id);
  });

  it('accepts results without path tests (tests is optional)', () => {
    const data = valid();
    delete data.tests;
    expect(parseCheckJson(data, 'x').tests).toBeUndefined();
  });

  it('a missing section: the error names it and what was expected', () => {
    const data = valid();
    delete data.machines;
    const message = errorOf(() => parseCheckJson(data, 'check.json'));
    expect(message).toMatch(/^check\.json is not `nvme-lm check --json` output: machines: missing \(expected array\)/);
    expect(message).toContain('regenerate it with `nvme-lm check --json`');
  });

  it('a field of the wrong type: the error gives its path with array indexes', () => {
    const data = valid();
    (data.machines as Array<Record<string, unknown>>)[0].states = 'many';
    expect(errorOf(() => parseCheckJson(data, 'c.json'))).toMatch(/machines\[0\]\.states: .*expected number, received string/);
  });

  it('a failing path without `observed`: the error names tests.failures[0].observed', () => {
    const data = valid();
    data.tests = { passed: 0, failed: 1, failures: [{ machine: 'vf', path: 'p', step: 1, expected: 'x' }] };
    expect(errorOf(() => parseCheckJson(data, 'c.json'))).toContain('tests.failures[0].observed: missing (expected string)');
  });

  it('a malformed counterexample trace is named down to the step', () => {
    const data = valid();
    data.invariants = [{ id: 'I5', holds: false, counterexample: { message: 'm', trace: { initial: { value: 'a' }, steps: [{ value: 'b' }] } } }];
    expect(errorOf(() => parseCheckJson(data, 'c.json'))).toMatch(/invariants\[0\]\.counterexample\.trace\.steps\[0\]\.event: /);
  });

  it('many problems: one line with the first three and how many more', () => {
    const message = errorOf(() => parseCheckJson({ machines: [{}], invariants: 1, liveness: 'x' }, 'c.json'));
    expect(message).not.toContain('\n');
    expect(message).toMatch(/\(and \d+ more\)/);
  });

  it('text that is not JSON: the error names the source and the command that writes it', () => {
    expect(errorOf(() => parseCheckJsonText('{"machines": [', 'saved.json'))).toMatch(/^saved\.json is not JSON \(.+\); pass the file written by `nvme-lm check --json`$/);
  });

  describe('files', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'nvme-lm-checkjson-'));
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('a missing file: the error gives the reason and how to write the file', async () => {
      const file = join(dir, 'absent.json');
      await expect(readCheckJsonFile(file)).rejects.toThrow(`cannot read check results ${file} (ENOENT); write them with \`nvme-lm check --json > ${file}\``);
    });

    it('reads and validates a saved file', async () => {
      const file = join(dir, 'check.json');
      await writeFile(file, JSON.stringify(valid()));
      expect((await readCheckJsonFile(file)).machines[0].id).toBe('vf');
    });
  });
});
