// Test helper: a layout's rows must tile its bytes (bit by bit: fields that
// share bytes split them by bit range) without overlap or gap, and the sum of
// their bits must be the documented size. The SPDK-style size/offset assertion
// for every tp4159 table.
import { expect } from 'vitest';
import type { Layout } from '../../src/wire/layout.ts';

export function expectTiles(layout: Layout, documentedSize: number): void {
  expect(layout.size, `${layout.name} size`).toBe(documentedSize);
  const owner: Array<string | undefined> = new Array(layout.size * 8).fill(undefined);
  let bits = 0;
  for (const f of layout.fields) {
    expect(f.offset + f.width, `${layout.name}.${f.name} runs past the end`).toBeLessThanOrEqual(layout.size);
    const [hi, lo] = f.bits ?? [f.width * 8 - 1, 0];
    expect(hi, `${layout.name}.${f.name} bit range`).toBeLessThan(f.width * 8);
    for (let b = f.offset * 8 + lo; b <= f.offset * 8 + hi; b++) {
      expect(owner[b], `${layout.name}: bit ${b % 8} of byte ${Math.floor(b / 8)} is in both ${owner[b]} and ${f.name}`).toBeUndefined();
      owner[b] = f.name;
    }
    bits += hi - lo + 1;
  }
  const gap = owner.findIndex((o) => o === undefined);
  expect(gap, `${layout.name}: bit ${gap % 8} of byte ${Math.floor(gap / 8)} belongs to no field`).toBe(-1);
  expect(bits).toBe(documentedSize * 8);
}
