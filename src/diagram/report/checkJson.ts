// The report's view of the check JSON (the one schema: src/check/checkJson.ts).
// It picks the fields the report uses and checks them; the others may be
// absent (older files, hand-written ones, results without path tests) and
// pass through untouched, so the checker can add fields without breaking the
// report. An error names the field and says what was expected.
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import {
  checkResultSchema,
  counterexampleSchema,
  machineResultSchema,
  pathFailureSchema,
  propertyResultSchema,
  testResultsSchema,
  traceSchema,
  traceStateSchema,
  traceStepSchema,
} from '../../check/checkJson.ts';

/** A state in a trace: value, and context when the machine has one; the key is not shown. */
const traceStateView = traceStateSchema.partial({ key: true, context: true }).loose();

const traceStepView = traceStepSchema.partial({ key: true, context: true, edges: true }).loose();

const traceView = traceSchema.extend({ initial: traceStateView, steps: z.array(traceStepView) }).loose();

/** A lasso, on the machine named (merged results) or on the one the result is about. */
const lassoView = propertyResultSchema.shape.lasso
  .unwrap()
  .extend({ stem: traceView, cycle: z.array(traceStepView) })
  .partial({ machine: true, stuck: true, closesExactly: true })
  .loose();

const counterexampleView = counterexampleSchema.extend({ trace: traceView }).partial().loose();

/** An invariant or liveness result: merged over machines (`machines`) or about one (`machine`). */
const propertyView = propertyResultSchema
  .extend({ counterexample: counterexampleView.optional(), lasso: lassoView.optional() })
  .partial({ description: true, machines: true, ms: true })
  .loose();

const machineView = machineResultSchema
  .pick({ id: true, description: true, states: true, unreachable: true, dead: true, coveredEdges: true, reachableEdges: true })
  .partial({ description: true, dead: true, coveredEdges: true, reachableEdges: true })
  .extend({ transitions: machineResultSchema.shape.transitions.pick({ reachable: true, covered: true }).loose() })
  .loose();

const pathFailureView = pathFailureSchema.pick({ machine: true, path: true, step: true, expected: true, observed: true }).loose();

const testResultsView = testResultsSchema.pick({ passed: true, failed: true }).extend({ failures: z.array(pathFailureView) }).loose();

/** The results: machines and properties; `tests` is absent when the check ran no path tests. */
const checkJsonView = checkResultSchema
  .pick({ machines: true, invariants: true, liveness: true, tests: true })
  .extend({ machines: z.array(machineView), invariants: z.array(propertyView), liveness: z.array(propertyView), tests: testResultsView.optional() })
  .loose();

export type CheckJson = z.infer<typeof checkJsonView>;
export type MachineResult = z.infer<typeof machineView>;
export type PropertyResultJson = z.infer<typeof propertyView>;
export type PathFailure = z.infer<typeof pathFailureView>;
export type TraceJson = z.infer<typeof traceView>;
export type TraceStateJson = z.infer<typeof traceStateView>;
export type TraceStepJson = z.infer<typeof traceStepView>;
export type LassoJson = z.infer<typeof lassoView>;

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
function describeIssues(error: z.ZodError): string {
  const shown = error.issues.slice(0, SHOWN_ISSUES).map((i) => `${issuePath(i.path)}: ${issueText(i.message)}`);
  const more = error.issues.length - shown.length;
  return more > 0 ? `${shown.join('; ')} (and ${more} more)` : shown.join('; ');
}

/** Validates check JSON already parsed; `source` names where it came from in the one-line error. */
export function parseCheckJson(raw: unknown, source: string): CheckJson {
  const parsed = checkJsonView.safeParse(raw);
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
