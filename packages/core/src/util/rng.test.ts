import { describe, expect, it } from 'vitest';
import { createRng, permutation } from './rng.js';

describe('createRng', () => {
  it('repeats its stream for an equal seed and differs for another', () => {
    const a = createRng(7), b = createRng(7), c = createRng(8);
    const draw = (r: ReturnType<typeof createRng>) => Array.from({ length: 5 }, () => r.uniform());
    const first = draw(a);
    expect(draw(b)).toEqual(first);
    expect(draw(c)).not.toEqual(first);
  });

  it('draws normals with mean 0 and variance 1', () => {
    const rng = createRng(1);
    const n = 200_000;
    let sum = 0, sumSq = 0;
    for (let i = 0; i < n; i++) { const x = rng.normal(); sum += x; sumSq += x * x; }
    const mean = sum / n;
    // Standard error of the mean is 1/sqrt(n) ~ 0.0022; of the variance ~ sqrt(2/n) ~ 0.0032.
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(Math.abs(sumSq / n - mean * mean - 1)).toBeLessThan(0.015);
  });

  it('forks streams that do not depend on how far the parent has advanced', () => {
    const a = createRng(3), b = createRng(3);
    b.uniform(); b.uniform();
    expect(a.fork('epoch-2').uniform()).toBe(b.fork('epoch-2').uniform());
    expect(a.fork('epoch-2').uniform()).not.toBe(a.fork('epoch-3').uniform());
  });

  it('permutes every index exactly once', () => {
    const order = permutation(100, createRng(5));
    expect([...order].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(order).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});
