// Canonical JSON: the same value always gives the same string, whatever the
// order its object keys were written in. The explorer uses it as the default
// state identity (state value + context).

/** JSON with object keys sorted at every level; Maps, Sets and typed arrays are spelled out. */
export function canonicalJson(value: unknown): string {
  return write(value, new Set<object>());
}

function write(value: unknown, open: Set<object>): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') return Number.isFinite(value) ? JSON.stringify(value) : JSON.stringify(String(value));
  if (typeof value === 'bigint') return JSON.stringify(`${value}n`);
  if (typeof value === 'function' || typeof value === 'symbol') {
    throw new Error('canonicalJson: a function or symbol in a machine snapshot cannot be part of a state key; give the MachineSpec a key() that leaves it out');
  }
  const obj = value as object;
  if (open.has(obj)) {
    throw new Error('canonicalJson: the snapshot context contains a cycle; give the MachineSpec a key() that breaks it');
  }
  open.add(obj);
  try {
    if (Array.isArray(obj)) return `[${obj.map((v) => write(v, open)).join(',')}]`;
    if (ArrayBuffer.isView(obj)) {
      return `[${Array.from(obj as unknown as ArrayLike<number | bigint>, (v) => write(v, open)).join(',')}]`;
    }
    if (obj instanceof Map) {
      const entries = [...obj.entries()].map(([k, v]) => [write(k, open), write(v, open)] as const);
      entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      return `{"$map":[${entries.map(([k, v]) => `[${k},${v}]`).join(',')}]}`;
    }
    if (obj instanceof Set) {
      const items = [...obj].map((v) => write(v, open)).sort();
      return `{"$set":[${items.join(',')}]}`;
    }
    const record = obj as Record<string, unknown>;
    const keys = Object.keys(record)
      .filter((k) => record[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${write(record[k], open)}`).join(',')}}`;
  } finally {
    open.delete(obj);
  }
}
