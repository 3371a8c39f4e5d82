import * as tf from '@tensorflow/tfjs-core';
import '../backend/gradients.js';
import type { NamedTensors } from '../contracts/generator.js';
import type { Adam } from './adam.js';

/**
 * One optimizer step: the gradient of `loss` (which returns named terms, among them `total`) with
 * respect to the optimizer's variables, applied by Adam. Returns the terms' values. Every tensor
 * made on the way is freed.
 */
export function minimize(optimizer: Adam, loss: () => Record<string, tf.Scalar>): Record<string, number> {
  const parts: Record<string, tf.Scalar> = {};
  const total = tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => {
      const terms = loss();
      if (!terms.total) throw new Error('minimize: the loss returned no total');
      // The other terms would be freed with the gradient computation's scope; keep them to read.
      for (const [name, term] of Object.entries(terms)) if (name !== 'total') parts[name] = tf.keep(term);
      return terms.total;
    }, optimizer.variables as tf.Variable[]);
    optimizer.apply(grads);
    return value;
  });
  const out: Record<string, number> = { total: total.dataSync()[0]! };
  for (const [name, term] of Object.entries(parts)) out[name] = term.dataSync()[0]!;
  tf.dispose([total, ...Object.values(parts)]);
  return out;
}

/** Running means of loss terms over an epoch. */
export class LossAverager {
  private sums: Record<string, number> = {};
  private count = 0;

  add(terms: Readonly<Record<string, number>>): void {
    for (const [name, value] of Object.entries(terms)) this.sums[name] = (this.sums[name] ?? 0) + value;
    this.count += 1;
  }

  means(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, sum] of Object.entries(this.sums)) out[name] = this.count ? sum / this.count : 0;
    return out;
  }
}

/** The same tensors under `prefix.` names. */
export function prefixed(prefix: string, tensors: NamedTensors): NamedTensors {
  const out: NamedTensors = {};
  for (const [name, tensor] of Object.entries(tensors)) out[`${prefix}.${name}`] = tensor;
  return out;
}

/** The entries of `tensors` under `prefix.`, with the prefix removed (the same tensors, not copies). */
export function unprefixed(prefix: string, tensors: NamedTensors): NamedTensors {
  const out: NamedTensors = {};
  const start = `${prefix}.`;
  for (const [name, tensor] of Object.entries(tensors)) if (name.startsWith(start)) out[name.slice(start.length)] = tensor;
  return out;
}
