import * as tf from '@tensorflow/tfjs-core';
import { adamUpdate } from '@attrib/tfjs-wasm-kernels';
import type { NamedTensors } from '../contracts/generator.js';

/** Settings of {@link Adam}. */
export interface AdamSettings {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  /** PyTorch's default, 1e-8. */
  readonly epsilon?: number;
}

/**
 * Adam exactly as PyTorch's `torch.optim.Adam` (no weight decay, no amsgrad) steps:
 *   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
 *   p -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 * Written here rather than taken from tfjs so that its learning rate can decay per epoch and its
 * whole state (step count and moments, by variable position) can be checkpointed for an exact
 * resume. A variable without a gradient in a step is left untouched, as in PyTorch.
 */
export class Adam {
  /** Learning rate of the next steps; stages set it per epoch. */
  lr: number;
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly epsilon: number;
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];
  private steps = 0;

  constructor(readonly variables: readonly tf.Variable[], settings: AdamSettings) {
    this.lr = settings.lr;
    this.beta1 = settings.beta1;
    this.beta2 = settings.beta2;
    this.epsilon = settings.epsilon ?? 1e-8;
    this.m = variables.map(zerosVariable);
    this.v = variables.map(zerosVariable);
  }

  /** Steps taken so far. */
  get step(): number {
    return this.steps;
  }

  /** One update from gradients keyed by variable name (as `tf.variableGrads` returns them). Disposes nothing it is given. */
  apply(grads: tf.NamedTensorMap): void {
    this.steps += 1;
    const t = this.steps;
    const stepSize = this.lr / (1 - this.beta1 ** t);
    const correction2 = Math.sqrt(1 - this.beta2 ** t);
    const constants = { beta1: this.beta1, beta2: this.beta2, correction2, epsilon: this.epsilon, stepSize };
    tf.tidy(() => {
      this.variables.forEach((variable, i) => {
        const g = grads[variable.name];
        if (!g) return;
        const [p, m, v] = adamUpdate(variable, this.m[i]!, this.v[i]!, g, constants);
        this.m[i]!.assign(m);
        this.v[i]!.assign(v);
        variable.assign(p);
      });
    });
  }

  /** Step count and moments as `<prefix>.step`, `<prefix>.m.<i>`, `<prefix>.v.<i>`; the caller disposes them. */
  state(prefix: string): NamedTensors {
    const out: NamedTensors = { [`${prefix}.step`]: tf.scalar(this.steps, 'int32') };
    this.m.forEach((m, i) => (out[`${prefix}.m.${i}`] = m.clone()));
    this.v.forEach((v, i) => (out[`${prefix}.v.${i}`] = v.clone()));
    return out;
  }

  /** Restores what {@link state} saved; throws naming a missing or mis-shaped entry. */
  loadState(prefix: string, state: NamedTensors): void {
    const step = state[`${prefix}.step`];
    if (!step) throw new Error(`optimizer state ${prefix}: missing ${prefix}.step`);
    const check = (name: string, like: tf.Variable): tf.Tensor => {
      const value = state[name];
      if (!value) throw new Error(`optimizer state ${prefix}: missing ${name}`);
      if (value.shape.join('x') !== like.shape.join('x')) throw new Error(`optimizer state ${prefix}: ${name} has shape [${value.shape}], expected [${like.shape}]`);
      return value;
    };
    const ms = this.m.map((m, i) => check(`${prefix}.m.${i}`, m));
    const vs = this.v.map((v, i) => check(`${prefix}.v.${i}`, v));
    ms.forEach((value, i) => this.m[i]!.assign(value));
    vs.forEach((value, i) => this.v[i]!.assign(value));
    this.steps = step.dataSync()[0]!;
  }

  dispose(): void {
    for (const t of [...this.m, ...this.v]) t.dispose();
  }
}

function zerosVariable(like: tf.Variable): tf.Variable {
  const zeros = tf.zerosLike(like);
  const variable = tf.variable(zeros, false);
  zeros.dispose();
  return variable;
}
