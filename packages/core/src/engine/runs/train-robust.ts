import { resolve } from 'node:path';
import type { Generator } from '../../contracts/generator.js';
import type { PostProcess } from '../../contracts/post-process.js';
import { checkName, type PendingJob } from '../../io/run-folder.js';
import { trainRobustGenerator } from '../robust-stage.js';
import { resolveOptions, type OptionsInput, type RobustStageOptions } from '../options.js';
import type { RunHooks, RunServices } from './services.js';
import { finishJob, openRunSession, startJob } from './session.js';
import { writeSampleGrid } from './write-products.js';

/** A post-process by registered name, with parameters (defaults when omitted). */
export interface PostProcessRequest {
  readonly name: string;
  readonly params?: Readonly<Record<string, unknown>>;
}

export interface TrainRobustRequest {
  readonly dir: string;
  /** Post-processes to make the generators robust to; each gets its own fine-tuned copies. */
  readonly postProcesses: readonly PostProcessRequest[];
  /** Keys whose generators to fine-tune; default: every key with a generator. */
  readonly keys?: readonly string[];
  readonly options?: OptionsInput<RobustStageOptions>;
  readonly resume?: boolean;
}

export interface TrainRobustResult {
  readonly dir: string;
  /** `<post-process>/<key>` of every generator this call finished. */
  readonly trained: readonly string[];
}

/** Builds post-process instances and checks that robust training can use them. */
function buildPostProcesses(services: RunServices, requests: readonly PostProcessRequest[]): PostProcess[] {
  if (requests.length === 0) throw new Error('no post-process given; expected at least one (--postprocess NAME)');
  return requests.map((request) => {
    checkName('post-process name', request.name);
    const postProcess = services.postProcess(request.name).create(request.params ?? {});
    if (!postProcess.differentiable) {
      throw new Error(`post-process ${request.name} is not differentiable; robust training needs one that gradients can flow through`);
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
  const session = await openRunSession(services, dir);
  const trained: string[] = [];
  try {
    const { folder } = session;
    const manifest = folder.manifest;
    const resumable = request.resume === true && manifest.pending?.stage === 'robust';
    const requests = resumable ? manifest.pending!.postProcesses!.map(({ name, params }) => ({ name, params })) : request.postProcesses;
    const postProcesses = buildPostProcesses(services, requests);
    for (const id of request.keys ?? []) {
      if (!manifest.generators.includes(id)) throw new Error(`key ${id} of run ${dir} has no keyed generator (generators: ${manifest.generators.join(', ') || 'none'})`);
    }
    const keyIds = request.keys ?? manifest.generators;
    if (keyIds.length === 0) throw new Error(`run ${dir} has no keyed generators yet; run \`attrib generators train\` first`);
    // Every key and generator file is read now, so that a bad one is reported before the job is recorded.
    (await session.loadKeys(keyIds)).forEach((k) => k.dispose());
    for (const id of keyIds) (await session.loadGenerator(id)).dispose();
    if (!manifest.pending && postProcesses.every((p) => keyIds.every((id) => (manifest.robust[p.name] ?? []).includes(id)))) {
      hooks.log?.(`every generator asked for is already robust to ${postProcesses.map((p) => p.name).join(', ')}`);
      return { dir, trained };
    }
    const job = await startJob(folder, 'robust', request.resume ?? false, (): PendingJob => ({
      stage: 'robust', keys: [...keyIds], options: { ...options },
      postProcesses: postProcesses.map((p) => ({ label: p.name, name: p.name, params: { ...p.params } })),
      startedAt: new Date().toISOString(),
    }), hooks.log);
    const ctx = session.stageContext('robust', hooks);
    for (const [index, postProcess] of postProcesses.entries()) {
      const label = job.postProcesses![index]!.label;
      for (const id of job.keys) {
        if ((folder.manifest.robust[label] ?? []).includes(id)) continue;
        const [key] = await session.loadKeys([id]);
        const start = await session.loadGenerator(id);
        let generator: Generator | undefined;
        try {
          ({ generator } = await trainRobustGenerator(ctx, key!, start, postProcess, job.options as OptionsInput<RobustStageOptions>, label));
          await folder.writeGenerator(id, generator, `robust-${label}`, { stage: 'robust', postProcess: { name: postProcess.name, params: postProcess.params } });
          await writeSampleGrid(session, `${id}-robust-${label}`, generator);
          await folder.update((m) => {
            (m.robust[label] ??= []).push(id);
          });
          trained.push(`${label}/${id}`);
          hooks.log?.(`generator of ${id} robust to ${label} written`);
        } finally {
          key!.dispose();
          start.dispose();
          generator?.dispose();
        }
      }
    }
    await finishJob(folder);
    return { dir, trained };
  } finally {
    session.dispose();
  }
}
