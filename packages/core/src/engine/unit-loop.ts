import * as tf from '@tensorflow/tfjs-core';
import type { NamedTensors } from '../contracts/generator.js';
import type { Rng } from '../contracts/rng.js';
import type { EpochRecord, StageContext } from './context.js';
import { LossAverager } from './step.js';
import type { TrainingState } from '../contracts/training-state.js';

/** The random streams of one epoch, all derived from the unit's stream and the epoch number. */
export interface EpochStreams {
  /** Shuffles the data. */
  readonly order: Rng;
  /** Draws generator inputs. */
  readonly inputs: Rng;
  /** Draws post-process strengths and whether to apply them. */
  readonly postProcess: Rng;
  /** The end-of-epoch check's draws. */
  readonly check: Rng;
}

/** Returns the streams of `epoch` of a unit whose stream is `unitRng`. */
export function epochStreams(unitRng: Rng, epoch: number): EpochStreams {
  const epochRng = unitRng.fork(`epoch-${epoch}`);
  return {
    order: epochRng.fork('order'),
    inputs: epochRng.fork('inputs'),
    postProcess: epochRng.fork('postprocess'),
    check: epochRng.fork('check'),
  };
}

/** What a stage supplies to {@link runUnit}: the parts of an epoch that differ between stages. */
export interface UnitLoop<T> {
  readonly stage: string;
  readonly unit: string;
  readonly epochs: number;
  /** Sets the learning rates of `epoch` (base * decay^epoch) and the modes. */
  beginEpoch(epoch: number): void;
  /** The steps of an epoch (batches of indices, or batch sizes). */
  plan(epoch: number, streams: EpochStreams): readonly T[];
  /** One training step; returns the loss terms (or a promise of them, when it waits for inputs). */
  step(item: T, streams: EpochStreams): Record<string, number> | Promise<Record<string, number>>;
  /** End-of-epoch measurements; `stop` ends the unit early. */
  endEpoch(epoch: number, streams: EpochStreams): Promise<{ report: Record<string, number>; stop?: boolean }>;
  /** The tensors to save after an epoch (the caller disposes them). */
  snapshot(): NamedTensors;
  /** JSON-safe extras to save besides the history (gamma, attempt, ...). */
  extraMeta(): Record<string, unknown>;
}

/** Where a unit starts: nothing saved yet, or a loaded state (already restored into the live objects). */
export interface UnitStart {
  readonly epochsDone: number;
  readonly done: boolean;
  readonly history: readonly EpochRecord[];
}

/**
 * The start of a unit of `epochs` epochs from its saved state, if any. A unit is finished when
 * all its epochs are done or it stopped early; a unit saved as finished after fewer epochs than
 * now asked for (and not stopped early) continues, as an uninterrupted longer run would.
 */
export function startOf(state: TrainingState | undefined, epochs: number): UnitStart {
  if (!state) return { epochsDone: 0, done: false, history: [] };
  const done = state.epochsDone >= epochs || state.meta.stoppedEarly === true;
  return { epochsDone: state.epochsDone, done, history: (state.meta.history ?? []) as EpochRecord[] };
}

/**
 * Runs the remaining epochs of a unit: for each, the steps of its plan, the end-of-epoch check,
 * then (with a store) a saved state. Returns the full history.
 */
export async function runUnit<T>(ctx: StageContext, loop: UnitLoop<T>, unitRng: Rng, start: UnitStart): Promise<EpochRecord[]> {
  const history = [...start.history];
  const emit = ctx.onEvent ?? (() => undefined);
  const base = { stage: loop.stage, unit: loop.unit, epochs: loop.epochs };
  emit({ ...base, type: 'start', epoch: start.epochsDone, message: start.epochsDone > 0 ? `resuming after epoch ${start.epochsDone}` : undefined });
  if (start.done) {
    emit({ ...base, type: 'done', epoch: start.epochsDone });
    return history;
  }
  for (let epoch = start.epochsDone; epoch < loop.epochs; epoch++) {
    const streams = epochStreams(unitRng, epoch);
    loop.beginEpoch(epoch);
    const plan = loop.plan(epoch, streams);
    const averager = new LossAverager();
    for (let i = 0; i < plan.length; i++) {
      const losses = await loop.step(plan[i]!, streams);
      averager.add(losses);
      emit({ ...base, type: 'step', epoch, step: i + 1, steps: plan.length, losses });
    }
    const { report, stop = false } = await loop.endEpoch(epoch, streams);
    const record: EpochRecord = { epoch, losses: averager.means(), report };
    history.push(record);
    const done = stop || epoch + 1 === loop.epochs;
    if (ctx.store) {
      const tensors = loop.snapshot();
      try {
        await ctx.store.save(loop.unit, { epochsDone: epoch + 1, done, tensors, meta: { ...loop.extraMeta(), epochs: loop.epochs, history, stoppedEarly: stop } });
      } finally {
        tf.dispose(Object.values(tensors));
      }
    }
    emit({ ...base, type: 'epoch', epoch, report });
    if (stop) break;
  }
  emit({ ...base, type: 'done', epoch: history.length });
  return history;
}
