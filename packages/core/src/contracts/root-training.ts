import type { ImageSource } from './image-source.js';

/**
 * Settings of training a root generator G0 from scratch on real data (`attrib root train`).
 * Every field but `data` and `outDir` has an adapter-chosen default (for DCGAN: the standard
 * recipe, Adam 2e-4 with beta1 0.5, binary cross-entropy).
 */
export interface RootTrainingOptions {
  /** The real images; their shape fixes the generator's image shape. */
  readonly data: ImageSource;
  /** Folder for checkpoints, sample grids and the training record; created if missing. */
  readonly outDir: string;
  /** Architecture settings for the adapter's `create` (image shape comes from `data`). */
  readonly config?: Readonly<Record<string, unknown>>;
  readonly epochs?: number;
  readonly batchSize?: number;
  readonly learningRate?: number;
  readonly beta1?: number;
  readonly seed?: number;
  /** Continue after the last finished epoch recorded in `outDir` instead of refusing a used folder. */
  readonly resume?: boolean;
  /** Called after every step and at the end of every epoch. */
  readonly onProgress?: (event: RootTrainingEvent) => void;
}

/** Progress of root training: one `step` event per batch, one `epoch` event per finished epoch. */
export type RootTrainingEvent =
  | {
      readonly kind: 'step';
      readonly epoch: number;
      readonly epochs: number;
      readonly step: number;
      readonly steps: number;
      /** Loss values by name (`discriminator`, `generator`, ...). */
      readonly losses: Readonly<Record<string, number>>;
    }
  | {
      readonly kind: 'epoch';
      readonly epoch: number;
      readonly epochs: number;
      readonly seconds: number;
      /** Mean losses over the epoch. */
      readonly losses: Readonly<Record<string, number>>;
      /** The generator checkpoint written for this epoch. */
      readonly checkpoint: string;
      /** The sample grid (PNG) written for this epoch. */
      readonly samples: string;
    };

export interface RootTrainingResult {
  /** The final generator, as an attrib generator checkpoint (load with `loadGenerator`). */
  readonly generatorFile: string;
  readonly epochs: number;
  /** The last sample grid. */
  readonly samples: string;
}
