import * as tf from '@tensorflow/tfjs-core';
import type { NamedTensors } from '../contracts/generator.js';

/**
 * An exponential moving average of a model's trainable variables (Polyak averaging), updated
 * after every optimizer step:  a = d_t a + (1 - d_t) w,  d_t = min(decay, (1 + t) / (10 + t))
 * for the t-th update (t = 1, 2, ...), so that the first updates follow the weights closely
 * instead of remembering the starting point for ~1 / (1 - decay) steps.
 *
 * Why (issue 21): with batches of 16, Adam's steps carry the keyed generators' weights on a random
 * walk around the loss's minimum; the walk shows as speckle and as a distance to the root the key
 * does not need, and as end-of-epoch checks that swing by several points. The average sits near
 * the walk's centre.
 */
export class WeightAverage {
  private readonly averages: tf.Variable[];
  private updates = 0;
  private live: tf.Tensor[] | undefined;

  constructor(readonly variables: readonly tf.Variable[], readonly decay: number) {
    if (!(decay > 0 && decay < 1)) throw new Error(`weight average: decay must be in (0, 1), got ${decay}`);
    this.averages = variables.map((v) => tf.tidy(() => tf.variable(v.clone(), false)));
  }

  /** Updates taken so far. */
  get count(): number {
    return this.updates;
  }

  /** The decay the next update uses. */
  nextDecay(): number {
    const t = this.updates + 1;
    return Math.min(this.decay, (1 + t) / (10 + t));
  }

  /** Moves the average towards the variables' current values. */
  update(): void {
    const d = this.nextDecay();
    this.updates += 1;
    tf.tidy(() => {
      this.variables.forEach((v, i) => {
        const a = this.averages[i]!;
        a.assign(tf.add(tf.mul(a, d), tf.mul(v, 1 - d)));
      });
    });
  }

  /** Puts the averages into the variables, keeping the trained values aside until {@link restore}. */
  swapIn(): void {
    if (this.live) throw new Error('weight average: already swapped in');
    this.live = this.variables.map((v) => v.clone());
    this.variables.forEach((v, i) => v.assign(this.averages[i]!));
  }

  /** Puts back the values {@link swapIn} set aside. */
  restore(): void {
    if (!this.live) throw new Error('weight average: not swapped in');
    this.variables.forEach((v, i) => v.assign(this.live![i]!));
    tf.dispose(this.live);
    this.live = undefined;
  }

  /** Leaves the averages in the variables for good. */
  applyToVariables(): void {
    if (this.live) this.restore();
    this.variables.forEach((v, i) => v.assign(this.averages[i]!));
  }

  /** The averages and the update count as `<prefix>.count`, `<prefix>.<i>`; the caller disposes them. */
  state(prefix: string): NamedTensors {
    const out: NamedTensors = { [`${prefix}.count`]: tf.scalar(this.updates, 'int32') };
    this.averages.forEach((a, i) => (out[`${prefix}.${i}`] = a.clone()));
    return out;
  }

  /** Restores what {@link state} saved (copies; the caller keeps `state`); throws naming a missing or mis-shaped entry. */
  loadState(prefix: string, state: NamedTensors): void {
    const count = state[`${prefix}.count`];
    if (!count) throw new Error(`weight average ${prefix}: missing ${prefix}.count`);
    this.averages.forEach((a, i) => {
      const value = state[`${prefix}.${i}`];
      if (!value) throw new Error(`weight average ${prefix}: missing ${prefix}.${i}`);
      if (value.shape.join('x') !== a.shape.join('x')) throw new Error(`weight average ${prefix}: ${prefix}.${i} has shape [${value.shape}], expected [${a.shape}]`);
      a.assign(value);
    });
    this.updates = count.dataSync()[0]!;
  }

  dispose(): void {
    if (this.live) tf.dispose(this.live);
    this.live = undefined;
    tf.dispose(this.averages);
  }
}
