import * as tf from '@tensorflow/tfjs-core';
import type { Params, PostProcess, PostProcessFactory } from '@attrib/core';
import { choiceParam, integerParam, ParamTable, type ParamValues } from './params.js';

/**
 * Parameters of {@link jpegCodecFactory}: JPEG `quality` (1..100, default 75, what the
 * reference's Pillow step uses) and `chromaSubsampling` ('4:2:0', Pillow's and libjpeg's
 * default, or '4:4:4'). Grey images are coded as greyscale JPEG, where subsampling does not apply.
 */
export const jpegCodecParams = new ParamTable({
  quality: integerParam(75, 'an integer in [1, 100]', (n) => n >= 1 && n <= 100),
  chromaSubsampling: choiceParam<'4:2:0' | '4:4:4'>('4:2:0', ['4:2:0', '4:4:4']),
});
export type JpegCodecParams = ParamValues<typeof jpegCodecParams.specs>;

/** [-1, 1] to 8 bits: round((v + 1) * 127.5), clamped to [0, 255]. */
export function toUint8(value: number): number {
  return Math.min(255, Math.max(0, Math.round((value + 1) * 127.5)));
}

/** 8 bits to [-1, 1]: p / 127.5 - 1. */
export function fromUint8(value: number): number {
  return value / 127.5 - 1;
}

/** sharp, loaded on first use rather than with the package: a native library only the codec needs. */
async function loadSharp(): Promise<typeof import('sharp')> {
  return (await import('sharp')).default;
}

/** Encodes 8-bit HWC pixels as JPEG bytes with sharp (libvips): 1 channel as greyscale JPEG, 3 as YCbCr. */
export async function encodeJpeg(
  pixels: Uint8Array,
  shape: { height: number; width: number; channels: 1 | 3 },
  quality: number,
  chromaSubsampling: '4:2:0' | '4:4:4',
): Promise<Buffer> {
  const { height, width, channels } = shape;
  const sharp = await loadSharp();
  const input = sharp(Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength), { raw: { width, height, channels } });
  // Without this, sharp writes a grey image as a 3-component (YCbCr) JPEG.
  const coded = channels === 1 ? input.toColourspace('b-w') : input;
  return coded.jpeg({ quality, chromaSubsampling }).toBuffer();
}

/** Decodes JPEG bytes to 8-bit HWC pixels with `channels` channels. */
export async function decodeJpeg(bytes: Buffer, channels: 1 | 3): Promise<Uint8Array> {
  const sharp = await loadSharp();
  const decoder = sharp(bytes);
  const { data, info } = await (channels === 1 ? decoder.extractChannel(0) : decoder.removeAlpha())
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== channels) {
    throw new Error(`jpeg-codec: decoder returned ${info.channels} channels, expected ${channels}`);
  }
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * Real JPEG encode and decode of every image of a batch at `quality`: [-1, 1] is mapped to 8
 * bits (see {@link toUint8}), coded, decoded and mapped back. Not differentiable.
 */
export async function jpegRoundTrip(images: tf.Tensor4D, params: JpegCodecParams): Promise<tf.Tensor4D> {
  const [n, height, width, channels] = images.shape;
  if (channels !== 1 && channels !== 3) {
    throw new Error(`jpeg-codec: expects images with 1 or 3 channels, got ${channels}`);
  }
  const values = await images.data();
  const perImage = height * width * channels;
  const out = new Float32Array(values.length);
  for (let i = 0; i < n; i++) {
    const pixels = new Uint8Array(perImage);
    for (let k = 0; k < perImage; k++) pixels[k] = toUint8(values[i * perImage + k]!);
    const jpeg = await encodeJpeg(pixels, { height, width, channels }, params.quality, params.chromaSubsampling);
    const decoded = await decodeJpeg(jpeg, channels);
    for (let k = 0; k < perImage; k++) out[i * perImage + k] = fromUint8(decoded[k]!);
  }
  return tf.tensor4d(out, [n, height, width, channels]);
}

export class JpegCodecPostProcess implements PostProcess {
  readonly name = 'jpeg-codec';
  readonly differentiable = false;
  constructor(readonly params: JpegCodecParams & Params) {}

  apply(images: tf.Tensor4D): Promise<tf.Tensor4D> {
    return jpegRoundTrip(images, this.params);
  }
}

/** `jpeg-codec`: a real JPEG encode and decode (sharp), for evaluation. */
export const jpegCodecFactory: PostProcessFactory = {
  name: 'jpeg-codec',
  description: 'real JPEG encode and decode with sharp at a quality (default 75); not differentiable',
  defaults: jpegCodecParams.defaults,
  // WAVES: quality 90 down to 10.
  strength: { param: 'quality', weakest: 90, strongest: 10, integer: true },
  create: (params) => new JpegCodecPostProcess(jpegCodecParams.read('jpeg-codec', params)),
};
