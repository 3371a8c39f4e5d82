import * as tf from '@tensorflow/tfjs-core';
import { Conv2DBackpropFilter, getGradient, getKernel, registerGradient, type NamedAttrMap } from '@tensorflow/tfjs-core';

/** The kernel name of {@link convTranspose2dAffine}; backends without it get the composed ops. */
export const ConvTransposeAffine = 'AttribConvTransposeAffine';

/** The activations {@link convTranspose2dAffine} can apply after its per-channel affine map. */
export type AffineActivation = 'linear' | 'relu';

/** Padding as `tf.conv2dTranspose` takes it. */
export type TransposedConvPadding = Parameters<typeof tf.conv2dTranspose>[4];

/** Attributes of the {@link ConvTransposeAffine} kernel (those of `Conv2DBackpropInput` plus the activation). */
export interface ConvTransposeAffineAttrs {
  /** The output's shape [batch, height, width, channels] (NHWC). */
  readonly inputShape: [number, number, number, number];
  readonly strides: [number, number];
  readonly pad: TransposedConvPadding;
  readonly activation: AffineActivation;
}

/**
 * `activation(conv2dTranspose(x, filter) * scale + shift)`, `scale` and `shift` one value per
 * output channel: a transposed convolution followed by batch norm in evaluation mode (whose
 * running statistics make it such a map) and ReLU, as in a DCGAN generator's layers. Where the
 * backend has the {@link ConvTransposeAffine} kernel (attrib's wasm kernels) it is one kernel that
 * folds the scale into the filter and lets the convolution add the shift and apply the
 * activation; elsewhere it is the composed tf ops. Differentiable on every backend.
 *
 * @param x NHWC input [batch, height, width, inChannels]
 * @param filter [kh, kw, outChannels, inChannels], as `tf.conv2dTranspose`
 * @param outputShape [batch, outHeight, outWidth, outChannels]
 */
export function convTranspose2dAffine(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  outputShape: [number, number, number, number],
  strides: number | [number, number],
  pad: TransposedConvPadding,
  scale: tf.Tensor1D,
  shift: tf.Tensor1D,
  activation: AffineActivation,
): tf.Tensor4D {
  const channels = outputShape[3];
  if (filter.shape[2] !== channels) {
    throw new Error(`convTranspose2dAffine: filter [${filter.shape.join(', ')}] makes ${filter.shape[2]} channels, the output shape [${outputShape.join(', ')}] ${channels}`);
  }
  for (const [name, t] of [['scale', scale], ['shift', shift]] as const) {
    if (t.rank !== 1 || t.shape[0] !== channels) {
      throw new Error(`convTranspose2dAffine: ${name} of shape [${t.shape.join(', ')}]; expected [${channels}], one value per output channel`);
    }
  }
  if (activation !== 'linear' && activation !== 'relu') {
    throw new Error(`convTranspose2dAffine: activation must be 'linear' or 'relu', got ${String(activation)}`);
  }
  const pair: [number, number] = typeof strides === 'number' ? [strides, strides] : strides;
  if (getKernel(ConvTransposeAffine, tf.getBackend()) === undefined) {
    return composed(x, filter, outputShape, pair, pad, scale, shift, activation);
  }
  const attrs: ConvTransposeAffineAttrs = { inputShape: outputShape, strides: pair, pad, activation };
  return tf.engine().runKernel(ConvTransposeAffine, { x, filter, scale, shift }, attrs as unknown as NamedAttrMap) as tf.Tensor4D;
}

function composed(
  x: tf.Tensor4D, filter: tf.Tensor4D, outputShape: [number, number, number, number], strides: [number, number], pad: TransposedConvPadding,
  scale: tf.Tensor1D, shift: tf.Tensor1D, activation: AffineActivation,
): tf.Tensor4D {
  return tf.tidy(() => {
    const affine = tf.add(tf.mul(tf.conv2dTranspose(x, filter, outputShape, strides, pad), scale), shift) as tf.Tensor4D;
    return activation === 'relu' ? tf.relu(affine) : affine;
  });
}

/**
 * The kernel's gradient, from public ops and kernels: with g the output gradient through the
 * activation and u = conv2dTranspose(x, filter), d shift = sum g, d scale = sum g * u, and the
 * input and filter gradients are those of the transposed convolution for g * scale.
 */
export function registerConvTransposeAffineGradient(): void {
  if (getGradient(ConvTransposeAffine) !== undefined) return;
  registerGradient({
    kernelName: ConvTransposeAffine,
    inputsToSave: ['x', 'filter', 'scale'],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [x, filter, scale, y] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor1D, tf.Tensor4D];
      const { inputShape, strides, pad, activation } = attrs as unknown as ConvTransposeAffineAttrs;
      const outputGradient = Array.isArray(dy) ? dy[0]! : dy;
      const g = activation === 'relu' ? tf.mul(outputGradient, tf.step(y)) : outputGradient;
      // Made here, not in the closures: tfjs runs each closure in its own tidy.
      const du = tf.mul(g, scale) as tf.Tensor4D;
      return {
        x: () => tf.conv2d(du, filter, strides, pad),
        filter: () => tf.engine().runKernel(Conv2DBackpropFilter, { x: du, dy: x }, {
          strides, pad, dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape: filter.shape,
        } as unknown as NamedAttrMap) as tf.Tensor,
        scale: () => tf.sum(tf.mul(g, tf.conv2dTranspose(x, filter, inputShape, strides, pad)), [0, 1, 2]),
        shift: () => tf.sum(g, [0, 1, 2]),
      };
    },
  });
}
