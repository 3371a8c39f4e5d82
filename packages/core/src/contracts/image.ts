/**
 * Shape of one image. Tensors of images are always NHWC (TensorFlow.js order) with values in
 * [-1, 1]; the reference PyTorch release is NCHW, and anything that crosses that border says so.
 */
export interface ImageShape {
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

/**
 * The order in which a flat vector indexes the pixels of one image.
 * - `HWC`: row, column, channel (how an NHWC tensor flattens; the in-memory order of attrib keys).
 * - `CHW`: channel, row, column (how the reference release flattens NCHW images and stores keys).
 */
export type FlattenOrder = 'HWC' | 'CHW';

/** Number of entries of one flattened image: height * width * channels. */
export function imageSize(shape: ImageShape): number {
  return shape.height * shape.width * shape.channels;
}

/** `32x32x1`: how shapes are printed in messages and file names. */
export function formatShape(shape: ImageShape): string {
  return `${shape.height}x${shape.width}x${shape.channels}`;
}

export function sameShape(a: ImageShape, b: ImageShape): boolean {
  return a.height === b.height && a.width === b.width && a.channels === b.channels;
}
