// What `nvme-lm explain` prints: one entry of docs/spec/ in full, or every id
// with its title. Pure over the parsed entries.
import { idRanges, normalizeId, type SpecEntry } from './specEntries.ts';

type ExplainResult = { ok: true; text: string } | { ok: false; error: string };

const KIND: Readonly<Record<string, string>> = { D: 'decision', I: 'invariant', L: 'liveness property' };

const WIDTH = 78;

/** Greedy word wrap of one paragraph or list item: `first` before line 1, `rest` before the others. */
function wrap(words: string[], first: string, rest: string): string[] {
  const lines: string[] = [];
  let line = first;
  let empty = true;
  for (const w of words) {
    if (!empty && line.length + 1 + w.length > WIDTH) {
      lines.push(line);
      line = rest;
      empty = true;
    }
    line += empty ? w : ` ${w}`;
    empty = false;
  }
  lines.push(line);
  return lines;
}

/**
 * A field as the docs wrap it for the file, rewrapped for the terminal and
 * indented: paragraphs split on blank lines, list items ("- ") kept apart
 * with a hanging indent.
 */
function reflow(text: string): string {
  const blocks: string[][] = [];
  for (const paragraph of text.split(/\n\s*\n/)) {
    const items: string[] = [];
    for (const line of paragraph.split('\n')) {
      if (/^\s*- /.test(line) || items.length === 0) items.push(line.trim());
      else items[items.length - 1] += ` ${line.trim()}`;
    }
    blocks.push(items.flatMap((item) => (item.startsWith('- ') ? wrap(item.slice(2).split(/\s+/), '  - ', '    ') : wrap(item.split(/\s+/), '  ', '  '))));
  }
  return blocks.map((b) => b.join('\n')).join('\n\n');
}

const capitalize = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

/** One entry: id, kind, title, rule, reason, source, and where it is defined. */
function formatEntry(e: SpecEntry): string {
  return (
    `${e.id} (${KIND[e.id[0]]}): ${e.title}\n\n` +
    `Rule:\n${reflow(capitalize(e.rule))}\n\n` +
    `Why:\n${reflow(capitalize(e.why))}\n\n` +
    `Source:\n${reflow(capitalize(e.source))}\n\n` +
    `Defined in ${e.file}#${e.anchor}\n`
  );
}

/** Every id with its title, grouped by the file that defines it. */
export function formatIndex(entries: readonly SpecEntry[]): string {
  const width = Math.max(0, ...entries.map((e) => e.id.length));
  const files = [...new Set(entries.map((e) => e.file))];
  const groups = files.map((file) => {
    const own = entries.filter((e) => e.file === file);
    const lines = own.map((e) => `  ${e.id.padEnd(width)}  ${e.title}`);
    return `${file} (${idRanges(own.map((e) => e.id))})\n${lines.join('\n')}\n`;
  });
  return `${groups.join('\n')}\nRun \`nvme-lm explain <id>\` for one entry in full.\n`;
}

/** The entry for what the user typed (any case), or an error that lists the valid ids. */
export function explain(entries: readonly SpecEntry[], asked: string): ExplainResult {
  const id = normalizeId(asked);
  const entry = id === undefined ? undefined : entries.find((e) => e.id === id);
  if (entry) return { ok: true, text: formatEntry(entry) };
  const what = id === undefined ? `"${asked}" is not an id (D<n>, I<n> or L<n>)` : `${id} is not defined`;
  return { ok: false, error: `${what}; valid ids: ${idRanges(entries.map((e) => e.id))}. Run \`nvme-lm explain\` to list them with their titles` };
}
