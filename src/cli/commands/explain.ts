// `nvme-lm explain [id]`: what a decision, invariant or liveness id printed by
// check, verify or a diagram means, read from docs/spec/ at run time. Imports
// only the docs reader, so it starts fast.
import type { Command } from 'commander';
import { explain, formatIndex } from '../../docs/explain.ts';
import { readSpecEntries } from '../../docs/specFiles.ts';
import { UsageError } from '../usageError.ts';

/** The text to print for `explain [id]`; a UsageError (exit 2) for an unknown id. */
export function runExplain(id: string | undefined): string {
  const entries = readSpecEntries();
  if (id === undefined) return formatIndex(entries);
  const result = explain(entries, id);
  if (!result.ok) throw new UsageError(result.error);
  return result.text;
}

export function registerExplain(program: Command): void {
  program
    .command('explain')
    .summary('say what a decision (D<n>), invariant (I<n>) or liveness (L<n>) id means')
    .description('Print the rule, the reason and the source of an id that check, verify, diagrams and tests cite, from docs/spec/. Without an id, list every id with its title.')
    .argument('[id]', 'e.g. D12, i9, L5 (any case)')
    .addHelpText('after', '\nExamples:\n  nvme-lm explain D12     SAVE drains before it captures: rule, reason, source\n  nvme-lm explain         every id with its title\n')
    .action((id: string | undefined) => {
      process.stdout.write(runExplain(id));
    });
}
