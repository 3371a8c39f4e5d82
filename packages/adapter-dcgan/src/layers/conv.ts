import * as tf from '@tensorflow/tfjs-core';
import { convTranspose2dAffine, type AffineActivation } from '@attrib/core';

/**
 * Geometry of a square 2-D convolution or transposed convolution, in PyTorch's terms
 * (`nn.Conv2d` / `nn.ConvTranspose2d` with `kernel_size`, `stride`, `padding`, no bias).
 */
export interface ConvGeometry {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernel: number;
  readonly stride: number;
  readonly padding: number;
}

/** Output side of PyTorch's ConvTranspose2d: (in - 1) * stride - 2 * padding + kernel. */
export function convTransposeOutputSize(inSize: number, g: ConvGeometry): number {
  return (inSize - 1) * g.stride - 2 * g.padding + g.kernel;
}

/** Output side of PyTorch's Conv2d: floor((in + 2 * padding - kernel) / stride) + 1. */
export function convOutputSize(inSize: number, g: ConvGeometry): number {
  return Math.floor((inSize + 2 * g.padding - g.kernel) / g.stride) + 1;
}

/**
 * A per-output-channel map and activation applied to a transposed convolution's output (batch
 * norm in evaluation mode and ReLU), run as one kernel where the backend has it.
 */
export interface ChannelMap {
  readonly scale: tf.Tensor1D;
  readonly shift: tf.Tensor1D;
  readonly activation: AffineActivation;
}

/**
 * PyTorch's ConvTranspose2d on NHWC input. `filter` is in TensorFlow's conv2dTranspose layout
 * [kh, kw, out, in]. PyTorch's `padding` p removes p rows and columns from each border of the
 * full ("valid") transposed convolution; when 2p = kernel - stride that is exactly TensorFlow's
 * 'same' padding, which avoids the slice. With `map`, `activation(out * scale + shift)`.
 */
export function convTranspose2d(x: tf.Tensor4D, filter: tf.Tensor4D, g: ConvGeometry, map?: ChannelMap): tf.Tensor4D {
  const transposed = (outputShape: [number, number, number, number], pad: 'same' | 'valid'): tf.Tensor4D =>
    map === undefined
      ? tf.conv2dTranspose(x, filter, outputShape, g.stride, pad)
      : convTranspose2dAffine(x, filter, outputShape, g.stride, pad, map.scale, map.shift, map.activation);
  return tf.tidy(() => {
    const [n, h, w] = x.shape;
    const outH = convTransposeOutputSize(h, g);
    const outW = convTransposeOutputSize(w, g);
    if (g.padding === 0) return transposed([n, outH, outW, g.outChannels], 'valid');
    if (2 * g.padding === g.kernel - g.stride && outH === h * g.stride && outW === w * g.stride) {
      return transposed([n, outH, outW, g.outChannels], 'same');
    }
    const full = transposed([n, outH + 2 * g.padding, outW + 2 * g.padding, g.outChannels], 'valid');
    return tf.slice(full, [0, g.padding, g.padding, 0], [n, outH, outW, g.outChannels]);
  });
}

/** PyTorch's Conv2d (zero padding, no bias) on NHWC input; `filter` is TensorFlow's [kh, kw, in, out]. */
export function conv2d(x: tf.Tensor4D, filter: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  const p = g.padding;
  const pad: 'valid' | [[number, number], [number, number], [number, number], [number, number]] =
    p === 0 ? 'valid' : [[0, 0], [p, p], [p, p], [0, 0]];
  return tf.conv2d(x, filter, g.stride, pad);
}

/** PyTorch ConvTranspose2d weight [in, out, kh, kw] to TensorFlow's conv2dTranspose filter [kh, kw, out, in]. */
export function convTransposeWeightFromTorch(weight: tf.Tensor): tf.Tensor4D {
  return tf.transpose(weight, [2, 3, 1, 0]) as tf.Tensor4D;
}

/** TensorFlow's conv2dTranspose filter [kh, kw, out, in] to PyTorch's ConvTranspose2d weight [in, out, kh, kw]. */
export function convTransposeWeightToTorch(filter: tf.Tensor): tf.Tensor4D {
  return tf.transpose(filter, [3, 2, 0, 1]) as tf.Tensor4D;
}

/** PyTorch Conv2d weight [out, in, kh, kw] to TensorFlow's conv2d filter [kh, kw, in, out]. */
export function convWeightFromTorch(weight: tf.Tensor): tf.Tensor4D {
  return tf.transpose(weight, [2, 3, 1, 0]) as tf.Tensor4D;
}

/** TensorFlow's conv2d filter [kh, kw, in, out] to PyTorch's Conv2d weight [out, in, kh, kw]. */
export function convWeightToTorch(filter: tf.Tensor): tf.Tensor4D {
  return tf.transpose(filter, [3, 2, 0, 1]) as tf.Tensor4D;
}
