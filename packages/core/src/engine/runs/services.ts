import type { GeneratorAdapter } from '../../contracts/adapter.js';
import type { ImageSourceFactory } from '../../contracts/image-source.js';
import type { Metric } from '../../contracts/metric.js';
import type { PostProcessFactory } from '../../contracts/post-process.js';
import type { PluginModule } from '../../plugins/host.js';
import type { TrainingEvent } from '../context.js';

/**
 * Where the run pipelines find adapters, image sources, post-processes and metrics by name.
 * The CLI's plugin host is one; each lookup throws a one-line error listing the known names.
 */
export interface RunServices {
  adapter(name: string): GeneratorAdapter;
  imageSource(name: string): ImageSourceFactory;
  postProcess(name: string): PostProcessFactory;
  metric(name: string): Metric;
  /**
   * The plugin modules these services are made of, for worker threads to build the same ones
   * (the plugin host has it). Without it, or when it returns `undefined`, work stays in this thread.
   */
  pluginModules?(): readonly PluginModule[] | undefined;
}

/** What a pipeline reports while it works. */
export interface RunHooks {
  /** Training progress (steps, epochs, retries) of every unit. */
  readonly onEvent?: (event: TrainingEvent) => void;
  /** Evaluation progress: a metric's finished work units. */
  readonly onMetricProgress?: (metric: string, done: number, total: number) => void;
  /** A key was trained and written (its file and the manifest's key list). */
  readonly onKeyAdded?: (id: string) => void;
  /** One-line notes (what is resumed, what was written). */
  readonly log?: (line: string) => void;
}
