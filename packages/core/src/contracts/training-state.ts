import type { NamedTensors } from './generator.js';

/**
 * What a training unit (the first key and generator, one key, one keyed generator, one robust
 * fine-tuning) saves after every finished epoch: enough to continue exactly where it stopped.
 * Random streams are derived from the run seed per unit and epoch, so they need no saving.
 */
export interface TrainingState {
  /** Epochs finished. */
  readonly epochsDone: number;
  /** Whether the unit is finished (all epochs, or an early stop). */
  readonly done: boolean;
  /** Weights, key vectors and optimizer moments by name. The receiver of a loaded state disposes them. */
  readonly tensors: NamedTensors;
  /** JSON-safe extras: per-epoch reports, gamma, the current attempt. */
  readonly meta: Readonly<Record<string, unknown>>;
}

/**
 * Where training units keep their {@link TrainingState}. The run folder implements it with
 * atomic checkpoint files; {@link MemoryStateStore} keeps states in memory.
 */
export interface StateStore {
  /** The last saved state of `unit`, or undefined. The caller disposes its tensors. */
  load(unit: string): Promise<TrainingState | undefined>;
  /** Saves a state, replacing the previous one. Does not take ownership of the tensors. */
  save(unit: string, state: TrainingState): Promise<void>;
}
