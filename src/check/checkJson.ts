// The check JSON: what `nvme-lm check --json` writes (the check job's result,
// src/verify/check.ts) and what the HTML report and the coverage diagrams read
// (src/diagram). One zod schema, every type z.infer of it. It lives in
// src/check because both the job (src/verify) and the readers (src/diagram)
// may import src/check, and most of the shape is the checker's own: traces,
// lassos, property verdicts. Readers parse a lenient view picked from these
// schemas (src/diagram/report/checkJson.ts, src/diagram/coverage.ts).
import type { EventObject, StateValue } from 'xstate';
import { z } from 'zod';

const count = z.number().int().nonnegative();
const ids = z.array(z.string());

/** An XState state value: a string, or an object of regions. */
const stateValueSchema = z.custom<StateValue>(
  (v) => typeof v === 'string' || (typeof v === 'object' && v !== null && !Array.isArray(v)),
  'expected a state value (a string or an object of regions)',
);

/** An event with its arguments, kept as they are. */
const eventSchema = z.custom<EventObject>(
  (v) => typeof v === 'object' && v !== null && typeof (v as { type?: unknown }).type === 'string',
  'expected an event (an object with a string type)',
);

/** A state in a trace (src/check/trace.ts TraceState). */
export const traceStateSchema = z.object({ key: z.string(), value: stateValueSchema, context: z.unknown() });

/** A step of a trace: the event, the definition edge ids it took, the state after it. */
export const traceStepSchema = traceStateSchema.extend({ event: eventSchema, edges: ids });

export const traceSchema = z.object({ initial: traceStateSchema, steps: z.array(traceStepSchema) });

/** A liveness counterexample (src/check/liveness.ts Lasso): the stem to a cycle, and the cycle. */
const lassoSchema = z.object({ stem: traceSchema, cycle: z.array(traceStepSchema), stuck: z.boolean(), closesExactly: z.boolean() });

/** An invariant's shortest counterexample, on the machine named. */
export const counterexampleSchema = z.object({ machine: z.string(), message: z.string(), trace: traceSchema });

/** An invariant or liveness property, merged over every machine it was checked on. */
export const propertyResultSchema = z.object({
  id: z.string(),
  /** the property in one line (PROPERTY_TEXT) */
  description: z.string(),
  holds: z.boolean(),
  /** machines it was checked on */
  machines: ids,
  /** a result about one machine (the checker's report of one spec) names it here instead */
  machine: z.string().optional(),
  ms: z.number().nonnegative(),
  counterexample: counterexampleSchema.optional(),
  /** the lasso, on the machine named */
  lasso: lassoSchema.extend({ machine: z.string() }).optional(),
  /** the fairness a liveness property assumes */
  fairness: z.string().optional(),
  detail: z.string().optional(),
});

export const machineResultSchema = z.object({
  id: z.string().min(1),
  description: z.string(),
  states: count,
  depth: count,
  ms: count,
  /** notRealisable: transitions only paths the target cannot play go through (each explained in `uncovered`) */
  transitions: z.object({ reachable: count, covered: count, notRealisable: count }),
  edges: z.object({ definition: count, reachable: count, covered: count }),
  /** definition edges no reachable transition of THIS configuration takes */
  unreachable: ids,
  /** of those, edges no configuration of the same machine reaches: dead specification (must be empty) */
  dead: ids,
  /** the others: reachable only under another option set of the same machine, named here */
  otherConfiguration: z.array(z.object({ edge: z.string(), reachableIn: ids })),
  coveredEdges: ids,
  reachableEdges: ids,
  deadlocks: count,
  /** suites that ran paths of this machine */
  suites: ids,
  /** every reachable transition (and edge) exercised by a passing step */
  fullyCovered: z.boolean(),
  /** reachable edges no passing step took, with the reason when a path through them is not realisable on the target */
  uncovered: z.array(z.object({ edge: z.string(), notRealisable: z.string().optional() })),
});

/** A failing step of a generated path (models/engine/run.ts PathFailure) and the machine the suite plays. */
export const pathFailureSchema = z.object({
  suite: z.string(),
  machine: z.string(),
  /** the path's name: its events joined by ' > ' */
  path: z.string(),
  /** 1-based step that failed; 0 when reset failed */
  step: count,
  event: z.string(),
  expected: z.string(),
  observed: z.string(),
  /** the path's stable id: suite id # index in its path list (models/engine/pathId.ts) */
  pathId: z.string().optional(),
  /** what the binding checked */
  what: z.string().optional(),
  /** the fields that differ, one by one (models/engine/mismatchDetail.ts) */
  differences: z.array(z.object({ field: z.string(), expected: z.string(), observed: z.string() })).optional(),
  /** the decision id of the expected behaviour */
  decision: z.string().optional(),
  /** the command involved: function, queue, CID, SQE hex */
  command: z.object({ fn: count, qid: count, cid: count, sqe: z.string() }).optional(),
  /** the completion's 16 bytes, hex */
  cqe: z.string().optional(),
});

export const testResultsSchema = z.object({
  passed: count,
  failed: count,
  notRealisable: count,
  steps: count,
  naiveSteps: count,
  failures: z.array(pathFailureSchema),
});

/** One suite's run (models/engine/run.ts SuiteRun without its failures and edge list, which are in `tests` and `machines`). */
const suiteRunSchema = z.object({
  suite: z.string(),
  /** set when the implementation refused the suite's profile in reset, or lacks a capability it needs */
  unsupported: z.string().optional(),
  paths: count,
  passed: count,
  failed: count,
  notRealisable: z.array(z.object({ path: z.string(), reason: z.string() })),
  coveredTransitions: count,
  stats: z.object({ steps: count, naiveSteps: count, resets: count, snapshots: count, restores: count, ms: z.number().nonnegative() }),
});

export const checkResultSchema = z.object({
  machines: z.array(machineResultSchema),
  invariants: z.array(propertyResultSchema),
  liveness: z.array(propertyResultSchema),
  tests: testResultsSchema,
  suites: z.array(suiteRunSchema),
  ok: z.boolean(),
  ms: count,
});

export type CheckResult = z.infer<typeof checkResultSchema>;
export type MachineResult = z.infer<typeof machineResultSchema>;
export type PropertyResult = z.infer<typeof propertyResultSchema>;
