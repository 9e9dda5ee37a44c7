// What `nvme-lm report` does: the check results (run now, or read from a saved
// `nvme-lm check --json` file) as one self-contained HTML page. Loaded by
// commands/report.ts only when the command runs.
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { CatalogEntry } from '../../diagram/registry.ts';
import { parseCheckJson, readCheckJsonFile } from '../../diagram/report/checkJson.ts';
import { renderReport } from '../../diagram/report/html.ts';
import { headline, testsRan, verdictOf, type Verdict } from '../../diagram/report/verdict.ts';
import { startProgress } from '../progress.ts';

/** What the report needs from the rest of the CLI; the lead wires these where `check` lives. */
export interface ReportDeps {
  /** the machines to draw, matched to the check results by id */
  catalog(): CatalogEntry[] | Promise<CatalogEntry[]>;
  /** runs the check and returns what `nvme-lm check --json` prints */
  runCheck(): Promise<unknown>;
}

export interface ReportOptions {
  output: string;
  /** a saved `nvme-lm check --json` file; without it the check runs now */
  from?: string;
  /** footer time stamp; the command passes the current time */
  generatedAt?: string;
  /** show a progress bar while the machines are drawn (on a terminal only); default true */
  progress?: boolean;
}

export interface ReportResult {
  file: string;
  verdict: Verdict;
  /** PASS, FAIL, or PROOFS ONLY when no path test ran */
  badge: ReturnType<typeof headline>['badge'];
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

export async function runReport(deps: ReportDeps, options: ReportOptions): Promise<ReportResult> {
  const source = options.from ?? 'the check results of `nvme-lm check`';
  const check = options.from !== undefined ? await readCheckJsonFile(options.from) : parseCheckJson(await deps.runCheck(), source);
  const progress = await startProgress('report: drawing', options.progress !== false);
  let html: string;
  try {
    html = await renderReport(check, await deps.catalog(), { source, generatedAt: options.generatedAt, onDiagram: (done, total, id) => progress.update(id, done, total) });
  } finally {
    progress.stop();
  }
  const file = (await isDirectory(options.output)) ? join(options.output, 'report.html') : options.output;
  try {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, html);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new Error(`cannot write the report to ${file} (${reason}); pass a writable path with -o`);
  }
  const verdict = verdictOf(check);
  return { file, verdict, badge: headline(verdict, testsRan(check)).badge };
}

