/**
 * A per-output-channel map applied to the transposed convolution's output inside the kernel,
 * then an activation: `activation(out * scale + shift)`. The scale is folded into the filter
 * (kept with it, see keptFilters), the shift is the convolutions' bias.
 */
export interface ChannelAffine {
  readonly scale: Float32Array;
  readonly shift: Float32Array;
  readonly activation: 'linear' | 'relu';
}

/** The values a filter derived under `affine` depends on besides the filter. */
export function affineVariant(affine: ChannelAffine): Float32Array {
  const values = new Float32Array(affine.scale.length + affine.shift.length);
  values.set(affine.scale);
  values.set(affine.shift, affine.scale.length);
  return values;
}

/** Per channel, what {@link mapped} makes of 0: the value of an output no filter tap reaches. */
export function mappedZero(affine: ChannelAffine): Float32Array {
  return Float32Array.from(affine.shift, (_, c) => mapped(0, c, affine));
}

/** `activation(value * scale + shift)` for one output. */
export function mapped(value: number, c: number, affine: ChannelAffine): number {
  const v = value * affine.scale[c]! + affine.shift[c]!;
  return affine.activation === 'relu' && !(v > 0) ? 0 : v;
}

