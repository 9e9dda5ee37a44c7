// The whole fault matrix: every fault at every arc where it can strike, each
// run checked against the outcome the spec requires and the invariants that
// hold in every run (D14, D15). Writes docs/faults.md, the table the README
// shows, from the observed results.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeOutcome, expectationFor, matrixRows } from '../../src/migrate/faults.ts';
import { matrixMarkdown, matrixReadmeTable, runFaultMatrix, type MatrixRow } from '../../src/migrate/matrix.ts';
import { simulateMigration } from '../../src/migrate/simulate.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('fault matrix (defaults: 4 VFs, VF 1, 4 queues, 256 I/O, seed 1)', () => {
  let rows: MatrixRow[] = [];
  beforeAll(async () => {
    rows = await runFaultMatrix({});
    writeFileSync(join(root, 'docs', 'faults.md'), matrixMarkdown(rows, 'the defaults (`--vfs 4 --vf 1 --queues 4 --io 256 --seed 1`)'));
  });

  const cases = matrixRows().map((s) => [`${expectationFor(s.fault, s.arc)!.rule}: ${s.fault} at ${s.arc}: ${describeOutcome(expectationFor(s.fault, s.arc)!)}`, s] as const);
  it.each(cases)('%s', (_name, { fault, arc }) => {
    const row = rows.find((r) => r.fault === fault && r.arc === arc)!;
    expect(row.problems).toEqual([]);
    expect(row.observed.startsWith(row.expected)).toBe(true);
    expect(row.ok).toBe(true);
  });

  it('D15: the README shows this run\'s matrix (fault, arc, outcome), row for row', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const block = /<!-- fault-matrix:begin -->\n([\s\S]*?)\n<!-- fault-matrix:end -->/.exec(readme);
    expect(block, 'README.md has no <!-- fault-matrix:begin --> ... <!-- fault-matrix:end --> block').not.toBeNull();
    expect(block![1], 'the README fault table is out of date: replace the block with this run\'s table').toBe(matrixReadmeTable(rows));
  });

  it('D13, D18: the resets that hit I/O in flight report it as dropped by reset, never as lost', () => {
    const reset = rows.filter((r) => /dropped by reset/.test(r.observed));
    expect(reset.map((r) => `${r.fault}@${r.arc}`)).toEqual(expect.arrayContaining(['vf-flr-src@src.suspend', 'vf-flr-src@src.save', 'pf-reset-src@src.suspend', 'vf-flr-dst@src.release']));
  });
});

describe('fault runs are deterministic and hold with other geometries', () => {
  it('D13: the same seed gives the same observed outcome, dropped I/O count included', async () => {
    const a = await simulateMigration({ faults: [{ fault: 'pf-reset-src', arc: 'src.save' }], seed: 9 });
    const b = await simulateMigration({ faults: [{ fault: 'pf-reset-src', arc: 'src.save' }], seed: 9 });
    expect(a.faults[0].observed).toBe(b.faults[0].observed);
    expect(a.droppedByReset).toBeGreaterThan(0);
  });

  it.each([
    ['D7', { fault: 'small-dst-limit', arc: 'dst.load' }],
    ['D13', { fault: 'vf-flr-src', arc: 'src.save' }],
    ['D1, D11', { fault: 'hostile-guest', arc: 'src.save' }],
    ['D6', { fault: 'dst-fail', arc: 'dst.resume' }],
  ] as const)('%s: %o with 8 VFs, VF 5 and 64 queues', async (_rule, spec) => {
    const r = await simulateMigration({ vfs: 8, vf: 5, queues: 64, io: 2048, seed: 3, faults: [spec] });
    expect(r.checks.filter((c) => !c.ok)).toEqual([]);
    expect(r.faults[0].ok).toBe(true);
  });
});
