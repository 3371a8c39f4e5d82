import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@attrib/testing/random';
import { maxRelativeError, useBackend, valuesOn } from '@attrib/testing/backend';

/** A differentiable computation from named input shapes to an output tensor. */
interface OpCase {
  name: string;
  shapes: number[][];
  forward: (...inputs: tf.Tensor[]) => tf.Tensor;
  /** Inputs kept away from non-differentiable points (abs at 0, maximum ties, division by ~0). */
  positive?: boolean;
  /**
   * Where the expected gradient comes from: the cpu backend's gradient (default), or, for a
   * linear op of one input, its adjoint built from the cpu backend's forward pass on unit
   * vectors: used where the cpu backend's gradient kernel is wrong (resize grads swap height and
   * width and ignore halfPixelCenters) or the gradient is ours on every backend (depthToSpace).
   */
  reference?: 'cpu' | 'adjoint';
}

function randomArray(size: number, seed: number, positive: boolean): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: size }, () => (positive ? 0.5 + rng.uniform() : rng.normal()));
}

const as4d = (t: tf.Tensor): tf.Tensor4D => t as tf.Tensor4D;

const cases: OpCase[] = [
  { name: 'conv2d s2 same', shapes: [[2, 7, 7, 3], [3, 3, 3, 4]], forward: (x, w) => tf.conv2d(as4d(x), as4d(w), 2, 'same') },
  { name: 'conv2d s1 valid', shapes: [[2, 6, 5, 2], [2, 3, 2, 3]], forward: (x, w) => tf.conv2d(as4d(x), as4d(w), 1, 'valid') },
  { name: 'conv2dTranspose k4 s2 p1', shapes: [[2, 4, 4, 6], [4, 4, 3, 6]],
    forward: (x, w) => tf.conv2dTranspose(as4d(x), as4d(w), [2, 8, 8, 3], 2, 'same') },
  { name: 'conv2dTranspose k4 s1 p0 on 1x1', shapes: [[3, 1, 1, 5], [4, 4, 2, 5]],
    forward: (x, w) => tf.conv2dTranspose(as4d(x), as4d(w), [3, 4, 4, 2], 1, 'valid') },
  { name: 'moments (batch norm)', shapes: [[4, 3, 3, 5]], forward: (x) => {
    const { mean, variance } = tf.moments(x, [0, 1, 2]);
    return tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5)));
  } },
  { name: 'batchNorm op', shapes: [[4, 3, 3, 5], [5], [5], [5], [5]], positive: true,
    forward: (x, m, v, o, s) => tf.batchNorm(x, m, v, o, s, 1e-3) },
  { name: 'relu', shapes: [[3, 4, 5]], forward: (x) => tf.relu(x) },
  { name: 'leakyRelu', shapes: [[3, 4, 5]], forward: (x) => tf.leakyRelu(x, 0.2) },
  { name: 'tanh', shapes: [[3, 4, 5]], forward: (x) => tf.tanh(x) },
  { name: 'sigmoid', shapes: [[3, 4, 5]], forward: (x) => tf.sigmoid(x) },
  { name: 'mirrorPad reflect', shapes: [[2, 5, 6, 3]], forward: (x) => tf.mirrorPad(x, [[0, 0], [2, 1], [1, 3], [0, 0]], 'reflect') },
  { name: 'mirrorPad symmetric', shapes: [[2, 5, 6, 3]], forward: (x) => tf.mirrorPad(x, [[0, 0], [2, 1], [1, 3], [0, 0]], 'symmetric') },
  { name: 'pad', shapes: [[2, 5, 6, 3]], forward: (x) => tf.pad(x, [[0, 0], [2, 1], [1, 3], [0, 0]], 0.5) },
  ...resizeCases(),
  { name: 'avgPool', shapes: [[2, 6, 6, 3]], forward: (x) => tf.avgPool(as4d(x), 2, 2, 'valid') },
  { name: 'avgPool same s1', shapes: [[2, 5, 5, 3]], forward: (x) => tf.avgPool(as4d(x), 3, 1, 'same') },
  { name: 'maxPool', shapes: [[2, 6, 8, 3]], forward: (x) => tf.maxPool(as4d(x), 2, 2, 'valid') },
  { name: 'maxPool 3x3 s2 same (overlapping)', shapes: [[2, 7, 6, 3]], forward: (x) => tf.maxPool(as4d(x), 3, 2, 'same') },
  { name: 'depthToSpace 2', shapes: [[2, 3, 4, 8]], reference: 'adjoint', forward: (x) => tf.depthToSpace(as4d(x), 2) },
  { name: 'depthToSpace 3', shapes: [[1, 2, 3, 18]], reference: 'adjoint', forward: (x) => tf.depthToSpace(as4d(x), 3) },
  { name: 'spaceToBatch-free reshape/transpose', shapes: [[2, 3, 4, 8]], forward: (x) => tf.transpose(tf.reshape(x, [2, 3, 4, 2, 4]), [0, 1, 3, 2, 4]) },
  { name: 'slice', shapes: [[2, 5, 6, 3]], forward: (x) => tf.slice(x, [0, 1, 2, 0], [2, 3, 3, 2]) },
  { name: 'concat', shapes: [[2, 3, 3], [2, 3, 4]], forward: (a, b) => tf.concat([a, b], 2) },
  { name: 'stack/unstack', shapes: [[2, 3], [2, 3]], forward: (a, b) => tf.stack([a, b], 1) },
  { name: 'mean/sum', shapes: [[3, 4, 5]], forward: (x) => tf.add(tf.mean(x, [1, 2]), tf.sum(x, 1, true).reshape([3, 5]).slice([0, 0], [3, 1])) },
  { name: 'square/abs', shapes: [[3, 4, 5]], forward: (x) => tf.add(tf.square(x), tf.abs(x)) },
  { name: 'maximum/minimum', shapes: [[3, 4], [3, 4]], forward: (a, b) => tf.add(tf.maximum(a, b), tf.minimum(a, tf.mul(b, 0.5))) },
  { name: 'sub/mul/div broadcast', shapes: [[3, 4], [4]], positive: true, forward: (a, b) => tf.div(tf.mul(tf.sub(a, b), a), b) },
  { name: 'matMul', shapes: [[3, 4], [4, 5]], forward: (a, b) => tf.matMul(a, b) },
  { name: 'matMul transposed', shapes: [[4, 3], [5, 4]], forward: (a, b) => tf.matMul(a, b, true, true) },
  { name: 'sqrt/rsqrt/exp/log', shapes: [[3, 4]], positive: true, forward: (x) => tf.add(tf.add(tf.sqrt(x), tf.rsqrt(x)), tf.add(tf.exp(x), tf.log(x))) },
  { name: 'pow/neg/clipByValue', shapes: [[3, 4]], positive: true, forward: (x) => tf.add(tf.pow(x, 1.5), tf.neg(tf.clipByValue(x, 0.6, 1.2))) },
  { name: 'softplus/elu', shapes: [[3, 4]], forward: (x) => tf.add(tf.softplus(x), tf.elu(x)) },
  { name: 'tile/reverse', shapes: [[2, 3]], forward: (x) => tf.reverse(tf.tile(x, [2, 3]), 1) },
  { name: 'gather (UnsortedSegmentSum)', shapes: [[5, 3, 2]], forward: (x) => tf.gather(x, tf.tensor1d([4, 0, 2, 2], 'int32')) },
  { name: 'gather axis 1, 2-d indices', shapes: [[2, 5, 3]], forward: (x) => tf.gather(x, tf.tensor2d([[4, 0], [2, 2]], [2, 2], 'int32'), 1) },
  { name: 'where/greater', shapes: [[3, 4]], forward: (x) => tf.where(tf.greater(x, 0), x, tf.mul(x, 0.1)) },
  { name: 'where/less/lessEqual/equal/notEqual', shapes: [[3, 4]], forward: (x) =>
    tf.where(tf.logicalAnd(tf.less(x, 1), tf.lessEqual(x, 0.5)), tf.where(tf.notEqual(x, 0.25), x, tf.neg(x)), tf.where(tf.equal(x, 3), x, tf.square(x))) },
  { name: 'squaredDifference', shapes: [[3, 4], [3, 4]], forward: (a, b) => tf.squaredDifference(a, b) },
  { name: 'logSoftmax', shapes: [[3, 4]], forward: (x) => tf.logSoftmax(x) },
];

function resizeCases(): OpCase[] {
  const out: OpCase[] = [];
  const sizes: [number, number][] = [[9, 4], [7, 13], [3, 2], [4, 5]];
  for (const [alignCorners, halfPixelCenters] of [[false, false], [true, false], [false, true]] as const) {
    for (const size of sizes) {
      const flags = `alignCorners=${alignCorners} halfPixelCenters=${halfPixelCenters} to ${size}`;
      out.push({ name: `resizeBilinear ${flags}`, shapes: [[2, 4, 5, 2]], reference: 'adjoint',
        forward: (x) => tf.image.resizeBilinear(as4d(x), size, alignCorners, halfPixelCenters) });
      out.push({ name: `resizeNearestNeighbor ${flags}`, shapes: [[2, 4, 5, 2]], reference: 'adjoint',
        forward: (x) => tf.image.resizeNearestNeighbor(as4d(x), size, alignCorners, halfPixelCenters) });
    }
  }
  return out;
}

/** Forward value, then the gradient of sum(output * fixed random weights) w.r.t. every input. */
function evaluate(c: OpCase, values: Float32Array[]): tf.Tensor[] {
  const inputs = c.shapes.map((shape, i) => tf.tensor(values[i]!, shape));
  const output = c.forward(...inputs);
  const weights = tf.tensor(randomArray(output.size, 99, false), output.shape);
  const grads = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(c.forward(...xs), weights)))(inputs);
  return [output, ...grads];
}

/**
 * Forward value, then the gradient of sum(output * weights) for a linear op of one input, as the
 * adjoint: component k is <forward(e_k), weights>.
 */
function evaluateByAdjoint(c: OpCase, values: Float32Array[]): tf.Tensor[] {
  const shape = c.shapes[0]!;
  const output = c.forward(tf.tensor(values[0]!, shape));
  const weights = tf.tensor(randomArray(output.size, 99, false), output.shape);
  const size = shape.reduce((a, b) => a * b, 1);
  const grad = new Float32Array(size);
  for (let k = 0; k < size; k++) {
    grad[k] = tf.tidy(() => {
      const unit = tf.oneHot(tf.tensor1d([k], 'int32'), size).reshape(shape);
      return tf.sum(tf.mul(c.forward(tf.cast(unit, 'float32')), weights)).dataSync()[0]!;
    });
  }
  return [output, tf.tensor(grad, shape)];
}

describe('training ops on wasm match the cpu backend or the adjoint (forward and gradients)', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    const values = c.shapes.map((shape, i) =>
      randomArray(shape.reduce((a, b) => a * b, 1), 7 + i, c.positive ?? false),
    );
    const expected = await valuesOn('cpu', () =>
      c.reference === 'adjoint' ? evaluateByAdjoint(c, values) : evaluate(c, values),
    );
    const actual = await valuesOn('wasm', () => evaluate(c, values));
    expect(actual.length).toBe(expected.length);
    for (let i = 0; i < expected.length; i++) {
      expect(maxRelativeError(actual[i]!, expected[i]!)).toBeLessThan(1e-4);
    }
    if (c.reference === 'adjoint') {
      // The cpu backend's own gradient (fixed by us for the resizes) must agree as well.
      const onCpu = await valuesOn('cpu', () => evaluate(c, values));
      for (let i = 0; i < expected.length; i++) {
        expect(maxRelativeError(onCpu[i]!, expected[i]!)).toBeLessThan(1e-4);
      }
    }
  });
});
