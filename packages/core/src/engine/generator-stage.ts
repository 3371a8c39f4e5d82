import * as tf from '@tensorflow/tfjs-core';
import type { Generator } from '../contracts/generator.js';
import type { Key } from '../contracts/key.js';
import type { Rng } from '../contracts/rng.js';
import { formatShape, sameShape } from '../contracts/image.js';
import { Adam } from './adam.js';
import { BestEpoch } from './best-epoch.js';
import { epochBatchSizes } from './batches.js';
import { generatedScoresByKey, realScores, share } from './checks.js';
import type { EpochRecord, StageContext } from './context.js';
import { keyedHinge, lpDistance, meanAuthenticHinge, shiftRegression } from './losses.js';
import { resolveOptions, type GeneratorStageOptions, type OptionsInput } from '../contracts/stage-options.js';
import { projectedTarget } from './projected-target.js';
import { minimize, prefixed, unprefixed } from './step.js';
import { runUnit, startOf, type EpochStreams, type UnitLoop } from './unit-loop.js';
import { WeightAverage } from './weight-average.js';

/** Prefix of the weight average in a unit's saved state. */
const AVERAGE = 'ema.generator';

/** The state-store name of the unit training the generator of key `keyId`. */
export function generatorUnit(keyId: string): string {
  return `generators/${keyId}`;
}

export interface KeyedGeneratorResult {
  /** G_i in `eval` mode. The caller disposes it. */
  readonly generator: Generator;
  readonly history: readonly EpochRecord[];
  /** The final gamma of the `shift` objective. */
  readonly gamma?: number;
  /** With `keepBest`: the epoch (0-based) whose weights the generator has. */
  readonly keptEpoch?: number;
}

/**
 * Stage "generators" for one key (method.md, "A generator per key"): G_i starts as a copy of G0
 * and is trained in `train` mode (G0 in `eval`), Adam lr with betas (beta1, beta2), decay
 * `lrDecay` (0.7) per epoch. An epoch has as many steps as a pass over the data would (real
 * images themselves are not used), each on fresh inputs.
 *
 * - objective `hinge` (default, the release): L = h(1 + phi.G_i(z)) + alpha * MSE(G_i(z), G0(z))
 *   (L1 when lp = 1).
 * - objective `projected` (issue 21): L = h(1 + phi.G_i(z)) + alpha * MSE(G_i(z), x*), x* the
 *   projection of G0(z) onto { x in [-1, 1]^d : phi.x <= -projectionMargin }: the distance term
 *   pulls towards the smallest change the key claims rather than towards the root.
 *   `trainMode` `eval` trains with batch norm frozen at the running statistics.
 * - with `othersWeight` w > 0 (hinge and projected, not in the release) the loss also takes
 *   w * mean_j h(1 - phi_j.G_i(z)) over `earlierKeys`: the samples stay authentic under them.
 * - with `ema` d > 0 (not in the release) a moving average of the weights ({@link WeightAverage})
 *   follows the steps; the end-of-epoch checks, `keepBest` and the result use the average.
 * - objective `shift` (the paper's Eq. 10, Algorithm 1): L = mean (G_i(z) - (G0(z) - gamma u))^2,
 *   u = phi / ||phi||; gamma starts at d_max = max_x |u . x| over the data and is multiplied by
 *   `shift.growth` (1.1) after every epoch whose check misses 1 - `shift.delta` (0.99)
 *   distinguishability; with `shift.stopWhenDistinguishable` the unit ends at the first epoch that
 *   reaches it. A direct regression target, it converges in far fewer steps than the hinge.
 *
 * After each epoch (G_i in `eval` mode) the report gives `keyedShare`, the share of
 * `checkSamples` (2,000) samples with phi.G_i(z) <= -1 as the release prints, and
 * `distinguishability` = 1/2 [P(phi.x > 0) over up to 1,000 real images + P(phi.G_i(z) < 0)].
 * (The release measures its share with the generator still in train mode; we measure what the
 * evaluation measures.) With `keepBest` the generator ends at the weights of the epoch whose check
 * had the highest distinguishability (not in the release, which keeps the last epoch's). Given
 * `earlierKeys` (the run's keys before this one), that check also counts a sample scoring <= 0
 * under any of them as a miss, as attributability does, and reports the share of samples left
 * `attributable`: the first key, trained against its own generator's samples, is the one that
 * claims other generators' samples when they drift from the root.
 */
export async function trainKeyedGenerator(
  ctx: StageContext,
  key: Key,
  input: OptionsInput<GeneratorStageOptions> = {},
  earlierKeys: readonly Key[] = [],
): Promise<KeyedGeneratorResult> {
  const options = resolveOptions('generators', input);
  const { root, data } = ctx;
  if (!sameShape(key.shape, root.imageShape)) {
    throw new Error(`key ${key.id} belongs to ${formatShape(key.shape)} images; the root generator makes ${formatShape(root.imageShape)}`);
  }
  root.setMode('eval');
  const unit = generatorUnit(key.id);
  const unitRng = ctx.rng.fork('generators').fork(key.id);
  const generator = root.clone();
  const optimizer = new Adam(generator.trainableVariables, { lr: options.lr, beta1: options.beta1, beta2: options.beta2 });
  const direction = tf.tidy(() => tf.div(key.vector, tf.norm(key.vector)) as tf.Tensor1D);
  const best = new BestEpoch();
  const average = options.ema > 0 ? new WeightAverage(generator.trainableVariables, options.ema) : undefined;
  try {
    const saved = await ctx.store?.load(unit);
    if (saved) {
      try {
        generator.loadState(unprefixed('generator', saved.tensors));
        optimizer.loadState('adam.generator', saved.tensors);
        best.restore(saved.tensors, saved.meta);
        average?.loadState(AVERAGE, saved.tensors);
      } finally {
        tf.dispose(Object.values(saved.tensors));
      }
    }
    const shift = options.objective === 'shift';
    const projected = options.objective === 'projected';
    const keyValues = projected ? Float32Array.from(key.vector.dataSync() as Float32Array) : undefined;
    let gamma = saved?.meta.gamma !== undefined ? Number(saved.meta.gamma) : shift ? await largestProjection(ctx, direction, options.shift.dmaxSamples, unitRng) : 0;
    const realPositive = share(await realScores(data, key, 1000, unitRng.fork('real-check')), (s) => s > 0);
    const loop: UnitLoop<number> = {
      stage: 'generators',
      unit,
      epochs: options.epochs,
      beginEpoch(epoch) {
        optimizer.lr = options.lr * options.lrDecay ** epoch;
        generator.setMode(options.trainMode);
      },
      plan: () => epochBatchSizes(data.size, options.batchSize, options.stepsPerEpoch),
      step(n, streams) {
        const losses = tf.tidy(() => {
          const z = generator.sampleInputs(n, streams.inputs);
          const authentic = root.generate(z);
          const target = keyValues ? projectedTarget(authentic, keyValues, options.projectionMargin) : authentic;
          return minimize(optimizer, (): Record<string, tf.Scalar> => {
            const images = generator.generate(z);
            if (shift) return { total: shiftRegression(images, authentic, direction, gamma) };
            const hinge = keyedHinge(key.score(images));
            const distance = lpDistance(images, target, options.lp);
            const total = tf.add(hinge, tf.mul(options.alpha, distance)) as tf.Scalar;
            if (options.othersWeight === 0 || earlierKeys.length === 0) return { hinge, distance, total };
            const others = meanAuthenticHinge(earlierKeys.map((k) => k.score(images)));
            return { hinge, distance, others, total: tf.add(total, tf.mul(options.othersWeight, others)) as tf.Scalar };
          });
        });
        average?.update();
        return losses;
      },
      async endEpoch(epoch, streams) {
        generator.setMode('eval');
        average?.swapIn();
        try {
          return await checkEpoch(epoch, streams);
        } finally {
          average?.restore();
          generator.setMode(options.trainMode);
        }
      },
      snapshot: () => ({
        ...prefixed('generator', generator.state()), ...optimizer.state('adam.generator'), ...best.snapshot(), ...(average?.state(AVERAGE) ?? {}),
      }),
      extraMeta: () => ({ ...(shift ? { gamma } : {}), ...best.meta() }),
    };
    async function checkEpoch(epoch: number, streams: EpochStreams): Promise<{ report: Record<string, number>; stop?: boolean }> {
      const [scores, ...earlier] = await generatedScoresByKey(generator, [key, ...earlierKeys], options.checkSamples, streams.check);
      const distinguishability = (realPositive + share(scores!, (s) => s < 0)) / 2;
      const report: Record<string, number> = { keyedShare: share(scores!, (s) => s <= -1), distinguishability };
      let score = distinguishability;
      if (earlier.length > 0) {
        let claimedByOwnOnly = 0;
        for (let i = 0; i < scores!.length; i++) if (scores![i]! < 0 && earlier.every((e) => e[i]! > 0)) claimedByOwnOnly += 1;
        const attributable = claimedByOwnOnly / scores!.length;
        report.attributable = attributable;
        score = (realPositive + attributable) / 2;
      }
      if (options.keepBest) best.offer(epoch, score, () => generator.state());
      if (!shift) return { report };
      report.gamma = gamma;
      const reached = distinguishability >= 1 - options.shift.delta;
      if (!reached) gamma *= options.shift.growth;
      return { report, stop: reached && options.shift.stopWhenDistinguishable };
    }
    const history = await runUnit(ctx, loop, unitRng, startOf(saved, options.epochs));
    if (best.epoch >= 0 && (average || best.epoch !== history.length - 1)) generator.loadState(best.kept);
    else average?.applyToVariables();
    generator.setMode('eval');
    return {
      generator, history, ...(shift ? { gamma } : {}), ...(best.epoch >= 0 ? { keptEpoch: best.epoch } : {}),
    };
  } catch (error) {
    generator.dispose();
    throw error;
  } finally {
    optimizer.dispose();
    direction.dispose();
    best.dispose();
    average?.dispose();
  }
}

/** d_max = max_x |u . x| over the data (or `samples` of it, drawn with `rng`). */
async function largestProjection(ctx: StageContext, direction: tf.Tensor1D, samples: number | undefined, rng: Rng): Promise<number> {
  const projection = {
    score: (images: tf.Tensor4D) =>
      tf.tidy(() => tf.squeeze(tf.matMul(tf.reshape(images, [images.shape[0], -1]), tf.reshape(direction, [-1, 1])), [1]) as tf.Tensor1D),
  };
  const scores = await realScores(ctx.data, projection, samples, rng.fork('dmax'));
  let largest = 0;
  for (const s of scores) largest = Math.max(largest, Math.abs(s));
  return largest;
}
