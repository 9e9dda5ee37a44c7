// D25's finding: with state format 0 alone a guest's admin queue cannot
// continue on the destination (a liveness counterexample), and with the
// project's vendor-specific state section it can. The lassos in
// docs/tp4159-format0-finding.md are the ones the checker prints.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { TpLifecycleContext } from '../../machines/tp4159Lifecycle.ts';
import type { Lasso } from '../../src/check/liveness.ts';
import { eventTypes } from '../machines/tp4159/helpers.ts';
import { expectRealLasso } from './realLasso.ts';
import { d25, format0NoLatchedAdminSpec, format0Spec, lassoText, vendorSpec } from './tp4159Format0Finding.ts';

const DOC = readFileSync(new URL('../../docs/tp4159-format0-finding.md', import.meta.url), 'utf8');
const MIGRATION = ['GET_STATE', 'MIGRATE', 'VMM_ENABLE', 'SUSPEND', 'SET_STATE', 'RESUME'];

describe('D25: the guest\'s admin queue across a migration', () => {
  it('D25: with format 0 alone an admin command latched before the migration is never completed on the destination (lasso)', () => {
    const spec = format0Spec();
    const r = d25(spec);
    expect(r.holds).toBe(false);
    const lasso = r.lasso as Lasso;
    expect(eventTypes(lasso.stem.steps)).toEqual(['ENABLE', 'SUSPEND', 'CREATE_IO_QUEUE', ...MIGRATION]);
    expect((lasso.stem.steps.at(-1)?.context as TpLifecycleContext).guestAdmin).toBe('create');
    expectRealLasso(spec, 'D25', lasso);
    expect(DOC).toContain(lassoText(r));
  });

  it('D25: with format 0 alone the destination restarts the admin queue at slot 0 and the guest\'s next admin command is never completed (lasso)', () => {
    const spec = format0NoLatchedAdminSpec();
    const r = d25(spec);
    expect(r.holds).toBe(false);
    const lasso = r.lasso as Lasso;
    expect(eventTypes(lasso.stem.steps)).toEqual(['ENABLE', 'CREATE_IO_QUEUE', 'SUSPEND', ...MIGRATION, 'DELETE_IO_QUEUE']);
    const end = lasso.stem.steps.at(-1)?.context as TpLifecycleContext;
    expect([end.ctrlAdminPos, end.guestAdminPos, end.guestAdmin]).toEqual([0, 1, 'delete']);
    expectRealLasso(spec, 'D25', lasso);
    expect(DOC).toContain(lassoText(r));
  });

  it('D25: with the vendor-specific state section (CC, AQA, ASQ, ACQ, admin head/tail/phase) the guest\'s admin queue continues', () => {
    const r = d25(vendorSpec());
    expect(r.holds).toBe(true);
    expect(r.pendingStates).toBeGreaterThan(0);
  });
});
