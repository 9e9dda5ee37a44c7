// The entries of docs/spec/*.md: one per decision (D<n>), invariant (I<n>) or
// liveness property (L<n>). Pure: text in, entries out; reading the files is
// specFiles.ts. The format (docs/spec/README.md): a level-3 heading that is the
// id alone, a bold title line, then **Rule:**, **Why:** and **Source:**
// paragraphs, in that order. A malformed entry is an error naming its line, so
// a typo in the docs fails a test instead of vanishing from `nvme-lm explain`.

/** An id as written everywhere: D, I or L, then a number without leading zeros. */
const SPEC_ID = /^[DIL][1-9][0-9]*$/;

export interface SpecEntry {
  /** e.g. `D12` */
  id: string;
  /** the bold line under the heading, without its final period */
  title: string;
  rule: string;
  why: string;
  source: string;
  /** the docs file as given to the parser, e.g. `docs/spec/lm.md` */
  file: string;
  /** the heading's anchor (the id in lower case), so `${file}#${anchor}` links to it */
  anchor: string;
  /** 1-based line of the heading */
  line: number;
}

type FieldName = 'rule' | 'why' | 'source';
const FIELDS: readonly { label: string; name: FieldName }[] = [
  { label: '**Rule:**', name: 'rule' },
  { label: '**Why:**', name: 'why' },
  { label: '**Source:**', name: 'source' },
];

export class SpecFormatError extends Error {
  constructor(file: string, line: number, problem: string) {
    super(`${file}:${line}: ${problem} (the entry format is in docs/spec/README.md)`);
    this.name = 'SpecFormatError';
  }
}

/** `d12 ` -> `D12`; undefined when the text is not an id. */
export function normalizeId(text: string): string | undefined {
  const id = text.trim().toUpperCase();
  return SPEC_ID.test(id) ? id : undefined;
}

interface Draft {
  id: string;
  line: number;
  lines: { text: string; line: number }[];
}

function finish(draft: Draft, file: string): SpecEntry {
  const body = draft.lines;
  const first = body.findIndex((l) => l.text.trim() !== '');
  const titleLine = body[first];
  const title = titleLine && /^\*\*(.+?)\*\*$/.exec(titleLine.text.trim());
  if (!titleLine || !title) throw new SpecFormatError(file, titleLine?.line ?? draft.line, `${draft.id} needs a bold title line (**Title.**) right under its heading`);
  const fields: Partial<Record<FieldName, string[]>> = {};
  let current: FieldName | undefined;
  for (const { text, line } of body.slice(first + 1)) {
    const field = FIELDS.find((f) => text.startsWith(f.label));
    if (field) {
      const expected = FIELDS[Object.keys(fields).length];
      if (field !== expected) throw new SpecFormatError(file, line, `${draft.id}: expected ${expected ? expected.label : 'no more fields'}, found ${field.label} (the order is Rule, Why, Source, each once)`);
      current = field.name;
      fields[current] = [text.slice(field.label.length).trim()];
    } else if (current) {
      fields[current]!.push(text);
    } else if (text.trim() !== '') {
      throw new SpecFormatError(file, line, `${draft.id}: text before **Rule:**; start the rule with **Rule:**`);
    }
  }
  const missing = FIELDS.filter((f) => fields[f.name] === undefined || fields[f.name]!.join('').trim() === '');
  if (missing.length > 0) throw new SpecFormatError(file, draft.line, `${draft.id} has no ${missing.map((f) => f.label).join(', ')}`);
  const text = (name: FieldName): string => fields[name]!.join('\n').trim();
  return {
    id: draft.id,
    title: title[1].replace(/\.$/, ''),
    rule: text('rule'),
    why: text('why'),
    source: text('source'),
    file,
    anchor: draft.id.toLowerCase(),
    line: draft.line,
  };
}

/** Every entry of one docs file, in order. Headings inside fenced code blocks are text, not entries. */
export function parseSpecEntries(markdown: string, file: string): SpecEntry[] {
  const entries: SpecEntry[] = [];
  let draft: Draft | undefined;
  let fenced = false;
  markdown.split(/\r?\n/).forEach((text, i) => {
    const line = i + 1;
    if (/^\s*(```|~~~)/.test(text)) fenced = !fenced;
    const heading = !fenced && /^#{1,6}\s/.test(text);
    if (heading) {
      if (draft) entries.push(finish(draft, file));
      draft = undefined;
      const m = /^###\s+(\S+)\s*(.*)$/.exec(text);
      const id = m ? normalizeId(m[1]) : undefined;
      if (m && id) {
        if (m[1] !== id) throw new SpecFormatError(file, line, `write the id as ${id}, not ${m[1]}`);
        if (m[2] !== '') throw new SpecFormatError(file, line, `the heading of ${id} must be the id alone (its anchor is the id); put "${m[2]}" on the bold title line below it`);
        draft = { id, line, lines: [] };
      }
      return;
    }
    draft?.lines.push({ text, line });
  });
  if (draft) entries.push(finish(draft, file));
  return entries;
}

/** Entries of several files as one list sorted by id; an id defined twice is an error naming both places. */
export function mergeSpecEntries(lists: SpecEntry[][]): SpecEntry[] {
  const byId = new Map<string, SpecEntry>();
  for (const e of lists.flat()) {
    const other = byId.get(e.id);
    if (other) throw new SpecFormatError(e.file, e.line, `${e.id} is already defined at ${other.file}:${other.line}; an id has one entry`);
    byId.set(e.id, e);
  }
  return [...byId.values()].sort((a, b) => compareIds(a.id, b.id));
}

/** D before I before L, then by number. */
export function compareIds(a: string, b: string): number {
  const order = 'DIL';
  return order.indexOf(a[0]) - order.indexOf(b[0]) || Number(a.slice(1)) - Number(b.slice(1));
}

/** The ids as ranges, e.g. `D1-D34, I1-I15, L1-L7` (a gap starts a new range). */
export function idRanges(ids: readonly string[]): string {
  const sorted = [...new Set(ids)].sort(compareIds);
  const ranges: string[] = [];
  let start = 0;
  for (let i = 1; i <= sorted.length; i++) {
    const prev = sorted[i - 1];
    const cur = sorted[i];
    if (cur && cur[0] === prev[0] && Number(cur.slice(1)) === Number(prev.slice(1)) + 1) continue;
    ranges.push(start === i - 1 ? prev : `${sorted[start]}-${prev}`);
    start = i;
  }
  return ranges.join(', ');
}
