// `verify --vfs N`, per suite family (src/verify/suiteVfs.ts): pfAcceptance
// rebuilt for N, the other suites reset with at least N VFs.
import { describe, expect, it } from 'vitest';
import { atLeastVfs, suiteForVfs } from '../../src/verify/suiteVfs.ts';
import { pfAcceptanceSuites } from '../../models/bindings/pfAcceptance.ts';
import { vfLifecycleSuites } from '../../models/bindings/vfLifecycle.ts';
import { systemSuites } from '../../models/bindings/system.ts';
import type { Adapter, ResetOptions } from '../../src/target/adapter.ts';

function find<T extends { id: string }>(list: T[], id: string): T {
  const s = list.find((x) => x.id === id);
  if (!s) throw new Error(`no suite ${id}`);
  return s;
}

/** A target that answers everything with nothing: what atLeastVfs passes through is all these tests look at. */
function idleTarget(): Adapter {
  return {
    reset: async () => undefined,
    regWrite: async () => undefined,
    regRead: async () => 0n,
    memWrite: async () => undefined,
    memRead: async (_a, len) => new Uint8Array(len),
    submit: async () => null,
    flr: async () => undefined,
    close: async () => undefined,
  };
}

describe('verify --vfs N', () => {
  it('D4: pfAcceptance is built for N VFs (index N valid, N + 1 invalid), its id says so unless N is the default 2', () => {
    const base = find(pfAcceptanceSuites({ timeoutMs: 0 }), 'pfAcceptance:no-lm');
    const three = suiteForVfs(base, 3, 0);
    expect(three.id).toBe('pfAcceptance:no-lm:vfs=3');
    expect(three.reset.vfs).toBe(3);
    expect(three.spec.events.some((e) => e.type === 'VF_INDEX' && (e as { index?: number }).index === 4)).toBe(true);
    expect(suiteForVfs(base, 2, 0).id).toBe('pfAcceptance:no-lm');
  });

  it('D14: vfLifecycle and system keep their machines and reset with max(N, the VFs they drive)', () => {
    const vf = find(vfLifecycleSuites({ timeoutMs: 0 }), 'vfLifecycle:no-lm:immediate');
    const vf3 = suiteForVfs(vf, 3, 0);
    expect(vf3.id).toBe(vf.id);
    expect(vf3.spec).toBe(vf.spec);
    expect(vf3.reset).toEqual({ ...vf.reset, vfs: 3 });
    const system = find(systemSuites({ timeoutMs: 0 }), 'system:2');
    expect(suiteForVfs(system, 1, 0)).toBe(system);
  });

  it('atLeastVfs: every reset asks for max(N, asked); snapshot/restore/completeIo kept only where the target has them', async () => {
    const seen: ResetOptions[] = [];
    const fake: Adapter = { ...idleTarget(), reset: async (o) => void seen.push(o) };
    const a = atLeastVfs(fake, 4);
    await a.reset({ vfs: 1, profile: 'no-lm' });
    await a.reset({ vfs: 6, profile: 'lm' });
    expect(seen.map((o) => o.vfs)).toEqual([4, 6]);
    expect(a.completeIo).toBeUndefined();
    expect(a.snapshot).toBeUndefined();
    expect(atLeastVfs({ ...fake, completeIo: async () => 0 }, 2).completeIo).toBeTypeOf('function');
  });

  it('atLeastVfs keeps a target\'s batch, so --vfs N does not fall back to one request per operation', async () => {
    const fake = idleTarget();
    expect(atLeastVfs(fake, 2).batch).toBeUndefined();
    let batches = 0;
    const withBatch = atLeastVfs({ ...fake, batch: async (rs) => { batches++; return rs.map(() => ({ ok: true }) as never); } }, 2);
    await withBatch.batch?.([{ op: 'regRead', fn: 0, offset: 0, width: 4 }] as never);
    expect(batches).toBe(1);
  });
});
