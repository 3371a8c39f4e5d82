import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@attrib/testing/backend';
import { createRng } from '@attrib/testing/random';
import { heapMemory } from '../kernels/wasm-heap.js';
import { compileIndirectGemm, indirectGemmIsFused, instantiateIndirectGemm, TILE_COLUMNS, TILE_ROWS } from './indirect-gemm.js';
import { webAssembly } from './webassembly.js';

interface Shape {
  rows: number;
  taps: number;
  depth: number;
  columnTiles: number;
  relu: boolean;
}

/**
 * Runs the kernel on random inputs laid out as a convolution would lay them (rows sharing input
 * pixels, some taps reading the zero vector, output rows in a shuffled order) and returns its
 * output and the same sums in float64, written out from the kernel's contract.
 */
function runAgainstSums(fused: boolean, shape: Shape, seed: number): { actual: Float32Array; expected: Float64Array } {
  const { rows, taps, depth, columnTiles, relu } = shape;
  const columns = columnTiles * TILE_COLUMNS;
  const rng = createRng(seed);
  const pixels = rows + 3;
  const rowTiles = Math.ceil(rows / TILE_ROWS);
  let top = 4; // floats; address 0 left unused
  const take = (count: number): number => { const at = top; top += Math.ceil(count / 4) * 4; return at; };
  const input = take(pixels * depth);
  const zero = take(depth);
  const packed = take(columnTiles * taps * depth * TILE_COLUMNS);
  const bias = take(columns);
  const output = take(rows * columns);
  const indirection = take(rowTiles * taps * TILE_ROWS);
  const outRows = take(rowTiles * TILE_ROWS);
  const memory = new webAssembly.Memory({ initial: Math.ceil((top * 4) / 65536) + 1 });
  const floats = new Float32Array(memory.buffer);
  const ints = new Int32Array(memory.buffer);
  for (let i = 0; i < pixels * depth; i++) floats[input + i] = rng.normal();
  for (let i = 0; i < columnTiles * taps * depth * TILE_COLUMNS; i++) floats[packed + i] = rng.normal();
  for (let i = 0; i < columns; i++) floats[bias + i] = rng.normal();
  floats.fill(Number.NaN, output, output + rows * columns); // every output must be written
  // Row r's tap t reads pixel (r + t) % pixels, or zeros where (r * 7 + t) % 5 === 0.
  const pixelOf = (r: number, t: number): number | undefined => ((r * 7 + t) % 5 === 0 ? undefined : (r + t) % pixels);
  const order = Array.from({ length: rows }, (_, r) => r).sort(() => rng.uniform() - 0.5); // where row r's output goes
  for (let slot = 0; slot < rowTiles * TILE_ROWS; slot++) {
    const r = Math.min(slot, rows - 1);
    const tile = Math.floor(slot / TILE_ROWS);
    for (let t = 0; t < taps; t++) {
      const pixel = pixelOf(r, t);
      ints[indirection + (tile * taps + t) * TILE_ROWS + (slot % TILE_ROWS)] = pixel === undefined ? -1 : 4 * pixel * depth;
    }
    ints[outRows + slot] = 4 * order[r]! * columns;
  }
  const gemm = instantiateIndirectGemm(compileIndirectGemm(fused), memory);
  gemm(4 * indirection, 4 * outRows, 4 * packed, 4 * bias, rowTiles, taps, depth, columnTiles, relu ? 1 : 0, 4 * input, 4 * zero, 4 * output);

  const expected = new Float64Array(rows * columns);
  for (let r = 0; r < rows; r++) {
    for (let col = 0; col < columns; col++) {
      const tile = Math.floor(col / TILE_COLUMNS);
      let sum = floats[bias + col]!;
      for (let t = 0; t < taps; t++) {
        const pixel = pixelOf(r, t);
        if (pixel === undefined) continue;
        for (let c = 0; c < depth; c++) {
          sum += floats[input + pixel * depth + c]! * floats[packed + ((tile * taps + t) * depth + c) * TILE_COLUMNS + (col % TILE_COLUMNS)]!;
        }
      }
      expected[order[r]! * columns + col] = relu ? Math.max(0, sum) : sum;
    }
  }
  return { actual: floats.slice(output, output + rows * columns), expected };
}

const shapes: Shape[] = [];
for (const rows of [1, 5, 6, 7, 13, 24]) {
  for (const depth of [1, 3, 4, 9, 16]) {
    shapes.push({ rows, taps: 1 + ((rows + depth) % 4), depth, columnTiles: 1 + (depth % 3), relu: (rows + depth) % 2 === 0 });
  }
}

describe('the indirect matrix product (emitted WebAssembly SIMD)', () => {
  it.each([true, false])('gives the float64 sums of its contract on 30 shapes (fused: %s)', (fused) => {
    shapes.forEach((shape, i) => {
      const { actual, expected } = runAgainstSums(fused, shape, 100 + i);
      let worst = 0;
      actual.forEach((a, k) => { worst = Math.max(worst, Math.abs(a - expected[k]!) / (1 + Math.abs(expected[k]!))); });
      expect(worst, JSON.stringify(shape)).toBeLessThan(1e-5);
    });
  });

  it('cuts at zero with relu and not without', () => {
    const shape = { rows: 13, taps: 2, depth: 9, columnTiles: 2 };
    const cut = runAgainstSums(true, { ...shape, relu: true }, 7);
    const linear = runAgainstSums(true, { ...shape, relu: false }, 7);
    expect(Math.min(...cut.actual)).toBe(0);
    expect(Math.min(...linear.actual)).toBeLessThan(0);
  });

  it('multiplies and adds in one instruction on this Node (relaxed SIMD), and works on the wasm backend\'s heap', async () => {
    expect(indirectGemmIsFused()).toBe(true);
    await useBackend('wasm');
    expect(heapMemory(tf.backend())).toBeDefined();
  });
});
