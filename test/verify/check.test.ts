// The check job (src/verify/check.ts): what it reports without suites, and
// that what it returns is the check JSON (src/check/checkJson.ts) the report
// reads. One run of the job (the L1 walk over four flag sets) serves both.
import { beforeAll, describe, expect, it } from 'vitest';
import { VFIO_FLAG_SETS, formatVfioFeatures } from '../../machines/vfio/states.ts';
import { checkResultSchema, type CheckResult } from '../../src/check/checkJson.ts';
import { parseCheckJson } from '../../src/diagram/report/checkJson.ts';
import { runCheck } from '../../src/verify/check.ts';

describe('nvme-lm check without suites', () => {
  let r: CheckResult;
  beforeAll(async () => {
    r = await runCheck({ specs: [] });
  }, 120_000);

  it('L1: holds on the fixed driver walk for all four flag sets, with K = 4, the machines explored and the time', () => {
    expect(r.liveness).toHaveLength(1);
    const [l1] = r.liveness;
    expect(l1.id).toBe('L1');
    expect(l1.holds).toBe(true);
    expect(l1.machines).toEqual(VFIO_FLAG_SETS.map((f) => `vfioWalk:${formatVfioFeatures(f)}:fixed`));
    expect(l1.ms).toBeGreaterThan(0);
    expect(l1.detail).toMatch(/within K = 4 arcs \(worst: START\(current=\w+, requested=\w+\) with p2p,pre-copy\)/);
    expect(l1.lasso).toBeUndefined();
  });

  it('its result, written as JSON, is the check JSON: the schema parses it unchanged and the report reads it', () => {
    const json: unknown = JSON.parse(JSON.stringify(r));
    expect(checkResultSchema.parse(json)).toEqual(json);
    expect(parseCheckJson(json, 'runCheck').liveness[0].id).toBe('L1');
  });
});
