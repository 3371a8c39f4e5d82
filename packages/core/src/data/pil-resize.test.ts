import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadMnistDigits } from './mnist.js';
import { resizeBilinearPil } from './pil-resize.js';

interface Case { digit: number; index: number; height: number; width: number; input: string; output: string }
const fixture = JSON.parse(readFileSync(new URL('./fixtures/pil-resize.json', import.meta.url), 'utf8')) as { cases: Case[] };

describe('resizeBilinearPil against Pillow (fixtures/make-pil-resize-fixture.py)', () => {
  for (const c of fixture.cases) {
    it(`digit ${c.digit} #${c.index}: 28x28 -> ${c.height}x${c.width} bit for bit`, () => {
      const input = new Uint8Array(Buffer.from(c.input, 'base64'));
      const expected = new Uint8Array(Buffer.from(c.output, 'base64'));
      const actual = resizeBilinearPil(input, 28, 28, 1, c.height, c.width);
      expect(Buffer.from(actual).equals(Buffer.from(expected))).toBe(true);
    });
  }

  it('reads the same digit bytes from the mnist package as the fixture script did', () => {
    const digits = loadMnistDigits();
    const offsets: number[] = [];
    for (let d = 0, start = 0; d < 10; d++) {
      offsets.push(start);
      start += digits.labels.filter((l) => l === d).length;
    }
    for (const c of fixture.cases.filter((x) => x.height === 32 && x.width === 32)) {
      const global = offsets[c.digit]! + c.index;
      expect(digits.labels[global]).toBe(c.digit);
      const mine = digits.pixels.subarray(global * 784, (global + 1) * 784);
      expect(Buffer.from(mine).equals(Buffer.from(c.input, 'base64'))).toBe(true);
    }
  });
});
