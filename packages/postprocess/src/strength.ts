import type { PostProcessContext } from '@attrib/core';

/**
 * The strength of one call: `value` in evaluation, uniform in `range` in training (one draw per
 * call, that is per batch, like the other post-processes).
 */
export function drawStrength(value: number, range: readonly number[], ctx: PostProcessContext): number {
  if (ctx.mode === 'eval') return value;
  const [low, high] = range as [number, number];
  return low + (high - low) * ctx.rng.uniform();
}

/** A window of `length` samples at a uniform integer offset in [0, size - length], drawn from `ctx`. */
export function drawOffset(size: number, length: number, ctx: PostProcessContext): number {
  return ctx.rng.int(size - length + 1);
}
