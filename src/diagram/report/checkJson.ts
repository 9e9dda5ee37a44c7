// The schema of `nvme-lm check --json`, as the HTML report reads it. Objects
// are loose (fields the report does not use pass through), so the checker can
// add fields without breaking the report; the fields the report does use are
// checked, and an error names the field and says what was expected.
import { readFile } from 'node:fs/promises';
import { z } from 'zod';

const count = z.number().int().nonnegative();

/** A state in a trace (src/check/trace.ts TraceState): value, and context when the machine has one. */
export const traceStateSchema = z.looseObject({
  value: z.union([z.string(), z.record(z.string(), z.unknown())]),
  context: z.unknown().optional(),
});

export const traceStepSchema = traceStateSchema.extend({
  event: z.looseObject({ type: z.string() }),
  /** definition edge ids the step took */
  edges: z.array(z.string()).optional(),
});

export const traceSchema = z.looseObject({
  initial: traceStateSchema,
  steps: z.array(traceStepSchema),
});

/** An invariant's shortest counterexample (src/check/invariants.ts Counterexample). */
export const counterexampleSchema = z.looseObject({
  message: z.string().optional(),
  trace: traceSchema.optional(),
});

/** A liveness counterexample (src/check/liveness.ts Lasso): the stem to a cycle, and the cycle. */
export const lassoSchema = z.looseObject({
  stem: traceSchema,
  cycle: z.array(traceStepSchema),
  stuck: z.boolean().optional(),
  closesExactly: z.boolean().optional(),
});

export const machineResultSchema = z.looseObject({
  id: z.string().min(1),
  description: z.string().optional(),
  states: count,
  transitions: z.looseObject({ reachable: count, covered: count }),
  /** definition edge ids no reachable transition takes */
  unreachable: z.array(z.string()),
  /** of those, the edges no configuration of the same machine reaches (`nvme-lm check` writes it) */
  dead: z.array(z.string()).optional(),
  /** absent when the check ran without path tests: the diagram is then drawn without coverage */
  coveredEdges: z.array(z.string()).optional(),
  reachableEdges: z.array(z.string()).optional(),
});

export const invariantResultSchema = z.looseObject({
  id: z.string(),
  holds: z.boolean(),
  machine: z.string().optional(),
  /** `nvme-lm check` merges a property over every machine it was checked on */
  machines: z.array(z.string()).optional(),
  description: z.string().optional(),
  counterexample: counterexampleSchema.optional(),
});

export const livenessResultSchema = z.looseObject({
  id: z.string(),
  holds: z.boolean(),
  machine: z.string().optional(),
  /** `nvme-lm check` merges a property over every machine it was checked on */
  machines: z.array(z.string()).optional(),
  description: z.string().optional(),
  fairness: z.string().optional(),
  ms: z.number().nonnegative().optional(),
  lasso: lassoSchema.optional(),
});

export const pathFailureSchema = z.looseObject({
  machine: z.string(),
  path: z.string(),
  step: count,
  expected: z.string(),
  observed: z.string(),
});

export const testResultsSchema = z.looseObject({
  passed: count,
  failed: count,
  failures: z.array(pathFailureSchema),
});

export const checkJsonSchema = z.looseObject({
  machines: z.array(machineResultSchema),
  invariants: z.array(invariantResultSchema),
  liveness: z.array(livenessResultSchema),
  /** absent when the check ran no path tests */
  tests: testResultsSchema.optional(),
});

export type CheckJson = z.infer<typeof checkJsonSchema>;
export type MachineResult = z.infer<typeof machineResultSchema>;
export type InvariantResultJson = z.infer<typeof invariantResultSchema>;
export type LivenessResultJson = z.infer<typeof livenessResultSchema>;
export type PathFailure = z.infer<typeof pathFailureSchema>;
export type TraceJson = z.infer<typeof traceSchema>;
export type TraceStateJson = z.infer<typeof traceStateSchema>;
export type TraceStepJson = z.infer<typeof traceStepSchema>;
export type LassoJson = z.infer<typeof lassoSchema>;

const SHOWN_ISSUES = 3;

/** `machines[0].states` from a zod issue path. */
function issuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : out === '' ? String(key) : `.${String(key)}`;
  return out === '' ? '(top level)' : out;
}

/** `missing (expected string)` rather than zod's `Invalid input: expected string, received undefined`. */
function issueText(message: string): string {
  const text = message.replace(/^Invalid input: /, '');
  const missing = /^expected (.+), received undefined$/.exec(text);
  return missing ? `missing (expected ${missing[1]})` : text;
}

/** One line naming the first few problems, e.g. `machines[0].states: expected number, received string`. */
export function describeIssues(error: z.ZodError): string {
  const shown = error.issues.slice(0, SHOWN_ISSUES).map((i) => `${issuePath(i.path)}: ${issueText(i.message)}`);
  const more = error.issues.length - shown.length;
  return more > 0 ? `${shown.join('; ')} (and ${more} more)` : shown.join('; ');
}

/** Validates check JSON already parsed; `source` names where it came from in the one-line error. */
export function parseCheckJson(raw: unknown, source: string): CheckJson {
  const parsed = checkJsonSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new Error(
    `${source} is not \`nvme-lm check --json\` output: ${describeIssues(parsed.error)}; regenerate it with \`nvme-lm check --json\``,
  );
}

/** Parses and validates check JSON text. */
export function parseCheckJsonText(text: string, source: string): CheckJson {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Error(`${source} is not JSON (${(err as Error).message}); pass the file written by \`nvme-lm check --json\``);
  }
  return parseCheckJson(raw, source);
}

export async function readCheckJsonFile(file: string): Promise<CheckJson> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new Error(`cannot read check results ${file} (${reason}); write them with \`nvme-lm check --json > ${file}\``);
  }
  return parseCheckJsonText(text, file);
}
