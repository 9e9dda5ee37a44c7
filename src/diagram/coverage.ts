// Edge coverage for diagrams, read from the results `nvme-lm check --json`
// writes (their schema: src/check/checkJson.ts). Only the part diagrams need
// is validated; other fields pass through.
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { machineResultSchema } from '../check/checkJson.ts';

/** Definition edge ids (src/check/edges.ts) a suite took, and those reachable at all. */
export interface Coverage {
  covered: Set<string>;
  /** When absent, every uncovered edge is drawn as "not covered" (reachability unknown). */
  reachable?: Set<string>;
}

/** How an edge is drawn under coverage. `untracked`: not a definition edge (e.g. `always`), so no id to count. */
export type EdgeCoverage = 'covered' | 'uncovered' | 'unreachable' | 'untracked';

/** The fields diagrams read from a machine of the check JSON (src/check/checkJson.ts); the others pass through. */
const coverageFields = machineResultSchema.pick({ coveredEdges: true, reachableEdges: true }).partial();

const checkMachineEntrySchema = coverageFields.extend({ id: machineResultSchema.shape.id }).loose();

/**
 * The part of check.json diagrams read: `machines` as an array of entries with
 * an `id`, or as an object keyed by machine id.
 */
const checkJsonSchema = z.looseObject({
  machines: z.union([z.array(checkMachineEntrySchema), z.record(z.string(), coverageFields.loose())]),
});

export type CheckJson = z.infer<typeof checkJsonSchema>;

/** A machine's edge coverage as read: its id, and the edge lists when the file has them. */
export type CheckMachineCoverage = Pick<z.infer<typeof machineResultSchema>, 'id'> & z.infer<typeof coverageFields>;

/** Parses check.json text; `source` names the file in error messages. */
export function parseCheckJson(text: string, source: string): CheckMachineCoverage[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Error(
      `${source} is not JSON (${(err as Error).message}); pass the file written by \`nvme-lm check --json\``,
    );
  }
  const parsed = checkJsonSchema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(
      `${source} does not look like \`nvme-lm check --json\` output:\n${z.prettifyError(parsed.error)}\n` +
        'expected { "machines": [{ "id": "...", "coveredEdges": ["..."], "reachableEdges": ["..."] }] }',
    );
  }
  const { machines } = parsed.data;
  if (Array.isArray(machines)) return machines.map((m) => ({ id: m.id, coveredEdges: m.coveredEdges, reachableEdges: m.reachableEdges }));
  return Object.entries(machines).map(([id, m]) => ({ id, coveredEdges: m.coveredEdges, reachableEdges: m.reachableEdges }));
}

/** The machine's coverage, or undefined when the file has no entry for it. Throws when the entry has no coveredEdges. */
export function findCoverage(entries: CheckMachineCoverage[], machineId: string, source: string): Coverage | undefined {
  const entry = entries.find((e) => e.id === machineId);
  if (!entry) return undefined;
  if (!entry.coveredEdges) {
    throw new Error(
      `${source} has machine "${machineId}" but no coveredEdges for it; rerun \`nvme-lm check --json\` with path coverage enabled`,
    );
  }
  return {
    covered: new Set(entry.coveredEdges),
    reachable: entry.reachableEdges ? new Set(entry.reachableEdges) : undefined,
  };
}

/** Like findCoverage, but a missing machine is an error that lists the ids the file does have. */
export function coverageFor(entries: CheckMachineCoverage[], machineId: string, source: string): Coverage {
  const coverage = findCoverage(entries, machineId, source);
  if (coverage) return coverage;
  const ids = entries.map((e) => e.id).join(', ') || '(none)';
  throw new Error(`${source} has no entry for machine "${machineId}" (it has: ${ids}); run \`nvme-lm check --json\` on that machine`);
}

export async function readCheckJson(file: string): Promise<CheckMachineCoverage[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read coverage file ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); write it with \`nvme-lm check --json > ${file}\``);
  }
  return parseCheckJson(text, file);
}

export function classifyEdge(edgeId: string, tracked: boolean, coverage: Coverage): EdgeCoverage {
  if (!tracked) return 'untracked';
  if (coverage.covered.has(edgeId)) return 'covered';
  if (coverage.reachable && !coverage.reachable.has(edgeId)) return 'unreachable';
  return 'uncovered';
}

/** Ids in the coverage that name no edge of the machine: a sign the check.json is stale or for another machine. */
export function unknownEdgeIds(coverage: Coverage, knownIds: ReadonlySet<string>): string[] {
  const all = new Set([...coverage.covered, ...(coverage.reachable ?? [])]);
  return [...all].filter((id) => !knownIds.has(id)).sort();
}
