// Keeps the ids in step with docs/spec/: which ids a text uses, and what is
// wrong between the ids defined there and the ids code, tests and docs use.
// Pure; test/spec/idsInStep.test.ts walks the tree and feeds it.

/**
 * An id where it stands as a word: D, I or L and a number, with no letter,
 * digit, `_`, `$` or `#` before it and no letter, digit or `_` after it. So
 * `D12`, `(I8)` and `D1-D18` count, while `0xD2`, `#D5E8D4`, `I2C`, `VID1` and
 * `D5a` do not.
 */
const ID_IN_TEXT = /(?<![A-Za-z0-9_$#])([DIL][1-9][0-9]*)(?![A-Za-z0-9_])/g;

/** The distinct ids a text uses, in order of first use. */
export function specIdsIn(text: string): string[] {
  return [...new Set(Array.from(text.matchAll(ID_IN_TEXT), (m) => m[1]))];
}

interface IdDriftInput {
  /** ids with an entry in docs/spec/ */
  defined: readonly string[];
  /** file -> ids it uses, for code and tests */
  code: ReadonlyMap<string, readonly string[]>;
  /** file -> ids it uses, for docs (they must be defined, but do not count as a use) */
  docs: ReadonlyMap<string, readonly string[]>;
  /** defined ids of a profile not implemented yet: excused from "used by code or tests" */
  notYetUsed: readonly string[];
}

interface IdDrift {
  /** ids used somewhere but defined nowhere, with the files using them */
  undefinedIds: { id: string; files: string[] }[];
  /** defined ids that no code and no test uses (and not excused) */
  unused: string[];
  /** excused ids that code or tests use now: take them off the list */
  excusedButUsed: { id: string; files: string[] }[];
  /** excused ids with no entry: the list names something that does not exist */
  excusedButUndefined: string[];
}

function usersById(...maps: ReadonlyMap<string, readonly string[]>[]): Map<string, string[]> {
  const users = new Map<string, string[]>();
  for (const map of maps) {
    for (const [file, ids] of map) for (const id of ids) users.set(id, [...(users.get(id) ?? []), file]);
  }
  return users;
}

export function idDrift(input: IdDriftInput): IdDrift {
  const defined = new Set(input.defined);
  const excused = new Set(input.notYetUsed);
  const codeUsers = usersById(input.code);
  const allUsers = usersById(input.code, input.docs);
  return {
    undefinedIds: [...allUsers].filter(([id]) => !defined.has(id)).map(([id, files]) => ({ id, files })),
    unused: input.defined.filter((id) => !codeUsers.has(id) && !excused.has(id)),
    excusedButUsed: input.notYetUsed.filter((id) => codeUsers.has(id)).map((id) => ({ id, files: codeUsers.get(id) ?? [] })),
    excusedButUndefined: input.notYetUsed.filter((id) => !defined.has(id)),
  };
}
