import { resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { RunFolder } from '../../io/run-folder.js';
import { resolveOptions, type FirstStageOptions, type GeneratorStageOptions, type KeyStageOptions, type OptionsInput } from '../../contracts/stage-options.js';
import type { PluginModule } from '../../plugins/host.js';
import { addKeys, nextKeyIds } from './add-keys.js';
import { evaluateRun, type EvaluateRunResult } from './evaluate-run.js';
import { feedGenerators, type GeneratorFeed } from './generator-feed.js';
import type { GeneratorOutcome } from './generator-unit.js';
import { KeyRootAhead, keyRootPlan, type KeyStart } from './workers/root-images-ahead.js';
import { keyUnit } from '../key-stage.js';
import { createRun, initRun, type InitRunRequest } from './init-run.js';
import type { RunHooks, RunServices } from './services.js';
import { trainGenerators } from './train-generators.js';
import { workerCount } from './workers/thread-count.js';

/** One whole run: the first key and generator, more keys, their generators, an evaluation. */
export interface RunPipelineRequest extends Omit<InitRunRequest, 'options' | 'resume'> {
  /** Keys in all (the first one included); at least 1. */
  readonly keys: number;
  readonly first?: OptionsInput<FirstStageOptions>;
  readonly moreKeys?: OptionsInput<KeyStageOptions>;
  readonly generators?: OptionsInput<GeneratorStageOptions>;
  /**
   * Worker threads of the generators stage and of the evaluation (see TrainGeneratorsRequest.workers).
   * Above 1, each new key's generator starts in a worker as soon as the key is written, while this
   * thread trains the next key; the results are those of the stages one after another.
   */
  readonly workers?: number;
  /** Metric names of the closing evaluation (default: evaluateRun's). */
  readonly metrics?: readonly string[];
  /** Overrides the sample count of the named metrics (the others keep the reference's). */
  readonly samplesByMetric?: Readonly<Record<string, number>>;
  /**
   * Continue the run in `dir` where it stopped: a finished stage is skipped, an interrupted one
   * continues after its last finished epoch, and missing keys are added. Without it `dir` must
   * not hold a run yet.
   */
  readonly resume?: boolean;
}

/** What each stage did, and the closing evaluation. */
export interface RunPipelineResult {
  readonly dir: string;
  readonly keys: readonly string[];
  /** Stages that had work left in this call (`first`, `keys`, `generators`). */
  readonly trained: readonly string[];
  readonly evaluation: EvaluateRunResult;
}

/**
 * Runs every stage of an attribution run in order over one run folder, each through its own
 * pipeline (initRun, addKeys, trainGenerators, evaluateRun), so that a run made here is the
 * same as one made stage by stage with the CLI, and `resume` picks up after an interruption at
 * any point.
 */
export async function runPipeline(services: RunServices, request: RunPipelineRequest, hooks: RunHooks = {}): Promise<RunPipelineResult> {
  if (!Number.isInteger(request.keys) || request.keys < 1) throw new Error(`keys ${request.keys}: expected a positive integer number of keys`);
  const dir = resolve(request.dir);
  const resume = request.resume === true && (await RunFolder.exists(dir));
  const trained: string[] = [];
  const fed: GeneratorOutcome[] = [];

  const initRequest = { ...request, dir, ...(request.first ? { options: request.first } : {}) };
  if (!resume) await createRun(services, initRequest, hooks);
  const plugins = services.pluginModules?.();
  const threads = workerCount(request.workers, plugins);
  // While this thread trains the first key and generator, another makes the root's images for the keys after it.
  const ahead = threads > 1 ? await startKeyRootAhead(await RunFolder.open(dir), request, plugins!, hooks) : undefined;
  try {
    const first = await initRun(services, { ...initRequest, resume: true }, hooks);
    if (!first.alreadyDone) trained.push('first');

    let folder = await RunFolder.open(dir);
    const pendingKeys = folder.manifest.pending?.stage === 'keys';
    const missing = request.keys - folder.manifest.keys.length;
    // Generators of new keys are trained alongside the keys, unless another job is pending.
    const feed: GeneratorFeed | undefined = threads > 1 && (pendingKeys || (missing > 0 && !folder.manifest.pending))
      ? feedGenerators(dir, plugins!, request.generators ?? {}, threads, hooks)
      : undefined;
    const keyHooks: RunHooks = feed ? { ...hooks, onKeyAdded: (id) => (hooks.onKeyAdded?.(id), feed.add(id)) } : hooks;
    const rootSamples = ahead ? { rootSamples: ahead } : {};
    try {
      try {
        if (pendingKeys) {
          await addKeys(services, { dir, resume: true, ...rootSamples }, keyHooks);
          trained.push('keys');
          folder = await RunFolder.open(dir);
        }
        const stillMissing = request.keys - folder.manifest.keys.length;
        if (stillMissing > 0) {
          await addKeys(services, { dir, count: stillMissing, ...(request.moreKeys ? { options: request.moreKeys } : {}), ...rootSamples }, keyHooks);
          if (!trained.includes('keys')) trained.push('keys');
        }
      } finally {
        // The keys are done (or failed): the worker's thread and images are not needed any more.
        await ahead?.stop();
      }
    } catch (error) {
      await feed?.abandon();
      throw error;
    }
    fed.push(...((await feed?.finish()) ?? []));
  } finally {
    await ahead?.stop();
  }

  const generators = await trainGenerators(services, {
    dir, resume: true, ...(request.generators ? { options: request.generators } : {}), ...(request.workers !== undefined ? { workers: request.workers } : {}),
  }, hooks);
  if (fed.length > 0 || generators.trained.length > 0) trained.push('generators');

  const evaluation = await evaluateRun(services, {
    dir, generators: 'plain', ...(request.metrics ? { metrics: request.metrics } : {}), ...(request.samplesByMetric ? { samplesByMetric: request.samplesByMetric } : {}),
    ...(request.workers !== undefined ? { workers: request.workers } : {}),
  }, hooks);
  return { dir, keys: (await RunFolder.open(dir)).manifest.keys, trained, evaluation };
}

/**
 * Starts making the root's images of the keys this run still has to train (those of a pending
 * keys job, or the ones after key 1 up to `request.keys`), or returns undefined when there are none.
 */
async function startKeyRootAhead(folder: RunFolder, request: RunPipelineRequest, plugins: readonly PluginModule[], hooks: RunHooks): Promise<KeyRootAhead | undefined> {
  const { manifest } = folder;
  const pending = manifest.pending;
  let ids: string[];
  let options: KeyStageOptions;
  if (pending?.stage === 'keys') {
    ids = pending.keys.filter((id) => !manifest.keys.includes(id));
    options = resolveOptions('keys', pending.options as OptionsInput<KeyStageOptions>);
  } else if (!pending || pending.stage === 'first') {
    const existing = manifest.keys.includes('key-1') ? manifest.keys : ['key-1', ...manifest.keys];
    ids = nextKeyIds(existing, Math.max(0, request.keys - existing.length));
    options = resolveOptions('keys', request.moreKeys ?? {});
  } else {
    return undefined;
  }
  const starts: KeyStart[] = [];
  for (const keyId of ids) {
    // A key interrupted mid-training resumes after its saved epoch, in its saved attempt.
    const saved = await folder.readState(keyUnit(keyId));
    if (saved) tf.dispose(Object.values(saved.tensors));
    starts.push({ keyId, attempt: Number(saved?.meta.attempt ?? 1), epochsDone: saved?.epochsDone ?? 0 });
  }
  const plan = keyRootPlan(starts, options.epochs);
  return plan.length > 0 ? new KeyRootAhead(folder.dir, plugins, options, plan, hooks.log) : undefined;
}
