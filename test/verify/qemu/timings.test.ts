import { truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { QemuAdapter } from '../../../src/verify/qemu/qemuAdapter.ts';
import { qemuArgs } from '../../../src/verify/qemu/qemuArgs.ts';
import { findQemu, QemuProcess } from '../../../src/verify/qemu/qemuProcess.ts';
import { sqeFor } from '../../../src/wire/adminCommands.ts';
import { REG } from '../../../src/wire/registers.ts';
import { createIoPair, DATA, enableController, hasQemu, mustComplete, pattern } from './helpers.ts';

async function timeMs(fn: () => Promise<unknown>, runs = 1): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) await fn();
  return (performance.now() - t0) / runs;
}

describe.skipIf(!hasQemu)('QEMU target timings', () => {
  const a = new QemuAdapter();
  afterAll(() => a.close());

  it('D17: start, reset and one command stay within bounds a generated suite can afford (printed)', async () => {
    const start = await timeMs(async () => {
      const dir = QemuProcess.makeDir();
      const image = join(dir, 'ns.img');
      writeFileSync(image, '');
      truncateSync(image, 1 << 20);
      const p = await QemuProcess.start({ binary: findQemu()!, args: qemuArgs(image), dir });
      await p.stop();
    }, 5);
    const reset2 = await timeMs(() => a.reset({ vfs: 2, profile: 'no-lm' }), 5);
    const reset8 = await timeMs(() => a.reset({ vfs: 8, profile: 'no-lm' }), 5);
    const roundTrip = await timeMs(() => a.regRead(1, REG.CSTS, 4), 200);
    const pfTakeover = await timeMs(() => enableController(a, 0));
    await enableController(a, 1);
    const identify = await timeMs(() => mustComplete(a.submit(1, 0, sqeFor.identify(1, 1, DATA))), 100);
    await createIoPair(a, 1);
    await a.memWrite(DATA, pattern(1));
    const write4k = await timeMs(() => mustComplete(a.submit(1, 1, sqeFor.write(2, 1, 0n, 8, DATA))), 100);
    const vfFlr = await timeMs(() => a.flr(1), 10);
    const pfFlr = await timeMs(() => a.flr(0), 5);
    const figures = { start, reset2, reset8, roundTrip, pfTakeover, identify, write4k, vfFlr, pfFlr };
    console.log(
      'QEMU target timings (ms): ' +
        Object.entries(figures)
          .map(([k, v]) => `${k} ${v.toFixed(2)}`)
          .join(', '),
    );
    expect(start).toBeLessThan(2000);
    expect(reset8).toBeLessThan(5000);
    expect(identify).toBeLessThan(50);
    expect(write4k).toBeLessThan(50);
  });
});
