import * as tf from '@tensorflow/tfjs-core';
import type { NamedTensors } from '../contracts/generator.js';
import { prefixed, unprefixed } from './step.js';

/** Prefix of the best epoch's weights in a unit's saved state. */
const BEST = 'best';

/**
 * The weights of the epoch whose end-of-epoch check scored highest so far (a later epoch wins a
 * tie), for stages run with `keepBest`. It owns copies of those weights and travels with the
 * unit's saved state, so a resumed unit keeps the same choice as an uninterrupted one.
 */
export class BestEpoch {
  private weights: NamedTensors | undefined;
  private bestEpoch = -1;
  private bestScore = -Infinity;

  /** The epoch kept (-1 before any). */
  get epoch(): number {
    return this.bestEpoch;
  }

  get score(): number {
    return this.bestScore;
  }

  /** Keeps `copy()` (the caller's fresh tensors, now owned here) when `score` is at least the best so far. */
  offer(epoch: number, score: number, copy: () => NamedTensors): boolean {
    if (!(score >= this.bestScore)) return false;
    this.release();
    this.weights = copy();
    this.bestEpoch = epoch;
    this.bestScore = score;
    return true;
  }

  /** The kept weights (owned here; do not dispose). Throws before any epoch was offered. */
  get kept(): NamedTensors {
    if (!this.weights) throw new Error('BestEpoch: no epoch kept yet');
    return this.weights;
  }

  /** Copies of the kept weights under `best.` names, for a saved state (the caller disposes them). */
  snapshot(): NamedTensors {
    if (!this.weights) return {};
    return prefixed(BEST, Object.fromEntries(Object.entries(this.weights).map(([name, t]) => [name, t.clone()])));
  }

  /** What a saved state records besides the tensors. */
  meta(): Record<string, number> {
    return this.weights ? { bestEpoch: this.bestEpoch, bestScore: this.bestScore } : {};
  }

  /** Restores from a saved state's tensors and meta (copies; the caller keeps ownership of `tensors`). */
  restore(tensors: NamedTensors, meta: Readonly<Record<string, unknown>>): void {
    if (typeof meta.bestEpoch !== 'number' || typeof meta.bestScore !== 'number') return;
    const weights = unprefixed(BEST, tensors);
    if (Object.keys(weights).length === 0) throw new Error(`saved state: best epoch ${meta.bestEpoch} recorded but its weights are missing`);
    this.release();
    this.weights = Object.fromEntries(Object.entries(weights).map(([name, t]) => [name, t.clone()]));
    this.bestEpoch = meta.bestEpoch;
    this.bestScore = meta.bestScore;
  }

  dispose(): void {
    this.release();
  }

  private release(): void {
    if (this.weights) tf.dispose(Object.values(this.weights));
    this.weights = undefined;
  }
}
