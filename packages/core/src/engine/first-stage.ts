import * as tf from '@tensorflow/tfjs-core';
import type { Generator } from '../contracts/generator.js';
import { LinearKey } from '../keys/linear-key.js';
import { Adam } from './adam.js';
import { BestEpoch } from './best-epoch.js';
import { WeightAverage } from './weight-average.js';
import { generatedScores, realScores, share } from './checks.js';
import type { EpochRecord, StageContext } from './context.js';
import { authenticHinge, ceilingHinge, keyedHinge, lpDistance, unitNormPenalty } from './losses.js';
import { resolveOptions, type FirstStageOptions, type OptionsInput } from '../contracts/stage-options.js';
import { epochBatches } from './batches.js';
import { projectedTarget } from './projected-target.js';
import { minimize, prefixed, unprefixed } from './step.js';
import { runUnit, startOf, type UnitLoop } from './unit-loop.js';

/** The state-store name of the first stage. */
export const FIRST_UNIT = 'first';

/** Prefix of the weight average in the unit's saved state. */
const AVERAGE = 'ema.generator';

export interface FirstStageResult {
  /** phi_1 (HWC). The caller disposes it. */
  readonly key: LinearKey;
  /** G_1, in `eval` mode. The caller disposes it. */
  readonly generator: Generator;
  readonly history: readonly EpochRecord[];
  /** With `keepBest`: the epoch (0-based) whose key and generator these are. */
  readonly keptEpoch?: number;
}

/**
 * Stage "first" (method.md, "Step 1 and 2"): the first key phi_1 and generator G_1 (a copy of G0)
 * trained jointly. Each batch takes a key step,
 *   L_K = h(1 - phi.x) + h(1 - phi.G0(z)) + h(1 + phi.G1(z))   [+ |1 - ||phi||| in theory mode]
 *         [+ h(phi.x - c) + h(phi.G0(z) - c) with `scoreCeiling` c > 0, not in the release]
 * (Adam lr_K, PyTorch betas), then a generator step on fresh inputs,
 *   L_G = h(1 + phi.G1(z)) + alpha * MSE(G1(z), G0(z))   (L1 when lp = 1)
 * (Adam lr, betas (beta1, beta2)); with objective `projected` the distance is to x*, G0(z)
 * projected onto the current key's keyed side (see `GeneratorStageOptions`), and with `trainMode`
 * `eval` G1 trains with batch norm frozen. Both rates decay by `lrDecay` after every epoch. G1 is in `train`
 * mode throughout (its key-step forward pass also updates batch-norm running statistics, as in the
 * release), G0 in `eval` mode. The key starts from N(0, I), or at unit norm in theory mode.
 * After each epoch the report gives the share of `checkSamples` (2,000) G1 samples, in `eval`
 * mode, with phi.G1(z) <= -1, and the distinguishability of the pair (over those samples and up
 * to 1,000 real images). With `keepBest` the stage ends at the key and generator of the epoch with
 * the highest distinguishability. Resumes from `ctx.store` when a state is saved there.
 */
export async function trainFirstStage(
  ctx: StageContext,
  input: OptionsInput<FirstStageOptions> = {},
  keyId = 'key-1',
): Promise<FirstStageResult> {
  const options = resolveOptions('first', input);
  const { root, data } = ctx;
  root.setMode('eval');
  const unitRng = ctx.rng.fork(FIRST_UNIT);
  const key = LinearKey.random(keyId, root.imageShape, unitRng.fork('init'), options.theory);
  const generator = root.clone();
  const keyOptimizer = new Adam([key.vector], { lr: options.lrKey, beta1: 0.9, beta2: 0.999 });
  const generatorOptimizer = new Adam(generator.trainableVariables, { lr: options.lr, beta1: options.beta1, beta2: options.beta2 });
  const best = new BestEpoch();
  const average = options.ema > 0 ? new WeightAverage(generator.trainableVariables, options.ema) : undefined;
  try {
    const saved = await ctx.store?.load(FIRST_UNIT);
    if (saved) {
      try {
        key.vector.assign(saved.tensors.key as tf.Tensor1D);
        generator.loadState(unprefixed('generator', saved.tensors));
        keyOptimizer.loadState('adam.key', saved.tensors);
        generatorOptimizer.loadState('adam.generator', saved.tensors);
        best.restore(saved.tensors, saved.meta);
        average?.loadState(AVERAGE, saved.tensors);
      } finally {
        tf.dispose(Object.values(saved.tensors));
      }
    }
    const loop: UnitLoop<number[]> = {
      stage: 'first',
      unit: FIRST_UNIT,
      epochs: options.epochs,
      beginEpoch(epoch) {
        keyOptimizer.lr = options.lrKey * options.lrDecay ** epoch;
        generatorOptimizer.lr = options.lr * options.lrDecay ** epoch;
        generator.setMode(options.trainMode);
      },
      plan: (_epoch, streams) => epochBatches(data.size, options.batchSize, streams.order, options.stepsPerEpoch),
      step(indices, streams) {
        const n = indices.length;
        const keyTerms = tf.tidy(() => {
          const real = data.read(indices);
          const z = generator.sampleInputs(n, streams.inputs);
          const keyed = generator.generate(z);
          const authentic = root.generate(z);
          return minimize(keyOptimizer, () => {
            const realScores = key.score(real);
            const rootScores = key.score(authentic);
            const terms: Record<string, tf.Scalar> = {
              real: authenticHinge(realScores),
              root: authenticHinge(rootScores),
              keyed: keyedHinge(key.score(keyed)),
            };
            if (options.scoreCeiling > 0) terms.ceiling = tf.add(ceilingHinge(rootScores, options.scoreCeiling), ceilingHinge(realScores, options.scoreCeiling));
            if (options.theory) terms.norm = unitNormPenalty(key.vector);
            terms.total = Object.values(terms).reduce((a, b) => tf.add(a, b));
            return terms;
          });
        });
        const generatorTerms = tf.tidy(() => {
          const z = generator.sampleInputs(n, streams.inputs);
          const authentic = root.generate(z);
          const target = options.objective === 'projected'
            ? projectedTarget(authentic, key.vector.dataSync() as Float32Array, options.projectionMargin)
            : authentic;
          return minimize(generatorOptimizer, () => {
            const images = generator.generate(z);
            const hinge = keyedHinge(key.score(images));
            const distance = lpDistance(images, target, options.lp);
            return { hinge, distance, total: tf.add(hinge, tf.mul(options.alpha, distance)) };
          });
        });
        average?.update();
        return {
          key: keyTerms.total!, keyReal: keyTerms.real!, keyRoot: keyTerms.root!, keyKeyed: keyTerms.keyed!,
          ...(options.theory ? { keyNorm: keyTerms.norm! } : {}),
          generator: generatorTerms.total!, generatorHinge: generatorTerms.hinge!, generatorDistance: generatorTerms.distance!,
        };
      },
      async endEpoch(epoch, streams) {
        generator.setMode('eval');
        average?.swapIn();
        try {
          const scores = await generatedScores(generator, key, options.checkSamples, streams.check);
          const real = await realScores(data, key, 1000, streams.check.fork('real'));
          const distinguishability = (share(real, (s) => s > 0) + share(scores, (s) => s < 0)) / 2;
          if (options.keepBest) best.offer(epoch, distinguishability, () => ({ key: key.vector.clone(), ...prefixed('generator', generator.state()) }));
          const keyNorm = tf.tidy(() => tf.norm(key.vector).dataSync()[0]!);
          return { report: { keyedShare: share(scores, (s) => s <= -1), distinguishability, keyNorm } };
        } finally {
          average?.restore();
          generator.setMode(options.trainMode);
        }
      },
      snapshot: () => ({
        key: key.vector.clone(),
        ...prefixed('generator', generator.state()),
        ...keyOptimizer.state('adam.key'),
        ...generatorOptimizer.state('adam.generator'),
        ...best.snapshot(),
        ...(average?.state(AVERAGE) ?? {}),
      }),
      extraMeta: () => ({ keyId, ...best.meta() }),
    };
    const history = await runUnit(ctx, loop, unitRng, startOf(saved, options.epochs));
    if (best.epoch >= 0 && best.epoch !== history.length - 1) {
      key.vector.assign(best.kept.key as tf.Tensor1D);
      generator.loadState(unprefixed('generator', best.kept));
    } else if (best.epoch >= 0 && average) {
      generator.loadState(unprefixed('generator', best.kept));
    } else average?.applyToVariables();
    generator.setMode('eval');
    return { key, generator, history, ...(best.epoch >= 0 ? { keptEpoch: best.epoch } : {}) };
  } catch (error) {
    key.dispose();
    generator.dispose();
    throw error;
  } finally {
    keyOptimizer.dispose();
    generatorOptimizer.dispose();
    best.dispose();
    average?.dispose();
  }
}
