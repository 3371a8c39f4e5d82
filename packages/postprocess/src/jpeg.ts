import * as tf from '@tensorflow/tfjs-core';
import type { Params, PostProcess, PostProcessFactory } from '@attrib/core';
import { BLOCK, dctBasis, RGB_TO_YUV, YUV_TO_RGB, zigzagMask } from './dct.js';
import { listParam, ParamTable, type ParamValues } from './params.js';

/**
 * Parameters of {@link jpegFactory}: `coefficients`, how many DCT coefficients of each 8x8 block
 * are kept in zig-zag order for Y, U and V ([25, 9, 9], the reference's). Training and evaluation
 * are the same (the approximation has no random strength).
 */
export const jpegParams = new ParamTable({
  coefficients: listParam([25, 9, 9], 'three integers in [0, 64] (kept for Y, U, V)', (n) => Number.isInteger(n) && n >= 0 && n <= 64, 3),
});
export type JpegParams = ParamValues<typeof jpegParams.specs>;

/** `x . M^T` over the channel axis of NHWC images, as a 1x1 convolution. */
function mixChannels(images: tf.Tensor4D, matrix: readonly number[]): tf.Tensor4D {
  const filter = tf.tensor4d(
    [0, 1, 2].flatMap((inC) => [0, 1, 2].map((outC) => matrix[outC * 3 + inC]!)),
    [1, 1, 3, 3],
  );
  return tf.conv2d(images, filter, 1, 'valid');
}

/**
 * The reference's differentiable JPEG approximation: grey images are repeated to 3 channels;
 * images are padded with zeros at the bottom and right to a multiple of 8; RGB to YUV; 2-D DCT
 * of each 8x8 block; only the first `coefficients[c]` coefficients of channel c (zig-zag order)
 * are kept; inverse DCT; YUV to RGB; the padding is cut off again. A grey input gets channel 0
 * (R) of the result back, as the reference does for MNIST. There is no quantisation and no
 * clamping, so values may leave [-1, 1] slightly, as in the reference.
 */
export function jpegApproximation(images: tf.Tensor4D, coefficients: readonly number[]): tf.Tensor4D {
  const [n, height, width, channels] = images.shape;
  if (channels !== 1 && channels !== 3) {
    throw new Error(`jpeg: expects images with 1 or 3 channels, got ${channels}`);
  }
  return tf.tidy(() => {
    const rgb = channels === 1 ? tf.tile(images, [1, 1, 1, 3]) : images;
    const padBottom = (BLOCK - (height % BLOCK)) % BLOCK;
    const padRight = (BLOCK - (width % BLOCK)) % BLOCK;
    const padded = tf.pad(rgb, [[0, 0], [0, padBottom], [0, padRight], [0, 0]]);
    const yuv = mixChannels(padded, RGB_TO_YUV);

    const rowsOfBlocks = (height + padBottom) / BLOCK;
    const colsOfBlocks = (width + padRight) / BLOCK;
    const blockCount = n * rowsOfBlocks * colsOfBlocks;
    // [n, by, 8, bx, 8, c] -> [c, n, by, bx, 8, 8] -> one row of 64 pixels per block and channel.
    const blocks = tf.reshape(
      tf.transpose(tf.reshape(yuv, [n, rowsOfBlocks, BLOCK, colsOfBlocks, BLOCK, 3]), [5, 0, 1, 3, 2, 4]),
      [3, blockCount, BLOCK * BLOCK],
    );
    const basis = tf.tensor2d(dctBasis(), [BLOCK * BLOCK, BLOCK * BLOCK]);
    const filtered = tf.unstack(blocks).map((channelBlocks, c) => {
      const dct = tf.matMul(channelBlocks, basis, false, true);
      const kept = tf.mul(dct, tf.tensor1d(zigzagMask(coefficients[c]!)));
      return tf.matMul(kept, basis);
    });
    const restored = tf.transpose(
      tf.reshape(tf.stack(filtered), [3, n, rowsOfBlocks, colsOfBlocks, BLOCK, BLOCK]),
      [1, 2, 4, 3, 5, 0],
    );
    const yuvOut = tf.reshape(restored, [n, height + padBottom, width + padRight, 3]) as tf.Tensor4D;
    const rgbOut = tf.slice(mixChannels(yuvOut, YUV_TO_RGB), [0, 0, 0, 0], [n, height, width, 3]);
    return channels === 1 ? tf.slice(rgbOut, [0, 0, 0, 0], [n, height, width, 1]) : rgbOut;
  });
}

export class JpegPostProcess implements PostProcess {
  readonly name = 'jpeg';
  readonly differentiable = true;
  constructor(readonly params: JpegParams & Params) {}

  apply(images: tf.Tensor4D): tf.Tensor4D {
    return jpegApproximation(images, this.params.coefficients);
  }

  /** The approximation is linear (no offsets, quantisation or clamping): T itself. */
  linearPart(images: tf.Tensor4D): tf.Tensor4D {
    return this.apply(images);
  }
}

/** `jpeg`: the differentiable 8x8-DCT approximation of JPEG, the reference's "Jpeg" post-process. */
export const jpegFactory: PostProcessFactory = {
  name: 'jpeg',
  description: 'differentiable JPEG approximation: YUV, 8x8 DCT, keep 25/9/9 zig-zag coefficients, inverse',
  defaults: jpegParams.defaults,
  create: (params) => new JpegPostProcess(jpegParams.read('jpeg', params)),
};
