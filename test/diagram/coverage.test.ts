import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyEdge, coverageFor, findCoverage, parseCheckJson, readCheckJson, unknownEdgeIds } from '../../src/diagram/coverage.ts';

const GOOD = JSON.stringify({
  machines: [
    { id: 'toyPipeline', states: 12, coveredEdges: ['a|GO|0'], reachableEdges: ['a|GO|0', 'a|GO|1'] },
    { id: 'other', coveredEdges: [] },
  ],
});

describe('coverage from check.json', () => {
  it('reads coveredEdges and reachableEdges per machine, ignoring the fields it does not use', () => {
    const entries = parseCheckJson(GOOD, 'check.json');
    const c = coverageFor(entries, 'toyPipeline', 'check.json');
    expect([...c.covered]).toEqual(['a|GO|0']);
    expect([...(c.reachable ?? [])]).toEqual(['a|GO|0', 'a|GO|1']);
    expect(coverageFor(entries, 'other', 'check.json').reachable).toBeUndefined();
  });

  it('accepts machines keyed by id as well as an array', () => {
    const entries = parseCheckJson(JSON.stringify({ machines: { toyPipeline: { coveredEdges: ['x'] } } }), 'check.json');
    expect([...coverageFor(entries, 'toyPipeline', 'check.json').covered]).toEqual(['x']);
  });

  it('a file that is not JSON: the error names the file and the command that writes it', () => {
    expect(() => parseCheckJson('{ nope', 'cov.json')).toThrow(/cov\.json is not JSON .*nvme-lm check --json/);
  });

  it('a file of the wrong shape: the error says which field is wrong and what is expected', () => {
    const run = (): unknown => parseCheckJson(JSON.stringify({ machines: [{ id: 'x', coveredEdges: 'a|GO|0' }] }), 'cov.json');
    expect(run).toThrow(/cov\.json does not look like `nvme-lm check --json` output/);
    expect(run).toThrow(/coveredEdges/);
    expect(run).toThrow(/expected \{ "machines"/);
    expect(() => parseCheckJson('[]', 'cov.json')).toThrow(/machines/);
  });

  it('a machine missing from the file: the error lists the machines the file has', () => {
    const entries = parseCheckJson(GOOD, 'check.json');
    expect(() => coverageFor(entries, 'vfLifecycle', 'check.json')).toThrow('check.json has no entry for machine "vfLifecycle" (it has: toyPipeline, other)');
    expect(findCoverage(entries, 'vfLifecycle', 'check.json')).toBeUndefined();
  });

  it('a machine entry without coveredEdges is an error, not an empty coverage', () => {
    const entries = parseCheckJson(JSON.stringify({ machines: [{ id: 'm', reachableEdges: [] }] }), 'check.json');
    expect(() => coverageFor(entries, 'm', 'check.json')).toThrow(/no coveredEdges/);
  });

  it('a missing file: the error says how to write it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nvme-lm-cov-'));
    await expect(readCheckJson(join(dir, 'absent.json'))).rejects.toThrow(/cannot read coverage file .*absent\.json \(ENOENT\).*nvme-lm check --json/);
    await writeFile(join(dir, 'ok.json'), GOOD);
    expect(await readCheckJson(join(dir, 'ok.json'))).toHaveLength(2);
  });

  it('classifies edges: covered, reachable-but-uncovered, unreachable, and eventless as untracked', () => {
    const c = { covered: new Set(['a']), reachable: new Set(['a', 'b']) };
    expect(classifyEdge('a', true, c)).toBe('covered');
    expect(classifyEdge('b', true, c)).toBe('uncovered');
    expect(classifyEdge('z', true, c)).toBe('unreachable');
    expect(classifyEdge('z', false, c)).toBe('untracked');
    expect(classifyEdge('z', true, { covered: new Set() })).toBe('uncovered');
  });

  it('finds ids the machine does not have (a stale file)', () => {
    expect(unknownEdgeIds({ covered: new Set(['a', 'gone']), reachable: new Set(['b', 'old']) }, new Set(['a', 'b']))).toEqual(['gone', 'old']);
  });
});
