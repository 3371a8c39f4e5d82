import { resolve } from 'node:path';
import { loadCheckpoint } from '../../io/checkpoint.js';
import type { PostProcess } from '../../contracts/post-process.js';
import { checkName, type PendingJob, type RunFolder } from '../../io/run-folder.js';
import { resolveOptions, type OptionsInput, type RobustStageOptions } from '../../contracts/stage-options.js';
import { recordRobust, trainAndWriteRobust, type RobustOutcome } from './robust-unit.js';
import type { RunHooks, RunServices } from './services.js';
import { finishJob, openRunSession, startJob, type RunSession } from './session.js';
import { trainInWorkers, unitWorkerData, type UnitDispatcher } from './workers/training-threads.js';
import { workerCount } from './workers/thread-count.js';

/** A post-process by registered name, with parameters (defaults when omitted). */
export interface PostProcessRequest {
  readonly name: string;
  readonly params?: Readonly<Record<string, unknown>>;
  /**
   * Robust training: the label the robust generators are kept under (`robust-<label>.ckpt`);
   * default the name. Another label keeps a variant with other parameters beside the first.
   */
  readonly label?: string;
}

export interface TrainRobustRequest {
  readonly dir: string;
  /** Post-processes to make the generators robust to; each gets its own fine-tuned copies. */
  readonly postProcesses: readonly PostProcessRequest[];
  /** Keys whose generators to fine-tune; default: every key with a generator. */
  readonly keys?: readonly string[];
  readonly options?: OptionsInput<RobustStageOptions>;
  readonly resume?: boolean;
  /**
   * Worker threads fine-tuning generators side by side, one (post-process, key) pair at a time,
   * with the results of one after another; 1 trains in this thread. Default and limits as
   * `TrainGeneratorsRequest.workers`: ATTRIB_WORKERS, else one per core on wasm and cpu,
   * else 1; 1 when `services` cannot name its plugin modules.
   */
  readonly workers?: number;
  /**
   * Trains the robust generators with this dispatcher (e.g. on a job queue, see @attrib/queue)
   * instead of in this process; `workers` is then ignored. The results are those of threads.
   */
  readonly dispatcher?: UnitDispatcher;
}

export interface TrainRobustResult {
  readonly dir: string;
  /** `<post-process>/<key>` of every generator this call finished. */
  readonly trained: readonly string[];
}

/** Builds post-process instances and checks that robust training can use them. */
function buildPostProcesses(services: RunServices, requests: readonly PostProcessRequest[], objective: 'hinge' | 'projected'): PostProcess[] {
  if (requests.length === 0) throw new Error('no post-process given; expected at least one (--postprocess NAME)');
  return requests.map((request) => {
    checkName('post-process name', request.name);
    const postProcess = services.postProcess(request.name).create(request.params ?? {});
    if (!postProcess.differentiable) {
      throw new Error(`post-process ${request.name} is not differentiable; robust training needs one that gradients can flow through`);
    }
    if (objective === 'projected' && !postProcess.linearPart) {
      throw new Error(`robust objective projected: post-process ${request.name} has no linear part (T(x) = A x, up to additive noise); use objective hinge`);
    }
    return postProcess;
  });
}

/**
 * `attrib robust train`: for each post-process T and each keyed generator, fine-tunes a copy
 * against T (stage "robust") and writes generators/<id>/robust-<T>.ckpt and a sample grid.
 * Everything (post-processes, keys, generator files) is checked before the job is recorded.
 */
export async function trainRobust(services: RunServices, request: TrainRobustRequest, hooks: RunHooks = {}): Promise<TrainRobustResult> {
  const dir = resolve(request.dir);
  const options = resolveOptions('robust', request.options ?? {});
  const plugins = services.pluginModules?.();
  const threads = workerCount(request.workers, plugins);
  const session = await openRunSession(services, dir);
  const trained: string[] = [];
  try {
    const { folder } = session;
    const manifest = folder.manifest;
    const resumable = request.resume === true && manifest.pending?.stage === 'robust';
    const requests = resumable ? manifest.pending!.postProcesses!.map(({ label, name, params }) => ({ label, name, params })) : request.postProcesses;
    const postProcesses = buildPostProcesses(services, requests, options.objective);
    const labels = requests.map((r) => checkName('post-process label', r.label ?? r.name));
    for (const id of request.keys ?? []) {
      if (!manifest.generators.includes(id)) throw new Error(`key ${id} of run ${dir} has no keyed generator (generators: ${manifest.generators.join(', ') || 'none'})`);
    }
    const keyIds = request.keys ?? manifest.generators;
    if (keyIds.length === 0) throw new Error(`run ${dir} has no keyed generators yet; run \`attrib generators train\` first`);
    // Every key and generator file is read now, so that a bad one is reported before the job is recorded.
    (await session.loadKeys(keyIds)).forEach((k) => k.dispose());
    for (const id of keyIds) (await session.loadGenerator(id)).dispose();
    if (!manifest.pending) await checkSameParams(session.folder, postProcesses, labels, keyIds);
    if (!manifest.pending && labels.every((label) => keyIds.every((id) => (manifest.robust[label] ?? []).includes(id)))) {
      hooks.log?.(`every generator asked for is already robust to ${labels.join(', ')}`);
      return { dir, trained };
    }
    const job = await startJob(folder, 'robust', request.resume ?? false, (): PendingJob => ({
      stage: 'robust', keys: [...keyIds], options: { ...options },
      postProcesses: postProcesses.map((p, i) => ({ label: labels[i]!, name: p.name, params: { ...p.params } })),
      startedAt: new Date().toISOString(),
    }), hooks.log);
    const units = job.postProcesses!.flatMap(({ label }) => job.keys.filter((id) => !(folder.manifest.robust[label] ?? []).includes(id)).map((id) => ({ label, id })));
    const finished = async ({ label, id }: RobustOutcome): Promise<void> => {
      await recordRobust(folder, label, id);
      trained.push(`${label}/${id}`);
      hooks.log?.(`generator of ${id} robust to ${label} written`);
    };
    const workers = Math.min(threads, units.length);
    const handlers = { onEvent: hooks.onEvent, onProgress: folder.recordProgress.bind(folder), onDone: finished };
    if (request.dispatcher && units.length > 0) {
      await request.dispatcher.train(unitWorkerData(dir, plugins ?? [], job), units, handlers);
    } else if (workers > 1) {
      await trainInWorkers(unitWorkerData(dir, plugins!, job), units, workers, handlers);
    } else {
      await trainHere(session, job, postProcesses, units, hooks, finished);
    }
    await finishJob(folder);
    // In the job's order, however the threads finished.
    return { dir, trained: units.map(({ label, id }) => `${label}/${id}`).filter((unit) => trained.includes(unit)) };
  } finally {
    session.dispose();
  }
}

/** Fine-tunes `units` one after another in this thread, with the job's post-processes (`postProcesses`, in the job's order). */
async function trainHere(
  session: RunSession, job: PendingJob, postProcesses: readonly PostProcess[], units: readonly { label: string; id: string }[], hooks: RunHooks,
  finished: (outcome: RobustOutcome) => Promise<void>,
): Promise<void> {
  const ctx = session.stageContext('robust', hooks);
  const byLabel = new Map(job.postProcesses!.map(({ label }, i) => [label, postProcesses[i]!]));
  for (const { label, id } of units) {
    await finished(await trainAndWriteRobust(session, ctx, byLabel.get(label)!, label, id, job.options as OptionsInput<RobustStageOptions>));
  }
}

/**
 * A robust generator already kept under a label must have been trained with the parameters now
 * asked for; otherwise the request would silently be taken as done. The error says how to keep
 * both variants.
 */
async function checkSameParams(folder: RunFolder, postProcesses: readonly PostProcess[], labels: readonly string[], keyIds: readonly string[]): Promise<void> {
  for (const [i, postProcess] of postProcesses.entries()) {
    const label = labels[i]!;
    const done = keyIds.filter((id) => (folder.manifest.robust[label] ?? []).includes(id));
    if (done.length === 0) continue;
    const file = folder.generatorFile(done[0]!, `robust-${label}`);
    const { meta, tensors } = await loadCheckpoint(file);
    Object.values(tensors).forEach((t) => t.dispose());
    const recorded = (meta.postProcess ?? {}) as { name?: string; params?: Record<string, unknown> };
    const same = recorded.name === postProcess.name && JSON.stringify(recorded.params ?? {}) === JSON.stringify(postProcess.params);
    if (!same) {
      throw new Error(`run ${folder.dir}: the generator of ${done[0]} robust to ${label} was trained with ${recorded.name} ${JSON.stringify(recorded.params ?? {})}, not ${postProcess.name} ${JSON.stringify(postProcess.params)}; give this variant its own label (--label NAME)`);
    }
  }
}
