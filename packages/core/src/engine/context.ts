import type { Generator } from '../contracts/generator.js';
import type { ImageSource } from '../contracts/image-source.js';
import type { Rng } from '../contracts/rng.js';
import type { StateStore } from '../contracts/training-state.js';

/** What every training stage works with. */
export interface StageContext {
  /** The root G0. Stages put it in `eval` mode and never change its weights. */
  readonly root: Generator;
  /** Real images of the root's image shape. */
  readonly data: ImageSource;
  /**
   * The run's random stream. Stages derive their own streams from it by unit and epoch
   * (`rng.fork`), never advancing it, so a resumed run draws what an uninterrupted one would.
   */
  readonly rng: Rng;
  /** Where each unit saves its state after every epoch and resumes from; none = no saving. */
  readonly store?: StateStore | undefined;
  /** Receives progress events. */
  readonly onEvent?: ((event: TrainingEvent) => void) | undefined;
}

/** Progress of a training unit. */
export interface TrainingEvent {
  readonly type: 'start' | 'step' | 'epoch' | 'retry' | 'done';
  /** `first`, `keys`, `generators` or `robust`. */
  readonly stage: string;
  /** The unit (its state-store name), e.g. `keys/key-2`. */
  readonly unit: string;
  /** Epoch in progress (0-based) or, for `epoch` events, the one just finished. */
  readonly epoch: number;
  readonly epochs: number;
  /** Step within the epoch (1-based) and steps in the epoch, for `step` events. */
  readonly step?: number;
  readonly steps?: number;
  /** Loss terms of the step just taken. */
  readonly losses?: Readonly<Record<string, number>>;
  /** End-of-epoch measurements (`epoch` events). */
  readonly report?: Readonly<Record<string, number>>;
  /** Human-readable detail (`retry`, `start` when resuming). */
  readonly message?: string;
}

/** One line of a unit's history, stored with its state. */
export interface EpochRecord {
  readonly epoch: number;
  /** Mean of each loss term over the epoch's steps. */
  readonly losses: Readonly<Record<string, number>>;
  readonly report: Readonly<Record<string, number>>;
}
