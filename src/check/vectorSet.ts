// A set of fixed-width vectors of 16-bit integers (product states), packed in
// one typed array, with an open-addressing hash table for lookup. Ids are
// dense and in insertion order, so a BFS can use the id order as its queue.
// The hash is Zobrist's (xor of a random word per position and value), so a
// caller that changes one position updates the hash in O(1).

const VALUES = 1 << 16;

export class VectorSet {
  readonly width: number;
  /** vector i occupies data[i * width .. (i + 1) * width) */
  data: Uint16Array;
  size = 0;
  private table: Int32Array; // id + 1, 0 = empty
  private mask: number;
  private readonly zobrist: Int32Array;

  constructor(width: number, initialCapacity = 1024) {
    this.width = width;
    let cap = 1024;
    while (cap < initialCapacity * 2) cap *= 2;
    this.table = new Int32Array(cap);
    this.mask = cap - 1;
    this.data = new Uint16Array(Math.max(1, initialCapacity) * width);
    // a fixed xorshift sequence: the same hashes, hence the same probe order, on every run
    this.zobrist = new Int32Array(width * VALUES);
    let x = 0x9e3779b9 | 0;
    for (let i = 0; i < this.zobrist.length; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      this.zobrist[i] = x;
    }
  }

  /** The hash word position `pos` contributes when it holds `value`. */
  term(pos: number, value: number): number {
    return this.zobrist[pos * VALUES + value];
  }

  hash(v: ArrayLike<number>, offset = 0): number {
    let h = 0;
    for (let i = 0; i < this.width; i++) h ^= this.zobrist[i * VALUES + v[offset + i]];
    return h;
  }

  /** Adds `v` (whose hash is `h`): its new id, or `~id` (negative) if it was there already. */
  insert(v: ArrayLike<number>, h: number): number {
    const { table, data, width } = this;
    let slot = h & this.mask;
    for (;;) {
      const entry = table[slot];
      if (entry === 0) break;
      const base = (entry - 1) * width;
      let i = 0;
      while (i < width && data[base + i] === v[i]) i++;
      if (i === width) return ~(entry - 1);
      slot = (slot + 1) & this.mask;
    }
    const id = this.size++;
    if ((id + 1) * width > this.data.length) {
      const grown = new Uint16Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    for (let i = 0; i < width; i++) this.data[id * width + i] = v[i];
    table[slot] = id + 1;
    if (this.size * 2 > table.length) this.rehash();
    return id;
  }

  add(v: ArrayLike<number>): number {
    return this.insert(v, this.hash(v));
  }

  /** Copies vector `id` into `out`. */
  read(id: number, out: Uint16Array): void {
    const base = id * this.width;
    for (let i = 0; i < this.width; i++) out[i] = this.data[base + i];
  }

  private rehash(): void {
    const cap = this.table.length * 2;
    const table = new Int32Array(cap);
    const mask = cap - 1;
    for (let id = 0; id < this.size; id++) {
      let slot = this.hash(this.data, id * this.width) & mask;
      while (table[slot] !== 0) slot = (slot + 1) & mask;
      table[slot] = id + 1;
    }
    this.table = table;
    this.mask = mask;
  }
}
