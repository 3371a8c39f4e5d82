import type { UnitProgress } from '../../io/run-folder.js';
import { RunFolder } from '../../io/run-folder.js';
import type { PluginModule } from '../../plugins/host.js';
import { resolveOptions, type GeneratorStageOptions, type OptionsInput } from '../../contracts/stage-options.js';
import { generatorWrittenMessage, recordGenerator, type GeneratorOutcome } from './generator-unit.js';
import type { RunHooks } from './services.js';
import { trainInWorkers, unitWorkerData, type WorkUnit } from './workers/training-threads.js';
import { TaskQueue } from './workers/thread-pool.js';

/** Keyed generators trained in worker threads while their keys are still being added. */
export interface GeneratorFeed {
  /** Key `id` is written: train its generator. */
  add(id: string): void;
  /**
   * No more keys: waits for every generator, then records them (and their progress and options)
   * in the manifest. Rejects with the first worker's failure.
   */
  finish(): Promise<readonly GeneratorOutcome[]>;
  /** No more keys, and nothing recorded: the workers finish the generators handed to them (the keys job failed). */
  abandon(): Promise<void>;
}

/**
 * Starts `threads` worker threads that train the keyed generator of each key handed to `add`, as
 * `trainGenerators` would (same units, same seeds, so the same generators). While keys are still
 * being trained the run's manifest belongs to the keys job, so the workers only write their
 * generators' files; `finish` records them. A run interrupted before that is left with a keys
 * job to resume and generators not yet listed: `trainGenerators` then finds their finished
 * training states and writes the same generators again.
 */
export function feedGenerators(
  dir: string, plugins: readonly PluginModule[], input: OptionsInput<GeneratorStageOptions>, threads: number, hooks: RunHooks,
): GeneratorFeed {
  const options = resolveOptions('generators', input);
  const queue = new TaskQueue<WorkUnit>();
  const outcomes: GeneratorOutcome[] = [];
  const progress: Array<[string, UnitProgress]> = [];
  const job = { stage: 'generators' as const, keys: [], options: { ...options }, startedAt: new Date().toISOString() };
  const training = trainInWorkers<GeneratorOutcome>(unitWorkerData(dir, plugins, job), queue, threads, {
    ...(hooks.onEvent ? { onEvent: hooks.onEvent } : {}),
    onProgress: async (unit, p) => void progress.push([unit, p]),
    onDone: async (outcome) => {
      outcomes.push(outcome);
      hooks.log?.(generatorWrittenMessage(outcome));
    },
  });
  // Observed here so that a failure before finish() is not an unhandled rejection.
  const settled = training.then(() => undefined, (error: Error) => error);
  return {
    add: (id) => queue.push({ id }),
    async finish() {
      queue.close();
      const failure = await settled;
      if (failure) throw failure;
      const folder = await RunFolder.open(dir);
      for (const [unit, p] of progress) await folder.recordProgress(unit, p);
      for (const { id } of outcomes) await recordGenerator(folder, id);
      await folder.update((m) => void (m.config['generators'] = { ...options }));
      return outcomes;
    },
    async abandon() {
      queue.close();
      await settled;
    },
  };
}
