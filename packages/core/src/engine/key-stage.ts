import * as tf from '@tensorflow/tfjs-core';
import type { Key } from '../contracts/key.js';
import type { Rng } from '../contracts/rng.js';
import { formatShape, sameShape } from '../contracts/image.js';
import { LinearKey } from '../keys/linear-key.js';
import { OrthogonalComplement } from '../keys/orthogonal-complement.js';
import { Adam } from './adam.js';
import { realScores, share } from './checks.js';
import type { EpochRecord, StageContext } from './context.js';
import { authenticHinge, ceilingHinge, cosineTargetPenalty, orthogonalityPenalty, unitNormPenalty } from './losses.js';
import { resolveOptions, type KeyStageOptions, type OptionsInput } from '../contracts/stage-options.js';
import { epochBatches, epochBatchSizes } from './batches.js';
import { minimize } from './step.js';
import { epochStreams, runUnit, startOf, type UnitLoop } from './unit-loop.js';

/** The state-store name of the unit training key `keyId`. */
export function keyUnit(keyId: string): string {
  return `keys/${keyId}`;
}

/** The random stream of training attempt `attempt` (1, 2, ...) of key `keyId`, from the run's stream. */
export function keyAttemptStream(runRng: Rng, keyId: string, attempt: number): Rng {
  return runRng.fork('keys').fork(keyId).fork(`attempt-${attempt}`);
}

/**
 * What the root is fed in epoch `epoch` of a key's training attempt: a batch of `sizes[i]`
 * latents at step i, drawn one batch after another from `inputs`. Depends on the run's seed and
 * the data set's size only, not on any key, so the root's images can be made ahead of training.
 */
export function keyRootFeed(
  runRng: Rng, keyId: string, attempt: number, epoch: number, dataSize: number, options: Pick<KeyStageOptions, 'batchSize' | 'stepsPerEpoch'>,
): { sizes: number[]; inputs: Rng } {
  return {
    sizes: epochBatchSizes(dataSize, options.batchSize, options.stepsPerEpoch),
    inputs: epochStreams(keyAttemptStream(runRng, keyId, attempt), epoch).inputs,
  };
}

/**
 * The root's images of the key stage made ahead of time, e.g. in another thread while this one
 * trains something else: G0 on the latents of {@link keyRootFeed}, step by step.
 */
export interface KeyRootSamples {
  /**
   * The root's images at step `step` of epoch `epoch` of attempt `attempt` of key `keyId`, or
   * undefined when they were not made ahead (the stage then makes them itself). The caller
   * disposes them.
   */
  take(keyId: string, attempt: number, epoch: number, step: number): Promise<tf.Tensor4D | undefined>;
}

export interface KeyResult {
  /** The new key (HWC). The caller disposes it. */
  readonly key: LinearKey;
  /** Trainings it took (more than 1 only in theory mode). */
  readonly attempts: number;
  readonly history: readonly EpochRecord[];
}

/**
 * Stage "keys" for one key (method.md, "More keys"): a new key trained alone against the frozen
 * root and the real data, with the earlier keys fixed:
 *   L = angle term + h(1 - phi.G0(z)) + h(1 - phi.x)   [+ |1 - ||phi||| in theory mode]
 *       [+ h(phi.G0(z) - c) + h(phi.x - c) with `scoreCeiling` c > 0, not in the release]
 * where the angle term is sum_j |phi_j . phi| (`orthogonal`) or
 * sum_j cosineWeight * |cosineTarget - cos(phi_j, phi)| (`cosine`), or none with `exact`, where
 * the key is projected onto the orthogonal complement of the earlier keys at its start and after
 * every step. Adam lr_K with PyTorch's
 * betas, decay `lrDecay` (0.6) per epoch. The key starts from N(0, I); in theory mode it starts
 * at unit norm and, if its final norm is >= `normLimit`, is drawn and trained again, up to
 * `maxAttempts` trainings, after which this throws. The report gives the share of real images
 * (up to 1,000) with phi.x > 0, the norm, and the largest |cos| to an earlier key.
 * The root's images come from `rootSamples` where it has them (the same images: G0 is frozen and
 * its latents are drawn here all the same, keeping the stream in step); the rest are made here.
 */
export async function trainKey(
  ctx: StageContext,
  previous: readonly Key[],
  keyId: string,
  input: OptionsInput<KeyStageOptions> = {},
  rootSamples?: KeyRootSamples,
): Promise<KeyResult> {
  const options = resolveOptions('keys', input);
  const { root, data } = ctx;
  for (const other of previous) {
    if (!sameShape(other.shape, root.imageShape)) {
      throw new Error(`key ${other.id} belongs to ${formatShape(other.shape)} images; the root generator makes ${formatShape(root.imageShape)}`);
    }
  }
  root.setMode('eval');
  const unit = keyUnit(keyId);
  const saved = await ctx.store?.load(unit);
  let attempt = saved ? Number(saved.meta.attempt ?? 1) : 1;
  let state = saved;
  const others = previous.map((k) => k.vector as tf.Tensor1D);
  const complement = options.angleTerm === 'exact'
    ? new OrthogonalComplement(others.map((k) => k.dataSync()), others[0]?.size ?? 0)
    : undefined;
  try {
    for (;;) {
      const attemptRng = keyAttemptStream(ctx.rng, keyId, attempt);
      const key = LinearKey.random(keyId, root.imageShape, attemptRng.fork('init'), options.theory);
      const optimizer = new Adam([key.vector], { lr: options.lrKey, beta1: 0.9, beta2: 0.999 });
      try {
        if (state) {
          try {
            // A retry marker (epoch 0 of a new attempt) holds no tensors: the key is drawn afresh.
            if (state.tensors.key) {
              key.vector.assign(state.tensors.key as tf.Tensor1D);
              optimizer.loadState('adam.key', state.tensors);
            }
          } finally {
            tf.dispose(Object.values(state.tensors));
          }
        }
        complement?.projectInPlace(key.vector);
        const currentAttempt = attempt;
        const stepOnce = (indices: number[], inputs: Rng, ahead: tf.Tensor4D | undefined): Record<string, number> => {
          const real = data.read(indices);
          // Drawn even when the images come ahead, so that later draws match.
          const latents = root.sampleInputs(indices.length, inputs);
          const authentic = ahead ?? root.generate(latents);
          const terms = minimize(optimizer, () => {
            const rootScores = key.score(authentic);
            const realScores = key.score(real);
            const terms: Record<string, tf.Scalar> = {
              root: authenticHinge(rootScores),
              real: authenticHinge(realScores),
            };
            if (options.angleTerm === 'orthogonal') terms.angle = orthogonalityPenalty(others, key.vector);
            if (options.angleTerm === 'cosine') terms.angle = cosineTargetPenalty(others, key.vector, options.cosineTarget, options.cosineWeight);
            if (options.scoreCeiling > 0) terms.ceiling = tf.add(ceilingHinge(rootScores, options.scoreCeiling), ceilingHinge(realScores, options.scoreCeiling));
            if (options.theory) terms.norm = unitNormPenalty(key.vector);
            terms.total = Object.values(terms).reduce((a, b) => tf.add(a, b));
            return terms;
          });
          complement?.projectInPlace(key.vector);
          return terms;
        };
        let epochNow = 0;
        let stepNow = 0;
        const loop: UnitLoop<number[]> = {
          stage: 'keys',
          unit,
          epochs: options.epochs,
          beginEpoch(epoch) {
            optimizer.lr = options.lrKey * options.lrDecay ** epoch;
            epochNow = epoch;
            stepNow = 0;
          },
          plan: (_epoch, streams) => epochBatches(data.size, options.batchSize, streams.order, options.stepsPerEpoch),
          async step(indices, streams) {
            const ahead = await rootSamples?.take(keyId, currentAttempt, epochNow, stepNow++);
            try {
              return tf.tidy(() => stepOnce(indices, streams.inputs, ahead));
            } finally {
              ahead?.dispose();
            }
          },
          async endEpoch(_epoch, streams) {
            const scores = await realScores(data, key, 1000, streams.check);
            return { report: { realShare: share(scores, (s) => s > 0), keyNorm: norm(key), maxAbsCos: maxAbsCosine(others, key) } };
          },
          snapshot: () => ({ key: key.vector.clone(), ...optimizer.state('adam.key') }),
          extraMeta: () => ({ attempt: currentAttempt }),
        };
        const history = await runUnit(ctx, loop, attemptRng, startOf(state, options.epochs));
        state = undefined;
        const finalNorm = norm(key);
        if (!options.theory || finalNorm < options.normLimit) return { key, attempts: attempt, history };
        if (attempt >= options.maxAttempts) {
          throw new Error(
            `key ${keyId}: norm ${finalNorm.toFixed(4)} >= ${options.normLimit} after ${attempt} trainings in theory mode; ` +
            'expected a unit-norm key (raise epochs or lrKey, or maxAttempts)',
          );
        }
        ctx.onEvent?.({
          type: 'retry', stage: 'keys', unit, epoch: options.epochs, epochs: options.epochs,
          message: `key ${keyId}: norm ${finalNorm.toFixed(4)} >= ${options.normLimit}; training it again (attempt ${attempt + 1})`,
        });
        key.dispose();
        attempt += 1;
        // The next attempt starts from scratch; record that so a resume does not reload this one.
        if (ctx.store) await ctx.store.save(unit, { epochsDone: 0, done: false, tensors: {}, meta: { attempt, history: [] } });
        state = undefined;
      } catch (error) {
        if (!key.vector.isDisposed) key.dispose();
        throw error;
      } finally {
        optimizer.dispose();
      }
    }
  } finally {
    complement?.dispose();
  }
}

/**
 * Trains keys `ids` one after another, each against `existing` and the keys trained before it
 * in this call (see {@link trainKey}). Returns the new keys; the caller disposes them.
 */
export async function trainKeys(
  ctx: StageContext,
  existing: readonly Key[],
  ids: readonly string[],
  input: OptionsInput<KeyStageOptions> = {},
): Promise<KeyResult[]> {
  const results: KeyResult[] = [];
  try {
    for (const id of ids) results.push(await trainKey(ctx, [...existing, ...results.map((r) => r.key)], id, input));
  } catch (error) {
    for (const result of results) result.key.dispose();
    throw error;
  }
  return results;
}

function norm(key: Key): number {
  return tf.tidy(() => tf.norm(key.vector).dataSync()[0]!);
}

function maxAbsCosine(others: readonly tf.Tensor1D[], key: Key): number {
  return tf.tidy(() => {
    let worst = 0;
    for (const other of others) {
      const cos = tf.div(tf.dot(other, key.vector), tf.mul(tf.norm(other), tf.norm(key.vector))).dataSync()[0]!;
      worst = Math.max(worst, Math.abs(cos));
    }
    return worst;
  });
}
