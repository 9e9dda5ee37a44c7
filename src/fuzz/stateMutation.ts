// Corrupting a real controller state (tp4159 section 3) field by field, from
// the layout tables that define it (src/wire/tp4159/state.ts, vendorState.ts),
// so a corrupted blob still parses far enough to reach the deep checks of
// D26/D27: truncated, oversized, a header or queue field changed, duplicate
// QIDs, an SQ whose CQID names no CQ, PC = 0. `mustFail` names the check a
// controller must refuse it by, when the spec says it must.
import { getUint, setUint, type Field, type Layout } from '../wire/layout.ts';
import { IO_CQ_STATE_LAYOUT, IO_SQ_STATE_LAYOUT, NVME_STATE_HEADER_LAYOUT, NVME_STATE_HEADER_SIZE, QUEUE_STATE_SIZE, STATE_HEADER_LAYOUT, STATE_HEADER_SIZE } from '../wire/tp4159/state.ts';
import { VENDOR_STATE_LAYOUT } from '../wire/tp4159/vendorState.ts';

export type StateMutation =
  | { kind: 'field'; region: 'header' | 'nvme' | 'sq' | 'cq' | 'vendor'; entry: number; field: number; pick: number; random: bigint }
  | { kind: 'truncate'; dwords: number }
  | { kind: 'extend'; dwords: number }
  | { kind: 'dupQid'; entry: number }
  | { kind: 'noCq'; entry: number }
  | { kind: 'pc0'; entry: number };

interface Mutated {
  data: Uint8Array;
  /** the decision a controller must refuse it by (undefined: it may be a valid state) */
  mustFail?: string;
  note: string;
}

const u16 = (b: Uint8Array, at: number): number => b[at] | (b[at + 1] << 8);

/** Where the blob's parts lie, from its own header (a real state: the counts agree). */
function shape(b: Uint8Array): { niosq: number; niocq: number; entries: number; vendorAt: number } {
  const niosq = b.length >= STATE_HEADER_SIZE + NVME_STATE_HEADER_SIZE ? u16(b, STATE_HEADER_SIZE + 2) : 0;
  const niocq = b.length >= STATE_HEADER_SIZE + NVME_STATE_HEADER_SIZE ? u16(b, STATE_HEADER_SIZE + 4) : 0;
  return { niosq, niocq, entries: STATE_HEADER_SIZE + NVME_STATE_HEADER_SIZE, vendorAt: STATE_HEADER_SIZE + NVME_STATE_HEADER_SIZE + QUEUE_STATE_SIZE * (niosq + niocq) };
}

const maxOf = (f: Field): bigint => (1n << BigInt(f.bits ? f.bits[0] - f.bits[1] + 1 : f.width * 8)) - 1n;
const at = (f: Field, base: number): Field => ({ ...f, offset: f.offset + base });

/** Fields whose change the spec says a controller must refuse (D26, D27). */
const MUST_FAIL: Record<string, readonly string[]> = {
  header: ['ver', 'nvmecss', 'vss'],
  nvme: ['ver', 'niosq', 'niocq'],
};

function mutateField(b: Uint8Array, m: Extract<StateMutation, { kind: 'field' }>): Mutated | undefined {
  const s = shape(b);
  const regions: Record<typeof m.region, { layout: Layout; base: number } | undefined> = {
    header: { layout: STATE_HEADER_LAYOUT, base: 0 },
    nvme: { layout: NVME_STATE_HEADER_LAYOUT, base: STATE_HEADER_SIZE },
    sq: s.niosq > 0 ? { layout: IO_SQ_STATE_LAYOUT, base: s.entries + QUEUE_STATE_SIZE * (m.entry % s.niosq) } : undefined,
    cq: s.niocq > 0 ? { layout: IO_CQ_STATE_LAYOUT, base: s.entries + QUEUE_STATE_SIZE * (s.niosq + (m.entry % s.niocq)) } : undefined,
    vendor: b.length >= s.vendorAt + VENDOR_STATE_LAYOUT.size ? { layout: VENDOR_STATE_LAYOUT, base: s.vendorAt } : undefined,
  };
  const r = regions[m.region];
  if (!r) return undefined;
  const f = at(r.layout.fields[m.field % r.layout.fields.length], r.base);
  const max = maxOf(f);
  const old = getUint(b, f);
  let v = [0n, 1n, max, (old + 1n) & max, m.random % (max + 1n)][m.pick % 5];
  if (v === old) v = old ^ 1n;
  const data = b.slice();
  setUint(data, f, v);
  const name = f.name;
  const queueLimit = (m.region === 'sq' || m.region === 'cq') && (name === 'head' || name === 'tail') && v === max;
  const fails = MUST_FAIL[m.region]?.includes(name) || queueLimit;
  return { data, note: `${m.region}${m.region === 'sq' || m.region === 'cq' ? ` ${m.entry}` : ''} ${name} ${old} -> ${v}`, ...(fails ? { mustFail: `D26: ${m.region} ${name} changed to ${v}` } : {}) };
}

/** Apply one mutation to a real state `b`; undefined when it does not apply (no such queue). */
export function mutateState(b: Uint8Array, m: StateMutation): Mutated | undefined {
  const s = shape(b);
  const sq = (i: number): number => s.entries + QUEUE_STATE_SIZE * i;
  switch (m.kind) {
    case 'field':
      return mutateField(b, m);
    case 'truncate': {
      const n = Math.min(m.dwords, b.length / 4);
      return { data: b.slice(0, b.length - 4 * n), mustFail: `D27: the transfer is ${4 * n} bytes shorter than the state`, note: `truncated by ${n} dword(s)` };
    }
    case 'extend': {
      const data = new Uint8Array(b.length + 4 * m.dwords).fill(0xa5);
      data.set(b);
      return { data, ...(m.dwords > 1 ? { mustFail: `D27: ${4 * m.dwords} bytes past the state (at most one dword)` } : {}), note: `extended by ${m.dwords} dword(s)` };
    }
    case 'dupQid': {
      if (s.niosq < 2) return undefined;
      const data = b.slice();
      const i = m.entry % s.niosq;
      const j = (i + 1) % s.niosq;
      data.copyWithin(sq(j) + 10, sq(i) + 10, sq(i) + 12);
      return { data, mustFail: 'D26: two SQs with one QID', note: `SQ entry ${j} takes the QID of SQ entry ${i}` };
    }
    case 'noCq': {
      if (s.niosq < 1) return undefined;
      const data = b.slice();
      const cqids = new Set(Array.from({ length: s.niocq }, (_, k) => u16(b, sq(s.niosq + k) + 10)));
      let bad = 1;
      while (cqids.has(bad)) bad++;
      const i = m.entry % s.niosq;
      data[sq(i) + 12] = bad & 0xff;
      data[sq(i) + 13] = bad >> 8;
      return { data, mustFail: `D26: an SQ's CQID ${bad} names no CQ in the state`, note: `SQ entry ${i} CQID -> ${bad}` };
    }
    case 'pc0': {
      const n = s.niosq + s.niocq;
      if (n < 1) return undefined;
      const data = b.slice();
      const i = m.entry % n;
      const pcByte = sq(i) + (i < s.niosq ? 14 : 16);
      data[pcByte] &= 0xfe;
      return { data, mustFail: 'D26: PC = 0 and the controller supports only contiguous queues', note: `${i < s.niosq ? 'SQ' : 'CQ'} entry ${i} PC = 0` };
    }
  }
}
