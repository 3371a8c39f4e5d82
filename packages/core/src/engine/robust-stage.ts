import * as tf from '@tensorflow/tfjs-core';
import type { Generator } from '../contracts/generator.js';
import type { Key } from '../contracts/key.js';
import { formatShape, sameShape } from '../contracts/image.js';
import type { PostProcess } from '../contracts/post-process.js';
import { keyThroughPostProcess } from '../keys/key-through-post-process.js';
import { createRng } from '../util/rng.js';
import { Adam } from './adam.js';
import { epochBatchSizes } from './batches.js';
import { generatedScores, share } from './checks.js';
import type { EpochRecord, StageContext } from './context.js';
import { keyedHinge, lpDistance, meanAuthenticHinge } from './losses.js';
import { resolveOptions, type OptionsInput, type RobustStageOptions } from '../contracts/stage-options.js';
import { projectedTarget } from './projected-target.js';
import { minimize, prefixed, unprefixed } from './step.js';
import { WeightAverage } from './weight-average.js';
import { runUnit, startOf, type UnitLoop } from './unit-loop.js';

/** The state-store name of the unit making key `keyId`'s generator robust to `label`. */
export function robustUnit(label: string, keyId: string): string {
  return `robust/${label}/${keyId}`;
}

/** Prefix of the weight average in a unit's saved state. */
const AVERAGE = 'ema.generator';

export interface RobustResult {
  /** The fine-tuned generator, in `eval` mode. The caller disposes it. */
  readonly generator: Generator;
  readonly history: readonly EpochRecord[];
}

/**
 * Stage "robust" for one key (method.md, "Robust training against post-processes"): fine-tunes a
 * copy of the keyed generator `start` (in `train` mode by default; G0 in `eval`). Each step, with
 * probability `probability` (0.5), the post-process T, at a strength drawn for that step
 * (`mode: 'train'`), is applied to both G_i(z) and G0(z) — the same strength for both — before
 * both terms:
 *   L = h(1 + phi.T(G_i(z))) + alpha * MSE(T(G_i(z)), T(G0(z)))
 * Adam lr, betas (beta1, beta2), decay `lrDecay` (0.7) per epoch, as the release's fine-tuning.
 * With `othersWeight` w > 0 (not in the release) and `otherKeys` given, the loss gains
 *   w * mean_j h(1 - phi_j.T(G_i(z)))
 * over the other keys, so the samples stay authentic under them (attributability asks for both).
 *
 * With `objective` `projected` (issue 21) the distance term is alpha * MSE(G_i(z), x*) on the
 * generator's own images, x* the projection of G0(z) onto { x in [-1, 1]^d : psi.x <=
 * -projectionMargin }, psi = A^T phi (A the linear part of the step's T, same strength) when the
 * step applies T and psi = phi when it does not: x* is the least change of the root's image
 * whose post-processed version the key claims, and the term no longer lets through what T
 * hides (a blur hides stripes). T then needs a linear part (`PostProcess.linearPart`).
 * `trainMode` sets the generator's mode during the steps (`train`, the release; `eval`: batch
 * norm frozen). With `ema` d > 0 (not in the release) the checks and the result use a moving
 * average of the weights ({@link WeightAverage}).
 * T must be differentiable (and synchronous); anything else is rejected before training. The
 * report gives the share of `checkSamples` samples with phi.G_i(z) <= -1, without T and with T
 * at evaluation strength.
 */
export async function trainRobustGenerator(
  ctx: StageContext,
  key: Key,
  start: Generator,
  postProcess: PostProcess,
  input: OptionsInput<RobustStageOptions> = {},
  label: string = postProcess.name,
  otherKeys: readonly Key[] = [],
): Promise<RobustResult> {
  const options = resolveOptions('robust', input);
  if (!postProcess.differentiable) {
    throw new Error(`post-process ${postProcess.name} is not differentiable; robust training needs one that gradients can flow through`);
  }
  const { root, data } = ctx;
  for (const [what, shape] of [['key ' + key.id, key.shape], ['generator', start.imageShape], ...otherKeys.map((k) => ['key ' + k.id, k.shape] as const)] as const) {
    if (!sameShape(shape, root.imageShape)) throw new Error(`${what} belongs to ${formatShape(shape)} images; the root generator makes ${formatShape(root.imageShape)}`);
  }
  const projected = options.objective === 'projected';
  if (projected && !postProcess.linearPart) {
    throw new Error(`robust objective projected: post-process ${postProcess.name} has no linear part (T(x) = A x, up to additive noise); use objective hinge`);
  }
  root.setMode('eval');
  const withOthers = options.othersWeight > 0 && otherKeys.length > 0;
  const unit = robustUnit(label, key.id);
  const unitRng = ctx.rng.fork('robust').fork(label).fork(key.id);
  const generator = start.clone();
  const optimizer = new Adam(generator.trainableVariables, { lr: options.lr, beta1: options.beta1, beta2: options.beta2 });
  const average = options.ema > 0 ? new WeightAverage(generator.trainableVariables, options.ema) : undefined;
  const transform = (images: tf.Tensor4D, seed: number): tf.Tensor4D => {
    const out = postProcess.apply(images, { mode: 'train', rng: createRng(seed) });
    if (out instanceof Promise) throw new Error(`post-process ${postProcess.name} returned a promise; robust training needs a synchronous, differentiable one`);
    return out;
  };
  const keyValues = projected ? Float32Array.from(key.vector.dataSync() as Float32Array) : undefined;
  const otherValues = projected && options.othersMargin > 0 ? otherKeys.map((k) => Float32Array.from(k.vector.dataSync() as Float32Array)) : [];
  /** The distance term's target: G0(z), T(G0(z)) (hinge), or its projection x* (projected). */
  const targetOf = (rootImages: tf.Tensor4D, applied: boolean, seed: number): tf.Tensor4D => {
    if (!keyValues) return applied ? transform(rootImages, seed) : rootImages;
    const through = (phi: Float32Array): Float32Array => (applied ? keyThroughPostProcess(phi, root.imageShape, postProcess, { mode: 'train', rng: createRng(seed) }) : phi);
    // { psi_j.x >= m } is the keyed side of -psi_j with margin m. One projection after another
    // lands where all of them hold only for orthogonal directions and no clip to [-1, 1] (the
    // keys are orthogonal, their images through A need not be); the own key's comes last and
    // always holds, the others' nearly.
    const authentic = otherValues.reduce((images, phi) => projectedTarget(images, through(phi).map((v) => -v), options.othersMargin), rootImages);
    return projectedTarget(authentic, through(keyValues), options.projectionMargin);
  };
  try {
    const saved = await ctx.store?.load(unit);
    if (saved) {
      try {
        generator.loadState(unprefixed('generator', saved.tensors));
        optimizer.loadState('adam.generator', saved.tensors);
        average?.loadState(AVERAGE, saved.tensors);
      } finally {
        tf.dispose(Object.values(saved.tensors));
      }
    }
    const loop: UnitLoop<number> = {
      stage: 'robust',
      unit,
      epochs: options.epochs,
      beginEpoch(epoch) {
        optimizer.lr = options.lr * options.lrDecay ** epoch;
        generator.setMode(options.trainMode);
      },
      plan: () => epochBatchSizes(data.size, options.batchSize, options.stepsPerEpoch),
      step(n, streams) {
        const applied = streams.postProcess.uniform() < options.probability;
        const seed = streams.postProcess.seed();
        const losses = tf.tidy(() => {
          const z = generator.sampleInputs(n, streams.inputs);
          const target = targetOf(root.generate(z), applied, seed);
          const terms = minimize(optimizer, (): Record<string, tf.Scalar> => {
            const generated = generator.generate(z);
            const images = applied ? transform(generated, seed) : generated;
            const hinge = keyedHinge(key.score(images));
            const distance = lpDistance(projected ? generated : images, target, options.lp);
            const total: tf.Scalar = tf.add(hinge, tf.mul(options.alpha, distance));
            if (!withOthers) return { hinge, distance, total };
            const others = meanAuthenticHinge(otherKeys.map((k) => k.score(images)));
            return { hinge, distance, others, total: tf.add(total, tf.mul(options.othersWeight, others)) as tf.Scalar };
          });
          return { ...terms, applied: applied ? 1 : 0 };
        });
        average?.update();
        return losses;
      },
      async endEpoch(_epoch, streams) {
        generator.setMode('eval');
        average?.swapIn();
        try {
          const plain = await generatedScores(generator, key, options.checkSamples, streams.check);
          const processed = await generatedScores(generator, key, options.checkSamples, streams.check, postProcess);
          return { report: { keyedShare: share(plain, (s) => s <= -1), keyedShareProcessed: share(processed, (s) => s <= -1) } };
        } finally {
          average?.restore();
          generator.setMode(options.trainMode);
        }
      },
      snapshot: () => ({ ...prefixed('generator', generator.state()), ...optimizer.state('adam.generator'), ...(average?.state(AVERAGE) ?? {}) }),
      extraMeta: () => ({ postProcess: { name: postProcess.name, params: postProcess.params } }),
    };
    const history = await runUnit(ctx, loop, unitRng, startOf(saved, options.epochs));
    average?.applyToVariables();
    generator.setMode('eval');
    return { generator, history };
  } catch (error) {
    generator.dispose();
    throw error;
  } finally {
    optimizer.dispose();
    average?.dispose();
  }
}
