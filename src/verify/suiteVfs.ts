// `verify --vfs N` (the number of VFs reset asks for), decided per suite family:
// - pfAcceptance is BUILT for N (its machine has a `vfs` option): the VF
//   index checks (D4: N valid, N+1 invalid) move with N, and the I3
//   fingerprint covers all N VFs. Its id gains `:vfs=N` when N is not 2.
// - vfLifecycle (VF 1), system (VFs 1, 2) and vfio (VF 1 of 2) are machines
//   about fixed VFs; they RUN with reset vfs = max(N, what they need). The
//   extra VFs are enabled and idle. (Building system for N would make its
//   product 8^N + 1 states: 16.7 million at N = 8.)
import type { Adapter, ResetOptions } from '../target/adapter.ts';
import { pfAcceptanceSuite } from '../../models/bindings/pfAcceptance.ts';
import type { Suite } from '../../models/engine/suite.ts';

export { MAX_VERIFY_VFS } from './verifyLimits.ts';
import { MAX_VERIFY_VFS } from './verifyLimits.ts';

/** The adapter with every reset asking for at least `vfs` VFs; optional operations kept only where the target has them. */
export function atLeastVfs(adapter: Adapter, vfs: number): Adapter {
  const a: Adapter = {
    reset: (o: ResetOptions) => adapter.reset({ ...o, vfs: Math.max(o.vfs, vfs) }),
    regWrite: (...args) => adapter.regWrite(...args),
    regRead: (...args) => adapter.regRead(...args),
    memWrite: (...args) => adapter.memWrite(...args),
    memRead: (...args) => adapter.memRead(...args),
    submit: (...args) => adapter.submit(...args),
    flr: (fn) => adapter.flr(fn),
    close: () => adapter.close(),
  };
  if (adapter.completeIo) a.completeIo = adapter.completeIo.bind(adapter);
  if (adapter.batch) a.batch = adapter.batch.bind(adapter);
  if (adapter.snapshot && adapter.restore) {
    a.snapshot = adapter.snapshot.bind(adapter);
    a.restore = adapter.restore.bind(adapter);
    if (adapter.release) a.release = adapter.release.bind(adapter);
  }
  return a;
}

/** A suite as `--vfs N` runs it (see the header): pfAcceptance rebuilt for N, the others with reset vfs = max(N, theirs). */
export function suiteForVfs(suite: Suite, vfs: number, timeoutMs: number): Suite {
  if (suite.id.startsWith('pfAcceptance:')) {
    const r = suite.reset;
    const profile = r.profile;
    // pfAcceptance covers the vendor-opcode profiles only (D17); the standard profile has its own suites.
    if (profile === 'tp4159') throw new Error(`suite ${suite.id} resets to profile tp4159, which pfAcceptance does not cover: run the tp4159 suites instead`);
    return pfAcceptanceSuite({ profile, strict: r.strict ?? false, vfQueuePolicy: r.vfQueuePolicy ?? 'reject', vfs }, { timeoutMs });
  }
  if (suite.reset.vfs >= vfs) return suite;
  return { ...suite, reset: { ...suite.reset, vfs }, implementation: (adapter) => suite.implementation(atLeastVfs(adapter, vfs)) };
}
