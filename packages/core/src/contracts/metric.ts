import type { Generator } from './generator.js';
import type { ImageSource } from './image-source.js';
import type { Key } from './key.js';
import type { PostProcess } from './post-process.js';
import type { Rng } from './rng.js';

/** Everything a metric may look at: one run's root, keyed generators, keys and real data. */
export interface MetricContext {
  /** The root generator G0, frozen, in `eval` mode. */
  readonly root: Generator;
  /** Keyed generators G_1..G_N in `eval` mode; `generators[i]` belongs to `keys[i]`. */
  readonly generators: readonly Generator[];
  readonly keys: readonly Key[];
  /** Real images of the generators' image shape. */
  readonly data: ImageSource;
  /** When set, applied at evaluation strength to the images measured (the robust variant). */
  readonly postProcess?: PostProcess;
  /**
   * The evaluation's random stream, the same for every metric whichever ran before it or in
   * whichever worker thread; draw from forks by your own names (`rng.fork('my-metric')`).
   */
  readonly rng: Rng;
  /** Sample count override; each metric's default is the reference's. */
  readonly samples?: number;
  /** Batch size for generation; a memory/speed trade-off, never a change of result. */
  readonly batchSize?: number;
  /** Reports progress in work units of the metric's choosing. */
  readonly progress?: (done: number, total: number) => void;
}

/** A metric's result: headline numbers plus any JSON-safe detail (per key values, matrices). */
export interface MetricResult {
  /** Headline numbers by name, e.g. `{ mean: 0.995, std: 0.003 }`. */
  readonly summary: Readonly<Record<string, number>>;
  /** Per-key values, matrices and so on. JSON-safe. */
  readonly details?: Readonly<Record<string, unknown>>;
}

/** A measurement over a run. This is what a metric plugin registers. */
export interface Metric {
  /** Unique name (`distinguishability`, `attributability`, ...). */
  readonly name: string;
  readonly description: string;
  compute(ctx: MetricContext): Promise<MetricResult>;
}
