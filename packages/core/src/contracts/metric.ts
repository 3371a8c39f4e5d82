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

/**
 * What is known of a metric's context where its parts are planned and combined, a thread without
 * the generators or data: the measured keys' ids and the settings. A {@link MetricContext} is one.
 */
export interface MetricOutline {
  /** The keys measured, `keys[i]` of generator i; only their ids. */
  readonly keys: readonly Pick<Key, 'id'>[];
  readonly postProcess?: PostProcess;
  readonly samples?: number;
  readonly batchSize?: number;
}

/**
 * A metric's computation split into parts that worker threads compute side by side. Combining
 * the partials of every part must give exactly (bit for bit) what `Metric.compute` gives whole.
 * `Part` is a part's partial result; it crosses threads by structured clone, so keep it plain data.
 */
export interface MetricParts<Part = unknown> {
  /**
   * How many parts (a positive whole number) to split into; decided from the outline alone, as
   * in the thread that plans them.
   */
  count(outline: MetricOutline): number;
  /**
   * Part `index` (0 <= index < count) of `count`. Its `ctx.progress` reports the part's finished
   * units out of the whole metric's total, so that the parts' units add up to that total.
   */
  compute(ctx: MetricContext, index: number, count: number): Promise<Part>;
  /** The whole result from every part's partial, in index order. */
  combine(outline: MetricOutline, partials: readonly Part[]): MetricResult;
}

/** A measurement over a run. This is what a metric plugin registers. */
export interface Metric {
  /** Unique name (`distinguishability`, `attributability`, ...). */
  readonly name: string;
  readonly description: string;
  compute(ctx: MetricContext): Promise<MetricResult>;
  /**
   * Optional: the same computation in parts, so that worker threads can share one big metric.
   * Without it the metric is computed whole, in one thread.
   */
  readonly parts?: MetricParts;
}
