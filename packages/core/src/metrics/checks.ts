import type { MetricContext } from '../contracts/metric.js';
import { formatShape, sameShape } from '../contracts/image.js';

/** Throws a one-line error when the context's keys, generators, root and data do not fit together. */
export function checkContext(ctx: MetricContext, metric: string): void {
  if (ctx.keys.length === 0) throw new Error(`${metric}: no keys to evaluate`);
  if (ctx.generators.length !== ctx.keys.length) {
    throw new Error(`${metric}: ${ctx.generators.length} generators for ${ctx.keys.length} keys; expected one generator per key`);
  }
  const shape = ctx.root.imageShape;
  for (const key of ctx.keys) {
    if (!sameShape(key.shape, shape)) throw new Error(`${metric}: key ${key.id} belongs to ${formatShape(key.shape)} images; the root makes ${formatShape(shape)}`);
  }
  ctx.generators.forEach((g, i) => {
    if (!sameShape(g.imageShape, shape)) throw new Error(`${metric}: generator of ${ctx.keys[i]!.id} makes ${formatShape(g.imageShape)} images; the root makes ${formatShape(shape)}`);
  });
}

/** Mean and population standard deviation (numpy's default `std`, as the release prints). */
export function meanAndStd(values: readonly number[]): { mean: number; std: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
  return { mean, std: Math.sqrt(variance) };
}
