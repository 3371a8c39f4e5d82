import { resolve } from 'node:path';
import type { PendingJob } from '../../io/run-folder.js';
import { resolveOptions, type GeneratorStageOptions, type OptionsInput } from '../../contracts/stage-options.js';
import { generatorWrittenMessage, recordGenerator, trainAndWriteGenerator, type GeneratorOutcome } from './generator-unit.js';
import { trainInWorkers, unitWorkerData } from './workers/training-threads.js';
import type { RunHooks, RunServices } from './services.js';
import { finishJob, openRunSession, startJob, type RunSession } from './session.js';
import { workerCount } from './workers/thread-count.js';

export interface TrainGeneratorsRequest {
  readonly dir: string;
  /** Keys to train generators for; default: every key that has none. */
  readonly keys?: readonly string[];
  readonly options?: OptionsInput<GeneratorStageOptions>;
  readonly resume?: boolean;
  /**
   * Worker threads training generators side by side, each with its own backend (the same as this
   * thread's) and its own copy of the plugins; the results are those of training one after
   * another. 1 trains in this thread. Default: the environment variable ATTRIB_WORKERS if set;
   * else on the one-thread backends (wasm, cpu) as many as there are generators to train, at most
   * `os.availableParallelism()`, and 1 on the others (the 'tensorflow' backend already uses every
   * core, and on a GPU each thread would hold its own context and memory). Always 1 by default
   * when `services` cannot name its plugin modules. Each thread takes a few CPU seconds to start.
   */
  readonly workers?: number;
}

export interface TrainGeneratorsResult {
  readonly dir: string;
  readonly trained: readonly string[];
  /** Per trained key, its last end-of-epoch report (keyedShare, distinguishability, gamma). */
  readonly reports: Readonly<Record<string, Readonly<Record<string, number>>>>;
}

/**
 * `attrib generators train`: one keyed generator per key without one (stage "generators"), each
 * from a copy of the root, written to generators/<id>/generator.ckpt with a sample grid as soon as
 * it is finished. `resume` continues the recorded job after its last finished epoch. With
 * `workers` above 1 the keys are trained in worker threads; only this thread writes the manifest.
 */
export async function trainGenerators(services: RunServices, request: TrainGeneratorsRequest, hooks: RunHooks = {}): Promise<TrainGeneratorsResult> {
  const dir = resolve(request.dir);
  const options = resolveOptions('generators', request.options ?? {});
  const plugins = services.pluginModules?.();
  const threads = workerCount(request.workers, plugins);
  const session = await openRunSession(services, dir);
  const trained: string[] = [];
  const reports: Record<string, Record<string, number>> = {};
  try {
    const { folder } = session;
    const manifest = folder.manifest;
    for (const id of request.keys ?? []) {
      if (!manifest.keys.includes(id)) throw new Error(`key ${id} is not a finished key of run ${dir} (keys: ${manifest.keys.join(', ') || 'none'})`);
    }
    const targets = (request.keys ?? manifest.keys).filter((id) => !manifest.generators.includes(id));
    if (!manifest.pending && targets.length === 0) {
      hooks.log?.(`every key of run ${dir} already has a generator`);
      return { dir, trained, reports };
    }
    // Loaded now so that a bad key file is reported before the job is recorded.
    (await session.loadKeys(targets)).forEach((k) => k.dispose());
    const job = await startJob(folder, 'generators', request.resume ?? false, () => ({
      stage: 'generators', keys: targets, options: { ...options }, startedAt: new Date().toISOString(),
    }), hooks.log);
    const todo = job.keys.filter((id) => !folder.manifest.generators.includes(id));
    const finished = async (outcome: GeneratorOutcome): Promise<void> => {
      await recordGenerator(folder, outcome.id);
      trained.push(outcome.id);
      reports[outcome.id] = { ...outcome.report };
      hooks.log?.(generatorWrittenMessage(outcome));
    };
    const workers = Math.min(threads, todo.length);
    if (workers > 1) {
      await trainInWorkers(unitWorkerData(dir, plugins!, job), todo.map((id) => ({ id })), workers, {
        onEvent: hooks.onEvent,
        onProgress: (unit, progress) => folder.recordProgress(unit, progress),
        onDone: finished,
      });
    } else {
      await trainHere(session, job, todo, hooks, finished);
    }
    await finishJob(folder);
    // In the keys' order, however the threads finished.
    return { dir, trained: todo.filter((id) => trained.includes(id)), reports };
  } finally {
    session.dispose();
  }
}

/** Trains the generators of `keys` one after another in this thread. */
async function trainHere(session: RunSession, job: PendingJob, keys: readonly string[], hooks: RunHooks, finished: (outcome: GeneratorOutcome) => Promise<void>): Promise<void> {
  const ctx = session.stageContext('generators', hooks);
  for (const id of keys) {
    await finished(await trainAndWriteGenerator(session, ctx, id, job.options as OptionsInput<GeneratorStageOptions>));
  }
}
